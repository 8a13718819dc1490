/**
 * The customer hostnames on the GCP network: each hostname of a connected endpoint gets a private Cloud DNS zone
 * bound to the network, with one A record set listing the endpoint's own addresses (fixed per subnet by the model),
 * so the plan shows them and nothing is read back from dns_entry (reference §4: Cloud DNS does not chase a CNAME
 * to the public VPCE name).
 */
import type { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { DnsManagedZone } from '@cdktf/provider-google/lib/dns-managed-zone';
import { DnsRecordSet } from '@cdktf/provider-google/lib/dns-record-set';
import type { TerraformStack } from 'cdktf';
import { DNS_RECORD_TTL } from '../../domain/constants';
import type { CustomerModel } from '../../model/model';
import { named } from './named';

export interface DnsProps {
  readonly name: CustomerModel['name'];
  readonly networkUrl: CustomerModel['gcp']['networkUrl'];
  readonly endpoints: CustomerModel['endpoints'];
  /** From endpoints.ts: the interface endpoint each record waits for, by endpoint name. */
  readonly interfaces: ReadonlyMap<string, VpcEndpoint>;
}

export class OperatorDns {
  constructor(stack: TerraformStack, props: DnsProps) {
    for (const ep of props.endpoints) {
      const endpoint = props.interfaces.get(ep.name);
      if (!endpoint) continue; // awaiting the customer: the hostnames do not resolve yet
      for (const zone of ep.dnsZones) {
        const managedZone = named(
          new DnsManagedZone(stack, `google_dns_managed_zone.${zone.id}`, {
            name: zone.zoneName,
            dnsName: zone.dnsName,
            visibility: 'private',
            description: `privlink: ${zone.hostname} resolves to the ${ep.name} interface endpoint of ${props.name}`,
            privateVisibilityConfig: { networks: [{ networkUrl: props.networkUrl }] },
          }),
          zone.id,
        );
        named(
          new DnsRecordSet(stack, `google_dns_record_set.${zone.id}`, {
            managedZone: managedZone.name,
            name: managedZone.dnsName,
            type: 'A',
            ttl: DNS_RECORD_TTL,
            rrdatas: ep.addresses.map((a) => a.address),
            // The name resolves once the addresses exist, and stops before they go.
            dependsOn: [endpoint],
          }),
          zone.id,
        );
      }
    }
  }
}
