import { literal, ofType, type LintRule } from '../types';

/** Policies trivy (AVD-AWS-0047) and checkov (CKV2_AWS_74) call outdated. */
const WEAK = /^ELBSecurityPolicy-(2015-05|2016-08|FS-2018-06|FS-1-1-2019-08|TLS-1-0-2015-04|TLS-1-1-2017-01|TLS13-1-0-2021-06|TLS13-1-1-2021-06|TLS13-1-2-Ext1-2021-06|TLS13-1-2-Ext2-2021-06)$/;
/** What CKV_AWS_103 accepts for TLS listeners. */
const STRONG = /^ELBSecurityPolicy-(TLS13|TLS-1-2|FS-1-2)/;
const PROTOCOLS = ['TCP', 'TLS', 'UDP', 'TCP_UDP', 'HTTPS'];

export const listenerTls: LintRule = {
  id: 'CKV_AWS_103',
  mirrors: ['CKV_AWS_103', 'CKV2_AWS_74', 'AVD-AWS-0047', 'CKV_AWS_2'],
  title: 'Listeners use TCP or TLS with a current TLS policy',
  check: (doc) =>
    ofType(doc, 'aws_lb_listener').flatMap((r) => {
      const out: string[] = [];
      const protocol = String(r.body.protocol ?? '');
      // Every protocol literal the expression can produce (e.g. `cond ? "TLS" : "TCP"`).
      const protocols = [...protocol.matchAll(/"([A-Z_]+)"/g)].map((m) => m[1]!);
      if (!protocol.includes('${')) protocols.push(protocol);
      for (const p of protocols) if (!PROTOCOLS.includes(p)) out.push(`${r.address}: protocol ${p} is not allowed (TCP or TLS)`);
      const tlsPossible = protocols.some((p) => p === 'TLS' || p === 'HTTPS');
      const policyText = String(r.body.ssl_policy ?? '');
      const policies = [...policyText.matchAll(/ELBSecurityPolicy-[A-Za-z0-9-]+/g)].map((m) => m[0]);
      const direct = literal(doc, r.body.ssl_policy);
      if (typeof direct === 'string' && !policies.includes(direct)) policies.push(direct);
      if (tlsPossible && policies.length === 0) out.push(`${r.address}: a TLS listener needs an explicit ssl_policy`);
      for (const p of policies) {
        if (WEAK.test(p) || !STRONG.test(p)) out.push(`${r.address}: ssl_policy ${p} is outdated; use ELBSecurityPolicy-TLS13-1-2-2021-06`);
      }
      return out;
    }),
};
