/**
 * `privlink plan-guard PLAN.json`: reads `terraform show -json PLANFILE` and refuses a plan that would delete
 * or replace a resource that carries traffic. Replacing a VPN connection gives both of its tunnels new outside
 * IPs and pre-shared keys (reference §1.5, tunnel maintenance); deleting an endpoint, NLB or listener cuts the
 * customer's service off. Such a change must be reviewed and let through by address (`--allow`).
 *
 * Pure: the CLI reads the files and prints the result.
 */
import { UsageError } from './spec/problems';

/** Resource types that carry customer traffic, and what breaks when one goes. One place for the whole list. */
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

export type GuardAction = 'delete' | 'replace';

export interface GuardHit {
  readonly address: string;
  readonly type: string;
  readonly action: GuardAction;
  /** Why Terraform deletes or replaces it (attributes that force replacement, or Terraform's reason). */
  readonly cause: string;
  readonly impact: string;
}

export interface GuardResult {
  readonly blocked: GuardHit[];
  readonly allowed: GuardHit[];
  /** Allowances that match nothing the plan deletes or replaces (a typo, or a leftover). */
  readonly unused: string[];
  /** Resource changes read from the plan. */
  readonly changes: number;
}

interface ResourceChange {
  address?: unknown;
  type?: unknown;
  mode?: unknown;
  action_reason?: unknown;
  change?: { actions?: unknown; replace_paths?: unknown };
}

const REASONS: Readonly<Record<string, string>> = {
  replace_because_cannot_update: 'an attribute cannot be updated in place',
  replace_because_tainted: 'the resource is tainted',
  replace_by_request: 'replacement was requested (-replace)',
  replace_by_triggers: 'replace_triggered_by fired',
  delete_because_no_resource_config: 'it is no longer in the configuration',
  delete_because_no_module: 'its module is no longer in the configuration',
  delete_because_wrong_repetition: 'count/for_each changed shape',
  delete_because_count_index: 'its count index is gone',
  delete_because_each_key: 'its for_each key is gone',
};

function actionOf(actions: unknown): GuardAction | undefined {
  if (!Array.isArray(actions)) return undefined;
  if (actions.includes('delete') && actions.includes('create')) return 'replace';
  if (actions.includes('delete')) return 'delete';
  return undefined;
}

function causeOf(rc: ResourceChange): string {
  const paths = rc.change?.replace_paths;
  if (Array.isArray(paths) && paths.length > 0) {
    const names = paths.map((p) => (Array.isArray(p) ? p.map(String).join('.') : String(p)));
    return `${names.join(', ')} ${names.length === 1 ? 'forces' : 'force'} replacement`;
  }
  return typeof rc.action_reason === 'string' ? (REASONS[rc.action_reason] ?? rc.action_reason) : '';
}

/** Checks a parsed `terraform show -json` plan. Throws UsageError when the document is not a plan. */
export function guardPlan(plan: unknown, allow: Iterable<string>): GuardResult {
  const doc = plan as { format_version?: unknown; planned_values?: unknown; resource_changes?: unknown; values?: unknown } | null;
  if (!doc || typeof doc !== 'object' || typeof doc.format_version !== 'string') {
    throw new UsageError('not a Terraform plan in JSON: expected the output of `terraform show -json PLANFILE`');
  }
  if (doc.planned_values === undefined && doc.resource_changes === undefined) {
    throw new UsageError('this JSON has no planned changes (a state, not a plan?): pass `terraform show -json PLANFILE`');
  }
  const changes = Array.isArray(doc.resource_changes) ? (doc.resource_changes as ResourceChange[]) : [];
  const allowances = new Set(allow);
  const used = new Set<string>();
  const blocked: GuardHit[] = [];
  const allowed: GuardHit[] = [];
  for (const rc of changes) {
    if (rc.mode === 'data' || typeof rc.address !== 'string' || typeof rc.type !== 'string') continue;
    const action = actionOf(rc.change?.actions);
    const impact = TRAFFIC_CARRYING[rc.type];
    if (!action || !impact) continue;
    const hit: GuardHit = { address: rc.address, type: rc.type, action, cause: causeOf(rc), impact };
    if (allowances.has(rc.address)) {
      used.add(rc.address);
      allowed.push(hit);
    } else {
      blocked.push(hit);
    }
  }
  const byAddress = (a: GuardHit, b: GuardHit) => a.address.localeCompare(b.address);
  return {
    blocked: blocked.sort(byAddress),
    allowed: allowed.sort(byAddress),
    unused: [...allowances].filter((a) => !used.has(a)).sort(),
    changes: changes.length,
  };
}

/** One line per resource: what happens, why, and what it breaks. */
export function formatHit(hit: GuardHit): string {
  const verb = hit.action === 'replace' ? 'would be replaced' : 'would be destroyed';
  return `${hit.address} ${verb}${hit.cause ? ` (${hit.cause})` : ''}: ${hit.impact}`;
}

/** Addresses from an allow file: one per line; blank lines and `#` comments ignored. */
export function parseAllowFile(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l.length > 0);
}
