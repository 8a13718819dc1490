/**
 * Each cloud's view of the VPN, read from the simulated apply: the GCP side only from google_* resources, the AWS
 * side only from aws_* resources. What one side knows of the other is what the generated JSON wired into it by
 * reference (already resolved), so a miswired reference shows up as two sides that disagree.
 *
 * The one thing the lab adds is the "internet" between them: a GCP tunnel reaches the AWS tunnel whose outside
 * address is the one the GCP tunnel peers with, as packets would.
 */
import { LabInputError, type Json, type ResolvedResource, type SimulatedApply } from './apply';

/** One IPsec tunnel end's IKE/ESP policy, in strongSwan proposal syntax. */
export interface Proposals {
  readonly ike: readonly string[];
  readonly esp: readonly string[];
  readonly ikeLifetime: number;
  readonly espLifetime: number;
}

/** Where a value came from in the JSON, for diagnoses: the expression it was written as, or the literal. */
export type Source = string;

export interface GcpTunnel {
  /** Terraform resource name, e.g. tunnel_a1. */
  readonly key: string;
  readonly name: string;
  readonly localIp: string;
  readonly remoteIp: string;
  readonly psk: string;
  readonly pskSource: Source;
  readonly ikeVersion: number;
  readonly proposals: Proposals;
}

export interface GcpInterface {
  readonly key: string;
  readonly name: string;
  /** e.g. 169.254.20.2/30 */
  readonly ipRange: string;
  readonly ipRangeSource: Source;
  /** The tunnel (resource name) whose name vpn_tunnel names, if any. */
  readonly tunnel?: string;
}

export interface GcpPeer {
  readonly key: string;
  readonly name: string;
  readonly interfaceName: string;
  /** The interface (resource name) whose name the peer's interface names, if any. */
  readonly iface?: string;
  readonly peerIp: string;
  readonly peerIpSource: Source;
  readonly peerAsn: number;
  readonly peerAsnSource: Source;
  /** A CUSTOM peer's own advertised ranges (a shared router's peers); undefined when it advertises the router's. */
  readonly advertised?: readonly string[];
  /** The router the peer is on (its region and ASN). */
  readonly router: string;
  readonly region: string;
  readonly localAsn: number;
  /** advertised_route_priority: the MED the peer sends (Cloud Router's default 100 when unset). */
  readonly advertisedPriority: number;
}

/** One Cloud Router of the file: a customer's primary region's, and its failover region's when it has one. */
export interface GcpRouter {
  readonly key: string;
  readonly name: string;
  readonly region: string;
  readonly asn: number;
}

export interface GcpSide {
  /** The router of the application's region (the google provider's region: the spec's gcp.region). */
  readonly routerName: string;
  readonly asn: number;
  /** Where the lab's pods run: the google provider's region. */
  readonly appRegion: string;
  readonly routers: readonly GcpRouter[];
  readonly advertised: readonly string[];
  /** bgp.advertise_mode and advertised_groups (ALL_SUBNETS would advertise every subnet of the network). */
  readonly advertiseMode: string;
  readonly advertisedGroups: readonly string[];
  readonly tunnels: readonly GcpTunnel[];
  readonly interfaces: readonly GcpInterface[];
  readonly peers: readonly GcpPeer[];
}

export interface AwsTunnel {
  /** e.g. vpn_a.tunnel1 */
  readonly key: string;
  readonly connection: string;
  /** The connection's id after apply (what CloudWatch reports as VpnId). */
  readonly connectionId: string;
  readonly tunnel: 1 | 2;
  readonly localIp: string;
  /** The customer gateway's address: where AWS expects IKE from. */
  readonly remoteIp: string;
  readonly psk: string;
  readonly insideCidr: string;
  readonly vgwInside: string;
  readonly cgwInside: string;
  /** The customer gateway's ASN: the peer AWS expects. */
  readonly peerAsn: number;
  readonly peerAsnSource: Source;
  readonly initiates: boolean;
  readonly proposals: Proposals;
}

export interface AwsSide {
  readonly asn: number;
  readonly vpcCidr: string;
  /** Every CIDR the endpoint security groups admit: the ranges AWS must learn routes back to. */
  readonly sourceRanges: readonly string[];
  readonly tunnels: readonly AwsTunnel[];
}

export interface Pair {
  readonly gcp?: GcpTunnel;
  readonly aws?: AwsTunnel;
}

const str = (v: Json | undefined): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
const num = (v: Json | undefined): number => (typeof v === 'number' ? v : Number(v));
const list = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const sourceOf = (r: ResolvedResource, arg: string): Source => r.sources[arg] ?? JSON.stringify(r.args[arg] ?? null);

// AWS names (aws_vpn_connection tunnel options) → strongSwan keywords.
const AWS_ENCRYPTION: Record<string, string> = { AES128: 'aes128', AES256: 'aes256', 'AES128-GCM-16': 'aes128gcm16', 'AES256-GCM-16': 'aes256gcm16' };
const AWS_INTEGRITY: Record<string, string> = { SHA1: 'sha1', 'SHA2-256': 'sha256', 'SHA2-384': 'sha384', 'SHA2-512': 'sha512' };
const DH: Record<number, string> = {
  2: 'modp1024', 5: 'modp1536', 14: 'modp2048', 15: 'modp3072', 16: 'modp4096', 17: 'modp6144', 18: 'modp8192',
  19: 'ecp256', 20: 'ecp384', 21: 'ecp521', 22: 'modp1024s160', 23: 'modp2048s224', 24: 'modp2048s256',
};
// What AWS proposes and accepts when a tunnel option is left unset (Site-to-Site VPN tunnel options).
const AWS_DEFAULTS = {
  encryption: ['AES128', 'AES256', 'AES128-GCM-16', 'AES256-GCM-16'],
  integrity: ['SHA1', 'SHA2-256', 'SHA2-384', 'SHA2-512'],
  phase1Dh: [2, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24],
  phase2Dh: [2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24],
};

/**
 * strongSwan proposals for one role: CBC ciphers with integrity algorithms (PRFs follow the integrity
 * algorithms), AEAD ciphers with PRFs; `dh` is the key exchange (IKE) or the PFS group (ESP).
 */
function proposals(encryption: string[], integrity: string[], dh: string[], esp: boolean): string[] {
  const cbc = encryption.filter((e) => !e.includes('gcm'));
  const aead = encryption.filter((e) => e.includes('gcm'));
  const out: string[] = [];
  if (cbc.length) out.push([...cbc, ...integrity, ...dh].join('-'));
  if (aead.length) out.push([...aead, ...(esp ? [] : integrity.map((i) => `prf${i}`)), ...dh].join('-'));
  return out;
}

function unknownName(what: string, value: Json, where: string): never {
  throw new LabInputError([`${where}: the lab does not know the ${what} ${JSON.stringify(value)}`]);
}

function awsProposals(c: ResolvedResource, t: 1 | 2): Proposals {
  const opt = (k: string) => c.args[`tunnel${t}_${k}`];
  /** An option's values (AWS's defaults when unset) in strongSwan's words. */
  const pick = (k: string, fallback: readonly (string | number)[], table: Record<string | number, string>, what: string) => {
    const set = list(opt(k));
    return (set.length ? set : [...fallback]).map((v) => table[String(v)] ?? unknownName(what, v, c.address));
  };
  return {
    ike: proposals(
      pick('phase1_encryption_algorithms', AWS_DEFAULTS.encryption, AWS_ENCRYPTION, 'encryption algorithm'),
      pick('phase1_integrity_algorithms', AWS_DEFAULTS.integrity, AWS_INTEGRITY, 'integrity algorithm'),
      pick('phase1_dh_group_numbers', AWS_DEFAULTS.phase1Dh, DH, 'DH group'),
      false,
    ),
    esp: proposals(
      pick('phase2_encryption_algorithms', AWS_DEFAULTS.encryption, AWS_ENCRYPTION, 'encryption algorithm'),
      pick('phase2_integrity_algorithms', AWS_DEFAULTS.integrity, AWS_INTEGRITY, 'integrity algorithm'),
      pick('phase2_dh_group_numbers', AWS_DEFAULTS.phase2Dh, DH, 'DH group'),
      true,
    ),
    ikeLifetime: num(opt('phase1_lifetime_seconds') ?? 28800),
    espLifetime: num(opt('phase2_lifetime_seconds') ?? 3600),
  };
}

// Cloud VPN cipher names (google_compute_vpn_tunnel.cipher_suite) → strongSwan keywords.
const GCP_ENCRYPTION: Record<string, string> = {
  'AES-CBC-128': 'aes128', 'AES-CBC-192': 'aes192', 'AES-CBC-256': 'aes256',
  'AES-GCM-16-128': 'aes128gcm16', 'AES-GCM-16-192': 'aes192gcm16', 'AES-GCM-16-256': 'aes256gcm16',
};
const GCP_INTEGRITY: Record<string, string> = {
  'HMAC-SHA1-96': 'sha1', 'HMAC-SHA2-256-128': 'sha256', 'HMAC-SHA2-384-192': 'sha384', 'HMAC-SHA2-512-256': 'sha512',
};
const GCP_GROUP = (g: Json, where: string): string => {
  const m = /^Group-(\d+)$/.exec(String(g));
  return (m && DH[Number(m[1])]) || unknownName('Diffie-Hellman group', g, where);
};
// What Cloud VPN offers and accepts without a cipher_suite (its supported-ciphers list; group 22 dropped).
const GCP_DEFAULT_IKE = ['aes256-aes192-aes128-sha256-sha384-sha512-sha1-modp2048-modp3072-modp4096-modp8192-ecp256-ecp384-ecp521-modp1536-modp1024', 'aes256gcm16-aes192gcm16-aes128gcm16-prfsha256-prfsha384-prfsha512-prfsha1-modp2048-modp3072-modp4096-modp8192-ecp256-ecp384-ecp521-modp1536-modp1024'];
const GCP_DEFAULT_ESP = ['aes256-aes192-aes128-sha256-sha384-sha512-sha1-modp2048-modp3072-modp4096-modp8192-ecp256-ecp384-ecp521-modp1536-modp1024', 'aes256gcm16-aes192gcm16-aes128gcm16-modp2048-modp3072-modp4096-modp8192-ecp256-ecp384-ecp521-modp1536-modp1024'];

function gcpProposals(t: ResolvedResource): Proposals {
  const suite = list(t.args.cipher_suite)[0] as Record<string, Json> | undefined;
  if (!suite) return { ike: GCP_DEFAULT_IKE, esp: GCP_DEFAULT_ESP, ikeLifetime: 36000, espLifetime: 10800 };
  const p1 = (list(suite.phase1)[0] ?? {}) as Record<string, Json>;
  const p2 = (list(suite.phase2)[0] ?? {}) as Record<string, Json>;
  const map = (v: Json | undefined, table: Record<string, string>, what: string) => list(v).map((x) => table[String(x)] ?? unknownName(what, x, t.address));
  return {
    ike: proposals(map(p1.encryption, GCP_ENCRYPTION, 'encryption'), map(p1.integrity, GCP_INTEGRITY, 'integrity'), list(p1.dh).map((g) => GCP_GROUP(g, t.address)), false),
    esp: proposals(map(p2.encryption, GCP_ENCRYPTION, 'encryption'), map(p2.integrity, GCP_INTEGRITY, 'integrity'), list(p2.pfs).map((g) => GCP_GROUP(g, t.address)), true),
    ikeLifetime: 36000,
    espLifetime: 10800,
  };
}

/**
 * The GCP side: its tunnels, interfaces and peers, on one Cloud Router or, with a failover region, two (one per
 * region). `appRegion` is where the application runs (the stack's google provider region); the router there is the
 * primary one.
 */
export function gcpSide(apply: SimulatedApply, appRegion?: string): GcpSide {
  const rawRouters = apply.ofType('google_compute_router');
  if (rawRouters.length < 1 || rawRouters.length > 2) {
    throw new LabInputError([`expected one google_compute_router (two with a failover region), found ${rawRouters.length}: the lab reads a privlink operator/cdk.tf.json`]);
  }
  const routers = rawRouters.map((r): GcpRouter => ({ key: r.name, name: str(r.args.name), region: str(r.args.region), asn: num((list(r.args.bgp)[0] as Record<string, Json> | undefined)?.asn) }));
  if (new Set(routers.map((r) => r.region)).size !== routers.length) throw new LabInputError([`two google_compute_router in one region (${routers[0]!.region}): the lab reads one per region`]);
  const region = appRegion ?? routers[0]!.region;
  const primary = routers.find((r) => r.region === region);
  if (!primary) throw new LabInputError([`no google_compute_router in ${region}, the google provider's region, where the application runs`]);
  const bgpOf = (r: ResolvedResource) => (list(r.args.bgp)[0] ?? {}) as Record<string, Json>;
  const tunnels = apply.ofType('google_compute_vpn_tunnel').map((t): GcpTunnel => {
    const gw = apply.byId('google_compute_ha_vpn_gateway', t.args.vpn_gateway) ?? apply.ofType('google_compute_ha_vpn_gateway').find((g) => g.args.name === t.args.vpn_gateway);
    const ext = apply.byId('google_compute_external_vpn_gateway', t.args.peer_external_gateway);
    const local = gw ? (list(gw.computed.vpn_interfaces) as Record<string, Json>[]).find((i) => i.id === num(t.args.vpn_gateway_interface)) : undefined;
    const remote = ext ? (list(ext.args.interface) as Record<string, Json>[]).find((i) => num(i.id) === num(t.args.peer_external_gateway_interface)) : undefined;
    return {
      key: t.name,
      name: str(t.args.name),
      localIp: str(local?.ip_address),
      remoteIp: str(remote?.ip_address),
      psk: str(t.args.shared_secret),
      pskSource: sourceOf(t, 'shared_secret'),
      ikeVersion: num(t.args.ike_version ?? 2),
      proposals: gcpProposals(t),
    };
  });
  const interfaces = apply.ofType('google_compute_router_interface').map((i): GcpInterface => ({
    key: i.name,
    name: str(i.args.name),
    ipRange: str(i.args.ip_range),
    ipRangeSource: sourceOf(i, 'ip_range'),
    tunnel: tunnels.find((t) => t.name === str(i.args.vpn_tunnel))?.key,
  }));
  const ranges = (items: Json) => (list(items) as Record<string, Json>[]).map((r) => str(r.range));
  const peers = apply.ofType('google_compute_router_peer').map((p): GcpPeer => {
    // A peer names its router by name and region; one router per region.
    const router = routers.find((r) => r.name === str(p.args.router) && (p.args.region === undefined || r.region === str(p.args.region))) ?? primary;
    return {
      ...(str(p.args.advertise_mode) === 'CUSTOM' ? { advertised: ranges(p.args.advertised_ip_ranges) } : {}),
      key: p.name,
      name: str(p.args.name),
      interfaceName: str(p.args.interface),
      iface: interfaces.find((i) => i.name === str(p.args.interface))?.key,
      peerIp: str(p.args.peer_ip_address),
      peerIpSource: sourceOf(p, 'peer_ip_address'),
      peerAsn: num(p.args.peer_asn),
      peerAsnSource: sourceOf(p, 'peer_asn'),
      router: router.name,
      region: router.region,
      localAsn: router.asn,
      advertisedPriority: p.args.advertised_route_priority === undefined ? 100 : num(p.args.advertised_route_priority),
    };
  });
  // A peer in CUSTOM mode advertises its own ranges (a shared router's peers do); one in DEFAULT mode its router's.
  const rawPeers = apply.ofType('google_compute_router_peer');
  const perPeer = rawPeers.length > 0 && rawPeers.every((p) => str(p.args.advertise_mode) === 'CUSTOM');
  const routerBgp = rawRouters.map(bgpOf);
  const modes = [...new Set(routerBgp.map((b) => str(b.advertise_mode) || 'DEFAULT'))];
  return {
    routerName: primary.name,
    asn: primary.asn,
    appRegion: region,
    routers,
    advertised: perPeer ? [...new Set(rawPeers.flatMap((p) => ranges(p.args.advertised_ip_ranges)))] : [...new Set(routerBgp.flatMap((b) => ranges(b.advertised_ip_ranges)))],
    advertiseMode: perPeer ? 'CUSTOM' : (modes.find((m) => m !== 'CUSTOM') ?? 'CUSTOM'),
    advertisedGroups: perPeer ? [...new Set(rawPeers.flatMap((p) => list(p.args.advertised_groups).map(str)))] : [...new Set(routerBgp.flatMap((b) => list(b.advertised_groups).map(str)))],
    tunnels,
    interfaces,
    peers,
  };
}

export function awsSide(apply: SimulatedApply): AwsSide {
  const vgws = apply.ofType('aws_vpn_gateway');
  if (vgws.length !== 1) throw new LabInputError([`expected one aws_vpn_gateway, found ${vgws.length}: the lab reads a privlink operator/cdk.tf.json`]);
  const vgw = vgws[0]!;
  const vpc = apply.byId('aws_vpc', vgw.args.vpc_id);
  if (!vpc) throw new LabInputError([`${vgw.address}: vpc_id names no aws_vpc in the file`]);
  const tunnels: AwsTunnel[] = [];
  for (const c of apply.ofType('aws_vpn_connection')) {
    if (c.args.vpn_gateway_id !== vgw.computed.id) continue;
    const cgw = apply.byId('aws_customer_gateway', c.args.customer_gateway_id);
    for (const t of [1, 2] as const) {
      tunnels.push({
        key: `${c.name}.tunnel${t}`,
        connection: c.name,
        connectionId: str(c.computed.id),
        tunnel: t,
        localIp: str(c.computed[`tunnel${t}_address`]),
        remoteIp: str(cgw?.args.ip_address),
        psk: str(c.computed[`tunnel${t}_preshared_key`]),
        insideCidr: str(c.computed[`tunnel${t}_inside_cidr`]),
        vgwInside: str(c.computed[`tunnel${t}_vgw_inside_address`]),
        cgwInside: str(c.computed[`tunnel${t}_cgw_inside_address`]),
        peerAsn: num(cgw?.args.bgp_asn ?? cgw?.args.bgp_asn_extended),
        peerAsnSource: cgw ? sourceOf(cgw, 'bgp_asn') : 'no customer gateway',
        initiates: c.args[`tunnel${t}_startup_action`] === 'start',
        proposals: awsProposals(c, t),
      });
    }
  }
  const sourceRanges = [
    ...new Set(
      apply
        .ofType('aws_vpc_security_group_ingress_rule')
        .map((r) => str(r.args.cidr_ipv4))
        .filter((c) => c !== ''),
    ),
  ].sort();
  return { asn: num(vgw.computed.amazon_side_asn), vpcCidr: str(vpc.args.cidr_block), sourceRanges, tunnels };
}

/** Connect each GCP tunnel to the AWS tunnel that owns the outside address it peers with; leftovers stay alone. */
export function pairTunnels(gcp: GcpSide, aws: AwsSide): Pair[] {
  const pairs: Pair[] = [];
  const taken = new Set<string>();
  for (const g of gcp.tunnels) {
    const a = aws.tunnels.find((t) => t.localIp === g.remoteIp && !taken.has(t.key));
    if (a) taken.add(a.key);
    pairs.push({ gcp: g, aws: a });
  }
  for (const a of aws.tunnels) if (!taken.has(a.key)) pairs.push({ aws: a });
  return pairs;
}
