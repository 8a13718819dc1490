import { ACCEPTANCE_RULE, exceptableRule } from '../../domain/exceptions';
import { literal, ofType, type LintRule } from '../types';

/**
 * A connection request must be accepted by the customer before traffic flows (two-phase onboarding): in the
 * endpoint service itself, and in any module call (the customer module's examples) that passes the variable.
 */
export const acceptanceRequired: LintRule = {
  ...exceptableRule(ACCEPTANCE_RULE),
  mirrors: [ACCEPTANCE_RULE],
  check: (doc) =>
    ofType(doc, 'aws_vpc_endpoint_service')
      .filter((r) => literal(doc, r.body.acceptance_required) !== true)
      .map((r) => `${r.address}: acceptance_required must be true (or a variable defaulting to true), got ${JSON.stringify(r.body.acceptance_required)}`)
      .concat(
        doc.modules
          .filter((m) => m.body.acceptance_required !== undefined && literal(doc, m.body.acceptance_required) !== true)
          .map((m) => `${m.address}: sets acceptance_required = ${JSON.stringify(m.body.acceptance_required)}; connection requests would be accepted without the customer`),
      ),
};
