/**
 * `privlink status`: where each customer's connection stands, read from its operator stack's Terraform state as
 * `terraform show -json` prints it. Pure: the CLI finds the state and prints the result.
 *
 * What the state holds, by the attributes hashicorp/aws and hashicorp/google define (`terraform providers schema
 * -json`): `aws_vpn_connection.vgw_telemetry` (one entry per tunnel: outside_ip_address, status UP/DOWN,
 * last_status_change, accepted_route_count, status_message), `google_compute_vpn_tunnel.detailed_status`, and
 * `aws_vpc_endpoint.state` in AWS's own words (pendingAcceptance, available, rejected…). The state is as fresh as
 * the last apply or refresh: CI's `terraform apply -refresh-only` (docs/status.md) keeps it current.
 */
import { LABEL_CUSTOMER, otherCustomerOf } from '../domain/constants';
import type { CustomerModel, TunnelModel } from '../model/model';
import { plural } from '../support/words';

/** Where a customer stands, worst first. */
export const PHASES = ['down', 'degraded', 'unknown', 'awaiting-acceptance', 'awaiting-customer', 'connected', 'decommissioning'] as const;
export type Phase = (typeof PHASES)[number];

export interface TunnelStatus {
  readonly tunnel: TunnelModel['key'];
  /** The GCP region of the tunnel, and whether it is the primary region's or the failover region's. */
  readonly region: string;
  readonly site: TunnelModel['site'];
  /** AWS's view (vgw_telemetry): UP, DOWN, or unknown when the state has no telemetry for this tunnel. */
  readonly aws: 'UP' | 'DOWN' | 'unknown';
  readonly outsideAddress?: string;
  readonly lastStatusChange?: string;
  readonly acceptedRoutes?: number;
  readonly statusMessage?: string;
  /** GCP's view (the tunnel's detailed_status), where the state has it. */
  readonly gcp?: string;
}

export interface EndpointStatus {
  readonly endpoint: string;
  /** AWS's word for the interface endpoint's state, or `awaiting-customer` when the spec has no service name yet. */
  readonly state: string;
  readonly endpointId?: string;
}

export interface CustomerStatus {
  readonly customer: string;
  readonly phase: Phase;
  /** Why the phase is what it is, in one line. */
  readonly reason: string;
  readonly tunnels: readonly TunnelStatus[];
  readonly endpoints: readonly EndpointStatus[];
  /** True when cron or CI should page: degraded, down, or an endpoint AWS rejected or failed. */
  readonly alert: boolean;
}

/** Endpoint states that mean a service is cut off (AWS VpcEndpoint State values). */
const ENDPOINT_BROKEN = new Set(['rejected', 'failed', 'expired', 'deleted', 'deleting', 'partial']);

function pendingReason(e: EndpointStatus): string {
  if (e.state === 'not-created') return `${e.endpoint} is not in the state yet (CI's apply is pending)`;
  if (e.state === 'pendingAcceptance') return `${e.endpoint} is pendingAcceptance: the customer accepts the connection on their endpoint service`;
  return `${e.endpoint} is ${e.state}`;
}

export class StateError extends Error {}

interface StateResource {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly values: Record<string, unknown>;
}

/** The managed resources of a `terraform show -json` state document (root module). */
export function stateResources(doc: unknown): StateResource[] {
  const d = doc as { format_version?: unknown; values?: { root_module?: { resources?: unknown } }; resource_changes?: unknown } | null;
  if (!d || typeof d !== 'object' || typeof d.format_version !== 'string') {
    throw new StateError('not a Terraform state in JSON: expected the output of `terraform show -json` (no plan file)');
  }
  if (d.resource_changes !== undefined) throw new StateError('this JSON is a plan, not a state: run `terraform show -json` without a plan file');
  const resources = d.values?.root_module?.resources;
  if (!Array.isArray(resources)) return [];
  return resources.filter(
    (r): r is StateResource => !!r && typeof r === 'object' && (r as { mode?: unknown }).mode === 'managed' && typeof (r as { address?: unknown }).address === 'string',
  );
}

function tunnelStatus(t: TunnelModel, byAddress: ReadonlyMap<string, StateResource>): TunnelStatus {
  const conn = byAddress.get(`aws_vpn_connection.vpn_${t.connection}`)?.values;
  const address = typeof conn?.[`tunnel${t.awsTunnel}_address`] === 'string' ? (conn[`tunnel${t.awsTunnel}_address`] as string) : undefined;
  const telemetry = Array.isArray(conn?.vgw_telemetry) ? (conn.vgw_telemetry as Record<string, unknown>[]) : [];
  const entry = address ? telemetry.find((e) => e.outside_ip_address === address) : undefined;
  const gcp = byAddress.get(`google_compute_vpn_tunnel.${t.id}`)?.values.detailed_status;
  const status = entry?.status === 'UP' || entry?.status === 'DOWN' ? entry.status : 'unknown';
  return {
    tunnel: t.key,
    region: t.region,
    site: t.site,
    aws: status,
    ...(address ? { outsideAddress: address } : {}),
    ...(typeof entry?.last_status_change === 'string' ? { lastStatusChange: entry.last_status_change } : {}),
    ...(typeof entry?.accepted_route_count === 'number' ? { acceptedRoutes: entry.accepted_route_count } : {}),
    ...(typeof entry?.status_message === 'string' && entry.status_message ? { statusMessage: entry.status_message } : {}),
    ...(typeof gcp === 'string' && gcp ? { gcp } : {}),
  };
}

/**
 * A resource of the state that privlink tagged or labelled for another customer (`privlink_customer`): the state is
 * that customer's, and reading it as this one's would page about the wrong customer.
 */
function foreignResource(resources: readonly StateResource[], customer: string): { address: string; owner: string } | undefined {
  for (const r of resources) {
    const owner = otherCustomerOf(r.values, customer);
    if (owner !== undefined) return { address: r.address, owner };
  }
  return undefined;
}

/**
 * What a customer with tunnels down still has. With a failover region: the region the traffic takes (the primary while
 * any of its tunnels is up, domain/preference.ts), and each region's count.
 */
function lostText(model: CustomerModel, tunnels: readonly TunnelStatus[]): string {
  if (!model.gcp.failoverRegion) return 'redundancy lost';
  const count = (site: TunnelStatus['site']) => {
    const of = tunnels.filter((t) => t.site === site);
    return { up: of.filter((t) => t.aws === 'UP').length, all: of.length };
  };
  const p = count('primary');
  const f = count('failover');
  const regions = `primary ${model.gcp.region} ${p.up} of ${p.all} up, failover ${model.gcp.failoverRegion} ${f.up} of ${f.all} up`;
  return p.up === 0 ? `traffic runs through the failover region (${regions})` : `redundancy lost; traffic runs through the primary region (${regions})`;
}

/** A customer's status from its model and the parsed state document. Throws StateError when the state is unusable. */
export function customerStatus(model: CustomerModel, doc: unknown): CustomerStatus {
  const resources = stateResources(doc);
  const foreign = foreignResource(resources, model.name);
  if (foreign) {
    throw new StateError(`this state is ${foreign.owner}'s, not ${model.name}'s: ${foreign.address} has ${LABEL_CUSTOMER} = "${foreign.owner}"; read ${model.name}'s own state (its operator stack, generated/${model.name}/operator)`);
  }
  const byAddress = new Map(resources.map((r) => [r.address, r]));
  const endpoints: EndpointStatus[] = model.endpoints.map((ep) => {
    const r = byAddress.get(`aws_vpc_endpoint.${ep.id}`)?.values;
    if (!ep.serviceName) return { endpoint: ep.name, state: 'awaiting-customer' };
    if (!r) return { endpoint: ep.name, state: 'not-created' };
    return { endpoint: ep.name, state: typeof r.state === 'string' ? r.state : 'unknown', ...(typeof r.id === 'string' ? { endpointId: r.id } : {}) };
  });
  const base = { customer: model.name, endpoints };
  if (model.decommission) {
    const left = resources.length;
    return { ...base, tunnels: [], phase: 'decommissioning', reason: left === 0 ? 'the operator stack holds no resource any more: delete the spec and its folder' : `${plural(left, 'resource')} left in the state: CI's next apply destroys them`, alert: false };
  }
  if (!model.connections.some((c) => byAddress.has(`aws_vpn_connection.${c.vpnConnectionId}`))) {
    throw new StateError(`the state holds no VPN connection of ${model.name}: has CI applied its operator stack?`);
  }
  const tunnels = model.tunnels.map((t) => tunnelStatus(t, byAddress));
  const up = tunnels.filter((t) => t.aws === 'UP').length;
  const notUp = tunnels.filter((t) => t.aws !== 'UP').map((t) => `${t.tunnel} ${t.aws}`);
  const broken = endpoints.filter((e) => ENDPOINT_BROKEN.has(e.state));
  const connectable = endpoints.filter((e) => e.state !== 'awaiting-customer');
  const pending = connectable.filter((e) => e.state !== 'available' && !ENDPOINT_BROKEN.has(e.state));
  const decide = (): { phase: Phase; reason: string } => {
    // No telemetry at all is no news, not an outage (a state written before the first refresh, or without it).
    if (tunnels.every((t) => t.aws === 'unknown')) {
      return { phase: 'unknown', reason: "the state holds no tunnel telemetry (the VPN connections' vgw_telemetry): refresh it (terraform apply -refresh-only, or CI's next plan) and read again" };
    }
    if (up === 0) return { phase: 'down', reason: `no tunnel is up (${notUp.join(', ')}): GCP has no path to the customer` };
    if (up < tunnels.length) return { phase: 'degraded', reason: `${up} of ${tunnels.length} tunnels up (${notUp.join(', ')}): ${lostText(model, tunnels)}` };
    if (broken.length > 0) return { phase: 'degraded', reason: broken.map((e) => `${e.endpoint} is ${e.state}`).join(', ') };
    if (pending.length > 0) return { phase: 'awaiting-acceptance', reason: pending.map(pendingReason).join(', ') };
    if (connectable.length === 0) return { phase: 'awaiting-customer', reason: 'every tunnel is up; no endpoint has a service name yet: the customer applies their module first' };
    return { phase: 'connected', reason: `every tunnel is up; ${connectable.map((e) => e.endpoint).join(', ')} available` };
  };
  const { phase, reason } = decide();
  return { ...base, tunnels, phase, reason, alert: phase === 'down' || phase === 'degraded' };
}
