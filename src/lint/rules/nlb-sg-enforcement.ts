import { ofType, type LintRule } from '../types';

/** With security groups on the NLB, whether they filter PrivateLink traffic must be decided, not defaulted. */
export const nlbSgEnforcement: LintRule = {
  id: 'PRIVLINK_NLB_SG_PRIVATELINK',
  mirrors: [],
  title: 'NLB with security groups sets enforce_security_group_inbound_rules_on_private_link_traffic',
  check: (doc) =>
    ofType(doc, 'aws_lb')
      .filter((r) => r.body.security_groups !== undefined && r.body.security_groups !== null)
      .filter((r) => r.body.enforce_security_group_inbound_rules_on_private_link_traffic === undefined)
      .map((r) => `${r.address}: has security_groups but leaves enforce_security_group_inbound_rules_on_private_link_traffic unset`),
};
