import { blocks, ofType, type LintRule, type Resource, type TfDoc } from '../types';

const WORLD = ['0.0.0.0/0', '::/0'];

/** [direction, cidrs] of every rule of a security group resource or rule resource. */
function rules(r: Resource): { direction: 'ingress' | 'egress'; cidrs: string[] }[] {
  const cidrsOf = (b: Record<string, unknown>) =>
    [b.cidr_ipv4, b.cidr_ipv6, ...(Array.isArray(b.cidr_blocks) ? b.cidr_blocks : []), ...(Array.isArray(b.ipv6_cidr_blocks) ? b.ipv6_cidr_blocks : [])].filter(
      (c): c is string => typeof c === 'string',
    );
  switch (r.type) {
    case 'aws_vpc_security_group_ingress_rule':
      return [{ direction: 'ingress', cidrs: cidrsOf(r.body) }];
    case 'aws_vpc_security_group_egress_rule':
      return [{ direction: 'egress', cidrs: cidrsOf(r.body) }];
    case 'aws_security_group_rule':
      return [{ direction: r.body.type === 'egress' ? 'egress' : 'ingress', cidrs: cidrsOf(r.body) }];
    default:
      return [
        ...blocks(r.body.ingress).map((b) => ({ direction: 'ingress' as const, cidrs: cidrsOf(b) })),
        ...blocks(r.body.egress).map((b) => ({ direction: 'egress' as const, cidrs: cidrsOf(b) })),
      ];
  }
}

const TYPES = ['aws_security_group', 'aws_default_security_group', 'aws_vpc_security_group_ingress_rule', 'aws_vpc_security_group_egress_rule', 'aws_security_group_rule'];

function open(doc: TfDoc, direction: 'ingress' | 'egress'): string[] {
  return ofType(doc, ...TYPES).flatMap((r) =>
    rules(r)
      .filter((x) => x.direction === direction && x.cidrs.some((c) => WORLD.includes(c)))
      .map(() => `${r.address}: ${direction} from the whole internet (${WORLD.join(' or ')}); allow only the GCP source ranges`),
  );
}

export const sgNoPublicIngress: LintRule = {
  id: 'CKV_AWS_24',
  mirrors: ['CKV_AWS_24', 'CKV_AWS_25', 'CKV_AWS_260', 'CKV_AWS_277', 'AVD-AWS-0107', 'KICS 381c3f2a-ef6f-4eff-99f7-b169cda3422c'],
  title: 'No security group admits the internet',
  check: (doc) => open(doc, 'ingress'),
};

export const sgNoPublicEgress: LintRule = {
  id: 'AVD-AWS-0104',
  mirrors: ['AVD-AWS-0104', 'CKV_AWS_382'],
  title: 'No security group sends to the internet',
  check: (doc) => open(doc, 'egress'),
};
