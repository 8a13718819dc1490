import { literal, ofType, type LintRule } from '../types';

export const nlbInternal: LintRule = {
  id: 'AVD-AWS-0053',
  mirrors: ['AVD-AWS-0053'],
  title: 'Load balancer is internal',
  check: (doc) =>
    ofType(doc, 'aws_lb', 'aws_alb')
      .filter((r) => literal(doc, r.body.load_balancer_type) !== 'gateway' && literal(doc, r.body.internal) !== true)
      .map((r) => `${r.address}: internal must be true; the service is reached through PrivateLink only`),
};
