import { blocks, literal, ofType, type LintRule } from '../types';

/** `${aws_vpc.vpc.id}` → `aws_vpc.vpc`. */
const refTo = (value: unknown) => (typeof value === 'string' ? /^\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)\.id\}$/.exec(value)?.[1] : undefined);

export const vpcFlowLogs: LintRule = {
  id: 'CKV2_AWS_11',
  mirrors: ['CKV2_AWS_11', 'AVD-AWS-0178', 'KICS f83121ea-03da-434f-9277-9cd247ab3047'],
  title: 'Every VPC has flow logs',
  check: (doc) => {
    const logged = new Set(ofType(doc, 'aws_flow_log').map((f) => refTo(f.body.vpc_id)));
    return ofType(doc, 'aws_vpc')
      .filter((v) => !logged.has(v.address))
      .map((v) => `${v.address}: no aws_flow_log records its traffic`);
  },
};

export const defaultSgRestricted: LintRule = {
  id: 'CKV2_AWS_12',
  mirrors: ['CKV2_AWS_12', 'AVD-AWS-0173', 'KICS 9a4ef195-74b9-4c58-b8ed-2b2fe4353a75'],
  title: 'The default security group of every VPC allows nothing',
  check: (doc) => {
    const defaults = ofType(doc, 'aws_default_security_group');
    const restricted = new Set(defaults.filter((d) => blocks(d.body.ingress).length + blocks(d.body.egress).length === 0).map((d) => refTo(d.body.vpc_id)));
    return [
      ...ofType(doc, 'aws_vpc')
        .filter((v) => !restricted.has(v.address))
        .map((v) => `${v.address}: its default security group is not managed with no rules (aws_default_security_group)`),
    ];
  },
};

export const subnetNoPublicIp: LintRule = {
  id: 'CKV_AWS_130',
  mirrors: ['CKV_AWS_130', 'AVD-AWS-0164'],
  title: 'Subnets do not assign public IPs',
  check: (doc) =>
    ofType(doc, 'aws_subnet')
      .filter((s) => literal(doc, s.body.map_public_ip_on_launch) === true)
      .map((s) => `${s.address}: map_public_ip_on_launch must not be true`),
};

export const sgAttached: LintRule = {
  id: 'CKV2_AWS_5',
  mirrors: ['CKV2_AWS_5'],
  title: 'Every security group is attached to something',
  check: (doc) => {
    const attachers = doc.resources.filter((r) => !r.type.startsWith('aws_security_group') && !r.type.startsWith('aws_vpc_security_group_'));
    const text = JSON.stringify(attachers.map((r) => r.body));
    return ofType(doc, 'aws_security_group')
      .filter((sg) => !text.includes(`\${${sg.address}.id}`))
      .map((sg) => `${sg.address}: not attached to any endpoint, load balancer or instance`);
  },
};
