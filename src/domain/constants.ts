/**
 * Every number and list of the domain that a rule depends on, with its source.
 * Section numbers refer to ../shared/domain/reference.md.
 */

/** Tunnel inside CIDRs AWS refuses (reference §1.5, [S25][S26][S13b]). */
export const AWS_RESERVED_TUNNEL_INSIDE_CIDRS: readonly string[] = [
  '169.254.0.0/30',
  '169.254.1.0/30',
  '169.254.2.0/30',
  '169.254.3.0/30',
  '169.254.4.0/30',
  '169.254.5.0/30',
  '169.254.169.252/30',
];

/** Tunnel inside CIDRs must be /30s inside this link-local block (RFC 3927; reference §1.5). */
export const TUNNEL_INSIDE_SUPERNET = '169.254.0.0/16';
export const TUNNEL_INSIDE_PREFIX = 30;

/**
 * Default inside CIDR per tunnel: connection c (0 = a, 1 = b), tunnel t (0, 1) →
 * 169.254.(20 + c).(4 · t)/30 — clear of every AWS-reserved /30 (reference §1.5, "Suggested allocator").
 */
export const DEFAULT_INSIDE_CIDR_BASE_OCTET = 20;

/** Private ASN ranges accepted on both sides (RFC 6996; reference §1.5 [S21][S23]). */
export const PRIVATE_ASN_RANGES: readonly (readonly [number, number])[] = [
  [64512, 65534],
  [4200000000, 4294967294],
];
/** Cloud Router ASN when the spec sets none (the sample value of reference §1.5). */
export const DEFAULT_GCP_ROUTER_ASN = 65534;
/** AWS virtual private gateway default ASN (reference §1.5 [S23]); immutable after creation. */
export const DEFAULT_AWS_SIDE_ASN = 64512;
/** aws_customer_gateway.bgp_asn holds 1..2147483647; larger ASNs need bgp_asn_extended (reference §1.5 [S14]). */
export const AWS_CGW_BGP_ASN_MAX = 2147483647;

/** GCP resource names: 1–63 chars, `[a-z]([-a-z0-9]*[a-z0-9])?` (reference §7 [S8]). */
export const GCP_NAME_PATTERN = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const GCP_NAME_MAX = 63;
/** Elastic Load Balancing names (NLB, target group): at most 32 chars (reference §7). */
export const ELB_NAME_MAX = 32;

/** Label/tag keys privlink puts on every resource (provider defaults); specs may not override them. */
export const LABEL_MANAGED_BY = 'managed_by';
export const LABEL_CUSTOMER = 'privlink_customer';

/** The attributes a plan's or state's values carry tags and labels in (AWS tags, GCP labels and user labels). */
const TAG_ATTRIBUTES = ['tags_all', 'tags', 'effective_labels', 'labels', 'user_labels'] as const;

/** Another customer than `customer` that a resource's values name by the `privlink_customer` tag or label, if any. */
export function otherCustomerOf(values: Readonly<Record<string, unknown>>, customer: string): string | undefined {
  for (const key of TAG_ATTRIBUTES) {
    const owner = (values[key] as Record<string, unknown> | null | undefined)?.[LABEL_CUSTOMER];
    if (typeof owner === 'string' && owner !== customer) return owner;
  }
  return undefined;
}

/** Prefix of every cloud resource name privlink creates, so operators can tell them apart. */
export const NAME_PREFIX = 'privlink';
/** Longest suffix appended to `<prefix>-<customer>` in a GCP resource name (see model/model.ts). */
export const LONGEST_GCP_NAME_SUFFIX = '-tunnel-b2';
/** Customer names must leave room for the prefix and the longest suffix within GCP's 63 chars. */
export const CUSTOMER_NAME_MAX = GCP_NAME_MAX - NAME_PREFIX.length - 1 - LONGEST_GCP_NAME_SUFFIX.length;
/**
 * Endpoint names go into the customer module's NLB name `privlink-<endpoint>` and target group names
 * `privlink-<endpoint>-<port>` (≤ 32 chars with a 5-digit port).
 */
export const ENDPOINT_NAME_MAX = ELB_NAME_MAX - NAME_PREFIX.length - 1 - '-65535'.length;

/** AWS subnets are at most /16 and at least /28. */
export const AWS_SUBNET_MIN_PREFIX = 28;
export const AWS_VPC_MAX_PREFIX = 16;
/**
 * Every AZ ID gets a fixed slot of the VPC CIDR chosen by its number (`use1-az3` → slot 3), so adding or
 * removing an AZ never re-addresses the other subnets (which would replace them and every endpoint ENI).
 * 8 slots cover the largest regions (use1 has az1–az6).
 */
export const AZ_SLOTS = 8;
export const AZ_SLOT_BITS = 3;

/**
 * IKE proposals both Cloud VPN and AWS accept (reference §1.5 "Cipher selection" [S32][S25][S33]).
 * AWS offers exactly one value per role: its default lists make IKE fragment, which Cloud VPN does not support,
 * and tunnels then fail to rekey (reference §1.1). Cloud VPN initiates with its own supported set and settles on
 * this one; hashicorp/google 6.50 has no cipher_suite argument to pin it on the GCP side as well.
 */
export const IKE_ENCRYPTION = ['AES128', 'AES256'] as const;
export const IKE_INTEGRITY = ['SHA2-256', 'SHA2-384', 'SHA2-512'] as const;
/** DH groups ≥ 14 that both sides support; Cloud VPN dropped group 22 [S33]. */
export const IKE_DH_GROUPS = [14, 15, 16, 19, 20, 21] as const;
export const DEFAULT_IKE = { encryption: 'AES256', integrity: 'SHA2-256', dhGroup: 14 } as const;
/** AWS defaults; phase 2 must be shorter than phase 1 (reference §1.5). */
export const IKE_PHASE1_LIFETIME_SECONDS = 28800;
export const IKE_PHASE2_LIFETIME_SECONDS = 3600;

/** TLS policy for NLB TLS listeners: passes CKV_AWS_103, CKV2_AWS_74, AVD-AWS-0047 (reference §6). */
export const NLB_TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

/** VPC flow log retention: one year satisfies CKV_AWS_338. */
export const FLOW_LOG_RETENTION_DAYS = 365;

/** TTL of the Cloud DNS A records that point a customer hostname at its endpoint's addresses. */
export const DNS_RECORD_TTL = 300;

/**
 * Addresses AWS keeps in every subnet: the network address, the next three (VPC router, DNS, future use) and the
 * broadcast address ("Subnet CIDR blocks": the first four and the last IPv4 address of each subnet are reserved).
 * An endpoint's fixed address (`aws_vpc_endpoint.subnet_configuration.ipv4`) lies between them.
 */
export const AWS_SUBNET_RESERVED_LOW = 4;
export const AWS_SUBNET_RESERVED_HIGH = 1;

/**
 * AWS Site-to-Site VPN tunnel options that AWS would otherwise default, chosen for a Cloud VPN peer
 * (AWS API VpnTunnelOptionsSpecification; "Site-to-Site VPN tunnel initiation options",
 * https://docs.aws.amazon.com/vpn/latest/s2svpn/initiate-vpn-tunnels.html).
 *
 * - Startup action `start` (default `add`: wait for the customer gateway): AWS initiates IKE itself when a tunnel
 *   is created or modified, so a tunnel comes back after an AWS tunnel-option change or endpoint replacement
 *   without waiting for Cloud VPN's next attempt. AWS initiates only over IKEv2, which is all these tunnels allow.
 * - DPD timeout action `restart` (default `clear`: end the IKE session, take the tunnel down, withdraw its routes
 *   until the peer comes back on its own): AWS restarts IKE after a dead-peer timeout, so a tunnel that lost its
 *   peer for a while (a Cloud VPN maintenance event) is renegotiated by both sides.
 * - DPD timeout 30 s: the smallest AWS accepts ("A value greater than or equal to 30"); the API's defaults differ
 *   between CreateVpnConnection (30) and ModifyVpnTunnelOptions (40), so privlink states it.
 */
export const AWS_TUNNEL_STARTUP_ACTION = 'start';
export const AWS_TUNNEL_DPD_TIMEOUT_ACTION = 'restart';
export const AWS_TUNNEL_DPD_TIMEOUT_SECONDS = 30;

/**
 * Provider and engine versions the generated Terraform admits. Why each bound, and what was checked against which
 * provider commit, is in docs/providers.md ("Provider versions"); privlink.yaml `providers` can only narrow them (the
 * stacks carry the intersection, domain/versions.ts `intersect`).
 *
 * - hashicorp/aws from 5.100.0 (the version the tests validate and plan with) through 6.x, without 6.42.0 (it
 *   refuses an aws_cloudwatch_metric_alarm with metric_query at plan time; fixed in 6.43.0). 7.0.0 is unreviewed.
 * - hashicorp/google from 6.50.0 (the cdktf bindings' schema) through 8.x: every argument privlink writes was read
 *   in the provider's source at v6.50.0, v7.45.0 and the 8.0.0 merge; 9.0.0 is unreviewed.
 */
export const AWS_PROVIDER_CONSTRAINT = '>= 5.100.0, != 6.42.0, < 7.0.0';
export const GOOGLE_PROVIDER_CONSTRAINT = '>= 6.50.0, < 9.0.0';
/**
 * The customer module: NLB security-group enforcement for PrivateLink and endpoint services are in hashicorp/aws
 * 5.x; the upper bound stops at the next major nobody has reviewed. It writes no aws_cloudwatch_metric_alarm, so
 * 6.42.0 is not excluded there.
 */
export const AWS_PROVIDER_CONSTRAINT_CUSTOMER = '>= 5.100.0, < 7.0.0';
/**
 * Terraform or OpenTofu itself: 1.5 brought `check` and `import` blocks (OpenTofu starts at 1.6, with both). The
 * same number reads as either engine's version: OpenTofu compares required_version with its own.
 */
export const TERRAFORM_VERSION_CONSTRAINT = '>= 1.5.0';
/** S3-native state locking (use_lockfile) needs Terraform 1.10 (OpenTofu 1.10 as well). */
export const S3_LOCKFILE_TERRAFORM = '>= 1.10.0';
/**
 * `removed` blocks with `lifecycle { destroy = false }` (a stack handing its router to a hub without destroying it):
 * Terraform reads them from 1.7, OpenTofu only from 1.10 (1.7–1.9 know `removed` without `lifecycle`), and a
 * required_version cannot say which engine it means, so the stacks that carry them require both engines' floor.
 */
export const REMOVED_BLOCK_TERRAFORM = '>= 1.10.0';
/** The Terraform variable that names the role the AWS provider assumes in an operator account (fleet `aws.roles`). */
export const AWS_ROLE_VARIABLE = 'privlink_aws_role';

/** The engines CI can run (privlink.yaml `ci.engine`). */
export const ENGINES = ['terraform', 'opentofu'] as const;
export type Engine = (typeof ENGINES)[number];
/** The command each engine's CLI is called by. */
export const ENGINE_COMMAND: Readonly<Record<Engine, string>> = { terraform: 'terraform', opentofu: 'tofu' };

/** The fleet config at the repository root, and the default folders it names (fleet/schema.ts). */
export const FLEET_FILE = 'privlink.yaml';
export const DEFAULT_SPECS_DIR = 'customers';
export const DEFAULT_OUTPUT_DIR = 'generated';

/** Folder under the output that holds the fleet's CI config; no customer may take its name. */
export const CI_FOLDER = 'ci';
/** Folder under the output that holds the shared Cloud Routers of each network and region (render/hub.ts). */
export const HUBS_FOLDER = 'hubs';
/** The two stacks of each hub, generated/hubs/<hub>/routers and …/sessions (render/hub.ts). */
export const HUB_ROUTERS_DIR = 'routers';
export const HUB_SESSIONS_DIR = 'sessions';
/** Folder under the output that holds what spans the fleet: the cost summary (render/cost.ts). */
export const FLEET_FOLDER = 'fleet';
export const RESERVED_CUSTOMER_NAMES: readonly string[] = [CI_FOLDER, HUBS_FOLDER, FLEET_FOLDER];

/**
 * The output a decommissioning customer's operator stack declares (its value: the customer's name). plan-guard lets
 * a plan destroy a customer's resources only when the plan's configuration carries it (src/gitops/plan-guard.ts).
 */
export const DECOMMISSION_OUTPUT = 'privlink_decommission';

/**
 * The output of a hub's sessions stack listing its decommissioning customers (render/hub.ts): plan-guard lets a
 * sessions plan destroy exactly their router interfaces and BGP peers.
 */
export const LEAVING_OUTPUT = 'privlink_leaving';
