/**
 * The hubs: one per GCP project + network + region that holds customers on shared Cloud Routers. Decided from the
 * customers' models (their allocations), pure like buildModel.
 *
 * A hub is two Terraform states, so that exactly one state writes each router's interface and peer lists (the
 * google provider writes them by read-modify-write of the whole list, with a lock inside one provider process only;
 * reference §1.5b), and so that no customer's stack can destroy a router others depend on:
 *
 *   routers   the shared Cloud Routers, each advertising nothing by default        applied before the customers
 *   sessions  every customer's router interfaces and BGP peers on them, each peer  applied after the customers
 *             advertising exactly its own customer's gcp.sourceRanges              (an interface names its
 *                                                                                  customer's tunnel, which must exist)
 *
 * A decommissioning customer's sessions leave the sessions stack at once, so its peers are gone before its own
 * apply destroys the tunnels they ride on.
 */
import { HUBS_FOLDER, LABEL_MANAGED_BY, NAME_PREFIX } from '../domain/constants';
import { BGP_PEERS_PER_CLOUD_ROUTER } from '../domain/limits';
import type { FleetConfig } from '../fleet/schema';
import type { RouterPlacement } from './allocation';
import { backendModel, type BackendModel, type CustomerModel, type GcpSiteModel, type TunnelModel } from './model';

export interface HubRouterModel {
  readonly index: number;
  /** Terraform name: google_compute_router.router_<index>. */
  readonly id: string;
  readonly name: string;
  /** Customers whose sessions the router holds (decommissioning ones included until their folder is gone). */
  readonly customers: readonly string[];
  readonly peers: number;
  readonly asn: number;
  /**
   * Set when the router was a customer's own (it was alone on the network): the hub imports it, and it keeps
   * advertising that customer's ranges at router level, as it did (every peer on it advertises its own ranges, so
   * the router's default reaches no peer), so the hand-over changes nothing on the wire.
   */
  readonly adopted?: { readonly customer: string; readonly importId: string; readonly advertisedRanges: readonly string[]; readonly description: string };
}

export interface HubSessionModel {
  /** Terraform name of the interface and the peer: `<customer>_<tunnel>`. */
  readonly id: string;
  readonly customer: string;
  readonly tunnel: string;
  readonly routerId: string;
  readonly tunnelName: string;
  readonly interfaceName: string;
  readonly peerName: string;
  /** The GCP side of the tunnel's /30 (interface) and the AWS side (peer), from the allocation. */
  readonly ipRange: string;
  readonly peerIpAddress: string;
  readonly peerAsn: number;
  readonly advertisedRanges: readonly string[];
  /** The peer's advertised_route_priority (the MED AWS compares): higher for a customer's failover region. */
  readonly advertisedRoutePriority: number;
  /** Import ids when the session comes from its customer's own stack (an adopted router), else undefined. */
  readonly imports?: { readonly iface: string; readonly peer: string };
}

export interface HubModel {
  /** `project.network.region`. */
  readonly id: string;
  /** Folder under the output: `hubs/<id>`. */
  readonly folder: string;
  readonly project: string;
  readonly network: string;
  readonly region: string;
  readonly networkUrl: string;
  /** ASN of new shared routers (an adopted router keeps its own). */
  readonly asn: number;
  readonly routers: readonly HubRouterModel[];
  readonly sessions: readonly HubSessionModel[];
  /** Customers of the hub by router, with their spec files, for the README. */
  readonly members: readonly {
    readonly name: string;
    readonly specFile: string;
    readonly router: string;
    readonly decommission: boolean;
    /** The hub holds this customer's failover region (its primary is another region's). */
    readonly failover?: true;
    readonly insideCidrs: readonly string[];
  }[];
  readonly labels: Readonly<Record<string, string>>;
  readonly terraform: {
    readonly requiredVersion: string;
    readonly googleProviderConstraint: string;
    readonly routersBackend: BackendModel;
    readonly sessionsBackend: BackendModel;
  };
}

/** One customer's site on a hub: the customer, the region's half of its GCP side, and that region's tunnels. */
interface HubSeat {
  readonly m: CustomerModel;
  readonly site: GcpSiteModel;
  readonly router: Extract<RouterPlacement, { placement: 'shared' }>;
  readonly tunnels: readonly TunnelModel[];
}

/** The hubs of these customers (those with a site on shared routers: a customer's failover region is a seat of that region's hub), sorted by id. */
export function buildHubs(models: readonly CustomerModel[], fleet: FleetConfig): HubModel[] {
  const byHub = new Map<string, HubSeat[]>();
  for (const m of models) {
    for (const site of m.gcp.sites) {
      const router = site.router;
      if (router.placement !== 'shared') continue;
      byHub.set(router.hub, [...(byHub.get(router.hub) ?? []), { m, site, router, tunnels: m.tunnels.filter((t) => t.site === site.site) }]);
    }
  }
  return [...byHub.keys()].sort().map((id) => hubModel(id, byHub.get(id)!.sort((a, b) => a.m.name.localeCompare(b.m.name)), fleet));
}

function hubModel(id: string, seats: readonly HubSeat[], fleet: FleetConfig): HubModel {
  const first = seats[0]!;
  const folder = `${HUBS_FOLDER}/${id}`;
  const routers = new Map<number, { name: string; customers: string[]; peers: number; asn: number; adopted?: HubRouterModel['adopted'] }>();
  for (const { m, site, router: r, tunnels } of seats) {
    const entry = routers.get(r.index) ?? { name: r.name, customers: [], peers: 0, asn: r.asn };
    entry.customers.push(m.name);
    entry.peers += tunnels.length;
    if (r.adoptedFrom === m.name) {
      entry.adopted = { customer: m.name, importId: `projects/${m.gcp.project}/regions/${site.region}/routers/${r.name}`, advertisedRanges: m.gcp.sourceRanges, description: site.routerDescription };
    }
    routers.set(r.index, entry);
  }
  const routerModels = [...routers.keys()].sort((a, b) => a - b).map((index) => ({ index, id: `router_${index}`, ...routers.get(index)! }));
  for (const r of routerModels) {
    // Allocation never places more; a model that does is a bug, not input to render.
    if (r.peers > BGP_PEERS_PER_CLOUD_ROUTER) throw new Error(`internal: shared router ${r.name} would hold ${r.peers} BGP peers`);
  }
  const sessions = seats
    .filter(({ m }) => !m.decommission)
    .flatMap(({ m, site, router, tunnels }) =>
      tunnels.map((t) => ({
        id: `${m.name}_${t.key}`,
        customer: m.name,
        tunnel: t.key,
        routerId: `router_${router.index}`,
        tunnelName: t.tunnelName,
        interfaceName: t.interfaceName,
        peerName: t.peerName,
        ipRange: `${t.cgwInsideAddress}/30`,
        peerIpAddress: t.vgwInsideAddress,
        peerAsn: m.aws.amazonSideAsn,
        advertisedRanges: m.gcp.sourceRanges,
        advertisedRoutePriority: t.advertisedRoutePriority,
        ...(router.adoptedFrom === m.name
          ? {
              imports: {
                iface: `${m.gcp.project}/${site.region}/${site.routerName}/${t.interfaceName}`,
                peer: `projects/${m.gcp.project}/regions/${site.region}/routers/${site.routerName}/${t.peerName}`,
              },
            }
          : {}),
      })),
    );
  const tf = first.m.terraform;
  return {
    id,
    folder,
    project: first.m.gcp.project,
    network: first.m.gcp.network,
    region: first.site.region,
    networkUrl: first.m.gcp.networkUrl,
    asn: fleet.sharedRouters.asn,
    routers: routerModels,
    sessions,
    members: seats.map(({ m, site, tunnels }) => ({
      name: m.name,
      specFile: m.specFile,
      router: site.routerName,
      decommission: m.decommission,
      ...(site.site === 'failover' ? { failover: true } : {}),
      insideCidrs: tunnels.map((t) => `${t.key} ${t.insideCidr}`),
    })),
    labels: Object.fromEntries(Object.entries({ ...fleet.labels, [LABEL_MANAGED_BY]: NAME_PREFIX }).sort(([a], [b]) => a.localeCompare(b))),
    terraform: {
      requiredVersion: tf.requiredVersion,
      googleProviderConstraint: tf.googleProviderConstraint,
      routersBackend: backendModel(fleet, `${folder}/routers`),
      sessionsBackend: backendModel(fleet, `${folder}/sessions`),
    },
  };
}
