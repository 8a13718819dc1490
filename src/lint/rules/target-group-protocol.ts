import { ofType, type LintRule } from '../types';

export const targetGroupProtocol: LintRule = {
  id: 'CKV_AWS_378',
  mirrors: ['CKV_AWS_378'],
  title: 'Target groups do not use plain HTTP',
  check: (doc) =>
    ofType(doc, 'aws_lb_target_group')
      .filter((r) => /(^|")HTTP("|$)/.test(String(r.body.protocol ?? '')))
      .map((r) => `${r.address}: protocol HTTP sends traffic in clear text; use TCP or TLS`),
};
