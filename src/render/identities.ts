/**
 * generated/ci/identities/: what the operator applies once to give CI two identities per cloud (docs/ci-identities.md).
 *
 *   aws-ci/        once, in the account CI logs in to: GitHub's OIDC provider, the plan role (trusted by pull
 *                  requests and the drift check on main) and the apply role (trusted only in the protected
 *                  environment), each allowed to assume its namesake in the operator accounts, and the state.
 *   aws-account/   once per customer operator account: the plan role (read only) and the apply role, each trusting
 *                  only its central role, with the actions the stacks' resource types need (domain/permissions.ts).
 *   gcp/           once, in the project: the workload identity pool and provider, two custom roles, two service
 *                  accounts, each impersonable only by its token subjects. HCL: no google provider runs here.
 */
import { AWS_PROVIDER_CONSTRAINT, GOOGLE_PROVIDER_CONSTRAINT, TERRAFORM_VERSION_CONSTRAINT } from '../domain/constants';
import { AWS_PERMISSIONS, GCP_PERMISSIONS, awsActions, gcpPermissions } from '../domain/permissions';
import type { FleetConfig } from '../fleet/schema';
import { generatedNotice } from './header';

export const IDENTITIES_DIR = 'identities';
/** The names the CI side gives its two roles and the GCP side its two service accounts. */
export const CI_ROLES = { plan: 'privlink-ci-plan', apply: 'privlink-ci-apply' } as const;
/** What the stacks' own flow-log role is called (render/operator/network.ts names it privlink-<customer>-flow-logs). */
const FLOW_LOG_ROLES = 'role/privlink-*-flow-logs';

const statement = (sid: string, actions: readonly string[], resource: string | readonly string[], condition?: object) => ({
  Sid: sid,
  Effect: 'Allow',
  Action: [...actions],
  Resource: resource,
  ...(condition ? { Condition: condition } : {}),
});
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

/** The roles in each operator account, named by fleet `aws.roles` (or the defaults the docs use). */
export function accountRoleNames(fleet: FleetConfig): { plan: string; apply: string } {
  return fleet.aws.roles ?? { plan: 'privlink-plan', apply: 'privlink-apply' };
}

/** The plan and apply policies of the roles in an operator account (the JSON documents, for tests and the module). */
export function accountPolicies(): { plan: object; apply: object } {
  const types = Object.keys(AWS_PERMISSIONS);
  const { plan, apply } = awsActions(types);
  const iam = (xs: readonly string[]) => xs.filter((a) => a.startsWith('iam:'));
  const notIam = (xs: readonly string[]) => xs.filter((a) => !a.startsWith('iam:'));
  const roles = 'arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/privlink-*';
  const passRole = `arn:\${data.aws_partition.current.partition}:iam::\${data.aws_caller_identity.current.account_id}:${FLOW_LOG_ROLES}`;
  return {
    plan: { Version: '2012-10-17', Statement: [statement('ReadTheStacks', notIam(plan), '*'), statement('ReadPrivlinkRoles', iam(plan), roles)] },
    apply: {
      Version: '2012-10-17',
      Statement: [
        statement('ManageTheStacks', notIam(apply), '*'),
        statement('ManagePrivlinkRoles', iam(apply).filter((a) => a !== 'iam:PassRole'), roles),
        statement('PassTheFlowLogRole', ['iam:PassRole'], passRole, { StringEquals: { 'iam:PassedToService': 'vpc-flow-logs.amazonaws.com' } }),
      ],
    },
  };
}

function header(source: string) {
  return { '//': { generated: generatedNotice(source) } };
}

/** aws-account/main.tf.json: the two roles of one operator account. */
export function awsAccountModule(fleet: FleetConfig, source: string): string {
  const names = accountRoleNames(fleet);
  const p = accountPolicies();
  const trust = (variable: string) => policy({ Effect: 'Allow', Principal: { AWS: `\${var.${variable}}` }, Action: 'sts:AssumeRole' });
  return `${JSON.stringify(
    {
      ...header(source),
      terraform: { required_version: TERRAFORM_VERSION_CONSTRAINT, required_providers: { aws: { source: 'hashicorp/aws', version: AWS_PROVIDER_CONSTRAINT } } },
      variable: {
        ci_plan_role_arn: { type: 'string', description: `ARN of the central plan role (aws-ci output plan_role_arn): the only principal that may assume ${names.plan}.` },
        ci_apply_role_arn: { type: 'string', description: `ARN of the central apply role (aws-ci output apply_role_arn): the only principal that may assume ${names.apply}.` },
      },
      data: { aws_caller_identity: { current: {} }, aws_partition: { current: {} } },
      resource: {
        aws_iam_role: {
          plan: {
            name: names.plan,
            description:
              'privlink plan role: reads the operator stack (pull-request plans, the drift check). It changes nothing here; the VPN pre-shared keys it can see are those in the state it reads.',
            assume_role_policy: trust('ci_plan_role_arn'),
            max_session_duration: 3600,
          },
          apply: { name: names.apply, description: 'privlink apply role: creates, changes and deletes the operator stack; reached only from the protected environment.', assume_role_policy: trust('ci_apply_role_arn'), max_session_duration: 3600 },
        },
        aws_iam_role_policy: {
          plan: { name: 'privlink-plan', role: '${aws_iam_role.plan.id}', policy: JSON.stringify(p.plan) },
          apply: { name: 'privlink-apply', role: '${aws_iam_role.apply.id}', policy: JSON.stringify(p.apply) },
        },
      },
      output: { plan_role_arn: { value: '${aws_iam_role.plan.arn}' }, apply_role_arn: { value: '${aws_iam_role.apply.arn}' } },
    },
    null,
    2,
  )}\n`;
}

/** The S3 state statements of the fleet's backend: read for both, write only for apply (the plan role writes the lock). */
function stateStatements(fleet: FleetConfig, role: 'plan' | 'apply'): object[] {
  const b = fleet.backend;
  if (b.type !== 's3') return [];
  const prefix = b.key.slice(0, b.key.indexOf('{customer}'));
  const objects = `arn:aws:s3:::${b.bucket}/${prefix}*`;
  const out: object[] = [statement('ListTheState', ['s3:ListBucket'], `arn:aws:s3:::${b.bucket}`), statement('ReadTheState', ['s3:GetObject'], objects)];
  out.push(role === 'apply' ? statement('WriteTheState', ['s3:PutObject', 's3:DeleteObject'], objects) : statement('TakeTheLock', ['s3:PutObject', 's3:DeleteObject'], `arn:aws:s3:::${b.bucket}/${prefix}*.tflock`));
  if (b.dynamodbTable) out.push(statement('TheLockTable', ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], `arn:aws:dynamodb:${b.region}:*:table/${b.dynamodbTable}`));
  if (b.kmsKeyId) out.push(statement('TheStateKey', role === 'apply' ? ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt', 'kms:GenerateDataKey'], b.kmsKeyId));
  return out;
}

/** aws-ci/main.tf.json: GitHub's OIDC provider and the two central roles, bound to the token's subjects. */
export function awsCiModule(fleet: FleetConfig, source: string): string {
  const names = accountRoleNames(fleet);
  const sub = 'token.actions.githubusercontent.com:sub';
  const trust = (subjects: string[]) =>
    policy({
      Effect: 'Allow',
      Principal: { Federated: '${aws_iam_openid_connect_provider.github.arn}' },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', [sub]: subjects } },
    });
  const assume = (role: string) => statement('AssumeInOperatorAccounts', ['sts:AssumeRole'], `arn:aws:iam::*:role/${role}`);
  return `${JSON.stringify(
    {
      ...header(source),
      terraform: { required_version: TERRAFORM_VERSION_CONSTRAINT, required_providers: { aws: { source: 'hashicorp/aws', version: AWS_PROVIDER_CONSTRAINT } } },
      variable: {
        github_repository: { type: 'string', description: 'The repository whose workflows run privlink, as OWNER/REPO.' },
        environment: { type: 'string', default: 'production', description: 'The protected GitHub environment the apply jobs run in.' },
      },
      resource: {
        aws_iam_openid_connect_provider: { github: { url: 'https://token.actions.githubusercontent.com', client_id_list: ['sts.amazonaws.com'] } },
        aws_iam_role: {
          plan: {
            name: CI_ROLES.plan,
            description: `privlink CI, plans: pull requests and the drift check on main. May assume ${names.plan} in the operator accounts, and read the state.`,
            // Pull requests, and the scheduled drift check, whose token names the branch (no environment).
            assume_role_policy: trust(['repo:${var.github_repository}:pull_request', 'repo:${var.github_repository}:ref:refs/heads/main']),
          },
          apply: {
            name: CI_ROLES.apply,
            description: `privlink CI, applies: only jobs in the protected environment. May assume ${names.apply} in the operator accounts, and write the state.`,
            assume_role_policy: trust(['repo:${var.github_repository}:environment:${var.environment}']),
          },
        },
        aws_iam_role_policy: {
          plan: { name: 'privlink-ci-plan', role: '${aws_iam_role.plan.id}', policy: policy(assume(names.plan), ...stateStatements(fleet, 'plan')) },
          apply: { name: 'privlink-ci-apply', role: '${aws_iam_role.apply.id}', policy: policy(assume(names.apply), ...stateStatements(fleet, 'apply')) },
        },
      },
      output: { plan_role_arn: { value: '${aws_iam_role.plan.arn}' }, apply_role_arn: { value: '${aws_iam_role.apply.arn}' } },
    },
    null,
    2,
  )}\n`;
}

const hclList = (xs: readonly string[], indent: string) => `[\n${xs.map((x) => `${indent}  "${x}",`).join('\n')}\n${indent}]`;

/** The GCS state bucket's bindings: both identities read it; the plan one writes only lock files. */
function gcsStateBindings(fleet: FleetConfig): string {
  const gcs = fleet.backend.type === 'gcs' ? fleet.backend : undefined;
  return gcs
    ? `
# The state bucket: both read it; the plan identity writes only the lock file, the apply identity the state too.
resource "google_storage_bucket_iam_member" "plan_reads_state" {
  bucket = "${gcs.bucket}"
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:\${google_service_account.plan.email}"
}

resource "google_storage_bucket_iam_member" "plan_takes_the_lock" {
  bucket = "${gcs.bucket}"
  role   = "roles/storage.objectCreator"
  member = "serviceAccount:\${google_service_account.plan.email}"
  condition {
    title      = "lock files only"
    expression = "resource.name.endsWith('.tflock')"
  }
}

resource "google_storage_bucket_iam_member" "apply_writes_state" {
  bucket = "${gcs.bucket}"
  role   = "roles/storage.objectUser"
  member = "serviceAccount:\${google_service_account.apply.email}"
}
`
    : '';
}

/** The pool, its provider, the two custom roles, the two service accounts and who may act as each. */
function poolRolesAndAccounts(plan: readonly string[], apply: readonly string[]): string {
  return `resource "google_iam_workload_identity_pool" "github" {
  project                   = var.project_id
  workload_identity_pool_id = "privlink-github"
  display_name              = "privlink GitHub Actions"
}

resource "google_iam_workload_identity_pool_provider" "github" {
  project                            = var.project_id
  workload_identity_pool_id          = google_iam_workload_identity_pool.github.workload_identity_pool_id
  workload_identity_pool_provider_id = "github"
  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.repository" = "assertion.repository"
  }
  # Only this repository's tokens are exchanged at all; which identity each gets is decided below, by subject.
  attribute_condition = "assertion.repository == '\${var.github_repository}'"
  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}

resource "google_project_iam_custom_role" "plan" {
  project     = var.project_id
  role_id     = "privlinkPlan"
  title       = "privlink plan"
  description = "Reads what privlink's stacks manage (plans, the drift check); changes nothing."
  permissions = ${hclList(plan, '  ')}
}

resource "google_project_iam_custom_role" "apply" {
  project     = var.project_id
  role_id     = "privlinkApply"
  title       = "privlink apply"
  description = "Creates, changes and deletes what privlink's stacks manage; only for the protected environment."
  permissions = ${hclList(apply, '  ')}
}

resource "google_service_account" "plan" {
  project      = var.project_id
  account_id   = "${CI_ROLES.plan}"
  display_name = "privlink CI, plans"
}

resource "google_service_account" "apply" {
  project      = var.project_id
  account_id   = "${CI_ROLES.apply}"
  display_name = "privlink CI, applies"
}

resource "google_project_iam_member" "plan" {
  project = var.project_id
  role    = google_project_iam_custom_role.plan.name
  member  = "serviceAccount:\${google_service_account.plan.email}"
}

resource "google_project_iam_member" "apply" {
  project = var.project_id
  role    = google_project_iam_custom_role.apply.name
  member  = "serviceAccount:\${google_service_account.apply.email}"
}

# Each token subject that may act as each service account, and none other.
resource "google_service_account_iam_member" "plan_subjects" {
  for_each           = toset(local.plan_subjects)
  service_account_id = google_service_account.plan.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principal://iam.googleapis.com/\${google_iam_workload_identity_pool.github.name}/subject/\${each.value}"
}

resource "google_service_account_iam_member" "apply_subjects" {
  for_each           = toset(local.apply_subjects)
  service_account_id = google_service_account.apply.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principal://iam.googleapis.com/\${google_iam_workload_identity_pool.github.name}/subject/\${each.value}"
}
`;
}

/** gcp/main.tf: the pool, its provider, two custom roles and two service accounts (HCL, not validated here). */
export function gcpModule(fleet: FleetConfig, source: string): string {
  const { plan, apply } = gcpPermissions(Object.keys(GCP_PERMISSIONS));
  const state = gcsStateBindings(fleet);
  return `# ${generatedNotice(source)}
# Once per project (docs/ci-identities.md). No google provider runs on the machines privlink is tested on: this file
# is parsed, not validated by terraform; read it before you apply it.
terraform {
  required_version = "${TERRAFORM_VERSION_CONSTRAINT}"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "${GOOGLE_PROVIDER_CONSTRAINT}"
    }
  }
}

variable "project_id" {
  type        = string
  description = "The project of the operator's network, hubs and alerting."
}

variable "github_repository" {
  type        = string
  description = "The repository whose workflows run privlink, as OWNER/REPO."
}

variable "environment" {
  type        = string
  default     = "production"
  description = "The protected GitHub environment the apply jobs run in."
}

locals {
  plan_subjects  = ["repo:\${var.github_repository}:pull_request", "repo:\${var.github_repository}:ref:refs/heads/main"]
  apply_subjects = ["repo:\${var.github_repository}:environment:\${var.environment}"]
}

${poolRolesAndAccounts(plan, apply)}${state}
output "workload_identity_provider" {
  value = google_iam_workload_identity_pool_provider.github.name
}

output "plan_service_account" {
  value = google_service_account.plan.email
}

output "apply_service_account" {
  value = google_service_account.apply.email
}
`;
}

/** The files of generated/ci/identities/, relative to generated/ci/. */
export function renderIdentities(fleet: FleetConfig, source: string): Map<string, string> {
  return new Map([
    [`${IDENTITIES_DIR}/aws-account/main.tf.json`, awsAccountModule(fleet, source)],
    [`${IDENTITIES_DIR}/aws-ci/main.tf.json`, awsCiModule(fleet, source)],
    [`${IDENTITIES_DIR}/gcp/main.tf`, gcpModule(fleet, source)],
  ]);
}
