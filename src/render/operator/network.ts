/**
 * The operator VPC without internet access: the VPC, its default security group locked down, one private route
 * table, one subnet per AZ ID (each associated with that table), and VPC flow logs to CloudWatch.
 */
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import type { TerraformStack } from 'cdktf';
import { FLOW_LOG_RETENTION_DAYS } from '../../domain/constants';
import type { CustomerModel } from '../../model/model';
import { named } from './named';

export interface NetworkProps {
  readonly name: CustomerModel['name'];
  readonly resourcePrefix: CustomerModel['resourcePrefix'];
  readonly aws: Pick<CustomerModel['aws'], 'vpcCidr' | 'subnets' | 'accountId'>;
}

export class OperatorNetwork {
  readonly vpc: Vpc;
  /** The private route table: the VPN gateway propagates the GCP ranges into it. */
  readonly routeTable: RouteTable;
  /** Subnets by the model's subnet id (`private_use1-az1`). */
  readonly subnets: ReadonlyMap<string, Subnet>;

  constructor(stack: TerraformStack, props: NetworkProps) {
    const prefix = props.resourcePrefix;
    this.vpc = named(
      new Vpc(stack, 'aws_vpc.vpc', { cidrBlock: props.aws.vpcCidr, enableDnsSupport: true, enableDnsHostnames: true, tags: { Name: prefix } }),
      'vpc',
    );
    named(new DefaultSecurityGroup(stack, 'aws_default_security_group.default', { vpcId: this.vpc.id, tags: { Name: `${prefix}-default-deny` } }), 'default');
    this.routeTable = named(new RouteTable(stack, 'aws_route_table.private', { vpcId: this.vpc.id, tags: { Name: `${prefix}-private` } }), 'private');
    this.subnets = new Map(
      props.aws.subnets.map((s) => {
        const subnet = named(
          new Subnet(stack, `aws_subnet.${s.id}`, {
            vpcId: this.vpc.id,
            cidrBlock: s.cidr,
            availabilityZoneId: s.azId,
            mapPublicIpOnLaunch: false,
            tags: { Name: s.name },
          }),
          s.id,
        );
        named(new RouteTableAssociation(stack, `aws_route_table_association.${s.id}`, { subnetId: subnet.id, routeTableId: this.routeTable.id }), s.id);
        return [s.id, subnet] as const;
      }),
    );
    this.flowLogs(stack, props);
  }

  private flowLogs(stack: TerraformStack, props: NetworkProps): void {
    const logGroup = named(
      new CloudwatchLogGroup(stack, 'aws_cloudwatch_log_group.flow_logs', { name: `/privlink/${props.name}/vpc-flow-logs`, retentionInDays: FLOW_LOG_RETENTION_DAYS }),
      'flow_logs',
    );
    const role = named(
      new IamRole(stack, 'aws_iam_role.flow_logs', {
        name: `${props.resourcePrefix}-flow-logs`,
        assumeRolePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
              Action: 'sts:AssumeRole',
              Condition: { StringEquals: { 'aws:SourceAccount': props.aws.accountId } },
            },
          ],
        }),
      }),
      'flow_logs',
    );
    named(
      new IamRolePolicy(stack, 'aws_iam_role_policy.flow_logs', {
        name: 'write-vpc-flow-logs',
        role: role.id,
        policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], Resource: `${logGroup.arn}:*` }],
        }),
      }),
      'flow_logs',
    );
    named(
      new FlowLog(stack, 'aws_flow_log.vpc', {
        vpcId: this.vpc.id,
        trafficType: 'ALL',
        logDestinationType: 'cloud-watch-logs',
        logDestination: logGroup.arn,
        iamRoleArn: role.arn,
        tags: { Name: `${props.resourcePrefix}-flow-logs` },
      }),
      'vpc',
    );
  }
}
