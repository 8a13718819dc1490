import {
  AWS_DIMENSION_TUNNEL_IP,
  AWS_DIMENSION_VPN_ID,
  AWS_TUNNEL_STATE_METRIC,
  AWS_VPN_NAMESPACE,
  alarmTunnel,
  GCP_SESSION_LABEL,
  GCP_SESSION_METRIC,
  GCP_TUNNEL_LABEL,
  GCP_TUNNEL_METRIC,
  policyWatches,
} from '../../domain/monitoring';
import { ofType, type LintRule, type Resource, type TfDoc } from '../types';

/** The tunnels of each AWS VPN connection: (connection, n) with the references its alarm's dimensions must hold. */
function awsTunnels(doc: TfDoc): { what: string; vpnId: string; address: string }[] {
  return ofType(doc, 'aws_vpn_connection').flatMap((r: Resource) =>
    [1, 2].map((n) => ({ what: `${r.address}.tunnel${n}`, vpnId: `\${${r.address}.id}`, address: `\${${r.address}.tunnel${n}_address}` })),
  );
}

/**
 * Every tunnel and every BGP session is watched on both clouds: a CloudWatch alarm on AWS/VPN TunnelState whose
 * dimensions name that tunnel's connection and outside address, and Cloud Monitoring policies whose filters name the
 * GCP tunnel and the BGP peer's address. Without them an HA customer can lose three of four tunnels unheard.
 *
 * A peer on a shared router lives in its hub's sessions stack with its address written out (the allocation's); the
 * policy that watches it is in its customer's stack, with the same address, so those peers are looked up in every
 * document of the run.
 */
export const alertsEveryTunnel: LintRule = {
  id: 'PRIVLINK_ALERTS_EVERY_TUNNEL',
  mirrors: [],
  title: 'Every tunnel and BGP session has an alert on both clouds',
  check: (doc, all = [doc]) => {
    const alarms = ofType(doc, 'aws_cloudwatch_metric_alarm').flatMap((r) => alarmTunnel(r.body) ?? []);
    const awsWatched = (vpnId: string, address: string) => alarms.some((a) => a.vpnId === vpnId && a.tunnelIp === address);
    const policies = ofType(doc, 'google_monitoring_alert_policy').map((r) => policyWatches(r.body));
    const watchedTunnels = new Set(policies.flatMap((p) => p.tunnels));
    // A policy names a peer by `bgp_peer_name`: `${<peer>.name}` in the peer's own stack, or the name written out
    // in its customer's stack when the peer lives in a hub's sessions stack (so every document of the run counts).
    const fleetPolicies = all.flatMap((d) => ofType(d, 'google_monitoring_alert_policy').map((r) => policyWatches(r.body)));
    const watchedPeers = new Set(fleetPolicies.flatMap((p) => p.peers));
    const inStack = new Set(policies.flatMap((p) => p.peers));
    const peerWatched = (r: Resource) => inStack.has(`\${${r.address}.name}`) || (typeof r.body.name === 'string' && watchedPeers.has(r.body.name));
    const peerRef = (r: Resource) => `\${${r.address}.name}`;
    return [
      ...awsTunnels(doc)
        .filter((t) => !awsWatched(t.vpnId, t.address))
        .map((t) => `${t.what}: no CloudWatch alarm on ${AWS_VPN_NAMESPACE} ${AWS_TUNNEL_STATE_METRIC} with ${AWS_DIMENSION_VPN_ID} = "${t.vpnId}" and ${AWS_DIMENSION_TUNNEL_IP} = "${t.address}"`),
      ...ofType(doc, 'google_compute_vpn_tunnel')
        .filter((r) => !watchedTunnels.has(`\${${r.address}.name}`))
        .map((r) => `${r.address}: no alert policy on ${GCP_TUNNEL_METRIC} whose filter names metric.label.${GCP_TUNNEL_LABEL} = "\${${r.address}.name}"`),
      ...ofType(doc, 'google_compute_router_peer')
        .filter((r) => !peerWatched(r))
        .map((r) => `${r.address}: no alert policy on ${GCP_SESSION_METRIC} whose filter names metric.label.${GCP_SESSION_LABEL} = "${peerRef(r)}"`),
    ];
  },
};
