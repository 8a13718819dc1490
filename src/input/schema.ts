/**
 * The customer spec: one zod schema is the single source of the TypeScript types (`CustomerSpec`), the runtime
 * validation of field shapes and the JSON Schema shipped in schema/customer.schema.json (`npm run schema`).
 * Rules that relate several fields (overlaps, ASN pairing, regions) live in input/rules.ts.
 */
import { TUNNEL_KEYS, type TunnelKey } from '../domain/tunnels';
import { z } from 'zod';
import {
  CI_FOLDER,
  CUSTOMER_NAME_MAX,
  HUBS_FOLDER,
  FLEET_FOLDER,
  DEFAULT_AWS_SIDE_ASN,
  DEFAULT_GCP_ROUTER_ASN,
  DEFAULT_IKE,
  ENDPOINT_NAME_MAX,
  GCP_NAME_MAX,
  GCP_NAME_PATTERN,
  IKE_DH_GROUPS,
  IKE_ENCRYPTION,
  IKE_INTEGRITY,
  RESERVED_CUSTOMER_NAMES,
} from '../domain/constants';
import { EXCEPTABLE_RULES } from '../domain/exceptions';

/** A written exception to one rule of the security pack (`privlink lint`): shown in both READMEs and the manifest. */
const exceptionSchema = z
  .strictObject({
    rule: z
      .enum(EXCEPTABLE_RULES.map((r) => r.id) as [string, ...string[]], {
        error: `must be a rule that a spec setting breaks: ${EXCEPTABLE_RULES.map((r) => `${r.id} (${r.exceptedBy})`).join(', ')}; privlink's output passes every other rule, with no exception`,
      })
      .describe('Rule id as `privlink lint` prints it.'),
    reason: z
      .string({ error: 'must be a string' })
      .trim()
      .min(20, { error: 'must say who agreed and why, in at least 20 characters (it is printed in both READMEs)' })
      .max(300, { error: 'must be at most 300 characters' })
      .regex(/^[^\u0000-\u001f\u007f|<>`]*$/, { error: 'must be one line of plain text (no control characters, "|", "<", ">" or "`")' })
      .describe('Who agreed to the exception and why, e.g. a ticket reference. One line, shown to the customer.'),
  })
  .describe('A deliberate deviation from one security rule.');

/** Shape of an IPv4 CIDR; whether the host bits are zero is checked in rules.ts, with the corrected value. */
const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;

const cidr = () =>
  z.string({ error: `must be a string like "10.0.0.0/20"` }).regex(IPV4_CIDR, {
    error: `must be an IPv4 CIDR like "10.0.0.0/20" (IPv6 is not supported on this path)`,
  });

const gcpName = (max = GCP_NAME_MAX) =>
  z
    .string({ error: `must be a string` })
    .max(max, { error: `must be at most ${max} characters` })
    .regex(GCP_NAME_PATTERN, {
      error: `must start with a lowercase letter and contain only a-z, 0-9 and "-" (not at the end)`,
    });

const asn = () =>
  z
    .number({ error: `must be a number` })
    .int({ error: `must be a whole number` })
    .min(1, { error: `must be a private ASN: 64512–65534 or 4200000000–4294967294` })
    .max(4294967295, { error: `must be a private ASN: 64512–65534 or 4200000000–4294967294` });

/** Labels (GCP) / tags (AWS): GCP label rules, which AWS tags also accept. Shared with the fleet config. */
export const labelsSchema = () =>
  z
    .record(
      z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, {
        error: 'label keys must start with a lowercase letter and hold at most 63 of a-z, 0-9, "_" and "-"',
      }),
      z
        .string({ error: 'must be a string (quote numbers and booleans)' })
        .regex(/^[a-z0-9_-]{0,63}$/, { error: 'must hold at most 63 of a-z, 0-9, "_" and "-" (GCP label rules)' }),
      { error: 'must be a mapping of label keys to values' },
    )
    .default({})
    .describe('Extra labels on every GCP resource and tags on every AWS resource (GCP label rules apply to both).');

export { TUNNEL_KEYS, type TunnelKey };

export const TLS_MODES = ['private-ca', 'public-ca'] as const;

const endpointSchema = z
  .strictObject({
    name: gcpName(ENDPOINT_NAME_MAX).describe(
      `Endpoint id, used in resource names and Terraform addresses (at most ${ENDPOINT_NAME_MAX} characters). Renaming it replaces the endpoint.`,
    ),
    hostnames: z
      .array(
        z
          .string({ error: 'must be a string' })
          .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, {
            error: 'must be a lowercase DNS name with at least two labels, like "github.internal.company.net"',
          }),
        { error: 'must be a list of DNS names' },
      )
      .min(1, { error: 'must name at least one DNS name' })
      .describe('DNS names the application uses for this service; GCP resolves each to the endpoint.'),
    ports: z
      .array(
        z
          .number({ error: 'must be a number' })
          .int({ error: 'must be a whole number' })
          .min(1, { error: 'must be between 1 and 65535' })
          .max(65535, { error: 'must be between 1 and 65535' }),
        { error: 'must be a list of TCP ports' },
      )
      .min(1, { error: 'must list at least one TCP port' })
      .describe('TCP ports the application connects to (e.g. 443 for HTTPS, 22 for git over SSH).'),
    tls: z
      .enum(TLS_MODES, { error: `must be one of: ${TLS_MODES.join(', ')}` })
      .describe('Who signed the service certificate: a private CA (the application must trust its chain) or a public CA.'),
    serviceName: z
      .string({ error: 'must be a string' })
      // The bare service id (vpce-svc-…) passes here so that the rules, which know aws.region, can name the full form.
      .regex(/^(com\.amazonaws\.vpce\.[a-z]{2}(-gov)?-[a-z]+-\d\.)?vpce-svc-([0-9a-f]{8}|[0-9a-f]{17})$/, {
        error: 'must look like "com.amazonaws.vpce.<region>.vpce-svc-<17 (or 8) hex digits>"',
      })
      .meta({ pattern: '^com\\.amazonaws\\.vpce\\.[a-z]{2}(-gov)?-[a-z]+-\\d\\.vpce-svc-([0-9a-f]{8}|[0-9a-f]{17})$' })
      .optional()
      .describe('VPC endpoint service name the customer sends back after applying their module. Absent: awaiting the customer.'),
    region: z
      .string({ error: 'must be a string' })
      .regex(/^[a-z]{2,4}(-[a-z]+)+-\d+$/, { error: 'must be an AWS Region like "us-east-1"' })
      .optional()
      .describe(
        "AWS Region of the customer's service, when it is not aws.region (default): the operator's interface endpoint reaches it over cross-Region PrivateLink, and the customer applies their module in this Region.",
      ),
    addressOffset: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .optional()
      .describe(
        'Host offset of the endpoint\'s fixed IPv4 address in every subnet (e.g. 20: the 21st address). Default: a hash of the name. Set it only to resolve a collision privlink reports; changing it moves a live endpoint.',
      ),
    acceptanceRequired: z
      .boolean({ error: 'must be true or false' })
      .default(true)
      .describe(
        'Whether the customer accepts each connection request (default true). false needs a security.exceptions entry for CKV_AWS_123 saying who agreed and why.',
      ),
  })
  .describe('A customer service reached through PrivateLink.');

const ikeSchema = z
  .strictObject({
    encryption: z
      .enum(IKE_ENCRYPTION, {
        error: `must be one of: ${IKE_ENCRYPTION.join(', ')}`,
      })
      .default(DEFAULT_IKE.encryption),
    integrity: z
      .enum(IKE_INTEGRITY, {
        error: `must be one of: ${IKE_INTEGRITY.join(', ')}`,
      })
      .default(DEFAULT_IKE.integrity),
    dhGroup: z
      .union(
        IKE_DH_GROUPS.map((g) => z.literal(g)),
        { error: `must be one of: ${IKE_DH_GROUPS.join(', ')} (groups below 14 are weak; Cloud VPN dropped 22)` },
      )
      .default(DEFAULT_IKE.dhGroup),
  })
  .describe('The single IKEv2 proposal used for phase 1 and phase 2 on both sides. Defaults: AES256, SHA2-256, DH group 14.');

const tunnelCidrs = z
  .strictObject(
    Object.fromEntries(TUNNEL_KEYS.map((k) => [k, cidr().optional()])) as Record<
      TunnelKey,
      z.ZodOptional<z.ZodString>
    >,
  )
  .describe(
    'Inside /30 per tunnel (a1, a2, b1, b2; c1, c2, d1, d2 in gcp.failoverRegion) in 169.254.0.0/16. Default: privlink allocates a free one per network (169.254.20.0/30, 169.254.20.4/30, 169.254.21.0/30 … for the first customer).',
  );

export const customerSchema = z
  .strictObject({
    apiVersion: z.literal('privlink/v1', { error: 'must be "privlink/v1"' }),
    kind: z.literal('Customer', { error: 'must be "Customer"' }),
    name: gcpName(CUSTOMER_NAME_MAX)
      .refine((n) => !RESERVED_CUSTOMER_NAMES.includes(n), {
        error: `is reserved (the output folders generated/${CI_FOLDER}/, generated/${HUBS_FOLDER}/ and generated/${FLEET_FOLDER}/ hold the CI config, the shared Cloud Routers and the fleet's cost summary); choose another name`,
      })
      // The customer name is the id of its CDK for Terraform stack, and construct ids live in plain JavaScript
      // objects: a name that is a property of every object ("constructor") collides with itself.
      .refine((n) => !(n in Object.prototype), { error: 'is a name JavaScript reserves on every object, which CDK for Terraform cannot take as a stack id; choose another name' })
      .describe(
      `Customer id used in every resource name and address (at most ${CUSTOMER_NAME_MAX} characters). Never rename a live customer.`,
    ),
    gcp: z.strictObject({
      project: z
        .string({ error: 'must be a string' })
        .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, {
          error: 'must be a GCP project id: 6–30 characters, lowercase letters, digits and "-", starting with a letter',
        }),
      region: z
        .string({ error: 'must be a string' })
        .regex(/^[a-z]+-[a-z]+\d+$/, { error: 'must be a GCP region like "us-central1"' }),
      failoverRegion: z
        .string({ error: 'must be a string' })
        .regex(/^[a-z]+-[a-z]+\d+$/, { error: 'must be a GCP region like "us-east4"' })
        .optional()
        .describe(
          'A second region of the same network with its own HA VPN gateway, Cloud Router and VPN connections (c, d) to the same AWS gateway, used only while every tunnel of gcp.region is down. The network must use GLOBAL dynamic routing. Default none.',
        ),
      network: gcpName().describe('Existing VPC network the application runs in.'),
      routerAsn: asn().default(DEFAULT_GCP_ROUTER_ASN).describe('Cloud Router ASN. Default 65534.'),
      sourceRanges: z
        .array(cidr(), { error: 'must be a list of CIDRs' })
        .min(1, { error: 'must list at least one range (the GKE node and pod ranges)' })
        .describe('GCP ranges that call the customer (GKE nodes and pods): advertised to AWS and allowed by the endpoint security groups.'),
    }),
    aws: z.strictObject({
      accountId: z
        .string({
          error: (iss) =>
            iss.input === undefined
              ? 'is required'
              : 'must be a quoted string of 12 digits, like "012345678901" (unquoted, YAML reads a number and drops leading zeros)',
        })
        .regex(/^\d{12}$/, { error: 'must be exactly 12 digits' })
        .describe('Operator-managed AWS account dedicated to this customer. Quote it.'),
      region: z
        .string({ error: 'must be a string' })
        .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: 'must be an AWS region like "us-east-1"' }),
      vpcCidr: cidr().describe('Operator VPC in the dedicated account. Must not overlap any GCP range.'),
      availabilityZoneIds: z
        .array(
          // The shape, with an example of this spec's own region, is checked by the rules (input/rules.ts).
          z.string({ error: 'must be a string, an AZ ID like "use1-az1"' }).meta({ pattern: '^[a-z]{2,5}\\d-az[1-9]\\d*$' }),
          { error: 'must be a list of AZ IDs' },
        )
        .min(2, { error: 'must list at least two AZ IDs (one subnet per AZ, PrivateLink needs two for availability)' })
        .describe('AZ IDs (not names) for the endpoint subnets; each must also be served by the customer\'s NLB.'),
      amazonSideAsn: asn()
        .default(DEFAULT_AWS_SIDE_ASN)
        .describe('ASN of the AWS virtual private gateway. Default 64512. Immutable once created.'),
    }),
    vpn: z
      .strictObject({
        highAvailability: z
          .boolean({ error: 'must be true or false' })
          .default(true)
          .describe('true: 2 connections × 2 tunnels (99.99 % SLA). false: 1 connection, 2 tunnels.'),
        insideCidrs: tunnelCidrs.optional(),
        ike: ikeSchema.prefault({}),
      })
      .prefault({}),
    labels: labelsSchema(),
    security: z
      .strictObject({
        exceptions: z
          .array(exceptionSchema, { error: 'must be a list of {rule, reason}' })
          .default([])
          .describe('Deliberate exceptions to the security rule pack, each with a written reason. Default none.'),
      })
      .prefault({}),
    endpoints: z
      .array(endpointSchema, { error: 'must be a list' })
      .min(1, { error: 'must list at least one service' }),
    decommission: z
      .boolean({ error: 'must be true or false' })
      .default(false)
      .describe(
        'true takes the customer off the fleet: the operator stack keeps its providers and backend but no resource, so the next apply destroys them all (plan-guard lets this customer\'s destroys through), and the customer README gives the order of the remaining steps. Delete the spec and its folder only after that apply.',
      ),
  })
  .describe('privlink customer spec: one file per customer in customers/.');

/** A validated spec, defaults applied. */
export type CustomerSpec = z.output<typeof customerSchema>;
export type EndpointSpec = CustomerSpec['endpoints'][number];
