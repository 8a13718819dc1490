/**
 * Tunnel naming and default inside addresses: the only place that knows the a1/a2/b1/b2 layout
 * (reference §1.1 and §1.3).
 *
 * Connection "a" uses HA VPN interface 0, connection "b" interface 1; tunnel n of a connection is AWS
 * `tunnel<n>`. External VPN gateway interfaces are numbered a1=0, a2=1, b1=2, b2=3.
 */
import { DEFAULT_INSIDE_CIDR_BASE_OCTET } from './constants';

export const TUNNEL_KEYS = ['a1', 'a2', 'b1', 'b2'] as const;
export type TunnelKey = (typeof TUNNEL_KEYS)[number];

export const CONNECTION_KEYS = ['a', 'b'] as const;
export type ConnectionKey = (typeof CONNECTION_KEYS)[number];

export function connectionKeys(highAvailability: boolean): ConnectionKey[] {
  return highAvailability ? ['a', 'b'] : ['a'];
}

export function tunnelKeys(highAvailability: boolean): TunnelKey[] {
  return connectionKeys(highAvailability).flatMap((c) => [`${c}1`, `${c}2`] as TunnelKey[]);
}

/** Position of a tunnel in the layout: connection index c, tunnel index t (both 0-based). */
export function tunnelPosition(key: TunnelKey): { c: number; t: number } {
  return { c: key[0] === 'a' ? 0 : 1, t: key[1] === '1' ? 0 : 1 };
}

/** 169.254.(20 + c).(4 · t)/30: clear of every AWS-reserved /30 (reference §1.5). */
export function defaultInsideCidr(key: TunnelKey): string {
  const { c, t } = tunnelPosition(key);
  return `169.254.${DEFAULT_INSIDE_CIDR_BASE_OCTET + c}.${4 * t}/30`;
}
