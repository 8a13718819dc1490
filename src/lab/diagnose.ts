/** Why a tunnel or a BGP session did not come up, from the daemons' logs, explained with the values each side was given. */
import ipaddr from 'ipaddr.js';
import { validCidr, validIp } from './ip';
import { type AwsSide, type Pair } from './sides';
import type { SessionEntry } from './types';
import { LabState } from './state';


/**
 * Parse `birdc show protocols`: protocol name → state, since when (BIRD's time of the last state change) and info
 * ("Established", "Active", "Idle Socket: …").
 */
export function parseProtocols(text: string): Map<string, { up: boolean; since: string; info: string }> {
  const out = new Map<string, { up: boolean; since: string; info: string }>();
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+BGP\s+\S+\s+(\S+)\s+(\S+)\s+(.*)$/.exec(line.trim());
    if (m) out.set(m[1]!, { up: m[2] === 'up', since: m[3]!, info: m[4]!.trim() });
  }
  return out;
}

/** Why a tunnel did not come up, from both charons' logs, explained with the values each side was given. */
export function tunnelReason(pair: Pair, gLog: string, aLog: string, aws: AwsSide): string | undefined {
  const g = pair.gcp;
  const a = pair.aws;
  if (g && !a) {
    const owner = aws.tunnels.find((t) => t.localIp === g.remoteIp);
    return owner
      ? `GCP ${g.key} peers with ${g.remoteIp}, the outside address of AWS ${owner.key}, which another GCP tunnel already reaches`
      : `GCP ${g.key} peers with ${g.remoteIp || '(no address)'}, which is no AWS tunnel's outside address`;
  }
  if (a && !g) return `no GCP tunnel peers with AWS ${a.key} (${a.localIp})`;
  if (!g || !a) return undefined;
  const logs = `${gLog}\n${aLog}`;
  if (/MAC mismatched|AUTHENTICATION_FAILED|authentication of .* failed/.test(logs)) {
    const other = aws.tunnels.find((t) => t.psk === g.psk);
    const whose = other && other.key !== a.key ? `, the key of AWS ${other.key}` : '';
    return g.psk !== a.psk
      ? `IKE authentication failed: pre-shared keys differ: GCP ${g.key} uses ${g.pskSource}${whose}; AWS ${a.key} uses its own key`
      : 'IKE authentication failed (AUTHENTICATION_FAILED)';
  }
  const noConfig = /no IKE config found for (\S+)/.exec(aLog);
  if (noConfig) return `AWS ${a.key} expects IKE from its customer gateway ${a.remoteIp}, but GCP ${g.key} sends from ${g.localIp}`;
  if (/NO_PROPOSAL_CHOSEN/.test(logs)) {
    return `no common proposal: GCP ${g.key} offers IKE ${g.proposals.ike.join(',')} ESP ${g.proposals.esp.join(',')}; AWS ${a.key} accepts IKE ${a.proposals.ike.join(',')} ESP ${a.proposals.esp.join(',')}`;
  }
  if (/giving up after|retransmit/.test(gLog)) return `no answer from ${g.remoteIp} (IKE retransmits timed out)`;
  return undefined;
}


export function sessionReason(lab: LabState, x: SessionEntry): string {
  const p = lab.gcp.peers.find((q) => q.key === x.row.gcp);
  const refusedG = p ? lab.refused.get(`gcp:${p.key}`) : undefined;
  const refusedA = x.a ? lab.refused.get(`aws:${x.a.key}`) : undefined;
  const reasons: string[] = [];
  if (refusedG && p) reasons.push(`GCP: BIRD refused the session: ${refusedG} (router ASN ${lab.gcp.asn}, peer_asn ${p.peerAsn} from ${p.peerAsnSource})`);
  if (refusedA && x.a) reasons.push(`AWS: BIRD refused the session: ${refusedA} (VPN gateway ASN ${lab.aws.asn}, customer gateway bgp_asn ${x.a.neighborAsn} from ${x.slot?.pair.aws?.peerAsnSource})`);
  if (reasons.length) return reasons.join('; ');
  if (!p) return `no GCP router peer for AWS ${x.a?.key} (AWS expects the Cloud Router at ${x.a?.neighborIp})`;
  if (!p.iface) return `GCP peer ${p.name} names interface "${p.interfaceName}", which no router interface has`;
  if (!x.slot) return `GCP peer ${p.name}'s interface leads to no tunnel`;
  const tunnel = x.slot.row;
  if (!tunnel.up) return `its tunnel ${tunnel.gcp} ⇄ ${tunnel.aws ?? '(none)'} is down`;
  const iface = lab.gcp.interfaces.find((i) => i.key === p.iface)!;
  const a = x.slot?.pair.aws;
  if (validCidr(iface.ipRange) && validIp(p.peerIp)) {
    const [net, len] = ipaddr.parseCIDR(iface.ipRange);
    if (!ipaddr.parse(p.peerIp).match(net, len)) {
      return `GCP peer ${p.name} peers with ${p.peerIp} (${p.peerIpSource}), outside its interface ${iface.name} ${iface.ipRange}${a ? `; AWS ${a.key} is at ${a.vgwInside}` : ''}`;
    }
  }
  if (a && p.peerIp !== a.vgwInside) return `GCP peer ${p.name} peers with ${p.peerIp} (${p.peerIpSource}); AWS ${a.key} is at ${a.vgwInside}`;
  if (a && iface.ipRange.split('/')[0] !== a.cgwInside) return `AWS ${a.key} expects the Cloud Router at ${a.cgwInside}; GCP interface ${iface.name} is ${iface.ipRange} (${iface.ipRangeSource})`;
  if (a && p.peerAsn !== lab.aws.asn) return `GCP peer ${p.name} expects AS${p.peerAsn} (${p.peerAsnSource}); the AWS VPN gateway is AS${lab.aws.asn}`;
  if (a && a.peerAsn !== lab.gcp.asn) return `AWS ${a.key} expects AS${a.peerAsn} (${a.peerAsnSource}); the Cloud Router is AS${lab.gcp.asn}`;
  const lastErr = (side: 'gcp' | 'aws', proto: string | undefined) => (proto ? /Last error:\s*(.*)/.exec(lab.bird(side, 'show', 'protocols', 'all', proto))?.[1]?.trim() : undefined);
  const ge = lastErr('gcp', x.g?.protocol);
  const ae = lastErr('aws', x.a?.protocol);
  return `not established (GCP: ${x.row.gcpState}${ge ? `, last error ${ge}` : ''}; AWS: ${x.row.awsState}${ae ? `, last error ${ae}` : ''})`;
}
