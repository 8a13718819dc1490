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
 * GCP: `vpn.googleapis.com/tunnel_established` (monitored resource `vpn_gateway`, metric label `tunnel_name`) and
 * `router.googleapis.com/bgp/session_up` (monitored resource `gce_router`, metric label `bgp_target_ip`, the
 * peer's address), both 1 when up (Google Cloud metrics list, "vpn" and "router").
 *
 * These label names come from Google's metrics list and could not be checked against a live project here. The
 * conditions therefore evaluate missing data as a violation (EVALUATION_MISSING_DATA_ACTIVE): a label that
 * matched no time series would make the policy fire at once, not keep it silent.
 */
export const GCP_TUNNEL_METRIC = 'vpn.googleapis.com/tunnel_established';
export const GCP_TUNNEL_RESOURCE = 'vpn_gateway';
export const GCP_TUNNEL_LABEL = 'tunnel_name';
export const GCP_SESSION_METRIC = 'router.googleapis.com/bgp/session_up';
export const GCP_SESSION_RESOURCE = 'gce_router';
export const GCP_SESSION_LABEL = 'bgp_target_ip';
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

/**
 * The values a Cloud Monitoring filter matches for one metric label (`metric.label.L = "v"` or
 * `metric.label.L = one_of("v1", "v2")`), or none when the filter watches another metric. The lint rule and the lab
 * read privlink's own filters this way (render/operator/alerts.ts writes them).
 */
export function filterLabelValues(filter: string, metric: string, label: string): string[] {
  if (!filter.includes(`metric.type = "${metric}"`)) return [];
  const m = new RegExp(`metric\\.label\\.${label} = (one_of\\(([^)]*)\\)|"([^"]*)")`).exec(filter);
  if (!m) return [];
  return m[2] !== undefined ? [...m[2].matchAll(/"([^"]*)"/g)].map((v) => v[1]!) : [m[3]!];
}
