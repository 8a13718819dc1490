/**
 * The hostname path as the generated JSON describes it, read from the simulated apply: what the GCP network's
 * Cloud DNS would answer (private zones bound to the network and their record sets), what each interface endpoint
 * holds in AWS (its fixed addresses, its security groups' ingress rules) and what the operator declared
 * (the `endpoints` output: each endpoint's status, hostnames and ports).
 *
 * Like sides.ts, each part comes only from its own resources: the DNS answers only from google_dns_* resources,
 * the addresses and rules only from aws_* resources. The declared endpoints say what must work; the resources say
 * what would. Pure: no I/O.
 */
import { contains, parseCidr } from '../domain/cidr';
import { AWS_SUBNET_RESERVED_HIGH, AWS_SUBNET_RESERVED_LOW } from '../domain/constants';
import { LabInputError, type Json, type ResolvedResource, type SimulatedApply } from './apply';
import { inCidr } from './ip';

export interface IngressRule {
  /** Terraform address of the rule, for diagnoses. */
  readonly address: string;
  /** "tcp", or "-1" for every protocol. */
  readonly protocol: string;
  readonly fromPort: number;
  readonly toPort: number;
  readonly cidr: string;
}

export interface EndpointView {
  /** Terraform address, e.g. aws_vpc_endpoint.endpoint_github. */
  readonly address: string;
  readonly id: string;
  /** Fixed addresses by subnet: each with the subnet's CIDR (from the aws_subnet it names). */
  readonly interfaces: readonly { readonly ipv4: string; readonly subnetCidr: string; readonly subnet: string }[];
  /** Names of the security groups attached (aws_security_group.<name>). */
  readonly securityGroups: readonly string[];
  /** Every ingress rule of those groups. */
  readonly rules: readonly IngressRule[];
}

export interface DeclaredEndpoint {
  readonly name: string;
  readonly ready: boolean;
  readonly status: string;
  readonly hostnames: readonly string[];
  readonly ports: readonly number[];
  /** The interface endpoint the declaration names (ready endpoints only). */
  readonly endpoint?: EndpointView;
}

export interface ZoneView {
  readonly address: string;
  readonly name: string;
  /** Without the trailing dot. */
  readonly dnsName: string;
  readonly networks: readonly string[];
  /** Bound to the network the Cloud Router runs in. */
  readonly visible: boolean;
}

export interface RecordView {
  readonly address: string;
  readonly zone?: ZoneView;
  readonly name: string;
  readonly type: string;
  readonly rrdatas: readonly string[];
}

export interface HostnameView {
  /** The network of the Cloud Router: the one whose DNS the pods use. */
  readonly network: string;
  readonly endpoints: readonly EndpointView[];
  readonly declared: readonly DeclaredEndpoint[];
  readonly zones: readonly ZoneView[];
  readonly records: readonly RecordView[];
  /** Why the file has nothing to check here (no `endpoints` output), if so. */
  readonly missing?: string;
}

const str = (v: Json | undefined): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
const list = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const noDot = (name: string) => name.replace(/\.$/, '');

/** `https://www.googleapis.com/compute/v1/projects/p/global/networks/n` and `projects/p/global/networks/n` alike. */
export function networkPath(url: string): string {
  const m = /(?:^|\/)(projects\/[^/]+\/global\/networks\/[^/]+)$/.exec(url);
  return m ? m[1]! : url;
}

export function hostnameView(apply: SimulatedApply): HostnameView {
  const router = apply.ofType('google_compute_router')[0];
  const network = networkPath(str(router?.args.network));

  const endpoints = apply.ofType('aws_vpc_endpoint').map((e): EndpointView => {
    const sgs = list(e.args.security_group_ids).map((id) => apply.byId('aws_security_group', id)).filter((g): g is ResolvedResource => g !== undefined);
    const rules = apply
      .ofType('aws_vpc_security_group_ingress_rule')
      .filter((r) => sgs.some((g) => g.computed.id === r.args.security_group_id))
      .map((r): IngressRule => ({
        address: r.address,
        protocol: str(r.args.ip_protocol).toLowerCase() === '6' ? 'tcp' : str(r.args.ip_protocol).toLowerCase(),
        fromPort: Number(r.args.from_port ?? 0),
        toPort: Number(r.args.to_port ?? 65535),
        cidr: str(r.args.cidr_ipv4),
      }));
    return {
      address: e.address,
      id: str(e.computed.id),
      interfaces: list(e.args.subnet_configuration).map((c) => {
        const conf = c as Record<string, Json>;
        const subnet = apply.byId('aws_subnet', conf.subnet_id);
        return { ipv4: str(conf.ipv4), subnetCidr: str(subnet?.args.cidr_block), subnet: subnet?.address ?? str(conf.subnet_id) };
      }),
      securityGroups: sgs.map((g) => g.address),
      rules,
    };
  });

  const zones = apply.ofType('google_dns_managed_zone').map((z): ZoneView => {
    const config = (list(z.args.private_visibility_config)[0] ?? {}) as Record<string, Json>;
    const networks = list(config.networks).map((n) => networkPath(str((n as Record<string, Json>).network_url)));
    return {
      address: z.address,
      name: str(z.args.name),
      dnsName: noDot(str(z.args.dns_name)),
      networks,
      visible: str(z.args.visibility) === 'private' && networks.includes(network),
    };
  });
  const records = apply.ofType('google_dns_record_set').map(
    (r): RecordView => ({
      address: r.address,
      zone: zones.find((z) => z.name === str(r.args.managed_zone)),
      name: noDot(str(r.args.name)),
      type: str(r.args.type),
      rrdatas: list(r.args.rrdatas).map(str),
    }),
  );

  const output = apply.outputs.endpoints;
  if (!output || typeof output !== 'object' || Array.isArray(output)) {
    return { network, endpoints, declared: [], zones, records, missing: 'the file has no "endpoints" output (written by privlink 0.2.0 and later)' };
  }
  const declared = Object.entries(output).map(([name, raw]): DeclaredEndpoint => {
    const d = (raw ?? {}) as Record<string, Json>;
    const endpointId = d.endpoint_id;
    const endpoint = endpointId === undefined ? undefined : endpoints.find((e) => e.id === endpointId);
    if (endpointId !== undefined && !endpoint) throw new LabInputError([`output.endpoints.${name}.endpoint_id names no aws_vpc_endpoint in the file`]);
    return {
      name,
      ready: endpointId !== undefined,
      status: str(d.status),
      hostnames: list(d.hostnames).map(str),
      ports: list(d.ports).map(Number),
      endpoint,
    };
  });
  return { network, endpoints, declared, zones, records };
}

/** What the network's Cloud DNS answers for each name: A records of zones bound to the network, by name. */
export function dnsAnswers(view: HostnameView): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of view.records) {
    if (r.type !== 'A' || !r.zone?.visible) continue;
    out.set(r.name, [...(out.get(r.name) ?? []), ...r.rrdatas]);
  }
  return out;
}

/** Why a hostname would not resolve, in terms of the resources; undefined when it would. */
export function whyUnresolved(view: HostnameView, hostname: string): string | undefined {
  if (dnsAnswers(view).has(hostname)) return undefined;
  const zone = view.zones.filter((z) => hostname === z.dnsName || hostname.endsWith(`.${z.dnsName}`)).sort((a, b) => b.dnsName.length - a.dnsName.length)[0];
  if (!zone) return `no google_dns_managed_zone holds ${hostname}`;
  if (!zone.visible) {
    return `its zone ${zone.name} (${zone.address}) is bound to ${zone.networks.join(', ') || 'no network'}, not to ${view.network}, the network of the Cloud Router`;
  }
  const rec = view.records.find((r) => r.name === hostname && r.zone === zone);
  if (!rec) return `zone ${zone.name} (${zone.address}) has no record set for ${hostname}`;
  return `${rec.address} is of type ${rec.type}; Cloud DNS does not chase a CNAME into a public name, so the zone must hold A records`;
}

/** Does a rule set admit TCP `port` from `source`? The rules that would, if any. */
export function admits(rules: readonly IngressRule[], source: string, port: number): IngressRule[] {
  return rules.filter((r) => {
    if (r.protocol !== 'tcp' && r.protocol !== '-1') return false;
    if (r.protocol === 'tcp' && (port < r.fromPort || port > r.toPort)) return false;
    return inCidr(source, r.cidr);
  });
}

/** What AWS checks of fixed endpoint addresses at apply time: inside the subnet, not reserved, unique in the VPC. */
export function addressProblems(endpoints: readonly EndpointView[]): string[] {
  const problems: string[] = [];
  const holders = new Map<string, string>();
  for (const e of endpoints) {
    for (const i of e.interfaces) {
      const subnet = parseCidr(i.subnetCidr);
      const address = parseCidr(`${i.ipv4}/32`);
      const inside = subnet !== undefined && address !== undefined && contains(subnet, address);
      const reserved = inside && (address.first - subnet.first < AWS_SUBNET_RESERVED_LOW || subnet.last - address.first < AWS_SUBNET_RESERVED_HIGH);
      if (!inside) problems.push(`${e.address}: ${i.ipv4} is not inside its subnet ${i.subnet} (${i.subnetCidr || 'no CIDR'})`);
      else if (reserved) problems.push(`${e.address}: ${i.ipv4} is one of the five addresses AWS reserves in ${i.subnet} (${i.subnetCidr})`);
      const other = holders.get(i.ipv4);
      if (other) problems.push(`${e.address}: ${i.ipv4} is also held by ${other}`);
      else holders.set(i.ipv4, e.address);
    }
  }
  return problems;
}
