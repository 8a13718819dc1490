/**
 * What every construct of the operator stack shares.
 *
 * The constructs (providers.ts, network.ts, vpn.ts, endpoints.ts, dns.ts) are plain classes that add their
 * resources to the stack itself, not nested construct scopes: cdktf writes each resource's construct path into the
 * JSON (`"//": {"metadata": {"path": "acme/aws_vpc.vpc"}}`), so nesting would change every customer's output.
 */
import type { TerraformElement } from 'cdktf';

/** Gives a resource its Terraform name. The construct id carries the type so names can repeat across types. */
export function named<T extends TerraformElement>(resource: T, name: string): T {
  resource.overrideLogicalId(name);
  return resource;
}
