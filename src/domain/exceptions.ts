/**
 * The security rules a spec may except in writing (`security.exceptions`), and the spec setting that breaks each.
 * A domain fact, read by the spec schema (which rule ids an exception may name), the model (the rule's title in
 * the READMEs) and the lint rule pack (which findings an exception excuses). privlink's output passes every other
 * rule for every customer, with no exception.
 */
export interface ExceptableRule {
  readonly id: string;
  readonly title: string;
  /** The spec setting that deliberately breaks the rule. */
  readonly exceptedBy: string;
}

/** A connection request must be accepted by the customer (checkov CKV_AWS_123). */
export const ACCEPTANCE_RULE = 'CKV_AWS_123';

export const EXCEPTABLE_RULES: readonly ExceptableRule[] = [
  { id: ACCEPTANCE_RULE, title: 'VPC endpoint service requires acceptance', exceptedBy: 'endpoints[].acceptanceRequired: false' },
];

/** The exceptable rule with this id (a programming error if there is none). */
export function exceptableRule(id: string): ExceptableRule {
  const rule = EXCEPTABLE_RULES.find((r) => r.id === id);
  if (!rule) throw new Error(`internal: ${id} is not an exceptable rule`);
  return rule;
}
