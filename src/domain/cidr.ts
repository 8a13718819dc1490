/**
 * IPv4 CIDR helpers on top of ipaddr.js (parsing and network/broadcast math come from the library).
 */
import ipaddr from 'ipaddr.js';

export interface Cidr {
  /** Canonical text, e.g. `10.250.0.0/24`. */
  readonly text: string;
  readonly prefix: number;
  /** First and last address as unsigned 32-bit integers. */
  readonly first: number;
  readonly last: number;
  /** True when the written address was the network address (no host bits set). */
  readonly isNetwork: boolean;
}

const toInt = (a: ipaddr.IPv4): number => a.toByteArray().reduce((acc, b) => acc * 256 + b, 0);
const fromInt = (n: number): string => new ipaddr.IPv4([24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256)).toString();

/** Parses an IPv4 CIDR; returns undefined when it is not one. */
export function parseCidr(text: string): Cidr | undefined {
  let parsed: [ipaddr.IPv4, number];
  try {
    const r = ipaddr.IPv4.parseCIDR(text);
    parsed = [r[0], r[1]];
  } catch {
    return undefined;
  }
  const network = ipaddr.IPv4.networkAddressFromCIDR(text);
  const broadcast = ipaddr.IPv4.broadcastAddressFromCIDR(text);
  const first = toInt(network);
  return {
    text: `${network.toString()}/${parsed[1]}`,
    prefix: parsed[1],
    first,
    last: toInt(broadcast),
    isNetwork: toInt(parsed[0]) === first,
  };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return outer.first <= inner.first && inner.last <= outer.last;
}

/** The `index`-th subnet of `parent` with `newPrefix` bits (like Terraform's cidrsubnet). */
export function subnet(parent: Cidr, newPrefix: number, index: number): string {
  const size = 2 ** (32 - newPrefix);
  return `${fromInt(parent.first + index * size)}/${newPrefix}`;
}

/** The address `n` positions into the CIDR (like Terraform's cidrhost), without prefix. */
export function host(c: Cidr, n: number): string {
  return fromInt(c.first + n);
}
