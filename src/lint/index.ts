/**
 * `privlink lint [DIR]`: runs the security rule pack over every generated artifact below DIR — each operator
 * stack's Terraform JSON directly, each customer module (its *.tf files together) through HashiCorp's HCL parser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { blockBody, parseHclFiles, resourceBlocks, type Json } from '../terraform-doc';
import { acceptanceRequired } from './rules/acceptance-required';
import { endpointServicePrincipal } from './rules/endpoint-service-principal';
import { listenerTls } from './rules/listener-tls';
import { nlbCrossZone } from './rules/nlb-cross-zone';
import { nlbDeletionProtection } from './rules/nlb-deletion-protection';
import { nlbInternal } from './rules/nlb-internal';
import { nlbSgEnforcement } from './rules/nlb-sg-enforcement';
import { noSecrets, sensitiveOutputs } from './rules/no-secrets';
import { sgDescriptions } from './rules/sg-descriptions';
import { sgNoPublicEgress, sgNoPublicIngress } from './rules/sg-public';
import { targetGroupProtocol } from './rules/target-group-protocol';
import { defaultSgRestricted, sgAttached, subnetNoPublicIp, vpcFlowLogs } from './rules/vpc-hygiene';
import { vpnIkev2Only, vpnStrongProposals } from './rules/vpn-ike';
import type { LintRule, Resource, TfDoc } from './types';

export const RULES: readonly LintRule[] = [
  acceptanceRequired,
  nlbDeletionProtection,
  nlbCrossZone,
  nlbInternal,
  nlbSgEnforcement,
  listenerTls,
  targetGroupProtocol,
  sgDescriptions,
  sgNoPublicIngress,
  sgNoPublicEgress,
  vpcFlowLogs,
  defaultSgRestricted,
  subnetNoPublicIp,
  sgAttached,
  endpointServicePrincipal,
  vpnIkev2Only,
  vpnStrongProposals,
  noSecrets,
  sensitiveOutputs,
];

export interface LintFinding {
  readonly file: string;
  readonly rule: LintRule;
  readonly message: string;
}


/** A Terraform document (cdktf JSON, or hcl2json output of one or more .tf files merged) as the rules see it. */
export function toDoc(file: string, docs: readonly Json[], texts: readonly string[]): TfDoc {
  const resources: Resource[] = [];
  const variables: Record<string, unknown> = {};
  const outputs: Record<string, Json> = {};
  const locals: Record<string, unknown> = {};
  for (const doc of docs) {
    for (const r of resourceBlocks(doc)) resources.push({ ...r, address: `${r.type}.${r.name}` });
    for (const [name, body] of Object.entries((doc.variable ?? {}) as Json)) variables[name] = blockBody(body).default;
    for (const [name, body] of Object.entries((doc.output ?? {}) as Json)) outputs[name] = blockBody(body);
    for (const l of Array.isArray(doc.locals) ? doc.locals : [doc.locals ?? {}]) Object.assign(locals, l as Json);
  }
  return { file, resources, variables, outputs, locals, texts };
}

/** Every artifact below dir: operator stacks (cdk.tf.json) and customer modules (folders named customer-module). */
export async function loadArtifacts(dir: string, display = dir): Promise<TfDoc[]> {
  const docs: TfDoc[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    const entries = readdirSync(abs, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const path = join(abs, e.name);
      const shown = `${rel}/${e.name}`;
      if (e.isDirectory() && e.name === 'customer-module') {
        const tf = readdirSync(path).filter((f) => f.endsWith('.tf')).sort();
        const files = tf.map((f) => ({ path: join(path, f), text: readFileSync(join(path, f), 'utf8') }));
        docs.push(toDoc(shown, await parseHclFiles(files), files.map((f) => f.text)));
      } else if (e.isDirectory()) {
        await walk(path, shown);
      } else if (e.name.endsWith('.tf.json')) {
        const text = readFileSync(path, 'utf8');
        docs.push(toDoc(shown, [JSON.parse(text) as Json], [text]));
      }
    }
  };
  await walk(dir, display.replace(/\/+$/, ''));
  return docs;
}

export function lintDocs(docs: readonly TfDoc[], rules: readonly LintRule[] = RULES): LintFinding[] {
  return docs.flatMap((doc) => rules.flatMap((rule) => rule.check(doc).map((message) => ({ file: doc.file, rule, message }))));
}

export function formatFinding(f: LintFinding): string {
  const also = f.rule.mirrors.filter((m) => m !== f.rule.id);
  return `${f.file}: ${f.rule.id}${also.length ? ` (${also.join(', ')})` : ''}: ${f.message}`;
}
