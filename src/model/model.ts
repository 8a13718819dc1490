/**
 * The model: every name, Terraform address, subnet, tunnel and port of one customer, decided once from the
 * validated spec. Pure (no cdktf, no I/O); renderers only read it.
 *
 * Terraform addresses are a contract with live state: they derive from names (customer, endpoint, AZ ID,
 * tunnel a1/a2/b1/b2, hostname), never from list positions. Renaming one destroys real infrastructure on
 * the next apply, so changes here need a migration (`moved` block) and a note in the changelog.
 */
import { createHash } from 'node:crypto';
import { host, parseCidr, subnet } from '../domain/cidr';
import { intersect } from '../domain/versions';
import { packagedPriceTable, withOverrides } from '../fleet/prices';
import { costCounts, estimateCost, type CostEstimate } from './cost';
import { allocate, type Allocation, type RouterPlacement } from './allocation';
import {
  AWS_CGW_BGP_ASN_MAX,
  GCP_NAME_MAX,
  AZ_SLOT_BITS,
  IKE_PHASE1_LIFETIME_SECONDS,
  IKE_PHASE2_LIFETIME_SECONDS,
  LABEL_CUSTOMER,
  LABEL_MANAGED_BY,
  NAME_PREFIX,
  REMOVED_BLOCK_TERRAFORM,
  AWS_ROLE_VARIABLE,
  AWS_PROVIDER_CONSTRAINT,
  GOOGLE_PROVIDER_CONSTRAINT,
  S3_LOCKFILE_TERRAFORM,
} from '../domain/constants';
import { EXCEPTABLE_RULES } from '../domain/exceptions';
import { CUSTOMER_PLACEHOLDER, DEFAULT_FLEET, topicRegion, type FleetConfig } from '../fleet/schema';
import { networkOf } from '../input/rules';
import type { CustomerSpec, EndpointSpec, TunnelKey } from '../input/schema';
import type { Severity } from '../domain/monitoring';
import { connectionKeys, siteOf, tunnelKeys, tunnelPosition, type ConnectionKey, type Site } from '../domain/tunnels';
import { FAILOVER_ADVERTISED_PRIORITY, PRIMARY_ADVERTISED_PRIORITY } from '../domain/preference';

export type EndpointStatus = 'awaiting-customer' | 'ready';

export const STATUS_LABEL: Record<EndpointStatus, string> = {
  'awaiting-customer': 'awaiting customer',
  ready: 'ready to connect',
};

export interface SubnetModel {
  readonly azId: string;
  readonly cidr: string;
  /** Terraform names of the subnet and its route table association. */
  readonly id: string;
  readonly name: string;
}

export interface ConnectionModel {
  readonly key: ConnectionKey;
  /** The region its GCP end is in: gcp.region (a, b) or gcp.failoverRegion (c, d). */
  readonly site: Site;
  /** HA VPN gateway interface whose IP the customer gateway of this connection uses. */
  readonly haInterface: number;
  readonly customerGatewayId: string;
  readonly vpnConnectionId: string;
  readonly name: string;
}

export interface TunnelModel {
  readonly key: TunnelKey;
  readonly connection: ConnectionKey;
  readonly site: Site;
  /** The GCP region of its HA VPN gateway, Cloud Router and tunnel. */
  readonly region: string;
  /**
   * The BGP peer's advertised_route_priority, the MED AWS sees: 100 in the primary region, 10200 in the failover
   * region (domain/preference.ts).
   */
  readonly advertisedRoutePriority: number;
  /** AWS tunnel number within the connection (tunnel1_* / tunnel2_* attributes). */
  readonly awsTunnel: 1 | 2;
  /** HA VPN gateway interface (0 for connection a or c, 1 for b or d). */
  readonly haInterface: number;
  /** External VPN gateway interface: a1=0, a2=1, b1=2, b2=3 (c1=0 … d2=3 on the failover site's). */
  readonly externalInterface: number;
  readonly insideCidr: string;
  /** AWS side of the /30 (network + 1) and GCP side (network + 2); AWS reports the same in tunnel*_inside_address. */
  readonly vgwInsideAddress: string;
  readonly cgwInsideAddress: string;
  /** Terraform name shared by the tunnel, its router interface and its BGP peer. */
  readonly id: string;
  readonly tunnelName: string;
  readonly interfaceName: string;
  readonly peerName: string;
  /** Name of the tunnel's alarm on both clouds (CloudWatch alarm, Cloud Monitoring policy), and of its BGP session's policy. */
  readonly alarmName: string;
  /** Terraform name of the BGP session's alert policy (the tunnel's own alarms take `id`). */
  readonly sessionAlarmId: string;
  readonly sessionAlarmName: string;
}

/** Where one severity's alerts go (privlink.yaml `alerts`). */
export interface AlertTargetsModel {
  readonly snsTopicArns: readonly string[];
  readonly notificationChannels: readonly string[];
}

/**
 * The alerts of one customer beyond those of each tunnel and session (TunnelModel): the customer-level alarm that
 * fires when no path is left, on both clouds, and the fleet's targets by severity.
 */
export interface AlertsModel {
  /** Terraform name and alarm name of the no-path alarm (CloudWatch) and policy (Cloud Monitoring). */
  readonly noPathId: string;
  readonly noPathName: string;
  readonly targets: Readonly<Record<Severity, AlertTargetsModel>>;
}

export interface IngressRuleModel {
  readonly id: string;
  readonly port: number;
  readonly cidr: string;
  readonly description: string;
}

/**
 * One customer hostname on the GCP network: a private Cloud DNS zone named after the hostname, bound to the
 * network, holding one A record set at its apex with the endpoint's addresses (reference §4, option A).
 */
export interface DnsZoneModel {
  /** Terraform name of the zone and of its record set. */
  readonly id: string;
  /** Cloud DNS zone name (GCP name rules, unique per customer and hostname). */
  readonly zoneName: string;
  readonly hostname: string;
  /** `hostname.`, as Cloud DNS writes names. */
  readonly dnsName: string;
}

/** The fixed address of an endpoint's network interface in one subnet. */
export interface EndpointAddressModel {
  readonly azId: string;
  /** Terraform name of the subnet (aws_subnet.<subnetId>). */
  readonly subnetId: string;
  readonly subnetCidr: string;
  readonly address: string;
}

export interface EndpointModel {
  readonly name: string;
  readonly hostnames: readonly string[];
  readonly ports: readonly number[];
  readonly tls: EndpointSpec['tls'];
  readonly serviceName?: string;
  readonly status: EndpointStatus;
  /** false only when the spec opts out in writing (security.exceptions records who agreed). */
  readonly acceptanceRequired: boolean;
  /** Terraform name of the endpoint and its security group. */
  readonly id: string;
  readonly securityGroupName: string;
  readonly ingressRules: readonly IngressRuleModel[];
  /** Host offset the endpoint holds in every subnet (domain/addresses.ts), and the address in each, by AZ ID. */
  readonly addressOffset: number;
  readonly addresses: readonly EndpointAddressModel[];
  readonly dnsZones: readonly DnsZoneModel[];
  /** Name of the customer's NLB and endpoint service in the customer module. */
  readonly customerResourceName: string;
  /** The AWS Region of the customer's service: aws.region, or another one (cross-Region PrivateLink). */
  readonly region: string;
  /** The service is in another Region than the operator's VPC (its interface endpoint sets service_region). */
  readonly crossRegion: boolean;
}

/** Where the operator stack keeps its state: the fleet's backend with this customer's key filled in. */
export type BackendModel =
  | { readonly type: 'local'; readonly path: string }
  | { readonly type: 'gcs'; readonly bucket: string; readonly prefix: string }
  | {
      readonly type: 's3';
      readonly bucket: string;
      readonly region: string;
      readonly key: string;
      /** Locking: S3-native lock file, or a DynamoDB table when the fleet names one. */
      readonly lock: { readonly kind: 'lockfile' } | { readonly kind: 'dynamodb'; readonly table: string };
      readonly kmsKeyId?: string;
    };


/**
 * One region's half of the GCP side: its HA VPN gateway, Cloud Router and external VPN gateway. The primary's
 * Terraform names are the ones privlink always wrote (ha_vpn, router, aws); the failover region's end in _failover.
 */
export interface GcpSiteModel {
  readonly site: Site;
  readonly region: string;
  readonly haGatewayId: string;
  readonly haGatewayName: string;
  /** The Cloud Router the site's tunnels and BGP sessions use: the stack's own, or a shared one of that region's hub. */
  readonly router: RouterPlacement;
  readonly routerId: string;
  readonly routerName: string;
  readonly routerSelfLink: string;
  /** The description of the site's own router; a hub that adopts it keeps it, so the import plans no change. */
  readonly routerDescription: string;
  /** Both sites speak one ASN (model/allocation.ts), so AWS compares their MEDs (domain/preference.ts). */
  readonly routerAsn: number;
  readonly externalGatewayId: string;
  readonly externalGatewayName: string;
}

export interface CustomerModel {
  readonly name: string;
  /** The spec file, relative and with forward slashes, as written in headers. */
  readonly specFile: string;
  readonly resourcePrefix: string;
  readonly gcp: {
    readonly project: string;
    readonly region: string;
    readonly network: string;
    readonly networkUrl: string;
    readonly routerAsn: number;
    readonly sourceRanges: readonly string[];
    readonly haGatewayName: string;
    /** The Cloud Router the tunnels and BGP sessions use: the stack's own, or a shared one of the hub (model/allocation.ts). */
    readonly router: RouterPlacement;
    readonly routerName: string;
    /** `projects/<project>/regions/<region>/routers/<name>`: how a tunnel names a shared router (another state owns it). */
    readonly routerSelfLink: string;
    readonly externalGatewayName: string;
    /** gcp.failoverRegion, when the spec names one. */
    readonly failoverRegion?: string;
    /** The primary site (the fields above), then the failover site. */
    readonly sites: readonly GcpSiteModel[];
  };
  readonly aws: {
    readonly accountId: string;
    readonly region: string;
    readonly vpcCidr: string;
    readonly amazonSideAsn: number;
    /** The principal the customer allowlists on their endpoint service. */
    readonly operatorPrincipalArn: string;
    readonly subnets: readonly SubnetModel[];
    readonly availabilityZoneIds: readonly string[];
    /** aws_customer_gateway takes ASNs above 2147483647 in bgp_asn_extended. */
    readonly customerGatewayAsnField: 'bgp_asn' | 'bgp_asn_extended';
  };
  /** Labels (GCP) and tags (AWS) put on every resource: privlink's own plus the spec's. */
  readonly labels: Readonly<Record<string, string>>;
  readonly highAvailability: boolean;
  readonly connections: readonly ConnectionModel[];
  readonly tunnels: readonly TunnelModel[];
  /** The single IKEv2 proposal AWS offers (phase 1 and phase 2 alike). */
  readonly ike: {
    readonly encryption: string;
    readonly integrity: string;
    readonly dhGroup: number;
    readonly phase1LifetimeSeconds: number;
    readonly phase2LifetimeSeconds: number;
  };
  readonly endpoints: readonly EndpointModel[];
  /** Deliberate deviations from the security rule pack, as the spec records them (rule id, title, reason). */
  readonly securityExceptions: readonly { readonly rule: string; readonly title: string; readonly reason: string }[];
  readonly alerts: AlertsModel;
  /** What privlink allocated for this customer, written to its folder's allocation.json for review. */
  readonly allocation: Allocation;
  /**
   * The customer is leaving the fleet (spec `decommission: true`): the operator stack keeps its providers and
   * backend but no resource, so the next apply destroys everything, and plan-guard lets exactly that through.
   */
  readonly decommission: boolean;
  /** What the customer costs each month, by the price table and privlink.yaml's overrides (model/cost.ts). */
  readonly cost: CostEstimate;
  /** The operator stack's Terraform settings, from the fleet config. */
  readonly terraform: {
    readonly requiredVersion: string;
    readonly awsProviderConstraint: string;
    readonly googleProviderConstraint: string;
    readonly backend: BackendModel;
    /** Role CI assumes in the customer's operator account, with a session name that shows in CloudTrail. */
    readonly assumeRole?: { readonly roleArn: string; readonly sessionName: string };
    /** With fleet `aws.roles`: the variable that names the role (the plan role by default, the apply role when CI says). */
    readonly roleVariable?: { readonly name: string; readonly plan: string; readonly apply: string };
  };
}

/** The fleet's backend with `{customer}` filled in: a customer's name, or a hub stack's `hubs/<hub>/<stack>`. */
export function backendModel(fleet: FleetConfig, customer: string): BackendModel {
  const b = fleet.backend;
  const fill = (template: string) => template.split(CUSTOMER_PLACEHOLDER).join(customer);
  switch (b.type) {
    case 'local':
      return { type: 'local', path: b.path };
    case 'gcs':
      return { type: 'gcs', bucket: b.bucket, prefix: fill(b.prefix) };
    case 's3':
      return {
        type: 's3',
        bucket: b.bucket,
        region: b.region,
        key: fill(b.key),
        lock: b.dynamodbTable ? { kind: 'dynamodb', table: b.dynamodbTable } : { kind: 'lockfile' },
        ...(b.kmsKeyId ? { kmsKeyId: b.kmsKeyId } : {}),
      };
  }
}

function terraformSettings(fleet: FleetConfig, spec: CustomerSpec, handsOverRouter: boolean): CustomerModel['terraform'] {
  const backend = backendModel(fleet, spec.name);
  const tf = fleet.providers.terraform;
  const needsLockfile = backend.type === 's3' && backend.lock.kind === 'lockfile';
  const floors = [...(needsLockfile ? [S3_LOCKFILE_TERRAFORM] : []), ...(handsOverRouter ? [REMOVED_BLOCK_TERRAFORM] : [])];
  return {
    requiredVersion: floors.reduce(intersect, tf),
    // What privlink supports, narrowed by privlink.yaml (fleet/load.ts refuses a constraint that admits none of it).
    awsProviderConstraint: intersect(AWS_PROVIDER_CONSTRAINT, fleet.providers.aws),
    googleProviderConstraint: intersect(GOOGLE_PROVIDER_CONSTRAINT, fleet.providers.google),
    backend,
    ...(fleet.aws.assumeRoleName
      ? {
          assumeRole: {
            roleArn: `arn:aws:iam::${spec.aws.accountId}:role/${fleet.aws.assumeRoleName}`,
            sessionName: `${NAME_PREFIX}-${spec.name}`,
          },
        }
      : fleet.aws.roles
        ? {
            // CI passes the role (TF_VAR_privlink_aws_role): the apply role only in the protected environment.
            assumeRole: { roleArn: `arn:aws:iam::${spec.aws.accountId}:role/\${var.${AWS_ROLE_VARIABLE}}`, sessionName: `${NAME_PREFIX}-${spec.name}` },
            roleVariable: { name: AWS_ROLE_VARIABLE, plan: fleet.aws.roles.plan, apply: fleet.aws.roles.apply },
          }
        : {}),
  };
}

/** The GCP half of each site: the primary's names as privlink always wrote them, the failover's ending in -fo / _failover. */
function gcpSites(spec: CustomerSpec, prefix: string, allocation: Allocation): GcpSiteModel[] {
  const site = (s: Site, region: string, router: RouterPlacement): GcpSiteModel => {
    const tail = s === 'primary' ? '' : '_failover';
    return {
      site: s,
      region,
      haGatewayId: `ha_vpn${tail}`,
      haGatewayName: `${prefix}-ha-vpn${s === 'primary' ? '' : '-fo'}`,
      router,
      routerId: `router${tail}`,
      routerName: router.name,
      routerSelfLink: `projects/${spec.gcp.project}/regions/${region}/routers/${router.name}`,
      routerDescription: `privlink: BGP to the AWS VPN of ${spec.name}${s === 'failover' ? ' (failover region)' : ''}`,
      routerAsn: router.placement === 'shared' ? router.asn : spec.gcp.routerAsn,
      externalGatewayId: `aws${tail}`,
      externalGatewayName: `${prefix}-aws${s === 'primary' ? '' : '-fo'}`,
    };
  };
  const failover = allocation.failover;
  if (spec.gcp.failoverRegion !== undefined && failover?.region !== spec.gcp.failoverRegion) {
    throw new Error(`internal: ${spec.name} names failover region ${spec.gcp.failoverRegion} but has no router allocated there`);
  }
  const sites = [site('primary', spec.gcp.region, allocation.router), ...(spec.gcp.failoverRegion && failover ? [site('failover', failover.region, failover.router)] : [])];
  // Allocation never gives the failover site another ASN: AWS would not compare the two regions' MEDs.
  if (sites.length === 2 && sites[0]!.routerAsn !== sites[1]!.routerAsn) {
    throw new Error(`internal: ${spec.name}'s Cloud Routers speak ASN ${sites[0]!.routerAsn} and ${sites[1]!.routerAsn}`);
  }
  return sites;
}

/** The connections and tunnels of both sites, each tunnel with its allocated /30, region and MED. */
function vpnLayout(spec: CustomerSpec, prefix: string, allocation: Allocation): { connections: ConnectionModel[]; tunnels: TunnelModel[] } {
  const failover = spec.gcp.failoverRegion !== undefined;
  const regionOf = (site: Site) => (site === 'primary' ? spec.gcp.region : spec.gcp.failoverRegion!);
  const connections: ConnectionModel[] = connectionKeys(spec.vpn.highAvailability, failover).map((key) => ({
    key,
    site: siteOf(key),
    haInterface: tunnelPosition(`${key}1`).c,
    customerGatewayId: `gcp_${key}`,
    vpnConnectionId: `vpn_${key}`,
    name: `${prefix}-${key}`,
  }));

  const tunnels: TunnelModel[] = tunnelKeys(spec.vpn.highAvailability, failover).map((key) => {
    const { c, t } = tunnelPosition(key);
    const insideCidr = allocation.insideCidrs[key];
    if (insideCidr === undefined) throw new Error(`internal: tunnel ${key} of ${spec.name} has no inside /30 allocated`);
    const inside = parseCidr(insideCidr)!;
    const site = siteOf(key);
    return {
      key,
      connection: connections.find((x) => x.key === key[0])!.key,
      site,
      region: regionOf(site),
      advertisedRoutePriority: site === 'primary' ? PRIMARY_ADVERTISED_PRIORITY : FAILOVER_ADVERTISED_PRIORITY,
      awsTunnel: (t + 1) as 1 | 2,
      haInterface: c,
      externalInterface: 2 * c + t,
      insideCidr: inside.text,
      vgwInsideAddress: host(inside, 1),
      cgwInsideAddress: host(inside, 2),
      id: `tunnel_${key}`,
      tunnelName: `${prefix}-tunnel-${key}`,
      interfaceName: `${prefix}-if-${key}`,
      peerName: `${prefix}-bgp-${key}`,
      alarmName: `${prefix}-tunnel-${key}-down`,
      sessionAlarmId: `bgp_${key}`,
      sessionAlarmName: `${prefix}-bgp-${key}-down`,
    };
  });
  return { connections, tunnels };
}

/** `10.0.0.0/20` → `10-0-0-0-20`, for Terraform names. */
const cidrSlug = (cidr: string) => cidr.replace(/[./]/g, '-');

/**
 * The Cloud DNS zone name of a customer hostname: `privlink-<customer>-<hostname with dashes>-<hash>`, cut to GCP's
 * 63 characters. The customer prefix keeps two customers' zones apart in one project; the hash of the hostname keeps
 * two long hostnames apart after the cut.
 */
function zoneName(prefix: string, hostname: string): string {
  const hash = createHash('sha256').update(hostname).digest('hex').slice(0, 6);
  const base = `${prefix}-${hostname.replace(/\./g, '-')}`.slice(0, GCP_NAME_MAX - hash.length - 1).replace(/-+$/, '');
  return `${base}-${hash}`;
}

/** One endpoint: its status, security group and rules, fixed addresses (one per subnet) and DNS zones. */
function endpointModel(ep: EndpointSpec, prefix: string, sourceRanges: readonly string[], subnets: readonly SubnetModel[], offset: number, awsRegion: string): EndpointModel {
  const region = ep.region ?? awsRegion;
  return {
    region,
    crossRegion: region !== awsRegion,
    name: ep.name,
    hostnames: ep.hostnames,
    ports: ep.ports,
    tls: ep.tls,
    ...(ep.serviceName ? { serviceName: ep.serviceName } : {}),
    status: ep.serviceName ? 'ready' : 'awaiting-customer',
    acceptanceRequired: ep.acceptanceRequired,
    id: `endpoint_${ep.name}`,
    securityGroupName: `${prefix}-${ep.name}`,
    ingressRules: [...ep.ports]
      .sort((a, b) => a - b)
      .flatMap((port) =>
        sourceRanges.map((cidr) => ({
          id: `${ep.name}_${port}_from_${cidrSlug(cidr)}`,
          port,
          cidr,
          description: `${ep.name}: TCP ${port} from GCP range ${cidr}`,
        })),
      ),
    addressOffset: offset,
    addresses: subnets.map((s) => ({
      azId: s.azId,
      subnetId: s.id,
      subnetCidr: s.cidr,
      address: host(parseCidr(s.cidr)!, offset),
    })),
    dnsZones: [...ep.hostnames].sort().map((hostname) => ({
      id: `host_${hostname.replace(/\./g, '_')}`,
      zoneName: zoneName(prefix, hostname),
      hostname,
      dnsName: `${hostname}.`,
    })),
    customerResourceName: `${NAME_PREFIX}-${ep.name}`,
  };
}

/**
 * The allocation of a customer modelled on its own, without the rest of the fleet: its router, /30s and offsets as a
 * fleet with no other customer would give them (`legacy`: as privlink 0.4.0 placed it, on a router of its own).
 * generate allocates the whole fleet at once instead (allocations.ts).
 */
export function soloAllocation(spec: CustomerSpec, specFile: string, fleet: FleetConfig = DEFAULT_FLEET, legacy = false): Allocation {
  const r = allocate({ specs: [{ file: specFile, spec }], prior: new Map(), legacy: new Set(legacy ? [spec.name] : []), fleet });
  const a = r.allocations.get(spec.name);
  if (!a) throw new Error(`internal: ${spec.name} cannot be allocated: ${r.findings.map((f) => f.finding.message).join('; ')}`);
  return a;
}

export function buildModel(spec: CustomerSpec, specFile: string, fleet: FleetConfig = DEFAULT_FLEET, allocation: Allocation = soloAllocation(spec, specFile, fleet)): CustomerModel {
  const prefix = `${NAME_PREFIX}-${spec.name}`;
  const vpc = parseCidr(spec.aws.vpcCidr)!;

  const azIds = [...spec.aws.availabilityZoneIds].sort();
  const subnets: SubnetModel[] = azIds.map((azId) => {
    const slot = Number(azId.split('-az')[1]) - 1;
    return { azId, cidr: subnet(vpc, vpc.prefix + AZ_SLOT_BITS, slot), id: `private_${azId}`, name: `${prefix}-${azId}` };
  });
  // Validation guarantees distinct AZ numbers; two subnets on one range would fail at apply, so never emit them.
  const slots = new Set(subnets.map((s) => s.cidr));
  if (slots.size !== subnets.length) throw new Error(`internal: subnets of ${spec.name} overlap (${subnets.map((s) => `${s.azId} ${s.cidr}`).join(', ')})`);

  const { connections, tunnels } = vpnLayout(spec, prefix, allocation);

  const offsetOf = (name: string) => {
    const offset = allocation.endpointOffsets[name];
    if (offset === undefined) throw new Error(`internal: endpoint ${name} of ${spec.name} has no host offset allocated`);
    return offset;
  };
  const endpoints = [...spec.endpoints].sort((a, b) => a.name.localeCompare(b.name)).map((ep) => endpointModel(ep, prefix, spec.gcp.sourceRanges, subnets, offsetOf(ep.name), spec.aws.region));
  const router = allocation.router;
  const cost = estimateCost(
    costCounts({ decommission: spec.decommission, gcp: spec.gcp, aws: spec.aws, tunnels, connections, endpoints }),
    withOverrides(packagedPriceTable(), fleet.pricing.overrides),
  );

  const sites = gcpSites(spec, prefix, allocation);
  const primary = sites[0]!;
  return {
    name: spec.name,
    specFile,
    resourcePrefix: prefix,
    gcp: {
      project: spec.gcp.project,
      region: spec.gcp.region,
      network: spec.gcp.network,
      networkUrl: networkOf(spec),
      routerAsn: primary.routerAsn,
      sourceRanges: spec.gcp.sourceRanges,
      haGatewayName: primary.haGatewayName,
      router,
      routerName: router.name,
      routerSelfLink: primary.routerSelfLink,
      externalGatewayName: primary.externalGatewayName,
      ...(spec.gcp.failoverRegion ? { failoverRegion: spec.gcp.failoverRegion } : {}),
      sites,
    },
    aws: {
      accountId: spec.aws.accountId,
      region: spec.aws.region,
      vpcCidr: vpc.text,
      amazonSideAsn: spec.aws.amazonSideAsn,
      operatorPrincipalArn: `arn:aws:iam::${spec.aws.accountId}:root`,
      subnets,
      availabilityZoneIds: azIds,
      // Both sites speak the primary's ASN (gcpSites), so one field serves every customer gateway.
      customerGatewayAsnField: primary.routerAsn > AWS_CGW_BGP_ASN_MAX ? 'bgp_asn_extended' : 'bgp_asn',
    },
    labels: Object.fromEntries(
      Object.entries({ ...fleet.labels, ...spec.labels, [LABEL_MANAGED_BY]: NAME_PREFIX, [LABEL_CUSTOMER]: spec.name }).sort(([a], [b]) => a.localeCompare(b)),
    ),
    highAvailability: spec.vpn.highAvailability,
    connections,
    tunnels,
    ike: {
      encryption: spec.vpn.ike.encryption,
      integrity: spec.vpn.ike.integrity,
      dhGroup: spec.vpn.ike.dhGroup,
      phase1LifetimeSeconds: IKE_PHASE1_LIFETIME_SECONDS,
      phase2LifetimeSeconds: IKE_PHASE2_LIFETIME_SECONDS,
    },
    endpoints,
    securityExceptions: [...spec.security.exceptions]
      .sort((a, b) => a.rule.localeCompare(b.rule))
      .map((x) => ({ rule: x.rule, title: EXCEPTABLE_RULES.find((r) => r.id === x.rule)?.title ?? x.rule, reason: x.reason })),
    alerts: {
      noPathId: 'no_path',
      noPathName: `${prefix}-no-path`,
      // A CloudWatch alarm publishes only to a topic of its own Region (fleet/schema.ts topicRegion).
      targets: {
        warning: { ...fleet.alerts.warning, snsTopicArns: fleet.alerts.warning.snsTopicArns.filter((t) => topicRegion(t) === spec.aws.region) },
        critical: { ...fleet.alerts.critical, snsTopicArns: fleet.alerts.critical.snsTopicArns.filter((t) => topicRegion(t) === spec.aws.region) },
      },
    },
    allocation,
    decommission: spec.decommission,
    cost,
    terraform: terraformSettings(fleet, spec, sites.some((s) => s.router.placement === 'shared' && s.router.adoptedFrom === spec.name)),
  };
}
