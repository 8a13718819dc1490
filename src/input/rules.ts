/**
 * Rules that relate fields of one spec (the schema checks each field's shape) and rules across specs.
 * Each finding names the spec path, the offending value and what is allowed.
 */
import { firstOf } from '../support/words';
import { ACCEPTANCE_RULE } from '../domain/exceptions';
import { contains, overlaps, parseCidr, type Cidr } from '../domain/cidr';
import {
  AWS_RESERVED_TUNNEL_INSIDE_CIDRS,
  AWS_SUBNET_MIN_PREFIX,
  AWS_VPC_MAX_PREFIX,
  AZ_SLOT_BITS,
  AZ_SLOTS,
  LABEL_CUSTOMER,
  LABEL_MANAGED_BY,
  PRIVATE_ASN_RANGES,
  TUNNEL_INSIDE_PREFIX,
  TUNNEL_INSIDE_SUPERNET,
} from '../domain/constants';
import { offsetRange } from '../domain/addresses';
import { siteOf, tunnelKeys, type TunnelKey } from '../domain/tunnels';
import { AWS_REGIONS_SOURCE, CROSS_REGION_SOURCE, CROSS_REGION_UNSUPPORTED_AZ_IDS, partitionOf } from '../domain/aws-regions';
import type { CustomerSpec } from './schema';

export interface Finding {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  /** Point at the key rather than the value (the key itself is what is wrong). */
  readonly atKey?: boolean;
}

/** The most general range a sourceRanges entry may be: anything wider admits a large share of the internet. */
export const SOURCE_RANGE_MIN_PREFIX = 8;

const isPrivateAsn = (asn: number) => PRIVATE_ASN_RANGES.some(([lo, hi]) => asn >= lo && asn <= hi);
const PRIVATE_ASN_TEXT = PRIVATE_ASN_RANGES.map(([lo, hi]) => `${lo}–${hi}`).join(' or ');

/** Region direction words and their letters in AZ IDs (a Map: a key typed by the user never meets Object.prototype). */
const AZ_DIRECTIONS: ReadonlyMap<string, string> = new Map([
  ['east', 'e'], ['west', 'w'], ['north', 'n'], ['south', 's'], ['central', 'c'],
  ['northeast', 'ne'], ['northwest', 'nw'], ['southeast', 'se'], ['southwest', 'sw'],
]);

/** An AZ ID as AWS writes it: `use1-az1`, with no leading zero in the number (aws ec2 describe-availability-zones). */
const AZ_ID = /^([a-z]{2,5}\d)-az([1-9]\d*)$/;
/** An AZ name (`eu-west-1a`), which a spec must not use: names map to different zones in each account. */
const AZ_NAME = /^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/;

/** `us-east-1` → `use1`, the prefix of that region's AZ IDs; undefined for region shapes we don't know. */
export function azIdPrefix(region: string): string | undefined {
  const m = /^([a-z]{2})(-gov)?-([a-z]+)-(\d)$/.exec(region);
  if (!m) return undefined;
  const dir = AZ_DIRECTIONS.get(m[3]!);
  if (!dir) return undefined;
  return `${m[1]}${m[2] ? 'g' : ''}${dir}${m[4]}`;
}

/**
 * The sections of a spec that passed the schema. When another section fails the schema, the rules still run on
 * these, so one run reports every problem; a rule runs only when all sections it reads are present.
 */
export type SpecSections = Partial<Pick<CustomerSpec, 'vpn' | 'endpoints' | 'labels' | 'security'>> & {
  /** Only the fields that passed the schema (all of them when the whole spec did). */
  readonly gcp?: Partial<CustomerSpec['gcp']>;
  readonly aws?: Partial<CustomerSpec['aws']>;
};

/** The security rule an endpoint's `acceptanceRequired: false` breaks, and so must except in writing. */
export { ACCEPTANCE_RULE };

/** Labels privlink sets itself on every resource; a spec may not override them. */
export const RESERVED_LABELS = [LABEL_MANAGED_BY, LABEL_CUSTOMER] as const;

/** Findings of one spec, and the helpers every check of it uses. */
interface Checks {
  readonly out: Finding[];
  add(path: readonly PropertyKey[], message: string, atKey?: boolean): void;
  /** The CIDR at a path, canonical (network address); a finding and undefined when it is not. */
  network(path: readonly PropertyKey[], text: string): Cidr | undefined;
}

function checks(): Checks {
  const out: Finding[] = [];
  const add = (path: readonly PropertyKey[], message: string, atKey = false) => out.push({ path, message, atKey });
  const network = (path: readonly PropertyKey[], text: string): Cidr | undefined => {
    const c = parseCidr(text);
    if (!c) {
      add(path, `"${text}" is not an IPv4 CIDR`);
      return undefined;
    }
    if (!c.isNetwork) {
      add(path, `"${text}" has host bits set; the network address is "${c.text}"`);
      return undefined;
    }
    return c;
  };

  return { out, add, network };
}

/**
 * Checks one spec's sections; returns every finding (empty when the spec is sound). Each check reads only the
 * sections (or fields) it needs and runs when they are present, so one run reports every problem.
 */
export function checkSpec(spec: SpecSections): Finding[] {
  const c = checks();
  const vpc = checkCidrs(c, spec);
  checkAvailabilityZones(c, spec.aws);
  checkAsns(c, spec);
  checkInsideCidrs(c, spec.vpn, spec.gcp?.failoverRegion !== undefined);
  checkFailoverRegion(c, spec.gcp);
  checkLabels(c, spec.labels);
  const names = checkEndpoints(c, spec);
  checkAddresses(c, spec.endpoints, vpc, names);
  checkExceptions(c, spec);
  return c.out;
}

/** CIDRs: canonical network addresses, VPC size, source ranges, and no overlap between them. Returns the VPC. */
function checkCidrs({ add, network, out }: Checks, { gcp, aws }: SpecSections): Cidr | undefined {
  const vpc = aws?.vpcCidr !== undefined ? network(['aws', 'vpcCidr'], aws.vpcCidr) : undefined;
  if (aws?.vpcCidr !== undefined && vpc && (vpc.prefix < AWS_VPC_MAX_PREFIX || vpc.prefix > AWS_SUBNET_MIN_PREFIX - AZ_SLOT_BITS)) {
    add(
      ['aws', 'vpcCidr'],
      vpc.prefix < AWS_VPC_MAX_PREFIX
        ? `"${aws.vpcCidr}" is larger than AWS allows; a VPC is /${AWS_VPC_MAX_PREFIX} to /${AWS_SUBNET_MIN_PREFIX}`
        : `"${aws.vpcCidr}" is too small: each AZ ID gets a fixed 1/${AZ_SLOTS} of the VPC (so adding an AZ never ` +
            `re-addresses a subnet) and an AWS subnet is at least /${AWS_SUBNET_MIN_PREFIX}; use /${AWS_SUBNET_MIN_PREFIX - AZ_SLOT_BITS} or larger`,
    );
  }

  const sources: { cidr: Cidr; index: number }[] = [];
  (gcp?.sourceRanges ?? []).forEach((text, index) => {
    const path = ['gcp', 'sourceRanges', index];
    const c = network(path, text);
    if (!c) return;
    if (c.prefix < SOURCE_RANGE_MIN_PREFIX) {
      add(path, `"${text}" would admit a large part of the internet; list the GKE node and pod ranges (/${SOURCE_RANGE_MIN_PREFIX} or narrower)`);
      return;
    }
    const dup = sources.find((s) => overlaps(s.cidr, c));
    if (dup) {
      add(path, `"${text}" overlaps gcp.sourceRanges[${dup.index}] "${dup.cidr.text}"; list each range once`);
      return;
    }
    sources.push({ cidr: c, index });
  });
  if (vpc) {
    for (const s of sources) {
      if (overlaps(vpc, s.cidr)) {
        add(
          ['aws', 'vpcCidr'],
          `"${vpc.text}" overlaps gcp.sourceRanges[${s.index}] "${s.cidr.text}"; the operator VPC is routed over BGP and must not overlap any GCP range`,
        );
      }
    }
  }

  // The endpoint addresses need a VPC whose own checks passed.
  return vpc && !out.some((f) => f.path[0] === 'aws' && f.path[1] === 'vpcCidr') ? vpc : undefined;
}

/** Availability zones: AWS's AZ ID form, this region's, each once. */
function checkAvailabilityZones({ add }: Checks, aws: SpecSections['aws']): void {
  const prefix = aws?.region !== undefined ? azIdPrefix(aws.region) : undefined;
  const seenAz = new Map<string, number>();
  const example = `"${prefix ?? 'use1'}-az1"`;
  (aws?.availabilityZoneIds ?? []).forEach((az, index) => {
    const path = ['aws', 'availabilityZoneIds', index];
    const id = AZ_ID.exec(az);
    if (!id) {
      add(
        path,
        AZ_NAME.test(az)
          ? `"${az}" is an AZ name; give its AZ ID, like ${example} (AZ names map to different zones in each AWS account; \`aws ec2 describe-availability-zones --region ${aws?.region ?? '<region>'}\` lists both)`
          : `must be an AZ ID like ${example}: the region's prefix, "-az" and a number without leading zeros`,
      );
      return;
    }
    if (seenAz.has(az)) add(path, `"${az}" is listed twice (first at availabilityZoneIds[${seenAz.get(az)}])`);
    else seenAz.set(az, index);
    if (prefix && id[1] !== prefix) {
      add(path, `"${az}" is not an AZ ID of aws.region "${aws!.region}"; its AZ IDs look like ${example}`);
    }
    const n = Number(id[2]);
    if (n > AZ_SLOTS) add(path, `"${az}": AZ number must be 1–${AZ_SLOTS}`);
  });

}

/** ASNs: private, and different on the two sides. */
function checkAsns({ add }: Checks, { gcp, aws }: SpecSections): void {
  const asns: [readonly PropertyKey[], number][] = [
    ...(gcp?.routerAsn !== undefined ? [[['gcp', 'routerAsn'], gcp.routerAsn] as [PropertyKey[], number]] : []),
    ...(aws?.amazonSideAsn !== undefined ? [[['aws', 'amazonSideAsn'], aws.amazonSideAsn] as [PropertyKey[], number]] : []),
  ];
  for (const [path, asn] of asns) {
    if (!isPrivateAsn(asn)) add(path, `${asn} is not a private ASN; use ${PRIVATE_ASN_TEXT}`);
  }
  if (gcp?.routerAsn !== undefined && aws?.amazonSideAsn !== undefined && gcp.routerAsn === aws.amazonSideAsn) {
    add(
      ['aws', 'amazonSideAsn'],
      `${aws.amazonSideAsn} equals gcp.routerAsn; the two sides speak eBGP and need different ASNs (e.g. 65534 and 64512)`,
    );
  }

}

/** Tunnel inside CIDRs: a /30 in 169.254.0.0/16, not AWS-reserved, one per tunnel, only for tunnels that exist. */
function checkInsideCidrs({ add, network }: Checks, vpn: SpecSections['vpn'], failover: boolean): void {
  const supernet = parseCidr(TUNNEL_INSIDE_SUPERNET)!;
  const keys = vpn ? tunnelKeys(vpn.highAvailability, failover) : [];
  const given = vpn?.insideCidrs ?? {};
  const used = new Map<string, string>();
  for (const [key, text] of Object.entries(given)) {
    if (text === undefined) continue;
    const path = ['vpn', 'insideCidrs', key];
    if (!keys.includes(key as never)) {
      const why = siteOf(key as TunnelKey) === 'failover' && !failover ? 'without gcp.failoverRegion' : 'with vpn.highAvailability: false';
      add(path, `tunnel "${key}" does not exist ${why}; tunnels are ${keys.join(', ')}`, true);
      continue;
    }
    const c = network(path, text);
    if (!c) continue;
    if (c.prefix !== TUNNEL_INSIDE_PREFIX || !contains(supernet, c)) {
      add(path, `"${text}" must be a /${TUNNEL_INSIDE_PREFIX} inside ${TUNNEL_INSIDE_SUPERNET}`);
      continue;
    }
    if (AWS_RESERVED_TUNNEL_INSIDE_CIDRS.includes(c.text)) {
      add(path, `"${text}" is reserved by AWS; do not use ${AWS_RESERVED_TUNNEL_INSIDE_CIDRS.join(', ')}`);
      continue;
    }
  }
  // Pins only: privlink allocates the other tunnels' /30s from the free ones (model/allocation.ts).
  for (const key of keys) {
    const text = given[key];
    if (text === undefined) continue;
    const canonical = parseCidr(text)?.text ?? text;
    const other = used.get(canonical);
    if (other) add(['vpn', 'insideCidrs', key], `"${text}" is also pinned for tunnel ${other}; each tunnel needs its own /30 (remove the pin and privlink allocates a free one)`);
    else used.set(canonical, key);
  }

}

/** A failover region is another region of the same network. */
function checkFailoverRegion({ add }: Checks, gcp: SpecSections['gcp']): void {
  if (gcp?.failoverRegion !== undefined && gcp.failoverRegion === gcp.region) {
    add(['gcp', 'failoverRegion'], `"${gcp.failoverRegion}" is gcp.region; a failover region is another region of network ${gcp.network ?? ''} (HA VPN gateways and Cloud Routers are regional), like "us-east4" for "us-central1"`);
  }
}

/** Labels privlink sets itself may not be overridden. */
function checkLabels({ add }: Checks, labels: SpecSections['labels']): void {
  for (const key of Object.keys(labels ?? {})) {
    if ((RESERVED_LABELS as readonly string[]).includes(key)) {
      add(['labels', key], `"${key}" is set by privlink on every resource; reserved: ${RESERVED_LABELS.join(', ')}`, true);
    }
  }

}

/**
 * An endpoint's service Region (cross-Region PrivateLink): a Region AWS knows, of aws.region's partition, and none of
 * the operator VPC's AZs one where cross-Region access is not supported.
 */
function serviceRegionProblems(add: Checks['add'], region: string, i: number, aws: { readonly region: string; readonly availabilityZoneIds?: readonly string[] }): void {
  const at = ['endpoints', i, 'region'];
  const partition = partitionOf(region);
  const home = partitionOf(aws.region);
  if (partition === undefined) {
    add(at, `"${region}" is no AWS Region (per ${AWS_REGIONS_SOURCE}); give the Region of the customer's service, like "us-east-1"`);
  } else if (home !== undefined && partition !== home) {
    add(at, `"${region}" is in the ${partition} partition and aws.region "${aws.region}" in ${home}: PrivateLink connects Regions of one partition only`);
  } else if (region !== aws.region) {
    const banned = (aws.availabilityZoneIds ?? []).filter((z) => CROSS_REGION_UNSUPPORTED_AZ_IDS.includes(z));
    if (banned.length > 0) {
      add(at, `cross-Region PrivateLink is not supported in ${banned.join(', ')} (${CROSS_REGION_SOURCE}), and aws.availabilityZoneIds places the operator's endpoints there; use other AZ IDs of ${aws.region}`);
    }
  }
}

/** Endpoints: unique names and hostnames, ports once, service names in full and in the region. Returns name → first index. */
function checkEndpoints({ add }: Checks, { endpoints, aws }: SpecSections): Map<string, number> {
  const names = new Map<string, number>();
  const hostnames = new Map<string, string>();
  (endpoints ?? []).forEach((ep, i) => {
    if (names.has(ep.name)) add(['endpoints', i, 'name'], `"${ep.name}" is also the name of endpoints[${names.get(ep.name)}]; names must be unique`);
    else names.set(ep.name, i);
    ep.hostnames.forEach((h, j) => {
      const where = `endpoints[${i}].hostnames[${j}]`;
      const first = hostnames.get(h);
      if (first) add(['endpoints', i, 'hostnames', j], `"${h}" is already mapped by ${first}; a hostname can point at one endpoint only`);
      else hostnames.set(h, where);
      // One private zone per hostname: a whole domain's zone answers every name under it on the network.
      if (h.split('.').length === 2) {
        add(['endpoints', i, 'hostnames', j], `"${h}" is a whole domain: its private zone would answer every name under ${h} on the GCP network (NXDOMAIN for all but this one); give the service's own host, like "git.${h}"`);
      }
    });
    const ports = new Map<number, number>();
    ep.ports.forEach((p, j) => {
      if (ports.has(p)) add(['endpoints', i, 'ports', j], `port ${p} is listed twice`);
      else ports.set(p, j);
    });
    if (ep.serviceName?.startsWith('vpce-svc-')) {
      const full = `com.amazonaws.vpce.${aws?.region ?? '<region>'}.${ep.serviceName}`;
      add(['endpoints', i, 'serviceName'], `"${ep.serviceName}" is the service id alone; the service name is "${full}" (the customer's module outputs it as service_name)`);
    } else if (ep.serviceName && aws?.region !== undefined) {
      const region = ep.serviceName.split('.')[3];
      const want = ep.region ?? aws.region;
      if (region !== want) {
        add(
          ['endpoints', i, 'serviceName'],
          ep.region === undefined
            ? `"${ep.serviceName}" is in region "${region}" but aws.region is "${aws.region}"; a service in another Region needs \`region: ${region}\` on this endpoint (cross-Region PrivateLink)`
            : `"${ep.serviceName}" is in region "${region}" but endpoints[${i}].region is "${ep.region}"; the service name must be of the endpoint's Region`,
        );
      }
    }
    if (ep.region !== undefined && aws?.region !== undefined) serviceRegionProblems(add, ep.region, i, { region: aws.region, availabilityZoneIds: aws.availabilityZoneIds ?? [] });
  });

  return names;
}

/**
 * Pinned endpoint addresses: inside every subnet, and one endpoint per offset. Offsets nobody pins are allocated
 * (model/allocation.ts) from the free ones, so they never collide.
 */
function checkAddresses({ add }: Checks, endpoints: SpecSections['endpoints'], vpc: Cidr | undefined, names: ReadonlyMap<string, number>): void {
  if (!endpoints || !vpc) return;
  const { first, last } = offsetRange(vpc.prefix);
  const holders = new Map<number, number[]>();
  endpoints.forEach((ep, i) => {
    // A second endpoint of the same name is reported above.
    if (names.get(ep.name) !== i || ep.addressOffset === undefined) return;
    if (ep.addressOffset < first || ep.addressOffset > last) {
      add(
        ['endpoints', i, 'addressOffset'],
        `${ep.addressOffset} is outside the subnets: each subnet of aws.vpcCidr "${vpc.text}" has ${last + 2} addresses and AWS ` +
          `reserves the first ${first} and the last; use ${first}–${last}, or remove addressOffset and privlink allocates one`,
      );
      return;
    }
    holders.set(ep.addressOffset, [...(holders.get(ep.addressOffset) ?? []), i]);
  });
  for (const [offset, indexes] of holders) {
    if (indexes.length < 2) continue;
    for (const i of indexes) {
      const others = indexes.filter((j) => j !== i).map((j) => `"${endpoints[j]!.name}" (endpoints[${j}])`).join(', ');
      add(
        ['endpoints', i, 'addressOffset'],
        `"${endpoints[i]!.name}" and ${others} pin the same host offset ${offset}, so they would hold the same address in every subnet; remove addressOffset from the endpoint that is not connected yet and privlink allocates a free one`,
      );
    }
  }
}

/** Security exceptions: a spec setting that breaks a rule needs one, and each one must be needed. */
function checkExceptions({ add }: Checks, { security, endpoints }: SpecSections): void {
  if (security && endpoints) {
    const seen = new Map<string, number>();
    security.exceptions.forEach((x, i) => {
      if (seen.has(x.rule)) add(['security', 'exceptions', i, 'rule'], `"${x.rule}" is already excepted at security.exceptions[${seen.get(x.rule)}]; record each rule once`);
      else seen.set(x.rule, i);
    });
    const optOuts = endpoints.map((ep, i) => [ep, i] as const).filter(([ep]) => !ep.acceptanceRequired);
    for (const [ep, i] of optOuts) {
      if (!seen.has(ACCEPTANCE_RULE)) {
        add(
          ['endpoints', i, 'acceptanceRequired'],
          `false lets "${ep.name}" connect without the customer accepting the request, which breaks ${ACCEPTANCE_RULE}; ` +
            `record it in writing: security.exceptions: [{rule: ${ACCEPTANCE_RULE}, reason: "<who agreed, and why>"}]`,
        );
      }
    }
    if (seen.has(ACCEPTANCE_RULE) && optOuts.length === 0) {
      add(
        ['security', 'exceptions', seen.get(ACCEPTANCE_RULE)!],
        `the exception to ${ACCEPTANCE_RULE} excepts nothing: no endpoint sets acceptanceRequired: false; remove it`,
      );
    }
  }
}

const push = <T>(m: Map<string, T[]>, key: string, v: T) => m.set(key, [...(m.get(key) ?? []), v]);

/** Each key held by more than one spec: a finding in every file that holds it, naming the others by `label`. */
function conflicts<T extends { owner: LoadedSpecRef }>(
  byKey: ReadonlyMap<string, T[]>,
  label: (owner: LoadedSpecRef) => string,
  finding: (holder: T, others: string) => Finding,
  out: { file: string; finding: Finding }[],
): void {
  for (const holders of byKey.values()) {
    const owners = new Set(holders.map((h) => h.owner));
    if (owners.size < 2) continue;
    for (const h of holders) {
      const others = [...owners].filter((o) => o !== h.owner).map(label).join(', ');
      out.push({ file: h.owner.file, finding: finding(h, others) });
    }
  }
}

export interface LoadedSpecRef {
  readonly file: string;
  readonly spec: CustomerSpec;
}

/** Rules across the specs of one fleet: a conflict is reported in every file involved, naming the others. */
export function checkFleet(specs: readonly LoadedSpecRef[]): { file: string; finding: Finding }[] {
  const out: { file: string; finding: Finding }[] = [];
  const unique = (key: (s: CustomerSpec) => string, path: readonly PropertyKey[], message: (value: string, others: string) => string) => {
    const byKey = new Map<string, { owner: LoadedSpecRef; value: string }[]>();
    for (const owner of specs) push(byKey, key(owner.spec), { owner, value: key(owner.spec) });
    conflicts(byKey, (o) => o.file, (h, others) => ({ path, message: message(h.value, others) }), out);
  };
  unique((s) => s.name, ['name'], (v, others) => `"${v}" is also the name in ${others}; every customer needs its own name`);
  unique(
    (s) => s.aws.accountId,
    ['aws', 'accountId'],
    (v, others) => `"${v}" is also used by ${others}; each customer gets a dedicated operator AWS account`,
  );
  sharedNetworks(specs, out);
  parentHostnames(specs, out);
  return out;
}

/**
 * Cloud DNS answers a query on a network from the private zone with the longest matching suffix ("Name resolution
 * order"), and privlink makes one zone per hostname: a hostname that is a parent of another on the same network
 * (`internal.company.net` over `github.internal.company.net`) gets a zone that answers every other name under it,
 * NXDOMAIN for all it does not hold, for every pod of the network. Refused at the parent, naming the child, and at
 * the child, naming the parent, whichever customers they are.
 */
function parentHostnames(specs: readonly LoadedSpecRef[], out: { file: string; finding: Finding }[]): void {
  const byNetwork = new Map<string, Map<string, { owner: LoadedSpecRef; path: PropertyKey[] }[]>>();
  for (const owner of specs) {
    const names = byNetwork.get(networkOf(owner.spec)) ?? new Map<string, { owner: LoadedSpecRef; path: PropertyKey[] }[]>();
    byNetwork.set(networkOf(owner.spec), names);
    owner.spec.endpoints.forEach((ep, i) => ep.hostnames.forEach((h, j) => push(names, h, { owner, path: ['endpoints', i, 'hostnames', j] })));
  }
  for (const [network, names] of byNetwork) {
    for (const [child, children] of names) {
      const labels = child.split('.');
      for (let k = 1; k < labels.length - 1; k++) {
        const parent = labels.slice(k).join('.');
        const parents = names.get(parent);
        if (!parents) continue;
        const where = (hs: { owner: LoadedSpecRef }[]) => [...new Set(hs.map((h) => `${h.owner.file} (${h.owner.spec.name})`))].join(', ');
        for (const p of parents) {
          out.push({
            file: p.owner.file,
            finding: {
              path: p.path,
              message: `"${parent}" is a parent of "${child}" of ${where(children)} on network ${network}: Cloud DNS answers from the private zone with the longest matching suffix, so a zone for "${parent}" would answer every other name under it on this network (NXDOMAIN for each it does not hold); name the service's own host instead`,
            },
          });
        }
        for (const c of children) {
          out.push({
            file: c.owner.file,
            finding: { path: c.path, message: `"${child}" lies under "${parent}" of ${where(parents)} on network ${network}: that zone would answer every name under "${parent}" on this network; one of the two must go` },
          });
        }
      }
    }
  }
}

/** The GCP network a customer's Cloud Router, tunnels and DNS zones live in. */
export const networkOf = (s: CustomerSpec) => `projects/${s.gcp.project}/global/networks/${s.gcp.network}`;

/**
 * Customers may share a GCP network (a multi-tenant SaaS usually runs in one). Then the network holds every one of
 * their DNS zones and learned routes, so on one network:
 * - a hostname is served by one customer only (two private zones for one name would both bind the network);
 * - operator VPCs must not overlap each other or another customer's source ranges (the network would learn two
 *   routes for one prefix, and traffic for one customer could reach another's account);
 * Each conflict is reported in both files, naming the other. Tunnel inside /30s, which must differ on one network,
 * are allocated (model/allocation.ts), and checked there when a spec pins one.
 */
function sharedNetworks(specs: readonly LoadedSpecRef[], out: { file: string; finding: Finding }[]): void {
  const byNetwork = new Map<string, LoadedSpecRef[]>();
  for (const s of specs) push(byNetwork, networkOf(s.spec), s);
  for (const [network, group] of byNetwork) {
    if (group.length < 2) continue;
    const where = `on network ${network}`;
    const name = (s: LoadedSpecRef) => `${s.file} (${s.spec.name})`;

    const hostnames = new Map<string, { owner: LoadedSpecRef; path: PropertyKey[]; hostname: string }[]>();
    for (const owner of group) {
      owner.spec.endpoints.forEach((ep, i) => ep.hostnames.forEach((h, j) => push(hostnames, h, { owner, path: ['endpoints', i, 'hostnames', j], hostname: h })));
    }
    conflicts(hostnames, name, (h, others) => ({
      path: h.path,
      message: `"${h.hostname}" is also served by ${others} ${where}; a hostname resolves to one customer's endpoint per network`,
    }), out);

    // Operator VPCs against every other customer's VPC and source ranges: sorted by first address, so each VPC is
    // compared only with the ranges that start before it ends.
    const ranges: { owner: LoadedSpecRef; cidr: Cidr; path: string; text: string }[] = [];
    const seenSources = new Map<string, Cidr>();
    for (const owner of group) {
      ranges.push({ owner, cidr: parseCidr(owner.spec.aws.vpcCidr)!, path: 'aws.vpcCidr', text: owner.spec.aws.vpcCidr });
      owner.spec.gcp.sourceRanges.forEach((r, k) => {
        const cidr = seenSources.get(r) ?? parseCidr(r)!;
        seenSources.set(r, cidr);
        ranges.push({ owner, cidr, path: `gcp.sourceRanges[${k}]`, text: r });
      });
    }
    ranges.sort((a, b) => a.cidr.first - b.cidr.first);
    const vpcs = ranges.filter((r) => r.path === 'aws.vpcCidr');
    for (const v of vpcs) {
      // Overlapping ranges by text, so a source range many customers share is reported once, naming them all.
      const hits = new Map<string, typeof ranges>();
      for (const r of ranges) {
        if (r.cidr.first > v.cidr.last) break;
        if (r.owner !== v.owner && overlaps(v.cidr, r.cidr)) push(hits, `${r.path === 'aws.vpcCidr' ? 'vpc' : 'src'} ${r.text}`, r);
      }
      for (const rs of hits.values()) {
        const owners = rs.map((r) => name(r.owner));
        const of = firstOf(owners, 3);
        out.push({
          file: v.owner.file,
          finding: {
            path: ['aws', 'vpcCidr'],
            message: `"${v.text}" overlaps ${rs[0]!.path} "${rs[0]!.text}" of ${of} ${where}; the network would learn both over BGP, so operator VPCs on one network must not overlap each other or any source range`,
          },
        });
      }
    }
  }
}
