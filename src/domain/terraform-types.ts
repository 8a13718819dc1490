/**
 * What privlink knows about the Terraform resource types it writes, in one place: which carry customer traffic
 * (plan-guard blocks their destroy or replacement) and which of their arguments cannot change in place (a new
 * value replaces the resource). plan-guard reads both; the change summary of `generate --commit` marks
 * replacements from the second before any plan exists.
 *
 * Sources of FORCES_REPLACEMENT:
 *   AWS:    hashicorp/aws 5.100.0 (the version the tests run). test/plan-guard.test.ts plans real changes of acme
 *           offline and requires the summary's replacements to equal the plan's, resource by resource.
 *   Google: the ForceNew arguments of terraform-provider-google's resource schemas (google/services/compute and
 *           google/services/dns, resource_*.go). No Google provider is mirrored on the test machines, so these
 *           are read from the source, not planned.
 * Only the arguments privlink sets are listed: an argument privlink never writes cannot change through it.
 */

import { admitsBelow, admitsFrom } from './versions';

/** Resource types that carry customer traffic, and what breaks when one goes. */
export const TRAFFIC_CARRYING: Readonly<Record<string, string>> = {
  // AWS, operator side
  aws_vpc: 'the operator VPC holds the endpoints and the VPN attachment',
  aws_subnet: 'the interface endpoints have their network interfaces in these subnets',
  aws_vpn_gateway: 'every tunnel ends on the VPN gateway; its ASN cannot be changed in place',
  aws_vpn_gateway_route_propagation: 'the VPC learns the GCP ranges through this propagation',
  aws_customer_gateway: 'replacing it replaces the VPN connection that uses it',
  aws_vpn_connection: 'both of its tunnels go down and come back with new outside IPs and pre-shared keys',
  aws_vpc_endpoint: 'the interface endpoint is the only path to the customer service',
  // GCP, operator side
  google_compute_ha_vpn_gateway: 'every tunnel starts on the HA VPN gateway; a new one has new public IPs',
  google_compute_external_vpn_gateway: 'the tunnels point at the AWS tunnel addresses through it',
  google_compute_vpn_tunnel: 'the tunnel carries traffic and one BGP session',
  google_compute_router: 'the Cloud Router holds every BGP session',
  google_compute_router_interface: 'the BGP session of a tunnel runs on this interface',
  google_compute_router_peer: 'the BGP session that routes traffic over a tunnel',
  google_dns_managed_zone: 'the private zone that makes the customer hostname resolve on the network',
  google_dns_record_set: 'the A record of the customer hostname: without it the name does not resolve',
  // Written by privlink before 0.2.0 (CNAME rules that never resolved, see CHANGELOG.md); still guarded so that
  // their removal by the upgrade is reviewed once and let through by address.
  google_dns_response_policy: 'the network\'s DNS response policy (privlink before 0.2.0)',
  google_dns_response_policy_rule: 'a hostname rule of the DNS response policy (privlink before 0.2.0)',
  // AWS, customer module
  aws_lb: 'the customer NLB fronts the service',
  aws_lb_listener: 'the listener accepts the connections of one port',
  aws_lb_target_group: 'the targets behind a listener',
  aws_vpc_endpoint_service: 'the endpoint service: a new one has a new service name and drops every connection',
};

/** Arguments (as privlink writes them) whose change replaces the resource, per resource type. */
export const FORCES_REPLACEMENT: Readonly<Record<string, readonly string[]>> = {
  aws_vpc: ['cidr_block'],
  aws_subnet: ['availability_zone', 'availability_zone_id', 'cidr_block', 'vpc_id'],
  aws_route_table: ['vpc_id'],
  aws_route_table_association: ['subnet_id'],
  aws_default_security_group: ['vpc_id'],
  aws_vpn_gateway: ['amazon_side_asn', 'availability_zone'],
  aws_vpn_gateway_route_propagation: ['route_table_id', 'vpn_gateway_id'],
  aws_customer_gateway: ['bgp_asn', 'device_name', 'ip_address', 'type'],
  aws_vpn_connection: ['static_routes_only', 'tunnel1_inside_cidr', 'tunnel2_inside_cidr', 'type'],
  aws_security_group: ['description', 'name', 'vpc_id'],
  aws_vpc_security_group_ingress_rule: ['security_group_id'],
  aws_vpc_endpoint: ['service_name', 'vpc_endpoint_type', 'vpc_id'],
  aws_cloudwatch_log_group: ['name'],
  aws_iam_role: ['name'],
  aws_iam_role_policy: ['name', 'role'],
  aws_flow_log: ['iam_role_arn', 'log_destination', 'log_destination_type', 'max_aggregation_interval', 'traffic_type', 'vpc_id'],
  google_compute_ha_vpn_gateway: ['description', 'name', 'network', 'region', 'stack_type'],
  google_compute_external_vpn_gateway: ['description', 'interface', 'name', 'redundancy_type'],
  google_compute_vpn_tunnel: [
    'description',
    'ike_version',
    'name',
    'peer_external_gateway',
    'peer_external_gateway_interface',
    'region',
    'router',
    'shared_secret',
    'vpn_gateway',
    'vpn_gateway_interface',
  ],
  google_compute_router: ['name', 'network', 'region'],
  google_compute_router_interface: ['ip_range', 'name', 'region', 'router', 'vpn_tunnel'],
  google_compute_router_peer: ['interface', 'name', 'region', 'router'],
  google_dns_managed_zone: ['dns_name', 'name', 'visibility'],
  google_dns_record_set: ['managed_zone', 'name'],
};

/** The provider versions a stack admits (its required_providers), by provider name. */
export type AdmittedVersions = Partial<Record<'aws' | 'google', string>>;

/**
 * Arguments of FORCES_REPLACEMENT that a newer provider updates in place: a change replaces the resource below
 * `from` and is an in-place update (still disruptive: DISRUPTIVE_UPDATES) from it on.
 * aws_vpn_connection tunnel*_inside_cidr: hashicorp/aws 6.28.0 ("resource/aws_vpn_connection: Support in-place
 * updates for `tunnel*_inside_cidr` and `tunnel*_inside_ipv6_cidr` arguments", CHANGELOG, pull request #45781, which
 * calls ModifyVpnTunnelOptions; AWS restarts the tunnel to apply it).
 */
export const IN_PLACE_FROM: Readonly<Record<string, Readonly<Record<string, { readonly provider: 'aws' | 'google'; readonly from: string }>>>> = {
  aws_vpn_connection: { tunnel1_inside_cidr: { provider: 'aws', from: '6.28.0' }, tunnel2_inside_cidr: { provider: 'aws', from: '6.28.0' } },
};

/**
 * What a change of `arg` does over the versions a stack admits: every admitted version replaces the resource
 * ('replace'), every one updates it in place ('update'), or it depends on the release CI installs ('either').
 * Without `admitted`, or for an argument whose behaviour no release changed, the answer is FORCES_REPLACEMENT's.
 */
export function replacementOver(type: string, arg: string, admitted?: AdmittedVersions): 'replace' | 'update' | 'either' {
  if (!(FORCES_REPLACEMENT[type] ?? []).includes(arg)) return 'update';
  const later = IN_PLACE_FROM[type]?.[arg];
  const range = later && admitted?.[later.provider];
  if (!later || range === undefined) return 'replace';
  const [below, from] = [admitsBelow(range, later.from), admitsFrom(range, later.from)];
  return below && from ? 'either' : from ? 'update' : 'replace';
}

/**
 * Which of `changed` (top-level argument names of a `type` resource) replace it on some version the stack admits
 * (all of FORCES_REPLACEMENT's without `admitted`: plan-guard names the arguments of a replacement the plan shows).
 */
export function replacingArguments(type: string, changed: readonly string[], admitted?: AdmittedVersions): string[] {
  return changed.filter((a) => replacementOver(type, a, admitted) !== 'update');
}

/** How the summary names a replacing argument: with the provider versions that replace, when later ones do not. */
export function replacingText(type: string, arg: string, admitted?: AdmittedVersions): string {
  const later = IN_PLACE_FROM[type]?.[arg];
  if (!later || replacementOver(type, arg, admitted) !== 'either') return arg;
  return `${arg} (replaced on ${later.provider} < ${later.from}; updated in place with a tunnel restart on ${later.provider} >= ${later.from})`;
}

/**
 * An in-place update that still cuts traffic: an interface endpoint's subnets. `subnet_configuration` (and
 * `subnet_ids`) change in place, but the provider re-sends every entry, and AWS replaces the network interface in
 * each subnet given an IPv4 address ("This process temporarily disconnects the subnet"; reference §1.5b): adding one
 * AZ may cut every AZ of the endpoint at once.
 */
export const DISRUPTIVE_UPDATES: Readonly<Record<string, readonly string[]>> = {
  aws_vpc_endpoint: ['subnet_configuration', 'subnet_ids'],
  // From hashicorp/aws 6.28.0 (IN_PLACE_FROM): ModifyVpnTunnelOptions restarts the tunnel whose inside CIDR changes.
  aws_vpn_connection: ['tunnel1_inside_cidr', 'tunnel2_inside_cidr'],
};

/** What a disruptive in-place update of each type does, for the review checklist. */
export const DISRUPTION_EFFECT: Readonly<Record<string, string>> = {
  aws_vpc_endpoint: 'AWS replaces the endpoint\'s network interface in every subnet it is given ("this process temporarily disconnects the subnet"): every AZ may drop at once, since the provider sends every subnet',
  aws_vpn_connection: 'AWS restarts the tunnel to apply it (ModifyVpnTunnelOptions): its BGP session drops until the tunnel is back, with the new inside addresses on both sides',
};


/**
 * Ids a provider composes from a resource's own arguments, so privlink knows them before any apply: a reference to
 * such an id in one version of a stack equals the literal path in the next (a customer's tunnels name their router
 * by `${google_compute_router.router.id}` while it is their own, and by its path once the hub owns it). `{project}`
 * and `{region}` fall back to the provider block's defaults, as the provider's GetProject/GetRegion do.
 * Source: hashicorp/terraform-provider-google, google/services/compute/resource_compute_router.go
 * (resourceComputeRouterCreate and resourceComputeRouterImport set the id with
 * `tpgresource.ReplaceVars(d, config, "projects/{{project}}/regions/{{region}}/routers/{{name}}")`).
 */
export const COMPOSED_IDS: Readonly<Record<string, string>> = {
  google_compute_router: 'projects/{project}/regions/{region}/routers/{name}',
};

/**
 * The resource types of privlink's stacks that take the provider's default tags (AWS `default_tags`, shown as
 * `tags_all`) or default labels (google `default_labels`, shown as `effective_labels`). A default tag or label change
 * updates exactly these in place; the others (a route table association, a Cloud Router, its interfaces and peers, a
 * record set, an alert policy, whose `user_labels` privlink sets itself) have nothing to update.
 * Sources: `terraform providers schema -json` of hashicorp/aws 5.100.0 (`tags_all` on the resource), and the
 * google 6.50 schema as the prebuilt bindings carry it (`effectiveLabels` on the resource class);
 * test/terraform.test.ts checks this list against both for every type the example stacks hold.
 */
export const TAKES_DEFAULT_TAGS: ReadonlySet<string> = new Set([
  'aws_cloudwatch_log_group',
  'aws_cloudwatch_metric_alarm',
  'aws_customer_gateway',
  'aws_default_security_group',
  'aws_flow_log',
  'aws_iam_role',
  'aws_route_table',
  'aws_security_group',
  'aws_subnet',
  'aws_vpc',
  'aws_vpc_endpoint',
  'aws_vpc_security_group_ingress_rule',
  'aws_vpn_connection',
  'aws_vpn_gateway',
  'google_compute_external_vpn_gateway',
  'google_compute_ha_vpn_gateway',
  'google_compute_vpn_tunnel',
  'google_dns_managed_zone',
]);
