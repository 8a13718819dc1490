/**
 * Tunnel naming and default inside addresses: the only place that knows the tunnel layout (reference §1.1 and §1.3).
 *
 * The primary region's HA VPN gateway carries connections "a" (HA VPN interface 0) and "b" (interface 1); with
 * `gcp.failoverRegion`, the failover region's gateway carries "c" (interface 0) and "d" (interface 1), all on the
 * one AWS virtual private gateway. Tunnel n of a connection is AWS `tunnel<n>`. Each site's external VPN gateway
 * numbers its interfaces a1=0, a2=1, b1=2, b2=3 (c1=0 … d2=3 on the failover one).
 *
 * Keys stay two characters so that `privlink-<customer>-tunnel-<key>` fits GCP's 63 (constants.ts).
 */
import { DEFAULT_INSIDE_CIDR_BASE_OCTET } from './constants';

export const TUNNEL_KEYS = ['a1', 'a2', 'b1', 'b2', 'c1', 'c2', 'd1', 'd2'] as const;
export type TunnelKey = (typeof TUNNEL_KEYS)[number];

export const CONNECTION_KEYS = ['a', 'b', 'c', 'd'] as const;
export type ConnectionKey = (typeof CONNECTION_KEYS)[number];

/** Where a connection's GCP end is: the spec's gcp.region, or gcp.failoverRegion. */
export type Site = 'primary' | 'failover';
export const SITES: readonly Site[] = ['primary', 'failover'];

const SITE_CONNECTIONS: Record<Site, readonly [ConnectionKey, ConnectionKey]> = { primary: ['a', 'b'], failover: ['c', 'd'] };

/** The connections of one site: both with HA, the first alone without. */
export function siteConnectionKeys(site: Site, highAvailability: boolean): ConnectionKey[] {
  const [first, second] = SITE_CONNECTIONS[site];
  return highAvailability ? [first, second] : [first];
}

/** Every connection of a customer: the primary site's, then the failover site's when it has one. */
export function connectionKeys(highAvailability: boolean, failover = false): ConnectionKey[] {
  return (failover ? SITES : (['primary'] as const)).flatMap((site) => siteConnectionKeys(site, highAvailability));
}

export function tunnelKeys(highAvailability: boolean, failover = false): TunnelKey[] {
  return connectionKeys(highAvailability, failover).flatMap((c) => [`${c}1`, `${c}2`] as TunnelKey[]);
}

export const siteOf = (key: TunnelKey | ConnectionKey): Site => (key[0] === 'c' || key[0] === 'd' ? 'failover' : 'primary');

/**
 * Position of a tunnel in its site's layout: connection index c within the site (0 or 1), tunnel index t (both
 * 0-based); `slot` counts connections across sites (a=0 … d=3), for the default /30s.
 */
export function tunnelPosition(key: TunnelKey): { c: number; t: number; slot: number } {
  const slot = CONNECTION_KEYS.indexOf(key[0] as ConnectionKey);
  return { c: slot % 2, t: key[1] === '1' ? 0 : 1, slot };
}

/** 169.254.(20 + connection).(4 · t)/30 (a1 169.254.20.0/30 … d2 169.254.23.4/30): clear of every AWS-reserved /30 (reference §1.5). */
export function defaultInsideCidr(key: TunnelKey): string {
  const { slot, t } = tunnelPosition(key);
  return `169.254.${DEFAULT_INSIDE_CIDR_BASE_OCTET + slot}.${4 * t}/30`;
}
