/**
 * What the clouds report about a tunnel and a BGP session, and how privlink alerts on it. One place for the metric
 * names, their dimensions and labels, and the alert timing, so the operator stack, the lint rule and the lab read
 * the same facts.
 */

/**
 * AWS: `AWS/VPN` `TunnelState`, per tunnel, with dimensions `VpnId` (the VPN connection id) and `TunnelIpAddress`
 * (the tunnel's AWS outside address, `tunnelN_address`). For a BGP connection it is 1 when the tunnel and its BGP
 * session are up, 0 otherwise (AWS Site-to-Site VPN User Guide, "Monitoring your Site-to-Site VPN tunnels using
 * CloudWatch"), so one alarm per tunnel covers both.
 */
export const AWS_VPN_NAMESPACE = 'AWS/VPN';
export const AWS_TUNNEL_STATE_METRIC = 'TunnelState';
export const AWS_DIMENSION_VPN_ID = 'VpnId';
export const AWS_DIMENSION_TUNNEL_IP = 'TunnelIpAddress';

/**
 * `treat_missing_data = "breaching"`: a tunnel that reports nothing counts as down. AWS keeps reporting
 * TunnelState (as 0) while a tunnel is down, so missing data means the metric is not arriving at all: a deleted
 * connection, or an alarm whose dimensions match no tunnel. Both must be heard, not stay silent in
 * INSUFFICIENT_DATA, which is what "missing" (the default) would do.
 */
export const AWS_TREAT_MISSING_DATA = 'breaching';

/**
 * GCP: `router.googleapis.com/bgp/session_up`: GAUGE, INT64, monitored resource `gce_router`, "1 indicates the
 * session is up. 0 indicates the session is down", metric label `bgp_peer_name`, "the name of the bgp session" (the
 * router peer's `name`): Google's Cloud Router "View logs and metrics" page, its metrics table generated 2026-04-02.
 * An INT64 gauge takes ALIGN_MIN and REDUCE_SUM (a BOOL one would not). `vpn.googleapis.com/tunnel_established`
 * (monitored resource `vpn_gateway`, metric label `tunnel_name`), 1 when established, is from Google's metrics list
 * for "vpn" and could not be checked here against a copy of that page.
 *
 * Every filter also names the project (`resource.label.project_id`, a label of both monitored resources), so two
 * customers in one region of different projects never share a condition. Conditions evaluate missing data as a
 * violation (EVALUATION_MISSING_DATA_ACTIVE): a filter that matched no time series fires at once, not stays silent.
 */
export const GCP_TUNNEL_METRIC = 'vpn.googleapis.com/tunnel_established';
export const GCP_TUNNEL_RESOURCE = 'vpn_gateway';
export const GCP_TUNNEL_LABEL = 'tunnel_name';
export const GCP_SESSION_METRIC = 'router.googleapis.com/bgp/session_up';
export const GCP_SESSION_RESOURCE = 'gce_router';
export const GCP_SESSION_LABEL = 'bgp_peer_name';
export const GCP_MISSING_DATA = 'EVALUATION_MISSING_DATA_ACTIVE';

/**
 * Every alert fires after one full period of this length with the tunnel or session down. Five minutes ride out
 * a rekey or a BGP restart; a tunnel that AWS or Google takes down for maintenance still warns.
 */
export const ALERT_PERIOD_SECONDS = 300;
/** GCP aligns each series over this window (the worst value in each minute) before the 5-minute test. */
export const GCP_ALIGNMENT_SECONDS = 60;

/** Redundancy lost (one tunnel or session) is a warning; no path left is critical. */
export type Severity = 'warning' | 'critical';
export const GCP_SEVERITY: Readonly<Record<Severity, string>> = { warning: 'WARNING', critical: 'CRITICAL' };

// ------------------------------------------------------------------ the filter format, written and read here only

/**
 * The Cloud Monitoring filter of one monitored metric, for a project and region, matching a metric label against one value or
 * several (`one_of`). render/operator/alerts.ts writes privlink's filters with it; filterLabelValues reads them back.
 */
export function monitoringFilter(resource: string, metric: string, where: { readonly project: string; readonly regions: readonly string[] }, label: string, values: readonly string[]): string {
  const match = (xs: readonly string[]) => (xs.length === 1 ? `"${xs[0]}"` : `one_of(${xs.map((v) => `"${v}"`).join(', ')})`);
  return `resource.type = "${resource}" AND metric.type = "${metric}" AND resource.label.project_id = "${where.project}" AND resource.label.region = ${match(where.regions)} AND metric.label.${label} = ${match(values)}`;
}

/**
 * The values a Cloud Monitoring filter matches for one metric label (`metric.label.L = "v"` or
 * `metric.label.L = one_of("v1", "v2")`), or none when the filter watches another metric.
 */
export function filterLabelValues(filter: string, metric: string, label: string): string[] {
  if (!filter.includes(`metric.type = "${metric}"`)) return [];
  const m = new RegExp(`metric\\.label\\.${label} = (one_of\\(([^)]*)\\)|"([^"]*)")`).exec(filter);
  if (!m) return [];
  return m[2] !== undefined ? [...m[2].matchAll(/"([^"]*)"/g)].map((v) => v[1]!) : [m[3]!];
}

// ------------------------------------------------------------------ what an alarm watches, read from its body

type Body = Readonly<Record<string, unknown>>;
/** A nested block as a list (Terraform JSON and hcl2json write blocks as lists, or as one object). */
const asList = (v: unknown): Body[] => (Array.isArray(v) ? (v as Body[]) : v && typeof v === 'object' ? [v as Body] : []);

/**
 * The tunnel a CloudWatch alarm watches: its VpnId and TunnelIpAddress dimensions, or undefined when it is not a
 * plain AWS/VPN TunnelState alarm (the no-path alarm is metric math). Values as written: references in generated
 * JSON (the lint rule), resolved addresses after the lab's simulated apply.
 */
export function alarmTunnel(body: Body): { vpnId: unknown; tunnelIp: unknown } | undefined {
  if (body.namespace !== AWS_VPN_NAMESPACE || body.metric_name !== AWS_TUNNEL_STATE_METRIC) return undefined;
  const dims = (body.dimensions ?? {}) as Body;
  return { vpnId: dims[AWS_DIMENSION_VPN_ID], tunnelIp: dims[AWS_DIMENSION_TUNNEL_IP] };
}

/** The tunnel names and BGP peer addresses an alert policy's threshold conditions name. */
export function policyWatches(body: Body): { tunnels: string[]; peers: string[] } {
  const filters = asList(body.conditions)
    .flatMap((c) => asList(c.condition_threshold))
    .map((t) => (typeof t.filter === 'string' ? t.filter : ''));
  return {
    tunnels: filters.flatMap((f) => filterLabelValues(f, GCP_TUNNEL_METRIC, GCP_TUNNEL_LABEL)),
    peers: filters.flatMap((f) => filterLabelValues(f, GCP_SESSION_METRIC, GCP_SESSION_LABEL)),
  };
}
