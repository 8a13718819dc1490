/**
 * What a customer costs each month, from the model and the price table (fleet/prices.ts, docs/cost.md): the fixed
 * charges privlink can count (tunnels, connections, endpoint AZs, zones, alarm metrics and conditions) line by line,
 * the per-unit rates of traffic and logs as rates (no guessed volumes), and what the customer's side costs them.
 * Pure: the same model and table give the same estimate.
 */
import { priceIn, type PriceEntry, type PriceId, type PriceTable } from '../fleet/prices';

export interface CostLine {
  readonly id: PriceId;
  readonly what: string;
  /** How many of the unit (tunnels, endpoint AZs…). */
  readonly count: number;
  readonly unit: string;
  /** USD per unit (per hour for hourly units). */
  readonly unitPrice: number;
  /** Hours per month when the unit is hourly, else 1. */
  readonly hours: number;
  /** USD per month, rounded to the cent: count × unitPrice × hours. */
  readonly monthly: number;
  readonly verified: boolean;
  /** privlink.yaml's reason when it overrides the entry. */
  readonly override?: string;
}

export interface RateLine {
  readonly id: PriceId;
  readonly what: string;
  readonly unit: string;
  readonly unitPrice: number;
  readonly note?: string;
  readonly verified: boolean;
}

export interface CostEstimate {
  /** USD per month of the fixed charges (the sum of `lines`). */
  readonly monthly: number;
  readonly lines: readonly CostLine[];
  readonly rates: readonly RateLine[];
  /** What privlink creates that is free, by the table. */
  readonly free: readonly { readonly id: PriceId; readonly what: string; readonly verified: boolean }[];
  readonly customer: { readonly monthly: number; readonly lines: readonly CostLine[]; readonly rates: readonly RateLine[] };
  /** The table's date, and the entries the estimate used that were not read on the primary page. */
  readonly assembled: string;
  readonly unverified: readonly PriceId[];
}

/** What the estimate counts, read off a customer's model. */
export interface CostCounts {
  readonly gcpRegion: string;
  readonly awsRegion: string;
  /** Every tunnel, of both regions. */
  readonly tunnels: number;
  /** Of those, the tunnels in gcp.failoverRegion, priced at that region's rate. */
  readonly failover?: { readonly region: string; readonly tunnels: number };
  readonly connections: number;
  /** Interface endpoint × AZ pairs (connected endpoints only). */
  readonly endpointAzs: number;
  readonly dnsZones: number;
  /** CloudWatch alarm metrics: one per tunnel alarm, one per tunnel in the no-path alarm. */
  readonly alarmMetrics: number;
  /** Cloud Monitoring conditions: tunnel and session per tunnel, and the two of the no-path policy. */
  readonly alertConditions: number;
  /** Services the customer publishes (one NLB each in their module). */
  readonly services: number;
}

export const cents = (usd: number) => Math.round(usd * 100) / 100;

/** The counts of a customer (a decommissioning one counts nothing: its stack holds no resource). */
export function costCounts(model: {
  readonly decommission: boolean;
  readonly gcp: { readonly region: string; readonly failoverRegion?: string };
  readonly aws: { readonly region: string };
  readonly tunnels: readonly { readonly site: 'primary' | 'failover' }[];
  readonly connections: readonly unknown[];
  readonly endpoints: readonly { readonly serviceName?: string; readonly addresses: readonly unknown[]; readonly dnsZones: readonly unknown[] }[];
}): CostCounts {
  const none = model.decommission;
  const connected = none ? [] : model.endpoints.filter((e) => e.serviceName);
  const tunnels = none ? 0 : model.tunnels.length;
  const failoverTunnels = none ? 0 : model.tunnels.filter((t) => t.site === 'failover').length;
  return {
    gcpRegion: model.gcp.region,
    awsRegion: model.aws.region,
    tunnels,
    ...(model.gcp.failoverRegion && failoverTunnels > 0 ? { failover: { region: model.gcp.failoverRegion, tunnels: failoverTunnels } } : {}),
    connections: none ? 0 : model.connections.length,
    endpointAzs: connected.reduce((n, e) => n + e.addresses.length, 0),
    dnsZones: connected.reduce((n, e) => n + e.dnsZones.length, 0),
    alarmMetrics: 2 * tunnels,
    alertConditions: tunnels === 0 ? 0 : 2 * tunnels + 2,
    services: none ? 0 : model.endpoints.length,
  };
}

export function estimateCost(counts: CostCounts, table: PriceTable): CostEstimate {
  const entry = (id: PriceId): PriceEntry => table.entries[id];
  const hourly = (e: PriceEntry) => e.unit.endsWith('-hour');
  const line = (id: PriceId, count: number, region: string): CostLine => {
    const e = entry(id);
    const unitPrice = priceIn(e, region);
    const hours = hourly(e) ? table.hoursPerMonth : 1;
    return {
      id,
      what: e.what,
      count,
      unit: e.unit,
      unitPrice,
      hours,
      monthly: cents(count * unitPrice * hours),
      verified: e.verified,
      ...(e.override ? { override: e.override } : {}),
    };
  };
  const rate = (id: PriceId, region: string): RateLine => {
    const e = entry(id);
    return { id, what: e.what, unit: e.unit, unitPrice: priceIn(e, region), ...(e.note ? { note: e.note } : {}), verified: e.verified };
  };
  const g = counts.gcpRegion;
  const a = counts.awsRegion;
  const failover = counts.failover;
  const lines = [
    line('gcp.vpnTunnel', counts.tunnels - (failover?.tunnels ?? 0), g),
    ...(failover ? [{ ...line('gcp.vpnTunnel', failover.tunnels, failover.region), what: `${entry('gcp.vpnTunnel').what} (failover region ${failover.region})` }] : []),
    line('aws.vpnConnection', counts.connections, a),
    line('aws.vpnTunnelPublicIpv4', counts.tunnels, a),
    line('aws.interfaceEndpoint', counts.endpointAzs, a),
    line('gcp.dnsZone', counts.dnsZones, g),
    line('aws.alarmMetric', counts.alarmMetrics, a),
    line('gcp.alertCondition', counts.alertConditions, g),
  ].filter((l) => l.count > 0 && entry(l.id).kind !== 'free');
  const rates = (['gcp.vpnEgress', 'aws.dataTransferOut', 'aws.interfaceEndpointData', 'aws.flowLogIngestion', 'aws.logStorage', 'gcp.dnsQueries', 'gcp.alertTimeSeries'] as const).map((id) =>
    rate(id, id.startsWith('gcp.') ? g : a),
  );
  const free = (['gcp.haVpnGateway', 'gcp.cloudRouter', 'gcp.externalVpnGateway', 'aws.vpnGateway', 'aws.vpc', 'aws.vpnTunnelPublicIpv4', 'gcp.vpnIngress', 'aws.dataTransferIn'] as const)
    .filter((id) => entry(id).kind === 'free')
    .map((id) => ({ id, what: entry(id).what, verified: entry(id).verified }));
  const customerLines = [line('aws.nlb', counts.services, a)].filter((l) => l.count > 0);
  const customerRates = [rate('aws.nlcu', a)];
  const used = [...lines, ...rates, ...free, ...customerLines, ...customerRates].map((x) => x.id);
  return {
    monthly: cents(lines.reduce((n, l) => n + l.monthly, 0)),
    lines,
    rates,
    free,
    customer: { monthly: cents(customerLines.reduce((n, l) => n + l.monthly, 0)), lines: customerLines, rates: customerRates },
    assembled: table.assembled,
    unverified: [...new Set(used)].filter((id) => !entry(id).verified && !entry(id).override).sort(),
  };
}

/** `$1,234.50`; a signed change reads `+$14.60` or `−$109.50`. */
export function usd(amount: number, signed = false): string {
  const abs = Math.abs(cents(amount)).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  if (!signed) return `$${abs}`;
  return cents(amount) === 0 ? '$0.00' : `${amount > 0 ? '+' : '−'}$${abs}`;
}

/** A unit price as written: `$0.05 per tunnel-hour`, `$0.0225 per NLB-hour`. */
export function unitPriceText(l: { unitPrice: number; unit: string }): string {
  return `$${l.unitPrice.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 6 })} per ${l.unit}`;
}
