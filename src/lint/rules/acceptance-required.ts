import { literal, ofType, type LintRule } from '../types';

/** A connection request must be accepted by the customer before traffic flows (two-phase onboarding). */
export const acceptanceRequired: LintRule = {
  id: 'CKV_AWS_123',
  mirrors: ['CKV_AWS_123'],
  title: 'VPC endpoint service requires acceptance',
  check: (doc) =>
    ofType(doc, 'aws_vpc_endpoint_service')
      .filter((r) => literal(doc, r.body.acceptance_required) !== true)
      .map((r) => `${r.address}: acceptance_required must be true (or a variable defaulting to true), got ${JSON.stringify(r.body.acceptance_required)}`),
};
