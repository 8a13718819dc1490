import { blocks, ofType, type LintRule } from '../types';

export const sgDescriptions: LintRule = {
  id: 'CKV_AWS_23',
  mirrors: ['CKV_AWS_23', 'AVD-AWS-0099', 'AVD-AWS-0124', 'KICS 68eb4bf3-f9bf-463d-b5cf-e029bb446d2e'],
  title: 'Security groups and their rules are described',
  check: (doc) => [
    ...ofType(doc, 'aws_security_group', 'aws_vpc_security_group_ingress_rule', 'aws_vpc_security_group_egress_rule', 'aws_security_group_rule')
      .filter((r) => typeof r.body.description !== 'string' || r.body.description.trim() === '')
      .map((r) => `${r.address}: needs a description`),
    ...ofType(doc, 'aws_security_group').flatMap((r) =>
      [...blocks(r.body.ingress), ...blocks(r.body.egress)]
        .filter((rule) => typeof rule.description !== 'string' || rule.description.trim() === '')
        .map(() => `${r.address}: an inline rule needs a description`),
    ),
  ],
};
