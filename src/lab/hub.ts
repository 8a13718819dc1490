/**
 * A customer on a shared Cloud Router has its tunnels in its own stack and its router, interfaces and BGP peers in
 * its hub's two stacks (render/hub.ts). The lab brings up one customer's link, so it reads the three files as one:
 * the customer's JSON, plus the router its tunnels name and the sessions that ride on its tunnels.
 */
type Json = Record<string, unknown>;
type Resources = Record<string, Record<string, Json>>;

const resourcesOf = (doc: unknown): Resources => ((doc as { resource?: Resources } | null)?.resource ?? {}) as Resources;

/** The customer's JSON with its hub's router and its own sessions added (other customers' sessions left out). */
export function withHubSessions(customer: unknown, routers: unknown, sessions: unknown): Json {
  const own = resourcesOf(customer);
  const tunnels = Object.values(own.google_compute_vpn_tunnel ?? {});
  const routerNames = new Set(tunnels.map((t) => String(t.router ?? '').split('/').pop()));
  const tunnelNames = new Set(tunnels.map((t) => String(t.name)));
  const pick = (doc: unknown, type: string, keep: (r: Json) => boolean) =>
    Object.fromEntries(Object.entries(resourcesOf(doc)[type] ?? {}).filter(([, r]) => keep(r)));
  const ifaces = pick(sessions, 'google_compute_router_interface', (r) => tunnelNames.has(String(r.vpn_tunnel)));
  // A peer names its interface by reference (`${google_compute_router_interface.<id>.name}`), which resolves the
  // same way in the merged file.
  const peers = pick(sessions, 'google_compute_router_peer', (r) => /^\$\{google_compute_router_interface\.([^.]+)\.name\}$/.exec(String(r.interface))?.[1]! in ifaces);
  return {
    ...(customer as Json),
    // Added to what the file already holds: the customer's own router in its other region, or another hub's.
    resource: {
      ...own,
      google_compute_router: { ...own.google_compute_router, ...distinctKeys(own.google_compute_router ?? {}, pick(routers, 'google_compute_router', (r) => routerNames.has(String(r.name)))) },
      google_compute_router_interface: { ...own.google_compute_router_interface, ...ifaces },
      google_compute_router_peer: { ...own.google_compute_router_peer, ...peers },
    },
  };
}

/**
 * Two hubs both call their first router `router_1`: a router whose Terraform name the file already holds joins it as
 * `router_1_<region>` (sessions name their router by its cloud name, never by this key).
 */
function distinctKeys(held: Record<string, Json>, added: Record<string, Json>): Record<string, Json> {
  return Object.fromEntries(Object.entries(added).map(([k, r]) => [k in held ? `${k}_${String(r.region ?? 'hub').replace(/[^a-z0-9]/g, '_')}` : k, r]));
}
