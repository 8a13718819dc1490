/**
 * How each cloud chooses between the primary region's paths and the failover region's (spec gcp.failoverRegion),
 * and the values privlink sets so the failover region's are strictly less preferred in both directions while any
 * primary path is up. docs/failover.md says what each source says and what privlink cannot set.
 *
 * AWS → GCP (the endpoints' answers): the VPN gateway prefers, among BGP routes of one prefix, the shortest
 * AS_PATH, then, when the paths' first AS is the same, the lowest MED (AWS, "Route tables and AWS Site-to-Site VPN
 * route priority"). A Cloud Router advertises its peer's base priority as the MED ("Update the base route
 * priority"); both regions' routers speak one ASN (model/allocation.ts), so both paths are [that ASN] and their
 * MEDs are compared: 100 (primary) against 10200 (failover).
 *
 * GCP → AWS (the application's requests): with GLOBAL dynamic routing a VM uses routes its region's Cloud Routers
 * learned at their base priority (the MED AWS sent) and other regions' at that priority plus a region-to-region cost
 * of 201 to 9999 that Google sets; the lowest wins. An application in the primary region therefore prefers the
 * primary's routes by at least 201. A workload in the failover region prefers its own region's routes while both are
 * up (its replies still come back through the primary: AWS prefers it). Cloud Router's only per-session knob on
 * learned priority, custom_learned_route_priority, applies to custom learned ranges, not to BGP-learned routes
 * (hashicorp/terraform-provider-google resource_compute_router_peer.go), so privlink does not set it.
 */

/** Cloud Router's default base priority: the primary region's sessions keep it (advertised_route_priority). */
export const PRIMARY_ADVERTISED_PRIORITY = 100;

/**
 * The failover region's sessions: Google documents that a base priority of 10200 or more keeps a prefix's overall
 * advertised priority (MED: base plus region-to-region cost) worse than any advertised with a base of 200 or less.
 */
export const FAILOVER_ADVERTISED_PRIORITY = 10200;

/** Google's region-to-region costs, added to routes learned in another region under GLOBAL dynamic routing. */
export const INTER_REGION_COST = { min: 201, max: 9999 } as const;

export const PREFERENCE_SOURCES = {
  awsRoutePriority: 'https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-route-priority.html',
  gcpBasePriority: 'https://cloud.google.com/network-connectivity/docs/router/how-to/updating-priority',
  gcpDynamicRouting: 'https://cloud.google.com/vpc/docs/vpc#routing_for_hybrid_networks',
} as const;
