/**
 * `privlink lint [DIR]`: runs the security rule pack over every generated artifact below DIR — each operator
 * stack's Terraform JSON directly, each customer module (its *.tf files together) through HashiCorp's HCL parser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE, parseManifest, type SecurityException } from '../render/manifest';
import { readIfExists } from '../support/files';
import { blockBody, parseHclFiles, resourceBlocks, type Json } from '../support/terraform-doc';
import { acceptanceRequired } from './rules/acceptance-required';
import { alertsEveryTunnel } from './rules/alerts';
import { endpointServicePrincipal } from './rules/endpoint-service-principal';
import { listenerTls } from './rules/listener-tls';
import { nlbCrossZone } from './rules/nlb-cross-zone';
import { nlbDeletionProtection } from './rules/nlb-deletion-protection';
import { nlbInternal } from './rules/nlb-internal';
import { nlbSgEnforcement } from './rules/nlb-sg-enforcement';
import { noSecrets, sensitiveOutputs } from './rules/no-secrets';
import { dnsARecords, routerLeastPrivilege } from './rules/routing-dns';
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
  routerLeastPrivilege,
  dnsARecords,
  alertsEveryTunnel,
  noSecrets,
  sensitiveOutputs,
];

/** Rules a spec setting can break, and that a spec must then except in writing (security.exceptions). */
/** The rules of the pack a spec may except (domain/exceptions.ts names them; test/lint.test.ts keeps the two equal). */
export const EXCEPTABLE_RULES = RULES.filter((r) => r.exceptedBy);

/** Reported when a spec's exception excepts nothing: a stale exception would hide the next real finding. */
export const UNUSED_EXCEPTION: LintRule = {
  id: 'PRIVLINK_UNUSED_EXCEPTION',
  mirrors: [],
  title: 'Every recorded exception excepts a finding',
  check: () => [],
};

export interface LintFinding {
  readonly file: string;
  readonly rule: LintRule;
  readonly message: string;
  /** The reason from the spec's security.exceptions when the spec excepts this finding; it then does not fail. */
  readonly excepted?: string;
}


/** A Terraform document (cdktf JSON, or hcl2json output of one or more .tf files merged) as the rules see it. */
export function toDoc(file: string, docs: readonly Json[], texts: readonly string[], scope?: TfDoc['scope']): TfDoc {
  const resources: Resource[] = [];
  const modules: Resource[] = [];
  const variables: Record<string, unknown> = {};
  const outputs: Record<string, Json> = {};
  const locals: Record<string, unknown> = {};
  for (const doc of docs) {
    for (const r of resourceBlocks(doc)) resources.push({ ...r, address: `${r.type}.${r.name}` });
    for (const [name, body] of Object.entries((doc.module ?? {}) as Json)) {
      modules.push({ type: 'module', name, address: `module.${name}`, body: blockBody(body) });
    }
    for (const [name, body] of Object.entries((doc.variable ?? {}) as Json)) variables[name] = blockBody(body).default;
    for (const [name, body] of Object.entries((doc.output ?? {}) as Json)) outputs[name] = blockBody(body);
    for (const l of Array.isArray(doc.locals) ? doc.locals : [doc.locals ?? {}]) Object.assign(locals, l as Json);
  }
  return { file, resources, modules, variables, outputs, locals, texts, ...(scope ? { scope } : {}) };
}

/**
 * Every artifact below dir: operator stacks (*.tf.json), customer modules (folders named customer-module, their
 * *.tf files together) and each module example (examples/<name>/*.tf). A folder with a privlink manifest puts the
 * artifacts below it in the scope of the exceptions its spec records.
 */
export async function loadArtifacts(dir: string, display = dir, withModules = true): Promise<TfDoc[]> {
  const docs: TfDoc[] = [];
  const hcl = async (abs: string, shown: string, scope: TfDoc['scope']) => {
    if (!withModules) return;
    const tf = readdirSync(abs).filter((f) => f.endsWith('.tf')).sort();
    if (tf.length === 0) return;
    const files = tf.map((f) => ({ path: join(abs, f), text: readFileSync(join(abs, f), 'utf8') }));
    docs.push(toDoc(shown, await parseHclFiles(files), files.map((f) => f.text), scope));
  };
  const walk = async (abs: string, rel: string, inherited: TfDoc['scope']): Promise<void> => {
    const manifest = parseManifest(readIfExists(join(abs, MANIFEST_FILE)));
    const scope = manifest?.customer ? { folder: rel, exceptions: manifest.security?.exceptions ?? [] } : inherited;
    const entries = readdirSync(abs, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const path = join(abs, e.name);
      const shown = `${rel}/${e.name}`;
      if (e.isDirectory() && e.name === 'customer-module') {
        await hcl(path, shown, scope);
        const examples = join(path, 'examples');
        for (const ex of readdirIfPresent(examples)) await hcl(join(examples, ex), `${shown}/examples/${ex}`, scope);
      } else if (e.isDirectory()) {
        await walk(path, shown, scope);
      } else if (e.name.endsWith('.tf.json')) {
        const text = readFileSync(path, 'utf8');
        docs.push(toDoc(shown, [JSON.parse(text) as Json], [text], scope));
      }
    }
  };
  await walk(dir, display.replace(/\/+$/, ''), undefined);
  return docs;
}

const readdirIfPresent = (path: string) => {
  try {
    return readdirSync(path, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
};

/**
 * Runs the rules over every document. A finding of a rule the document's spec excepts carries the spec's reason
 * and does not fail; an exception that excepts nothing in its customer's artifacts is itself a finding. A rule that
 * relates artifacts (a hub's peer and the alert policy in its customer's stack) judges against `context`: the whole
 * output's operator stacks when a narrower folder is scanned, so a narrower scope finds nothing the whole does not.
 */
export function lintDocs(docs: readonly TfDoc[], rules: readonly LintRule[] = RULES, context: readonly TfDoc[] = docs): LintFinding[] {
  const used = new Set<string>();
  const findings = docs.flatMap((doc) =>
    rules.flatMap((rule) =>
      rule.check(doc, context).map((message): LintFinding => {
        const exception = rule.exceptedBy ? doc.scope?.exceptions.find((x) => x.rule === rule.id) : undefined;
        if (!exception) return { file: doc.file, rule, message };
        used.add(`${doc.scope!.folder}\0${rule.id}`);
        return { file: doc.file, rule, message, excepted: exception.reason };
      }),
    ),
  );
  const scopes = new Map(docs.flatMap((d) => (d.scope ? [[d.scope.folder, d.scope] as const] : [])));
  for (const [folder, scope] of scopes) {
    for (const x of scope.exceptions) {
      if (used.has(`${folder}\0${x.rule}`) || !rules.some((r) => r.id === x.rule)) continue;
      findings.push({
        file: `${folder}/${MANIFEST_FILE}`,
        rule: UNUSED_EXCEPTION,
        message: `the spec records an exception to ${x.rule}, but no artifact of this customer breaks that rule; remove it from security.exceptions`,
      });
    }
  }
  return findings;
}

export function formatFinding(f: LintFinding): string {
  const also = f.rule.mirrors.filter((m) => m !== f.rule.id);
  return `${f.file}: ${f.rule.id}${also.length ? ` (${also.join(', ')})` : ''}: ${f.message}${f.excepted ? ` [excepted by the spec: ${f.excepted}]` : ''}`;
}

export type { SecurityException };
