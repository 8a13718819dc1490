/**
 * Daemon configuration for the lab, rendered from one side's resolved resources at a time: a strongSwan charon
 * per tunnel end (strongswan.conf + swanctl.conf) and a BIRD 2 per side (the Cloud Router, the VPN gateway).
 *
 * Pure: paths come in as arguments, text comes out. The lab-only choices are compressed timers (BGP hold 3 s,
 * keepalive 1 s, connect delay 1 s instead of Cloud Router's 20 s keepalive and BIRD's 5 s delay) so a run takes
 * seconds; every address, key, ASN and proposal comes from the simulated apply.
 */
import { INTER_REGION_COST } from '../domain/preference';
import { validCidr } from './ip';
import type { AwsSide, AwsTunnel, GcpSide, GcpTunnel, Pair, Proposals } from './sides';

/**
 * The region-to-region cost the lab adds to what the failover region's router learns: Google's lowest (201 to 9999,
 * domain/preference.ts), so the lab proves the primary wins by the smallest margin GCP gives it.
 */
export const LAB_INTER_REGION_COST = INTER_REGION_COST.min;

/** Lab timers, seconds. Failover is detected by the BGP hold timer, as in the clouds, only faster. */
export const BGP_TIMERS = { hold: 3, keepalive: 1, connectDelay: 1, connectRetry: 2 } as const;

export interface CharonEnd {
  /** Tunnel end label, e.g. "gcp tunnel_a1" */
  readonly label: string;
  readonly localIp: string;
  readonly remoteIp: string;
  readonly psk: string;
  readonly proposals: Proposals;
  readonly initiates: boolean;
}

export function gcpEnd(t: GcpTunnel): CharonEnd {
  // Cloud VPN always initiates.
  return { label: `gcp ${t.key}`, localIp: t.localIp, remoteIp: t.remoteIp, psk: t.psk, proposals: t.proposals, initiates: true };
}

export function awsEnd(t: AwsTunnel): CharonEnd {
  return { label: `aws ${t.key}`, localIp: t.localIp, remoteIp: t.remoteIp, psk: t.psk, proposals: t.proposals, initiates: t.initiates };
}

/** strongswan.conf for one charon: user-space ESP (kernel-libipsec), no routes of its own, a log file, a private VICI socket. */
export function strongswanConf(dir: string): string {
  return `# privlink lab: one charon per tunnel end
charon {
  load_modular = no
  load = random nonce openssl gcm aes sha1 sha2 hmac gmp kdf drbg kernel-libipsec kernel-netlink socket-default vici
  install_routes = no
  install_virtual_ip = no
  retransmit_tries = 3
  retransmit_timeout = 1.0
  retransmit_base = 1.4
  filelog {
    lab {
      path = ${dir}/charon.log
      flush_line = yes
      default = 1
      ike = 1
      cfg = 1
    }
  }
  plugins {
    vici {
      socket = unix://${dir}/charon.vici
    }
  }
}
swanctl {
  load = random nonce openssl pem pkcs1 x509
}
`;
}

/** swanctl.conf: one IKEv2 connection "t" with a route-based (0.0.0.0/0 ⇄ 0.0.0.0/0) child "t". */
export function swanctlConf(end: CharonEnd): string {
  return `# privlink lab: ${end.label}
connections {
  t {
    version = 2
    local_addrs = ${end.localIp}
    remote_addrs = ${end.remoteIp}
    encap = yes
    proposals = ${end.proposals.ike.join(',')}
    rekey_time = ${end.proposals.ikeLifetime}s
    dpd_delay = 0
    local {
      auth = psk
      id = ${end.localIp}
    }
    remote {
      auth = psk
      id = ${end.remoteIp}
    }
    children {
      t {
        local_ts = 0.0.0.0/0
        remote_ts = 0.0.0.0/0
        esp_proposals = ${end.proposals.esp.join(',')}
        rekey_time = ${end.proposals.espLifetime}s
        start_action = ${end.initiates ? 'start' : 'none'}
      }
    }
  }
}
secrets {
  ike-t {
    id-1 = ${end.localIp}
    id-2 = ${end.remoteIp}
    secret = "${end.psk}"
  }
}
`;
}

export interface BgpSession {
  /** BIRD protocol name. */
  readonly protocol: string;
  /** The lab's key of the session: the GCP peer resource name or the AWS tunnel key. */
  readonly key: string;
  readonly localIp: string;
  readonly localAsn: number;
  readonly neighborIp: string;
  readonly neighborAsn: number;
  /** Interface in the router namespace that leads to the tunnel. */
  readonly device: string;
  /** The prefixes this session announces, when not every one the side originates (a CUSTOM peer's own ranges). */
  readonly exports?: readonly string[];
  /** The MED the session announces with (a Cloud Router peer's advertised_route_priority). */
  readonly exportMed?: number;
  /**
   * Added to the MED of what the session learns: the region-to-region cost GCP adds to a route another region's
   * Cloud Router learned, as the application's region sees it (domain/preference.ts).
   */
  readonly importCost?: number;
}

export interface BirdConfig {
  readonly text: string;
  /** 1-based line of each session's protocol block. */
  readonly lineOf: ReadonlyMap<string, number>;
}

const ident = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');

/** Device names in the router namespaces: t0, t1… by pair index. */
export const routerDevice = (pairIndex: number) => `t${pairIndex}`;

/**
 * BIRD for one side. `originate` are the prefixes the side announces; every session is external BGP (neither
 * cloud speaks iBGP to the other), so BIRD itself refuses a session whose ASNs are equal.
 */
export function birdConf(o: { logFile: string; routerId: string; originate: readonly string[]; sessions: readonly BgpSession[] }): BirdConfig {
  const head = [
    `# privlink lab BGP speaker`,
    `router id ${o.routerId};`,
    `log "${o.logFile}" all;`,
    // Microseconds: a session's "since" tells whether it flapped (lab/shared.ts).
    `timeformat protocol "%T.%6f";`,
    `protocol device { scan time 1; }`,
    `protocol static lab_routes { ipv4; ${o.originate.map((p) => `route ${p} blackhole;`).join(' ')} }`,
    `protocol kernel { ipv4 { import none; export where source = RTS_BGP; }; merge paths yes; }`,
    `template bgp lab { hold time ${BGP_TIMERS.hold}; keepalive time ${BGP_TIMERS.keepalive}; connect delay time ${BGP_TIMERS.connectDelay}; connect retry time ${BGP_TIMERS.connectRetry}; error wait time 1, 4; ipv4 { import all; export where proto = "lab_routes"; }; }`,
  ];
  const lineOf = new Map<string, number>();
  const lines = [...head];
  for (const s of o.sessions) {
    lines.push(
      `protocol bgp ${s.protocol} from lab { local ${s.localIp} as ${s.localAsn}; neighbor ${s.neighborIp} as ${s.neighborAsn} external; interface "${s.device}"; direct;${channel(s)} }`,
    );
    lineOf.set(s.key, lines.length);
  }
  return { text: `${lines.join('\n')}\n`, lineOf };
}

/**
 * A session's own channel, when it differs from the template's: it announces only `exports` (a Cloud Router peer
 * with its own custom advertisement), with a MED (advertised_route_priority), or adds a cost to what it learns.
 * BIRD compares MEDs only between routes from the same neighbouring AS, as a VGW does, and merges for ECMP only
 * routes whose MEDs are equal.
 */
function channel(s: BgpSession): string {
  if (s.exports === undefined && s.exportMed === undefined && !s.importCost) return '';
  const match = s.exports === undefined ? 'proto = "lab_routes"' : s.exports.length ? `proto = "lab_routes" && net ~ [ ${s.exports.join(', ')} ]` : 'false';
  const exp = s.exportMed === undefined ? `export where ${match};` : `export filter { if ${match} then { bgp_med = ${s.exportMed}; accept; } reject; };`;
  const imp = s.importCost ? ` import filter { if ! defined(bgp_med) then bgp_med = 0; bgp_med = bgp_med + ${s.importCost}; accept; };` : '';
  return ` ipv4 {${imp} ${exp} };`;
}

/**
 * The Cloud Router's sessions: one per router peer whose interface leads to a tunnel. `devices[i]` leads to
 * `pairs[i]`'s tunnel.
 */
export function gcpSessions(gcp: GcpSide, pairs: readonly Pair[], devices: readonly string[]): BgpSession[] {
  const out: BgpSession[] = [];
  for (const p of gcp.peers) {
    const iface = gcp.interfaces.find((i) => i.key === p.iface);
    const index = pairs.findIndex((x) => x.gcp !== undefined && x.gcp.key === iface?.tunnel);
    if (!iface || index < 0) continue;
    out.push({
      protocol: `gcp_${ident(p.key)}`,
      key: p.key,
      localIp: iface.ipRange.split('/')[0]!,
      localAsn: p.localAsn,
      neighborIp: p.peerIp,
      neighborAsn: p.peerAsn,
      device: devices[index]!,
      ...(p.advertised ? { exports: p.advertised.filter(validCidr) } : {}),
      exportMed: p.advertisedPriority,
      ...(p.region !== gcp.appRegion ? { importCost: LAB_INTER_REGION_COST } : {}),
    });
  }
  return out;
}

/** The VPN gateway's sessions: one per AWS tunnel; `devices` as for gcpSessions. */
export function awsSessions(aws: AwsSide, pairs: readonly Pair[], devices: readonly string[]): BgpSession[] {
  return aws.tunnels.map((t) => ({
    protocol: `aws_${ident(t.key)}`,
    key: t.key,
    localIp: t.vgwInside,
    localAsn: aws.asn,
    neighborIp: t.cgwInside,
    neighborAsn: t.peerAsn,
    device: devices[pairs.findIndex((x) => x.aws?.key === t.key)]!,
  }));
}
