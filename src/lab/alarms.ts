/**
 * Which generated alarm would fire when the lab kills a tunnel. Read from the simulated apply only, like the rest
 * of the lab: an AWS alarm fires for a tunnel when its dimensions resolve to that tunnel's connection id and outside
 * address; a GCP policy fires when its filter resolves to that tunnel's name, or to its BGP peer's address. So an
 * alarm wired to the wrong tunnel is caught here, with the expression its dimension came from.
 */
import { AWS_DIMENSION_TUNNEL_IP, AWS_DIMENSION_VPN_ID, alarmTunnel, policyWatches } from '../domain/monitoring';
import type { SimulatedApply } from './apply';
import type { AwsTunnel, GcpPeer, GcpTunnel } from './sides';
import type { Check } from './types';

export interface AwsAlarm {
  readonly name: string;
  readonly vpnId: string;
  readonly tunnelIp: string;
}

export interface GcpPolicy {
  readonly name: string;
  readonly severity: string;
  /** Tunnel names and peer addresses the filters name, resolved; `one_of` lists count as many. */
  readonly tunnels: readonly string[];
  readonly peers: readonly string[];
}

export interface AlarmView {
  /** Per-tunnel CloudWatch alarms (a plain TunnelState metric). */
  readonly aws: readonly AwsAlarm[];
  readonly gcp: readonly GcpPolicy[];
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function alarmView(apply: SimulatedApply): AlarmView {
  const aws = apply.ofType('aws_cloudwatch_metric_alarm').flatMap((r) => {
    const t = alarmTunnel(r.args);
    return t ? [{ name: str(r.args.alarm_name), vpnId: str(t.vpnId), tunnelIp: str(t.tunnelIp) }] : [];
  });
  const gcp = apply.ofType('google_monitoring_alert_policy').map((r) => ({ name: str(r.args.display_name), severity: str(r.args.severity), ...policyWatches(r.args) }));
  return { aws, gcp };
}

/**
 * The alarms that fire for one killed tunnel, on both clouds: exactly one CloudWatch alarm on its connection and
 * address, and the per-tunnel GCP policies on its tunnel and its peer (a policy naming one tunnel or peer alone).
 */
export function alarmCheck(view: AlarmView, killed: { aws: AwsTunnel; awsConnectionId: string; gcp: GcpTunnel; peer?: GcpPeer }): Check {
  const name = 'alarms';
  const what = `${killed.aws.key} (${killed.aws.localIp}) ⇄ ${killed.gcp.key}`;
  const problems: string[] = [];
  const awsHits = view.aws.filter((a) => a.vpnId === killed.awsConnectionId && a.tunnelIp === killed.aws.localIp);
  if (awsHits.length !== 1) {
    const near = view.aws.filter((a) => a.vpnId === killed.awsConnectionId).map((a) => `${a.name} watches ${a.tunnelIp || 'no address'}`);
    problems.push(
      awsHits.length === 0
        ? `no CloudWatch alarm watches ${killed.aws.key}: none has ${AWS_DIMENSION_VPN_ID} = ${killed.awsConnectionId} and ${AWS_DIMENSION_TUNNEL_IP} = ${killed.aws.localIp}${near.length ? ` (on that connection: ${near.join(', ')})` : ''}`
        : `${awsHits.length} CloudWatch alarms watch ${killed.aws.key}: ${awsHits.map((a) => a.name).join(', ')}`,
    );
  }
  const tunnelPolicies = view.gcp.filter((p) => p.tunnels.length === 1 && p.tunnels[0] === killed.gcp.name);
  if (tunnelPolicies.length === 0) problems.push(`no Cloud Monitoring policy watches tunnel ${killed.gcp.name} alone`);
  const peerPolicies = killed.peer ? view.gcp.filter((p) => p.peers.length === 1 && p.peers[0] === killed.peer!.name) : [];
  if (killed.peer && peerPolicies.length === 0) problems.push(`no Cloud Monitoring policy watches the BGP session ${killed.peer.name} (${killed.peer.key}) alone`);
  if (problems.length) return { name, ok: false, detail: `killed ${what}: ${problems.join('; ')}` };
  const fired = [
    ...awsHits.map((a) => `${a.name} (CloudWatch, ${AWS_DIMENSION_TUNNEL_IP} ${a.tunnelIp})`),
    ...tunnelPolicies.map((p) => `${p.name} (Cloud Monitoring, ${p.severity})`),
    ...peerPolicies.map((p) => `${p.name} (Cloud Monitoring, ${p.severity})`),
  ];
  return { name, ok: true, detail: `killed ${what}: fires ${fired.join(', ')}` };
}
