/**
 * One interface endpoint per connected endpoint (one with a service name): its security group admits exactly the
 * GCP source ranges on exactly the endpoint's ports, and its network interface holds the model's fixed address in
 * every subnet (`subnet_configuration`), so the DNS records (dns.ts) can list the addresses at plan time.
 */
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import type { Subnet } from '@cdktf/provider-aws/lib/subnet';
import type { TerraformStack } from 'cdktf';
import type { CustomerModel, EndpointModel } from '../../model/model';
import { named } from './named';

export interface EndpointsProps {
  readonly name: CustomerModel['name'];
  readonly resourcePrefix: CustomerModel['resourcePrefix'];
  readonly endpoints: CustomerModel['endpoints'];
  /** From network.ts: the VPC's id and the subnets by the model's subnet id. */
  readonly vpcId: string;
  readonly subnets: ReadonlyMap<string, Subnet>;
}

export class OperatorEndpoints {
  /** The interface endpoint of each connected endpoint, by endpoint name. */
  readonly interfaces: ReadonlyMap<string, VpcEndpoint>;

  constructor(stack: TerraformStack, props: EndpointsProps) {
    this.interfaces = new Map(props.endpoints.filter((e) => e.serviceName).map((ep) => [ep.name, this.endpoint(stack, props, ep)] as const));
  }

  private endpoint(stack: TerraformStack, props: EndpointsProps, ep: EndpointModel): VpcEndpoint {
    const sg = named(
      new SecurityGroup(stack, `aws_security_group.${ep.id}`, {
        name: ep.securityGroupName,
        // A security group's description cannot change in place (AWS has no API for it): a description naming
        // the ports replaced the group, destroy first, whenever a port was added, and AWS refuses to delete a
        // group the endpoint still uses. The ports live in the ingress rules; the description never changes, and
        // groups written by privlink 0.2.0 and earlier keep the description they have (CHANGELOG.md).
        description: `privlink: ${ep.name} interface endpoint of ${props.name}, TCP from the GCP source ranges only`,
        vpcId: props.vpcId,
        tags: { Name: ep.securityGroupName },
        lifecycle: { ignoreChanges: ['description'] },
      }),
      ep.id,
    );
    for (const rule of ep.ingressRules) {
      named(
        new VpcSecurityGroupIngressRule(stack, `aws_vpc_security_group_ingress_rule.${rule.id}`, {
          securityGroupId: sg.id,
          ipProtocol: 'tcp',
          fromPort: rule.port,
          toPort: rule.port,
          cidrIpv4: rule.cidr,
          description: rule.description,
        }),
        rule.id,
      );
    }
    const subnet = (id: string) => props.subnets.get(id)!.id;
    return named(
      new VpcEndpoint(stack, `aws_vpc_endpoint.${ep.id}`, {
        vpcId: props.vpcId,
        serviceName: ep.serviceName!,
        vpcEndpointType: 'Interface',
        subnetIds: ep.addresses.map((a) => subnet(a.subnetId)),
        subnetConfiguration: ep.addresses.map((a) => ({ subnetId: subnet(a.subnetId), ipv4: a.address })),
        securityGroupIds: [sg.id],
        privateDnsEnabled: false,
        // Cross-Region PrivateLink: the service's Region. Left out for a same-Region service, whose stack is unchanged.
        ...(ep.crossRegion ? { serviceRegion: ep.region } : {}),
        tags: { Name: `${props.resourcePrefix}-${ep.name}` },
      }),
      ep.id,
    );
  }
}
