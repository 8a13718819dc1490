/**
 * The fleet config, `privlink.yaml` at the repository root: what every customer's operator stack shares — the
 * Terraform state backend, the role CI assumes in each customer's AWS account, provider version constraints,
 * default labels — and where specs and output live. Like the customer spec, one zod schema gives the types,
 * the validation and the shipped JSON Schema (schema/fleet.schema.json).
 *
 * Without a privlink.yaml every default applies: local state beside each stack, no assumed role. That keeps the
 * repository's examples working offline; a real fleet names a remote backend.
 */
import { z } from 'zod';
import {
  AWS_PROVIDER_CONSTRAINT,
  DEFAULT_GCP_ROUTER_ASN,
  DEFAULT_OUTPUT_DIR,
  DEFAULT_SPECS_DIR,
  GOOGLE_PROVIDER_CONSTRAINT,
  TERRAFORM_VERSION_CONSTRAINT,
  ENGINES,
} from '../domain/constants';
import { labelsSchema } from '../input/schema';
import { CLOUD_ROUTERS_PER_NETWORK_REGION, GITHUB_MATRIX_JOBS, LIMIT_SOURCES } from '../domain/limits';

/** The placeholder every state key or prefix must contain, so no two customers ever share a state. */
export const CUSTOMER_PLACEHOLDER = '{customer}';

/** One Terraform version constraint list, like ">= 5.100.0, < 7.0.0" or "~> 6.0". */
const CONSTRAINT = /^\s*(?:(?:=|!=|>|>=|<|<=|~>)\s*)?v?\d+(?:\.\d+){0,2}(?:-[0-9A-Za-z.-]+)?\s*(?:,\s*(?:(?:=|!=|>|>=|<|<=|~>)\s*)?v?\d+(?:\.\d+){0,2}(?:-[0-9A-Za-z.-]+)?\s*)*$/;

const constraint = (fallback: string, what: string) =>
  z
    .string({ error: 'must be a string like ">= 5.100.0, < 7.0.0"' })
    .regex(CONSTRAINT, { error: 'must be a Terraform version constraint like ">= 5.100.0, < 7.0.0" or "~> 6.0"' })
    .default(fallback)
    .describe(`Version constraint for ${what}. Default "${fallback}".`);

const roleName = z.string({ error: 'must be a string' }).regex(/^[\w+=,.@-]{1,64}$/, { error: 'must be an IAM role name: 1–64 of letters, digits and +=,.@_-' });

/** A relative path inside the repository: no leading "/", no "..", forward slashes. */
const relativePath = (fallback: string, what: string) =>
  z
    .string({ error: 'must be a string' })
    .min(1, { error: 'must not be empty' })
    .refine((p) => !p.startsWith('/') && !/^[A-Za-z]:/.test(p) && !p.split(/[\\/]/).includes('..'), {
      error: 'must be a relative path inside the repository (no leading "/", no "..")',
      abort: true,
    })
    .default(fallback)
    .describe(`${what} Default "${fallback}".`);

/** A state key or prefix template: relative, and naming {customer} so every customer gets its own state. */
const stateTemplate = (fallback: string, what: string) =>
  z
    .string({ error: 'must be a string' })
    .regex(/^[A-Za-z0-9_.{}\/-]+$/, { error: `must hold only letters, digits, "_", ".", "-", "/" and ${CUSTOMER_PLACEHOLDER}`, abort: true })
    .refine((p) => p.includes(CUSTOMER_PLACEHOLDER), {
      error: `must contain ${CUSTOMER_PLACEHOLDER}: without it every customer would share one state`,
    })
    .refine((p) => !p.startsWith('/') && !p.split('/').includes('..') && !p.includes('//'), {
      error: 'must be relative (no leading "/", no "..", no empty segment)',
    })
    .default(fallback)
    .describe(`${what} ${CUSTOMER_PLACEHOLDER} becomes the customer name. Default "${fallback}".`);

const localBackend = z
  .strictObject({
    type: z.literal('local'),
    path: relativePath('terraform.tfstate', 'State file, relative to generated/<name>/operator/ (kept by `privlink generate`).').refine(
      (p) => !p.includes('/') && !p.includes('\\'),
      { error: 'must be a file name in the operator folder, like "terraform.tfstate"' },
    ),
  })
  .describe('State in a file beside each operator stack. For trying privlink out; a fleet uses gcs or s3.');

const gcsBackend = z
  .strictObject({
    type: z.literal('gcs'),
    bucket: z
      .string({ error: 'must be a string' })
      .regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, { error: 'must be a GCS bucket name: 3–63 of a-z, 0-9, ".", "_", "-"' }),
    prefix: stateTemplate('privlink/{customer}', 'Object prefix of each customer\'s state.'),
  })
  .describe('Google Cloud Storage: one state per customer under its prefix; GCS locks natively.');

const s3Backend = z
  .strictObject({
    type: z.literal('s3'),
    bucket: z
      .string({ error: 'must be a string' })
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'must be an S3 bucket name: 3–63 of a-z, 0-9, ".", "-"' }),
    region: z
      .string({ error: 'must be a string' })
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: 'must be an AWS region like "us-east-1"' })
      .describe('Region of the bucket.'),
    key: stateTemplate('privlink/{customer}/terraform.tfstate', 'Object key of each customer\'s state.'),
    dynamodbTable: z
      .string({ error: 'must be a string' })
      .regex(/^[A-Za-z0-9_.-]{3,255}$/, { error: 'must be a DynamoDB table name: 3–255 of A-Z, a-z, 0-9, "_", ".", "-"' })
      .optional()
      .describe('Lock with this DynamoDB table (deprecated by Terraform). Absent: S3-native locking (use_lockfile, Terraform ≥ 1.10).'),
    kmsKeyId: z
      .string({ error: 'must be a string' })
      .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+$/, { error: 'must be a KMS key or alias ARN' })
      .optional()
      .describe('Encrypt state with this KMS key instead of the bucket default (state holds the VPN pre-shared keys).'),
  })
  .describe('Amazon S3: one encrypted, locked state object per customer.');

/**
 * The Region of an SNS topic ARN (`arn:aws:sns:<region>:<account>:<name>`). A CloudWatch alarm publishes only to a
 * topic in its own Region: PutMetricAlarm refuses another with `ValidationError: Invalid region ca-central-1
 * specified. Only us-west-2 is supported.` (the API's error as a failed apply reports it, cds-snc/notification-terraform
 * pull request 128). Each customer's alarms take the topics of its `aws.region`; fleet/load.ts refuses a list that
 * would leave a customer's Region without one.
 */
export const topicRegion = (arn: string) => arn.split(':')[3] ?? '';

/**
 * Where one severity's alerts go. CloudWatch alarms publish to SNS topics; Cloud Monitoring alert policies notify
 * notification channels. Both lists may be empty: the alarms and policies exist without targets (they show in the
 * consoles, and `privlink status` reads the same facts), and gain targets when the fleet names them.
 */
const alertTargets = (severity: string) =>
  z
    .strictObject({
      snsTopicArns: z
        .array(
          z
            .string({ error: 'must be a string' })
            .regex(/^arn:aws[a-z-]*:sns:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$/, {
              error: 'must be an SNS topic ARN: arn:aws:sns:[REGION]:[ACCOUNT_ID]:[TOPIC_NAME]',
            }),
          { error: 'must be a list of SNS topic ARNs' },
        )
        .default([])
        .describe(
          `SNS topics every customer's ${severity} CloudWatch alarms publish to, one per Region the customers' aws.region names: each alarm publishes to the topics of its own Region (CloudWatch refuses another Region's). A topic in another account must allow the customer's operator accounts: a topic policy statement with principal service cloudwatch.amazonaws.com, action sns:Publish, and aws:SourceAccount (or aws:SourceArn "arn:aws:cloudwatch:<region>:<account>:alarm:privlink-*") naming them.`,
        ),
      notificationChannels: z
        .array(
          z
            .string({ error: 'must be a string' })
            .regex(/^projects\/([a-z][a-z0-9-]{4,28}[a-z0-9]|\d+)\/notificationChannels\/\d+$/, {
              error: 'must be a notification channel name: projects/[PROJECT_ID]/notificationChannels/[CHANNEL_ID]',
            }),
          { error: 'must be a list of notification channel names' },
        )
        .default([])
        .describe(`Cloud Monitoring notification channels every customer's ${severity} alert policies notify.`),
    })
    .prefault({})
    .describe(`Targets of ${severity} alerts.`);

const alertsSchema = z
  .strictObject({
    warning: alertTargets('warning (redundancy lost: one tunnel or BGP session down)'),
    critical: alertTargets('critical (no path left: every tunnel or every BGP session down)'),
  })
  .prefault({})
  .describe('Where the alarms on every tunnel and BGP session send their notifications, once for the whole fleet.');

/**
 * The shared Cloud Routers of each GCP network and region (docs/shared-routers.md). Every customer
 * privlink places there peers with one of at most five routers, which the hub stacks own.
 */
const sharedRoutersSchema = z
  .strictObject({
    asn: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .refine((n) => (n >= 64512 && n <= 65534) || (n >= 4200000000 && n <= 4294967294), {
        error: 'must be a private ASN: 64512–65534 or 4200000000–4294967294',
      })
      .default(DEFAULT_GCP_ROUTER_ASN)
      .describe(
        `ASN of every shared Cloud Router privlink creates (each customer's AWS customer gateways carry it). Default ${DEFAULT_GCP_ROUTER_ASN}. Changing it replaces every shared router and every tunnel on it.`,
      ),
    networks: z
      .array(
        z.strictObject({
          project: z.string({ error: 'must be a string' }).regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, { error: 'must be a GCP project id' }),
          network: z.string({ error: 'must be a string' }).regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, { error: 'must be a GCP network name' }),
          region: z.string({ error: 'must be a string' }).regex(/^[a-z]+-[a-z]+\d+$/, { error: 'must be a GCP region like "us-central1"' }),
          existingRouters: z
            .number({ error: 'must be a number' })
            .int({ error: 'must be a whole number' })
            .min(0, { error: `must be 0–${CLOUD_ROUTERS_PER_NETWORK_REGION}` })
            .max(CLOUD_ROUTERS_PER_NETWORK_REGION, {
              error: `must be 0–${CLOUD_ROUTERS_PER_NETWORK_REGION}: Google allows ${CLOUD_ROUTERS_PER_NETWORK_REGION} Cloud Routers per network and region`,
            })
            .describe('Cloud Routers the operator already has on this network and region, which privlink does not manage: privlink uses at most 5 minus this many.'),
        }),
        { error: 'must be a list of {project, network, region, existingRouters}' },
      )
      .default([])
      .describe('Networks and regions where the operator has Cloud Routers of its own. Default none.'),
  })
  .prefault({})
  .describe('Shared Cloud Routers: customers on one GCP network and region share at most five routers.');

export const BACKEND_TYPES = ['local', 'gcs', 's3'] as const;

const backendSchema = z
  .discriminatedUnion('type', [localBackend, gcsBackend, s3Backend], {
    error: `must have "type": one of ${BACKEND_TYPES.join(', ')}`,
  })
  .describe('Terraform backend of every operator stack.');

export const fleetSchema = z
  .strictObject({
    apiVersion: z.literal('privlink/v1', { error: 'must be "privlink/v1"' }),
    kind: z.literal('Fleet', { error: 'must be "Fleet"' }),
    paths: z
      .strictObject({
        specs: relativePath(DEFAULT_SPECS_DIR, 'Folder of customer specs.'),
        output: relativePath(DEFAULT_OUTPUT_DIR, 'Folder privlink writes to.'),
      })
      .prefault({}),
    backend: backendSchema.default({ type: 'local', path: 'terraform.tfstate' }),
    aws: z
      .strictObject({
        assumeRoleName: z
          .string({ error: 'must be a string' })
          .regex(/^[\w+=,.@-]{1,64}$/, { error: 'must be an IAM role name: 1–64 of letters, digits and +=,.@_-' })
          .optional()
          .describe(
            'Role CI assumes in each customer\'s operator account: the AWS provider gets assume_role with arn:aws:iam::<accountId>:role/<name>. Absent: the ambient credentials are used. One role for plans and applies; aws.roles splits them.',
          ),
        roles: z
          .strictObject({
            plan: roleName.default('privlink-plan').describe('Read-only role in each operator account: pull-request plans and the drift check.'),
            apply: roleName.default('privlink-apply').describe('Role in each operator account that applies; only CI jobs in the protected environment reach it.'),
          })
          .optional()
          .describe(
            'Two roles in each customer\'s operator account (docs/ci-identities.md): the stacks assume arn:aws:iam::<accountId>:role/${var.privlink_aws_role}, the plan role unless CI passes the apply role. generated/ci/identities/ creates them.',
          ),
      })
      .refine((a) => !(a.assumeRoleName !== undefined && a.roles !== undefined), { error: 'name either assumeRoleName (one role) or roles (plan and apply), not both', path: ['roles'] })
      .prefault({}),
    providers: z
      .strictObject({
        terraform: constraint(TERRAFORM_VERSION_CONSTRAINT, 'Terraform itself (required_version)'),
        aws: constraint(AWS_PROVIDER_CONSTRAINT, 'hashicorp/aws in operator stacks'),
        google: constraint(GOOGLE_PROVIDER_CONSTRAINT, 'hashicorp/google in operator stacks'),
      })
      .prefault({}),
    labels: labelsSchema().describe(
      'Labels (GCP) and tags (AWS) on every operator resource of every customer; a spec\'s own labels win on the same key.',
    ),
    alerts: alertsSchema,
    sharedRouters: sharedRoutersSchema,
    ci: z
      .strictObject({
        engine: z
          .enum(ENGINES, { error: `must be one of: ${ENGINES.join(', ')}` })
          .default('terraform')
          .describe('What CI runs the stacks with: terraform (HashiCorp Terraform) or opentofu (the `tofu` CLI). The workflows install it, Atlantis uses it as its distribution, `privlink plan` calls it.'),
        atlantis: z.boolean({ error: 'must be true or false' }).default(true).describe('Write generated/ci/atlantis.yaml.'),
        githubActions: z
          .boolean({ error: 'must be true or false' })
          .default(true)
          .describe('Write generated/ci/github-actions.yml and github-drift.yml (example workflows to copy into .github/workflows/).'),
        maxParallel: z
          .number({ error: 'must be a number' })
          .int({ error: 'must be a whole number' })
          .min(1, { error: `must be 1 to ${GITHUB_MATRIX_JOBS}` })
          .max(GITHUB_MATRIX_JOBS, { error: `must be 1 to ${GITHUB_MATRIX_JOBS}: ${LIMIT_SOURCES.githubMatrix}` })
          .default(20)
          .describe(
            `GitHub Actions: how many jobs of one step (labs, plans and applies, drift plans) run at once. The changed stacks are dealt into this many shards, each job runs its shard's stacks one after another, so no matrix exceeds ${GITHUB_MATRIX_JOBS} jobs at any fleet size. Cloud APIs rate-limit: many plans against one project at once can hit them.`,
          ),
        lab: z
          .boolean({ error: 'must be true or false' })
          .default(true)
          .describe('GitHub Actions: a pull request runs `privlink lab` for each changed customer before its plan (the runner needs sudo, as GitHub-hosted ubuntu-latest has); a failed lab blocks that customer.'),
        driftCron: z
          .string({ error: 'must be a cron schedule like "23 5 * * *", or "" for no drift workflow' })
          .regex(/^$|^\S+( \S+){4}$/, { error: 'must be a cron schedule of 5 fields like "23 5 * * *" (UTC), or "" for no drift workflow' })
          .default('23 5 * * *')
          .describe('GitHub Actions: when the drift workflow plans every stack (cron, UTC; GitHub runs schedules at most every 5 minutes). "" writes no drift workflow.'),
      })
      .prefault({}),
    pricing: z
      .strictObject({
        overrides: z
          .record(
            z.string(),
            z.strictObject({
              price: z.number({ error: 'must be a price in USD, like 0.045' }).nonnegative({ error: 'must be 0 or more' }),
              byRegion: z.record(z.string(), z.number({ error: 'must be a price in USD' }).nonnegative({ error: 'must be 0 or more' })).optional(),
              reason: z.string({ error: 'must say why (a negotiated rate, a contract)' }).min(1, { error: 'must say why (a negotiated rate, a contract)' }),
            }),
            { error: 'must map price table entries (docs/cost.md) to { price, reason }' },
          )
          .default({})
          .describe('Price table entries to replace (docs/cost.md lists them): { price, byRegion?, reason }. A negotiated rate, or a Region the table does not list.'),
      })
      .prefault({}),
    rollout: z
      .strictObject({
        canary: z
          .array(z.string({ error: 'must be a customer name' }), { error: 'must be a list of customer names' })
          .default([])
          .describe('Customers whose applies run first, in a job of their own: every other apply of the same change waits for them, and a failed canary stops the rest.'),
      })
      .prefault({}),
  })
  .describe('privlink fleet config: privlink.yaml at the repository root.');

export type FleetConfig = z.output<typeof fleetSchema>;
export type BackendConfig = FleetConfig['backend'];

/** Every default: what privlink uses when there is no privlink.yaml. */
export const DEFAULT_FLEET: FleetConfig = fleetSchema.parse({ apiVersion: 'privlink/v1', kind: 'Fleet' });
