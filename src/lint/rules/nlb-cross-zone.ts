import { literal, ofType, type LintRule } from '../types';

export const nlbCrossZone: LintRule = {
  id: 'CKV_AWS_152',
  mirrors: ['CKV_AWS_152'],
  title: 'Network load balancer balances across zones',
  check: (doc) =>
    ofType(doc, 'aws_lb')
      .filter((r) => literal(doc, r.body.load_balancer_type) === 'network' && literal(doc, r.body.enable_cross_zone_load_balancing) !== true)
      .map((r) => `${r.address}: enable_cross_zone_load_balancing must be true`),
};
