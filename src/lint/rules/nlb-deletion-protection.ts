import { literal, ofType, type LintRule } from '../types';

export const nlbDeletionProtection: LintRule = {
  id: 'CKV_AWS_150',
  mirrors: ['CKV_AWS_150', 'KICS afecd1f1-6378-4f7e-bb3b-60c35801fdd4'],
  title: 'Load balancer has deletion protection',
  check: (doc) =>
    ofType(doc, 'aws_lb', 'aws_alb')
      .filter((r) => literal(doc, r.body.enable_deletion_protection) !== true)
      .map((r) => `${r.address}: enable_deletion_protection must be true`),
};
