/**
 * Allocation: the one place that chooses, for every customer, what the user never has to pick — the Cloud Router
 * its BGP sessions live on, the inside /30 of each tunnel, and the host offset of each endpoint. Pure: the prior
 * allocations come in (read from each customer's committed `allocation.json`), the new ones go out.
 *
 * Stable by construction: a value once allocated is kept for as long as the customer (and the endpoint, the
 * tunnel, the network) exists. A new value is chosen only for what has none, from what no one else holds, so
 * adding, removing or reordering customers or endpoints, or a fresh clone, never moves an existing one. A value
 * the spec pins (`vpn.insideCidrs`, `addressOffset`) wins and is checked against everyone else's.
 *
 * Router placement (reference §1.5b): customers on one GCP project + network + region form a hub. A customer alone
 * on its network and region has a router of its own, in its own stack ("own": the single-tenant model). A hub of two
 * or more customers peers them with its shared Cloud Routers (first fit, 128 BGP peers each, at most 5 routers per
 * network and region, fewer when the operator declares routers of its own there); a customer's own router is
 * adopted as one of them when others join, keeping its name, interfaces and peers.
 */
import { createHash } from 'node:crypto';
import { offsetRange, hashedOffset } from '../domain/addresses';
import { AWS_RESERVED_TUNNEL_INSIDE_CIDRS, DEFAULT_INSIDE_CIDR_BASE_OCTET, GCP_NAME_MAX, NAME_PREFIX, REMOVED_BLOCK_TERRAFORM } from '../domain/constants';
import { overlaps } from '../domain/versions';
import { parseCidr } from '../domain/cidr';
import { BGP_PEERS_PER_CLOUD_ROUTER, CLOUD_ROUTERS_PER_NETWORK_REGION, LIMIT_SOURCES } from '../domain/limits';
import { TUNNEL_KEYS, defaultInsideCidr, siteConnectionKeys, siteOf, tunnelKeys, type Site, type TunnelKey } from '../domain/tunnels';
import type { FleetConfig } from '../fleet/schema';
import { networkOf, type Finding } from '../input/rules';
import type { CustomerSpec } from '../input/schema';
import { agree, firstOf, plural as count } from '../support/words';

/** Where a customer's BGP sessions live. */
export type RouterPlacement =
  | { readonly placement: 'own'; readonly name: string }
  | {
      readonly placement: 'shared';
      readonly hub: string;
      readonly index: number;
      readonly name: string;
      /** The router's BGP ASN: the customer gateways of every customer on it carry it. */
      readonly asn: number;
      /**
       * The customer whose own router this shared router was (it was alone on its network until others joined). Its
       * stack hands the router, interfaces and peers to the hub with `removed` blocks, the hub takes them with
       * `import` blocks, so nothing is recreated.
       */
      readonly adoptedFrom?: string;
    };

export interface Allocation {
  readonly customer: string;
  /** `projects/<project>/global/networks/<network>`: the scope of the inside /30s. */
  readonly network: string;
  readonly region: string;
  readonly router: RouterPlacement;
  /** The failover region's router (spec gcp.failoverRegion): its own, or a shared one of that region's hub. */
  readonly failover?: { readonly region: string; readonly router: RouterPlacement };
  /** Every tunnel's inside /30: a1…b2 in the primary region, c1…d2 in the failover region (one pool per network). */
  readonly insideCidrs: Readonly<Partial<Record<TunnelKey, string>>>;
  /** Endpoint name → host offset in every subnet of the operator VPC (domain/addresses.ts). */
  readonly endpointOffsets: Readonly<Record<string, number>>;
}

export interface AllocationRequest {
  /** Every valid spec of the fleet. */
  readonly specs: readonly { readonly file: string; readonly spec: CustomerSpec }[];
  /** What each customer's committed allocation.json records. */
  readonly prior: ReadonlyMap<string, Allocation>;
  /** Customers whose folder a privlink before allocation files wrote (0.4.0): they keep their own router. */
  readonly legacy: ReadonlySet<string>;
  readonly fleet: FleetConfig;
  /** Customers to allocate afresh, dropping their prior allocation (`generate --reallocate`). */
  readonly reallocate?: ReadonlySet<string>;
  /**
   * Allocations of customers that still have a folder but no valid spec in this run (a spec with errors, or deleted
   * before its folder): they keep holding their /30s and router peers, so nobody is given them meanwhile.
   */
  readonly reserved?: readonly Allocation[];
}

export interface AllocationResult {
  readonly allocations: Map<string, Allocation>;
  readonly findings: { file: string; finding: Finding }[];
}

/** The hub of a network and region: `project.network.region` (GCP names hold no dot). */
const hubOf = (network: string, region: string) => `${network.split('/')[1]}.${network.split('/').pop()}.${region}`;
export const hubId = (s: CustomerSpec) => hubOf(networkOf(s), s.gcp.region);

/** Every tunnel of a spec: the primary region's, then the failover region's. */
export const specTunnelKeys = (s: CustomerSpec) => tunnelKeys(s.vpn.highAvailability, s.gcp.failoverRegion !== undefined);

/**
 * The name of shared router `index` of a hub: `privlink-<network>-<region>-<index>`, unique per project and region
 * (Cloud Router names are), cut to GCP's 63 characters with a hash of the whole when the network name is long.
 */
export function sharedRouterName(spec: Pick<CustomerSpec, 'gcp'>, index: number, region = spec.gcp.region): string {
  const full = `${NAME_PREFIX}-${spec.gcp.network}-${region}-${index}`;
  if (full.length <= GCP_NAME_MAX) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 6);
  const tail = `-${region}-${hash}-${index}`;
  return `${`${NAME_PREFIX}-${spec.gcp.network}`.slice(0, GCP_NAME_MAX - tail.length).replace(/-+$/, '')}${tail}`;
}

/** A customer's own router (the name model.ts gave it before 0.5.0); `-router-fo` in its failover region. */
export const ownRouterName = (customer: string, site: Site = 'primary') => `${NAME_PREFIX}-${customer}-router${site === 'failover' ? '-fo' : ''}`;

// ---- inside /30s: a pool per network, in a fixed order from 169.254.20.0/30 up, then the rest below it ----

const SLASH30S = 2 ** 14; // /30s in 169.254.0.0/16
const BASE_SLOT = (DEFAULT_INSIDE_CIDR_BASE_OCTET * 256) / 4;
const LINK_LOCAL_FIRST = parseCidr('169.254.0.0/16')!.first;
const slotOf = (cidr: string) => (parseCidr(cidr)!.first - LINK_LOCAL_FIRST) / 4;
const RESERVED_SLOTS = new Set(AWS_RESERVED_TUNNEL_INSIDE_CIDRS.map(slotOf));
const cidrOf = (slot: number) => `169.254.${Math.floor(slot / 64)}.${(slot % 64) * 4}/30`;

/** The free /30s of one network, handed out lowest first (from the base up, then below the base). */
class InsidePool {
  private readonly taken = new Set<number>();
  private cursor = 0;
  take(slot: number): void {
    this.taken.add(slot);
  }
  /** Takes this /30 if it is free (a new customer's first choice: the defaults 0.4.0 gave every customer). */
  tryTake(cidr: string): boolean {
    const slot = slotOf(cidr);
    if (this.taken.has(slot) || RESERVED_SLOTS.has(slot)) return false;
    this.taken.add(slot);
    return true;
  }
  next(): string | undefined {
    while (this.cursor < SLASH30S) {
      const slot = (BASE_SLOT + this.cursor) % SLASH30S;
      this.cursor++;
      if (!this.taken.has(slot) && !RESERVED_SLOTS.has(slot)) {
        this.taken.add(slot);
        return cidrOf(slot);
      }
    }
    return undefined;
  }
}

interface Claim {
  readonly file: string;
  readonly customer: string;
  readonly key: TunnelKey;
  readonly pinned: boolean;
}

const push = <K, T>(m: Map<K, T[]>, key: K, v: T) => m.set(key, [...(m.get(key) ?? []), v]);

const others = (names: readonly string[]) => firstOf(names, 3);

/** Allocates every customer of the fleet (see the file comment); findings for what the clouds would refuse. */
export function allocate(req: AllocationRequest): AllocationResult {
  const findings: AllocationResult['findings'] = [];
  const specs = [...req.specs].sort((a, b) => a.spec.name.localeCompare(b.spec.name));
  const priorOf = (s: CustomerSpec) => (req.reallocate?.has(s.name) ? undefined : req.prior.get(s.name));
  const inside = allocateInside(specs, priorOf, req.legacy, req.reserved ?? [], findings);
  const routers = placeRouters(specs, priorOf, req, findings);
  const allocations = new Map<string, Allocation>();
  for (const { file, spec } of specs) {
    const router = routers.get(seatKey(spec.name, 'primary'));
    const failover = spec.gcp.failoverRegion;
    const failoverRouter = failover ? routers.get(seatKey(spec.name, 'failover')) : undefined;
    if (!router || (failover && !failoverRouter)) continue;
    allocations.set(spec.name, {
      customer: spec.name,
      network: networkOf(spec),
      region: spec.gcp.region,
      router,
      ...(failover && failoverRouter ? { failover: { region: failover, router: failoverRouter } } : {}),
      insideCidrs: inside.get(spec.name)!,
      endpointOffsets: allocateOffsets(spec, priorOf(spec), findings, file),
    });
  }
  return { allocations, findings };
}

/** Inside /30s per network: pins and prior values first (conflicts among them are findings), then the rest. */
function allocateInside(
  specs: readonly { file: string; spec: CustomerSpec }[],
  priorOf: (s: CustomerSpec) => Allocation | undefined,
  legacy: ReadonlySet<string>,
  reserved: readonly Allocation[],
  findings: AllocationResult['findings'],
): Map<string, Partial<Record<TunnelKey, string>>> {
  const result = new Map<string, Partial<Record<TunnelKey, string>>>();
  const pools = new Map<string, InsidePool>();
  const byNetwork = new Map<string, Map<number, Claim[]>>();
  for (const a of reserved) {
    const claims = byNetwork.get(a.network) ?? new Map<number, Claim[]>();
    byNetwork.set(a.network, claims);
    for (const [key, cidr] of Object.entries(a.insideCidrs)) push(claims, slotOf(cidr), { file: '', customer: a.customer, key: key as TunnelKey, pinned: false });
  }
  // Pass 1: what is already decided — pins, prior allocations on the same network, and a 0.4.0 customer's defaults.
  for (const { file, spec } of specs) {
    const prior = priorOf(spec);
    const network = networkOf(spec);
    const keep = prior && prior.network === network ? prior.insideCidrs : {};
    const decided: Partial<Record<TunnelKey, string>> = {};
    const claims = byNetwork.get(network) ?? new Map<number, Claim[]>();
    byNetwork.set(network, claims);
    for (const key of specTunnelKeys(spec)) {
      const pin = spec.vpn.insideCidrs?.[key];
      const value = pin ?? keep[key] ?? (legacy.has(spec.name) && !prior ? defaultInsideCidr(key) : undefined);
      if (value === undefined) continue;
      const canonical = parseCidr(value)!.text;
      decided[key] = canonical;
      push(claims, slotOf(canonical), { file, customer: spec.name, key, pinned: pin !== undefined });
    }
    result.set(spec.name, decided);
  }
  for (const [network, claims] of byNetwork) {
    const pool = new InsidePool();
    pools.set(network, pool);
    for (const [slot, holders] of claims) {
      pool.take(slot);
      const customers = new Set(holders.map((h) => h.customer));
      if (customers.size < 2) continue; // one spec pinning one /30 twice is reported by the spec's own rules
      insideConflict(network, cidrOf(slot), holders, findings);
    }
  }
  // Pass 2: every tunnel still without a /30 takes its default if free (so the first customer of a network gets the
  // /30s privlink always gave), else the lowest free one of its network.
  for (const { file, spec } of specs) {
    const decided = result.get(spec.name)!;
    const pool = pools.get(networkOf(spec))!;
    for (const key of specTunnelKeys(spec)) {
      if (decided[key] !== undefined) continue;
      const cidr = pool.tryTake(defaultInsideCidr(key)) ? defaultInsideCidr(key) : pool.next();
      if (cidr === undefined) {
        findings.push({ file, finding: { path: ['vpn'], atKey: true, message: `no inside /30 is left in 169.254.0.0/16 on network ${networkOf(spec)}: every one is held by a tunnel of this network` } });
        break;
      }
      decided[key] = cidr;
    }
    result.set(spec.name, Object.fromEntries(specTunnelKeys(spec).filter((k) => decided[k]).map((k) => [k, decided[k]!])));
  }
  return result;
}

/**
 * One /30 held by tunnels of several customers on one network. A pin is the user's change: the finding is at the
 * pin. Two prior allocations are two pull requests that allocated at once: a finding at each customer's name, with
 * the one command that moves one of them.
 */
function insideConflict(network: string, cidr: string, holders: readonly Claim[], findings: AllocationResult['findings']): void {
  const pinned = holders.filter((h) => h.pinned);
  const describe = (h: Claim) => `tunnel ${h.key} of ${h.customer} (${h.file || `its folder's ${ALLOCATION_FILE}`})`;
  const why = `Cloud Routers on one network need distinct BGP addresses, and interfaces of one router distinct ranges ("Configure the BGP identifier range for a Cloud Router")`;
  if (pinned.length > 0) {
    for (const h of pinned) {
      const rest = holders.filter((o) => o !== h && o.customer !== h.customer).map(describe);
      if (rest.length === 0) continue;
      findings.push({
        file: h.file,
        finding: {
          path: ['vpn', 'insideCidrs', h.key],
          message: `"${cidr}" is also held by ${others(rest)} on network ${network}; ${why}. Remove the pin and privlink allocates a free /30`,
        },
      });
    }
    return;
  }
  const names = [...new Set(holders.filter((h) => h.file).map((h) => h.customer))].sort();
  for (const h of holders) {
    if (!h.file) continue; // a reserved allocation (no valid spec): its own spec's problems come first
    const rest = holders.filter((o) => o.customer !== h.customer).map(describe);
    findings.push({
      file: h.file,
      finding: {
        path: ['name'],
        message:
          `allocation conflict: tunnel ${h.key}'s inside /30 "${cidr}" is also allocated to ${others(rest)} on network ${network} ` +
          `(two pull requests allocated it at once); ${why}. Keep the customer whose apply has run and move the other: ` +
          names.map((n) => `\`privlink generate --reallocate ${n}\``).join(' or '),
      },
    });
  }
}

/**
 * One customer's claim on a hub: its primary site (gcp.region) or its failover site (gcp.failoverRegion). Both
 * sites of a customer speak one ASN (the primary's), so that AWS compares their MEDs (domain/preference.ts).
 */
interface Seat {
  readonly file: string;
  readonly spec: CustomerSpec;
  readonly site: Site;
  readonly region: string;
  /** BGP peers the seat takes on its router: one per tunnel of the site. */
  readonly peers: number;
  /** The ASN the seat's router must speak. */
  readonly asn: number;
  /** The seat's prior placement, if any. */
  readonly prior?: RouterPlacement;
  /** A 0.4.0 customer's primary seat without an allocation: it keeps its own router. */
  readonly legacy: boolean;
}

interface Hub {
  readonly id: string;
  readonly members: Seat[];
  readonly reserved: { readonly router: RouterPlacement; readonly peers: number }[];
}

/** Where seat placements are kept: the customer's name for its primary site, `<name>/failover` for the other. */
export const seatKey = (customer: string, site: Site) => (site === 'primary' ? customer : `${customer}/failover`);

/** The seats of a spec: its primary site, and its failover site when it names one. */
function seatsOf(file: string, spec: CustomerSpec, prior: Allocation | undefined, legacy: boolean): Seat[] {
  const primaryAsn = prior?.router.placement === 'shared' ? prior.router.asn : spec.gcp.routerAsn;
  const seat = (site: Site, region: string, priorRouter: RouterPlacement | undefined): Seat => ({
    file,
    spec,
    site,
    region,
    peers: siteConnectionKeys(site, spec.vpn.highAvailability).length * 2,
    asn: site === 'primary' ? spec.gcp.routerAsn : primaryAsn,
    ...(priorRouter ? { prior: priorRouter } : {}),
    legacy: site === 'primary' && !prior && legacy,
  });
  const failover = spec.gcp.failoverRegion;
  const priorFailover = prior?.failover?.region === failover ? prior?.failover?.router : undefined;
  return [seat('primary', spec.gcp.region, prior?.router), ...(failover ? [seat('failover', failover, priorFailover)] : [])];
}

/** The reserved allocations' seats, by hub: what they hold keeps being held. */
function reservedSeats(a: Allocation): { hub: string; router: RouterPlacement; peers: number }[] {
  const count = (site: Site) => Object.keys(a.insideCidrs).filter((k) => siteOf(k as TunnelKey) === site).length;
  return [
    { hub: hubOf(a.network, a.region), router: a.router, peers: count('primary') },
    ...(a.failover ? [{ hub: hubOf(a.network, a.failover.region), router: a.failover.router, peers: count('failover') }] : []),
  ];
}

/** Router placement per hub: own routers stay, prior shared placements stay, new customers go first fit. */
function placeRouters(
  specs: readonly { file: string; spec: CustomerSpec }[],
  priorOf: (s: CustomerSpec) => Allocation | undefined,
  req: AllocationRequest,
  findings: AllocationResult['findings'],
): Map<string, RouterPlacement> {
  const placements = new Map<string, RouterPlacement>();
  const hubs = new Map<string, Hub>();
  const hub = (id: string) => hubs.get(id) ?? hubs.set(id, { id, members: [], reserved: [] }).get(id)!;
  for (const { file, spec } of specs) {
    for (const seat of seatsOf(file, spec, priorOf(spec), req.legacy.has(spec.name))) hub(hubOf(networkOf(spec), seat.region)).members.push(seat);
  }
  for (const a of req.reserved ?? []) {
    for (const r of reservedSeats(a)) hubs.get(r.hub)?.reserved.push(r);
  }
  for (const h of hubs.values()) placeHub(h, req, placements, findings);
  return placements;
}

function placeHub(hub: Hub, req: AllocationRequest, placements: Map<string, RouterPlacement>, findings: AllocationResult['findings']): void {
  const first = hub.members[0]!;
  const { project, network } = first.spec.gcp;
  const declared = req.fleet.sharedRouters.networks.find((n) => n.project === project && n.network === network && n.region === first.region)?.existingRouters ?? 0;
  const asn = req.fleet.sharedRouters.asn;
  const own: Seat[] = [];
  const kept: (Seat & { index: number; name: string; routerAsn: number; adopted?: string })[] = [];
  const fresh: Seat[] = [];
  for (const m of hub.members) {
    if (m.prior?.placement === 'own' || m.legacy) own.push(m);
    else if (m.prior?.placement === 'shared' && m.prior.hub === hub.id) {
      kept.push({ ...m, index: m.prior.index, name: m.prior.name, routerAsn: m.prior.asn, ...(m.prior.adoptedFrom ? { adopted: m.prior.adoptedFrom } : {}) });
    } else fresh.push(m);
  }
  const key = (m: Seat) => seatKey(m.spec.name, m.site);
  // A customer alone on its network and region keeps a router of its own stack (the single-tenant model). Once the
  // hub has two customers, every own router is adopted into the hub: same router, same name, same interfaces and
  // peers, now in the hub's states (Terraform import and removed blocks move them; nothing is recreated).
  if (hub.members.length + hub.reserved.length === 1 && (own.length === 1 || fresh.length === 1)) {
    placements.set(key(first), { placement: 'own', name: ownRouterName(first.spec.name, first.site) });
    return;
  }
  const budget = CLOUD_ROUTERS_PER_NETWORK_REGION - declared;
  const where = `network ${network} in ${first.region} (project ${project})`;
  const budgetText =
    `Google allows ${CLOUD_ROUTERS_PER_NETWORK_REGION} Cloud Routers per network and region` +
    (declared > 0 ? `, ${declared} of them the operator's own (privlink.yaml sharedRouters.networks)` : '') +
    ` (${LIMIT_SOURCES.cloudRouter})`;
  const peers = new Map<number, number>();
  const routers = new Map<number, { name: string; asn: number }>();
  const onRouter = new Map<number, Seat[]>();
  for (const r of hub.reserved) {
    if (r.router.placement !== 'shared') continue;
    peers.set(r.router.index, (peers.get(r.router.index) ?? 0) + r.peers);
    routers.set(r.router.index, { name: r.router.name, asn: r.router.asn });
  }
  // The first to take a router slot names it: an adopted own router keeps its name and ASN, a new one gets the hub's.
  const place = (m: Seat, index: number, adopted?: string) => {
    peers.set(index, (peers.get(index) ?? 0) + m.peers);
    if (!routers.has(index)) {
      routers.set(index, adopted ? { name: ownRouterName(adopted, m.site), asn: m.asn } : { name: sharedRouterName(m.spec, index, m.region), asn });
    }
    const r = routers.get(index)!;
    push(onRouter, index, m);
    placements.set(key(m), { placement: 'shared', hub: hub.id, index, name: r.name, asn: r.asn, ...(adopted ? { adoptedFrom: adopted } : {}) });
  };
  const refuse = (m: Seat, message: string) => findings.push({ file: m.file, finding: { path: ['gcp', m.site === 'primary' ? 'network' : 'failoverRegion'], message } });
  for (const m of kept) {
    if (m.index > budget) refuse(m, `is placed on shared Cloud Router ${m.index} of ${where}, but privlink may use only ${Math.max(budget, 0)} there: ${budgetText}`);
    else {
      if (!routers.has(m.index)) routers.set(m.index, { name: m.name, asn: m.routerAsn });
      place(m, m.index, m.adopted);
    }
  }
  // Own routers adopted now take the lowest free router slots, in name order.
  for (const m of own) {
    let index = 0;
    for (let i = 1; i <= budget && index === 0; i++) if (!peers.has(i)) index = i;
    if (index === 0) refuse(m, `has a Cloud Router of its own on ${where}, which now holds other customers too, and no router slot is left to adopt it into: ${budgetText}`);
    else place(m, index, m.spec.name);
  }
  reportOverfull(onRouter, peers, routers, refuse);
  // New seats, first fit: a router with room that speaks the seat's ASN (gcp.routerAsn, 65534 by default; a failover
  // seat the primary's), or a free slot for a new router when that ASN is the hub's.
  const refused: Seat[] = [];
  const wrongAsn: Seat[] = [];
  for (const m of fresh) {
    const fits = (i: number) => {
      const r = routers.get(i);
      return r ? r.asn === m.asn && (peers.get(i) ?? 0) + m.peers <= BGP_PEERS_PER_CLOUD_ROUTER : m.asn === asn;
    };
    let index = 0;
    for (let i = 1; i <= budget && index === 0; i++) if (fits(i)) index = i;
    if (index !== 0) place(m, index);
    else if (m.asn !== asn) wrongAsn.push(m);
    else refused.push(m);
  }
  const held = [...peers.values()].reduce((a, b) => a + b, 0);
  const capacity = Math.max(budget, 0) * BGP_PEERS_PER_CLOUD_ROUTER;
  for (const m of refused) {
    refuse(
      m,
      `hub ${hub.id} is full: its ${count(Math.max(budget, 0), 'Cloud Router')} hold ${held} of ${capacity} BGP peers ` +
        `(${Math.floor(capacity / 4)} HA customers at 4 peers each, or single-connection ones at 2); ${budgetText}, and ${BGP_PEERS_PER_CLOUD_ROUTER} BGP peers per router. ` +
        `Put this customer on another network or region, or offboard a customer of this one` +
        (refused.length > 1 ? ` (${count(refused.length - 1, 'other new customer')} ${agree(refused.length - 1, 'is', 'are')} refused for the same reason)` : ''),
    );
  }
  // A seat whose ASN no router of the hub speaks (and that is not the hub's, for a new router).
  for (const m of wrongAsn) {
    const spoken = [...new Set([...routers.values()].map((r) => r.asn))].sort((a, b) => a - b);
    const they = `they speak ${spoken.join(', ') || asn}; new ones ${asn}, privlink.yaml sharedRouters.asn`;
    findings.push({
      file: m.file,
      finding:
        m.site === 'primary'
          ? { path: ['gcp', 'routerAsn'], message: `${m.asn} is not the ASN of a shared Cloud Router of ${where} with room (${they}): customers on a shared router speak its ASN; remove gcp.routerAsn or set it to ${asn}` }
          : {
              path: ['gcp', 'failoverRegion'],
              message: `no shared Cloud Router of ${where} with room speaks ASN ${m.asn}, the ASN of this customer's primary Cloud Router (${they}): both regions' routers must speak one ASN, or AWS does not compare their priorities and may prefer the failover region (docs/failover.md)`,
            },
    });
  }
  // Adopting an own router hands it over with `removed` blocks, which need Terraform 1.7.
  for (const m of own) {
    if (placements.get(key(m))?.placement === 'shared' && !overlaps(req.fleet.providers.terraform, REMOVED_BLOCK_TERRAFORM)) {
      findings.push({
        file: m.file,
        finding: {
          path: ['gcp', m.site === 'primary' ? 'network' : 'failoverRegion'],
          message: `its own Cloud Router is adopted by the hub of ${where} now that other customers share the network; the hand-over uses removed blocks with lifecycle { destroy = false }, which need Terraform or OpenTofu ${REMOVED_BLOCK_TERRAFORM} (OpenTofu reads them from 1.10), and privlink.yaml providers.terraform "${req.fleet.providers.terraform}" admits none`,
        },
      });
    }
  }
}

/** Two pull requests that placed customers on one router at once may overfill it: the later names are refused. */
function reportOverfull(
  onRouter: ReadonlyMap<number, readonly Seat[]>,
  peers: ReadonlyMap<number, number>,
  routers: ReadonlyMap<number, { name: string }>,
  refuse: (m: Seat, message: string) => void,
): void {
  for (const [index, members] of onRouter) {
    let total = 0;
    const over = [...members].sort((a, b) => a.spec.name.localeCompare(b.spec.name)).filter((m) => (total += m.peers) > BGP_PEERS_PER_CLOUD_ROUTER);
    for (const m of over) {
      refuse(
        m,
        `allocation conflict: shared Cloud Router ${routers.get(index)!.name} would hold ${peers.get(index)} BGP peers (two pull requests placed customers on it at once); ` +
          `Google allows ${BGP_PEERS_PER_CLOUD_ROUTER} per router (${LIMIT_SOURCES.cloudRouter}). Move this customer to a router with room: \`privlink generate --reallocate ${m.spec.name}\``,
      );
    }
  }
}

/** Endpoint host offsets of one customer: pins, then prior offsets, then the hash of the name or the next free one. */
function allocateOffsets(spec: CustomerSpec, prior: Allocation | undefined, findings: AllocationResult['findings'], file: string): Record<string, number> {
  const prefix = parseCidr(spec.aws.vpcCidr)!.prefix;
  const { first, last } = offsetRange(prefix);
  const taken = new Map<number, string>();
  const result = new Map<string, number>();
  const inRange = (n: number | undefined): n is number => n !== undefined && n >= first && n <= last;
  const pinnedFirst = [...spec.endpoints].sort((a, b) => Number(b.addressOffset !== undefined) - Number(a.addressOffset !== undefined));
  for (const ep of pinnedFirst) {
    const value = ep.addressOffset ?? (inRange(prior?.endpointOffsets[ep.name]) ? prior!.endpointOffsets[ep.name] : undefined);
    if (value === undefined) continue;
    const holder = taken.get(value);
    if (holder !== undefined) {
      if (ep.addressOffset !== undefined && spec.endpoints.find((e) => e.name === holder)?.addressOffset === undefined) {
        const i = spec.endpoints.indexOf(ep);
        findings.push({ file, finding: { path: ['endpoints', i, 'addressOffset'], message: `${value} is the host offset endpoint "${holder}" already holds (allocation.json); remove addressOffset and privlink picks a free one` } });
      }
      continue; // two pins on one offset are reported by the spec's own rules
    }
    taken.set(value, ep.name);
    result.set(ep.name, value);
  }
  const span = last - first + 1;
  for (const ep of [...spec.endpoints].sort((a, b) => a.name.localeCompare(b.name))) {
    if (result.has(ep.name)) continue;
    const start = hashedOffset(ep.name, prefix) - first;
    let chosen: number | undefined;
    for (let k = 0; k < span; k++) {
      const n = first + ((start + k) % span);
      if (!taken.has(n)) {
        chosen = n;
        break;
      }
    }
    if (chosen === undefined) {
      findings.push({ file, finding: { path: ['aws', 'vpcCidr'], message: `"${spec.aws.vpcCidr}" has no free endpoint address left in its subnets; use a larger aws.vpcCidr` } });
      continue;
    }
    taken.set(chosen, ep.name);
    result.set(ep.name, chosen);
  }
  return Object.fromEntries([...result].sort(([a], [b]) => a.localeCompare(b)));
}

/** The hubs a customer has a seat on: its primary region's and its failover region's, where those are shared routers. */
export function hubsOf(a: Pick<Allocation, 'router' | 'failover'>): string[] {
  return [a.router, a.failover?.router].flatMap((r) => (r?.placement === 'shared' ? [r.hub] : []));
}

/** The file in each customer's folder that records its allocation. */
export const ALLOCATION_FILE = 'allocation.json';

/** An allocation as its file holds it: keys in a fixed order, so the same allocation is the same bytes. */
export function allocationJson(a: Allocation, notice: string): string {
  const placement = (r: RouterPlacement) =>
    r.placement === 'own'
      ? { placement: 'own', name: r.name }
      : { placement: 'shared', hub: r.hub, index: r.index, name: r.name, asn: r.asn, ...(r.adoptedFrom ? { adoptedFrom: r.adoptedFrom } : {}) };
  const router = placement(a.router);
  const doc = {
    '//': {
      generated: notice,
      about:
        'What privlink allocated for this customer: kept for as long as the customer, the tunnel and the endpoint exist. Review it; pin a value in the spec (vpn.insideCidrs, endpoints[].addressOffset) rather than editing it here.',
    },
    customer: a.customer,
    network: a.network,
    region: a.region,
    router,
    ...(a.failover ? { failover: { region: a.failover.region, router: placement(a.failover.router) } } : {}),
    insideCidrs: Object.fromEntries(Object.entries(a.insideCidrs).sort(([x], [y]) => x.localeCompare(y))),
    endpointOffsets: Object.fromEntries(Object.entries(a.endpointOffsets).sort(([x], [y]) => x.localeCompare(y))),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** An allocation file read back; undefined when the text is not one (privlink then allocates afresh). */
export function parseAllocation(text: string | undefined): Allocation | undefined {
  if (text === undefined) return undefined;
  let d: Record<string, unknown>;
  try {
    d = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!d || typeof d !== 'object') return undefined;
  const r = d.router as Record<string, unknown> | undefined;
  const isStr = (v: unknown): v is string => typeof v === 'string';
  if (!isStr(d.customer) || !isStr(d.network) || !isStr(d.region)) return undefined;
  const router = parsePlacement(r);
  const f = d.failover as Record<string, unknown> | undefined;
  const failoverRouter = f && isStr(f.region) ? parsePlacement(f.router as Record<string, unknown> | undefined) : undefined;
  if (!router || (f !== undefined && !failoverRouter)) return undefined;
  const cidrs = (d.insideCidrs ?? {}) as Record<string, unknown>;
  const offsets = (d.endpointOffsets ?? {}) as Record<string, unknown>;
  const insideCidrs: Partial<Record<TunnelKey, string>> = {};
  for (const [k, v] of Object.entries(cidrs)) {
    if (!(TUNNEL_KEYS as readonly string[]).includes(k) || !isStr(v) || parseCidr(v)?.prefix !== 30) return undefined;
    insideCidrs[k as TunnelKey] = v;
  }
  const endpointOffsets: Record<string, number> = {};
  for (const [k, v] of Object.entries(offsets)) {
    if (!Number.isInteger(v)) return undefined;
    endpointOffsets[k] = v as number;
  }
  return {
    customer: d.customer,
    network: d.network,
    region: d.region,
    router,
    ...(failoverRouter ? { failover: { region: f!.region as string, router: failoverRouter } } : {}),
    insideCidrs,
    endpointOffsets,
  };
}

/** A router placement as allocation.json holds it; undefined when it is not one. */
function parsePlacement(r: Record<string, unknown> | undefined): RouterPlacement | undefined {
  const isStr = (v: unknown): v is string => typeof v === 'string';
  if (!r || !isStr(r.name)) return undefined;
  if (r.placement === 'own') return { placement: 'own', name: r.name };
  if (r.placement === 'shared' && isStr(r.hub) && Number.isInteger(r.index) && Number.isInteger(r.asn)) {
    return { placement: 'shared', hub: r.hub, index: r.index as number, name: r.name, asn: r.asn as number, ...(isStr(r.adoptedFrom) ? { adoptedFrom: r.adoptedFrom } : {}) };
  }
  return undefined;
}
