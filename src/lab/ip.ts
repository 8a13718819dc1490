/** IPv4 helpers the lab's modules share, on ipaddr.js. Values come from a JSON that may be miswired: never throw. */
import ipaddr from 'ipaddr.js';

export const validIp = (s: string | undefined): s is string => s !== undefined && ipaddr.IPv4.isValidFourPartDecimal(s);

export const validCidr = (s: string | undefined): s is string => {
  try {
    return s !== undefined && ipaddr.parseCIDR(s)[0].kind() === 'ipv4';
  } catch {
    return false;
  }
};

/** Is `ip` inside `cidr`? false when either does not parse. */
export const inCidr = (ip: string, cidr: string): boolean => {
  try {
    return ipaddr.parse(ip).match(ipaddr.parseCIDR(cidr));
  } catch {
    return false;
  }
};

/** The address `offset` places after the network address of `cidr` (capped to the last host of small blocks). */
export const firstHost = (cidr: string, offset: number): string => {
  const [net, len] = ipaddr.parseCIDR(cidr);
  const bytes = net.toByteArray();
  const size = 2 ** (32 - len);
  let n = ((bytes[0]! << 24) >>> 0) + (bytes[1]! << 16) + (bytes[2]! << 8) + bytes[3]!;
  n = (n & ~(size - 1)) + Math.min(offset, Math.max(size - 2, 1));
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
};
