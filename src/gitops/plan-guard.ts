/**
 * `privlink plan-guard PLAN.json`: reads `terraform show -json PLANFILE` and refuses a plan that would delete
 * or replace a resource that carries traffic. Replacing a VPN connection gives both of its tunnels new outside
 * IPs and pre-shared keys (reference §1.5, tunnel maintenance); deleting an endpoint, NLB or listener cuts the
 * customer's service off. Such a change must be reviewed and let through by address (`--allow`).
 *
 * Pure: the CLI reads the files and prints the result.
 */
import { DECOMMISSION_OUTPUT, LEAVING_OUTPUT, otherCustomerOf } from '../domain/constants';
import { DISRUPTION_EFFECT, DISRUPTIVE_UPDATES, TRAFFIC_CARRYING, replacingArguments } from '../domain/terraform-types';
import { UsageError } from '../input/problems';

export { TRAFFIC_CARRYING };

export type GuardAction = 'delete' | 'replace' | 'disrupt';

export interface GuardHit {
  readonly address: string;
  readonly type: string;
  readonly action: GuardAction;
  /** Why Terraform deletes or replaces it (attributes that force replacement, or Terraform's reason). */
  readonly cause: string;
  readonly impact: string;
}

export interface GuardResult {
  /** The customer the plan takes off the fleet (its operator stack's `privlink_decommission` output), if any. */
  readonly decommission?: string;
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
  change?: { actions?: unknown; replace_paths?: unknown; before?: unknown; after?: unknown };
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

function disruptiveArguments(rc: ResourceChange): string[] {
  const args = DISRUPTIVE_UPDATES[rc.type as string];
  const { before, after } = (rc.change ?? {}) as { before?: Record<string, unknown>; after?: Record<string, unknown> };
  if (!args || !before || !after) return [];
  // What each side knows of the subnets: the addresses, and the subnet ids where both sides have them (a null or an
  // absent value is no evidence of a change).
  const field = (v: unknown, k: string) => (Array.isArray(v) ? v.map((x) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[k] : x)) : []);
  const known = (xs: unknown[]) => xs.every((x) => typeof x === 'string' && x !== '');
  const same = (a: unknown[], b: unknown[]) => JSON.stringify(a.map(String).sort()) === JSON.stringify(b.map(String).sort());
  const differs = (a: string): boolean => {
    if (!(a in after)) return false;
    // Any other argument (a VPN tunnel's inside CIDR): a known new value that differs.
    if (a !== 'subnet_ids' && a !== 'subnet_configuration') return typeof after[a] === 'string' && after[a] !== '' && before[a] !== after[a];
    if (a === 'subnet_ids') return known(field(before[a], '')) && known(field(after[a], '')) && !same(field(before[a], ''), field(after[a], ''));
    const [ipsBefore, ipsAfter] = [field(before[a], 'ipv4'), field(after[a], 'ipv4')];
    const [idsBefore, idsAfter] = [field(before[a], 'subnet_id'), field(after[a], 'subnet_id')];
    return !same(ipsBefore, ipsAfter) || (known(idsBefore) && known(idsAfter) && !same(idsBefore, idsAfter));
  };
  return args.filter(differs);
}

function actionOf(actions: unknown): GuardAction | undefined {
  if (!Array.isArray(actions)) return undefined;
  if (actions.includes('delete') && actions.includes('create')) return 'replace';
  if (actions.includes('delete')) return 'delete';
  return undefined;
}

const forcing = (names: readonly string[]) => `${names.join(', ')} ${names.length === 1 ? 'forces' : 'force'} replacement`;

function causeOf(rc: ResourceChange): string {
  const paths = rc.change?.replace_paths;
  if (Array.isArray(paths) && paths.length > 0) return forcing(paths.map((p) => (Array.isArray(p) ? p.map(String).join('.') : String(p))));
  // A plan without replace_paths (older Terraform): the arguments that differ and cannot change in place.
  const { before, after } = (rc.change ?? {}) as { before?: Record<string, unknown>; after?: Record<string, unknown> };
  if (rc.action_reason === 'replace_because_cannot_update' && before && after && typeof rc.type === 'string') {
    const differing = Object.keys(after).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
    const names = replacingArguments(rc.type, differing);
    if (names.length > 0) return forcing(names);
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
  const decommission = decommissionOf(doc);
  const leaving = leavingOf(doc);
  const allowances = new Set(allow);
  const used = new Set<string>();
  const blocked: GuardHit[] = [];
  const allowed: GuardHit[] = [];
  for (const rc of changes) {
    if (rc.mode === 'data' || typeof rc.address !== 'string' || typeof rc.type !== 'string') continue;
    const disrupts = Array.isArray(rc.change?.actions) && rc.change.actions.length === 1 && rc.change.actions[0] === 'update' ? disruptiveArguments(rc) : [];
    const action = disrupts.length > 0 ? 'disrupt' : actionOf(rc.change?.actions);
    const impact = TRAFFIC_CARRYING[rc.type];
    if (!action || !impact) continue;
    const cause =
      action === 'disrupt'
        ? `${disrupts.join(', ')} ${disrupts.length === 1 ? 'changes' : 'change'} in place, but ${DISRUPTION_EFFECT[rc.type]}`
        : causeOf(rc);
    const hit: GuardHit = { address: rc.address, type: rc.type, action, cause, impact };
    const sessionOf = action === 'delete' && SESSION_TYPES.includes(rc.type) ? sessionCustomer(rc.address) : undefined;
    if (sessionOf !== undefined && leaving.includes(sessionOf)) {
      allowed.push({ ...hit, cause: `${sessionOf} is decommissioning`, impact: '' });
    } else if (decommission !== undefined && action === 'delete' && customerOf(rc, decommission) !== 'other') {
      // Leaving the fleet is the point of the plan: what each resource carried no longer needs saying.
      allowed.push({ ...hit, cause: `${decommission} is decommissioning`, impact: '' });
    } else if (allowances.has(rc.address)) {
      used.add(rc.address);
      allowed.push(hit);
    } else {
      blocked.push(hit);
    }
  }
  const byAddress = (a: GuardHit, b: GuardHit) => a.address.localeCompare(b.address);
  return {
    ...(decommission !== undefined ? { decommission } : {}),
    blocked: blocked.sort(byAddress),
    allowed: allowed.sort(byAddress),
    unused: [...allowances].filter((a) => !used.has(a)).sort(),
    changes: changes.length,
  };
}

/**
 * The customer a plan decommissions: the value of the `privlink_decommission` output its configuration declares
 * (a decommissioning operator stack has that output and no resource). Read from the planned outputs, or from the
 * configuration's constant when the plan has no planned values.
 */
/** The resource types of a hub's sessions stack, named `<customer>_<tunnel>` (render/hub.ts). */
const SESSION_TYPES = ['google_compute_router_interface', 'google_compute_router_peer'];

/**
 * The decommissioning customers whose BGP sessions a hub's sessions plan takes away: its `privlink_leaving` output
 * (a list of names). Only those customers' interfaces and peers may be destroyed without an allowance.
 */
/** `google_compute_router_peer.acme_a1` → `acme` (customer names hold no "_"). */
const sessionCustomer = (address: string) => {
  const name = address.slice(address.indexOf('.') + 1);
  return name.includes('_') ? name.slice(0, name.lastIndexOf('_')) : undefined;
};

function leavingOf(doc: Record<string, unknown>): string[] {
  const planned = (doc.planned_values as { outputs?: Record<string, { value?: unknown }> } | undefined)?.outputs?.[LEAVING_OUTPUT]?.value;
  const configured = (doc.configuration as { root_module?: { outputs?: Record<string, { expression?: { constant_value?: unknown } }> } } | undefined)?.root_module?.outputs?.[LEAVING_OUTPUT]
    ?.expression?.constant_value;
  const value = Array.isArray(planned) ? planned : configured;
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function decommissionOf(doc: Record<string, unknown>): string | undefined {
  const planned = (doc.planned_values as { outputs?: Record<string, { value?: unknown }> } | undefined)?.outputs?.[DECOMMISSION_OUTPUT]?.value;
  if (typeof planned === 'string' && planned) return planned;
  const configured = (doc.configuration as { root_module?: { outputs?: Record<string, { expression?: { constant_value?: unknown } }> } } | undefined)?.root_module?.outputs?.[DECOMMISSION_OUTPUT]
    ?.expression?.constant_value;
  return typeof configured === 'string' && configured ? configured : undefined;
}

/**
 * Whether a resource a decommissioning plan destroys belongs to that customer, by the `privlink_customer` tag or
 * label privlink puts on every resource that takes one: 'other' when it names another customer (that destroy stays
 * blocked), 'same' otherwise (untagged resources, such as BGP peers, live in that customer's stack and state only).
 */
function customerOf(rc: ResourceChange, customer: string): 'same' | 'other' {
  return otherCustomerOf((rc.change?.before ?? {}) as Record<string, unknown>, customer) === undefined ? 'same' : 'other';
}

/** One line per resource: what happens, why, and what it breaks. */
export function formatHit(hit: GuardHit): string {
  const verb = hit.action === 'replace' ? 'would be replaced' : hit.action === 'disrupt' ? 'would be updated disruptively' : 'would be destroyed';
  return `${hit.address} ${verb}${hit.cause ? ` (${hit.cause})` : ''}${hit.impact ? `: ${hit.impact}` : ''}`;
}

/** Addresses from an allow file: one per line; blank lines and `#` comments ignored. */
export function parseAllowFile(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l.length > 0);
}
