/**
 * The fixed IPv4 address of each interface endpoint in each subnet: the only place that knows the rule.
 *
 * An endpoint holds the same host offset in every subnet (`aws_vpc_endpoint.subnet_configuration.ipv4`), so its
 * addresses are known at plan time and the Cloud DNS A records can list them. The offset depends on the endpoint
 * alone: its `addressOffset` when the spec sets one, else a hash of its name. Adding, removing, renaming or
 * reordering another endpoint therefore never moves it. Two endpoints of one spec on the same offset are refused
 * (input/rules.ts), with the free offsets listed, so a collision never reaches Terraform.
 *
 * Every offset lies between the addresses AWS reserves in each subnet (the first four and the last), so every
 * address is inside its subnet, not reserved, and (one offset per endpoint, one subnet per AZ) unique in the VPC.
 */
import { createHash } from 'node:crypto';
import { AWS_SUBNET_RESERVED_HIGH, AWS_SUBNET_RESERVED_LOW, AZ_SLOT_BITS } from './constants';

/** Offsets an endpoint may take in a subnet of a VPC with this prefix: [first, last], both inclusive. */
export function offsetRange(vpcPrefix: number): { first: number; last: number } {
  const size = 2 ** (32 - (vpcPrefix + AZ_SLOT_BITS));
  return { first: AWS_SUBNET_RESERVED_LOW, last: size - 1 - AWS_SUBNET_RESERVED_HIGH };
}

/** The offset an endpoint takes when its spec sets none: SHA-256 of its name, spread over the allowed range. */
export function hashedOffset(endpointName: string, vpcPrefix: number): number {
  const { first, last } = offsetRange(vpcPrefix);
  const n = createHash('sha256').update(`privlink-endpoint:${endpointName}`).digest().readUInt32BE(0);
  return first + (n % (last - first + 1));
}

/** The offset an endpoint holds in every subnet. */
export function endpointOffset(ep: { readonly name: string; readonly addressOffset?: number }, vpcPrefix: number): number {
  return ep.addressOffset ?? hashedOffset(ep.name, vpcPrefix);
}
