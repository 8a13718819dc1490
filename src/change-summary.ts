/**
 * What a regeneration changes, in the terms a reviewer needs before any plan runs: Terraform resources added,
 * changed (which attributes) and removed, by address — for the operator stack (split by cloud) and for the
 * customer module — plus each endpoint's status transition and a review checklist for those transitions.
 *
 * Computed from file contents only (previous = what HEAD has, next = what was just generated), so it is pure.
 * The customer module is HCL: it is read with HashiCorp's parser (terraform-doc.ts loads @cdktf/hcl2json on demand).
 */
import { isDeepStrictEqual } from 'node:util';
import { STATUS_LABEL, type CustomerModel, type EndpointStatus } from './model/model';
import { ALLOW_FILE_SUFFIX } from './render/ci';
import { MANIFEST_FILE, parseManifest } from './render/manifest';
import { TRAFFIC_CARRYING } from './plan-guard';
import { blockBody, parseHclFiles, resourceBlocks, type Json } from './terraform-doc';

export interface ResourceDiff {
  readonly added: string[];
  readonly changed: { readonly address: string; readonly attributes: string[] }[];
  readonly removed: string[];
}

export interface StackSummary {
  /** "operator stack: AWS", "operator stack: GCP", "customer module". */
  readonly title: string;
  readonly diff: ResourceDiff;
}

export interface Transition {
  readonly endpoint: string;
  readonly from?: EndpointStatus;
  readonly to?: EndpointStatus;
}

export interface ChangeSummary {
  readonly customer: string;
  readonly isNew: boolean;
  readonly stacks: StackSummary[];
  readonly transitions: Transition[];
  /** What each hostname of a connected endpoint resolves to on the GCP network after this change. */
  readonly hostnames: readonly { readonly hostname: string; readonly endpoint: string; readonly addresses: readonly string[] }[];
  readonly checklist: string[];
}

type Blocks = Map<string, Json>;

/** address → body of every resource (and module call) in a Terraform JSON document. */
function blocksOf(doc: Json | undefined): Blocks {
  const out: Blocks = new Map(resourceBlocks(doc).map((r) => [`${r.type}.${r.name}`, r.body]));
  for (const [name, body] of Object.entries((doc?.module ?? {}) as Json)) out.set(`module.${name}`, blockBody(body));
  return out;
}

export function diffBlocks(before: Blocks, after: Blocks, include: (address: string) => boolean = () => true): ResourceDiff {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: ResourceDiff['changed'] = [];
  for (const [address, body] of after) {
    if (!include(address)) continue;
    const old = before.get(address);
    if (!old) {
      added.push(address);
      continue;
    }
    const keys = [...new Set([...Object.keys(old), ...Object.keys(body)])].filter((k) => k !== '//');
    const attributes = keys.filter((k) => !isDeepStrictEqual(old[k], body[k])).sort();
    if (attributes.length > 0) changed.push({ address, attributes });
  }
  for (const address of before.keys()) if (include(address) && !after.has(address)) removed.push(address);
  return { added: added.sort(), changed: changed.sort((a, b) => a.address.localeCompare(b.address)), removed: removed.sort() };
}

const isEmpty = (d: ResourceDiff) => d.added.length + d.changed.length + d.removed.length === 0;

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The customer module's resources and, per example, its module call: one Terraform JSON-like map. */
async function moduleBlocks(files: ReadonlyMap<string, string>): Promise<Blocks> {
  const out: Blocks = new Map();
  for (const [path, text] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const m = /^customer-module\/(?:examples\/([^/]+)\/)?[^/]+\.tf$/.exec(path);
    if (!m) continue;
    const [doc] = await parseHclFiles([{ path, text }]);
    for (const [address, body] of blocksOf(doc)) {
      if (m[1] === undefined && !address.startsWith('module.')) out.set(address, body);
      if (m[1] !== undefined && address.startsWith('module.')) out.set(`${address} (examples/${m[1]})`, body);
    }
  }
  return out;
}

/**
 * Compares the previous files of one customer folder (undefined: new customer) with the new ones.
 * Keys of both maps are paths relative to generated/<name>/.
 */
export async function summarizeChange(
  model: CustomerModel,
  previous: ReadonlyMap<string, string> | undefined,
  next: ReadonlyMap<string, string>,
  specsDir: string,
): Promise<ChangeSummary> {
  const before = blocksOf(parseJson(previous?.get('operator/cdk.tf.json')));
  const after = blocksOf(parseJson(next.get('operator/cdk.tf.json')));
  const stacks: StackSummary[] = [
    { title: 'operator stack: AWS', diff: diffBlocks(before, after, (a) => a.startsWith('aws_')) },
    { title: 'operator stack: GCP', diff: diffBlocks(before, after, (a) => a.startsWith('google_')) },
    { title: 'customer module', diff: diffBlocks(await moduleBlocks(previous ?? new Map()), await moduleBlocks(next)) },
  ].filter((s) => !isEmpty(s.diff));

  const oldStatuses = parseManifest(previous?.get(MANIFEST_FILE))?.endpoints ?? {};
  const newStatuses = Object.fromEntries(model.endpoints.map((e) => [e.name, e.status]));
  const names = [...new Set([...Object.keys(oldStatuses), ...Object.keys(newStatuses)])].sort();
  const transitions: Transition[] = names
    .map((endpoint) => ({ endpoint, from: oldStatuses[endpoint], to: newStatuses[endpoint] }))
    .filter((t) => t.from !== t.to);

  const isNew = previous === undefined || previous.size === 0;
  const hostnames = model.endpoints
    .filter((e) => e.status === 'ready')
    .flatMap((e) => e.dnsZones.map((z) => ({ hostname: z.hostname, endpoint: e.name, addresses: e.addresses.map((a) => a.address) })));
  return { customer: model.name, isNew, stacks, transitions, hostnames, checklist: checklist(model, isNew, transitions, stacks, specsDir) };
}

const statusText = (s: EndpointStatus | undefined) => (s ? STATUS_LABEL[s] : 'none');

export function transitionText(t: Transition): string {
  return `${t.endpoint}: ${t.from ? statusText(t.from) : 'new'} → ${t.to ? statusText(t.to) : 'removed'}`;
}

/** What the reviewer must confirm, for exactly the transitions and changes in this pull request. */
function checklist(model: CustomerModel, isNew: boolean, transitions: readonly Transition[], stacks: readonly StackSummary[], specsDir: string): string[] {
  const items: string[] = [];
  const account = model.aws.accountId;
  if (isNew) {
    items.push(
      `\`${account}\` is the operator-managed AWS account created for ${model.name} alone, and CI can reach it`,
      `ASNs ${model.gcp.routerAsn} ⇄ ${model.aws.amazonSideAsn} are not used by the operator's other BGP peers on network \`${model.gcp.network}\` (privlink checks inside CIDRs, VPCs and hostnames across the fleet)`,
      `\`gcp.sourceRanges\` (${model.gcp.sourceRanges.join(', ')}) are only the ranges that must reach the customer`,
    );
  }
  for (const t of transitions) {
    const ep = model.endpoints.find((e) => e.name === t.endpoint);
    if (t.to === 'ready' && ep) {
      items.push(
        `${t.endpoint}: the customer applied the module and sent \`${ep.serviceName}\` themselves (link the ticket or email)`,
        `${t.endpoint}: the service name is character for character what they sent, and in region \`${model.aws.region}\``,
        `${t.endpoint}: their load balancer serves the AZ IDs ${model.aws.availabilityZoneIds.map((z) => `\`${z}\``).join(', ')}`,
        `${t.endpoint}: after apply, the customer accepted the connection request from account \`${account}\` (endpoint state \`available\`, not \`pendingAcceptance\`)`,
        `${t.endpoint}: after apply, ${ep.hostnames.map((h) => `\`${h}\``).join(', ')} ${ep.hostnames.length === 1 ? 'resolves' : 'resolve'} from a GKE pod to ${ep.addresses.map((a) => `\`${a.address}\``).join(', ')} and ${ep.hostnames.length === 1 ? 'answers' : 'answer'} on ${ep.ports.length === 1 ? 'port' : 'ports'} ${ep.ports.join(', ')}`,
      );
    } else if (t.to === 'awaiting-customer' && t.from === undefined) {
      items.push(`${t.endpoint}: send the customer the updated \`customer-module/\` and \`examples/${t.endpoint}\``);
    } else if (t.from === 'ready') {
      items.push(
        `${t.endpoint}: the customer agreed that its interface endpoint goes and its hostnames stop resolving; plan-guard blocks the destroy until \`${specsDir}/${model.name}${ALLOW_FILE_SUFFIX}\` lists \`aws_vpc_endpoint.endpoint_${t.endpoint}\``,
      );
    }
  }
  const replaced = stacks
    .filter((s) => s.title.startsWith('operator'))
    .flatMap((s) => [...s.diff.removed, ...s.diff.changed.map((c) => c.address)])
    .filter((a) => TRAFFIC_CARRYING[a.split('.')[0]!] && !a.startsWith('aws_vpc_endpoint.') && !a.startsWith('google_dns_'));
  if (replaced.length > 0) {
    items.push(
      `VPN or network resources change (${replaced.map((a) => `\`${a}\``).join(', ')}): read the plan; a replacement takes tunnels down, so schedule a window with the customer and allow it explicitly`,
    );
  }
  if (items.length === 0) items.push('No onboarding step changes: the plan shows only the resource changes listed above');
  return items;
}

function diffLines(d: ResourceDiff, bullet: string): string[] {
  return [
    ...d.added.map((a) => `${bullet}+ ${a}`),
    ...d.changed.map((c) => `${bullet}~ ${c.address} (${c.attributes.join(', ')})`),
    ...d.removed.map((a) => `${bullet}- ${a}`),
  ];
}

function counts(s: ChangeSummary): string {
  const n = (f: (d: ResourceDiff) => number) => s.stacks.reduce((acc, st) => acc + f(st.diff), 0);
  return `${n((d) => d.added.length)} added, ${n((d) => d.changed.length)} changed, ${n((d) => d.removed.length)} removed`;
}

/** Commit subject: the customer and what happened to it. */
export function commitSubject(s: ChangeSummary): string {
  if (s.isNew) return `privlink: ${s.customer}: new customer`;
  if (s.transitions.length > 0) return `privlink: ${s.customer}: ${s.transitions.map(transitionText).join('; ')}`;
  return `privlink: ${s.customer}: regenerate (${counts(s)})`;
}

/** Plain-text body of the commit message. */
export function commitBody(s: ChangeSummary): string {
  const out: string[] = [];
  if (s.transitions.length > 0) out.push('Phase:', ...s.transitions.map((t) => `  ${transitionText(t)}`), '');
  out.push(`Resources (${counts(s)}):`);
  for (const st of s.stacks) out.push(`  ${st.title}:`, ...diffLines(st.diff, '    '));
  if (s.stacks.length === 0) out.push('  none (only documentation changed)');
  if (s.hostnames.length > 0) out.push('', 'Hostnames (Cloud DNS A records on the GCP network):', ...s.hostnames.map((h) => `  ${h.hostname} → ${h.addresses.join(', ')} (${h.endpoint})`));
  out.push('', 'Review checklist:', ...s.checklist.map((c) => `  [ ] ${c.replace(/`/g, '')}`));
  return `${out.join('\n')}\n`;
}

/** Markdown pull-request body: phase, resource changes, topology, checklist. */
export function prBody(summaries: readonly ChangeSummary[], topology: (customer: string) => string): string {
  const out: string[] = [];
  for (const s of summaries) {
    out.push(`## ${s.customer}${s.isNew ? ' (new customer)' : ''}`, '');
    if (s.transitions.length > 0) out.push('**Phase:**', '', ...s.transitions.map((t) => `- ${transitionText(t)}`), '');
    out.push(`**Resources** (${counts(s)}), by Terraform address:`, '');
    for (const st of s.stacks) out.push(`- ${st.title}`, ...diffLines(st.diff, '  - ').map((l) => l.replace(/^( {2}- )([+~-]) (\S+)(.*)$/, '$1$2 `$3`$4')));
    if (s.stacks.length === 0) out.push('- none: only documentation changed');
    if (s.hostnames.length > 0) {
      out.push('', '**Hostnames** (Cloud DNS A records on the GCP network, the endpoint\'s fixed addresses):', '');
      out.push(...s.hostnames.map((h) => `- \`${h.hostname}\` → ${h.addresses.map((a) => `\`${a}\``).join(', ')} (${h.endpoint})`));
    }
    out.push('', '**Topology** after this change:', '', topology(s.customer), '', '**Review checklist:**', '', ...s.checklist.map((c) => `- [ ] ${c}`), '');
  }
  out.push('Generated by `privlink generate --commit`. CI runs `privlink check`, then plans each changed customer through `privlink plan-guard`.');
  return `${out.join('\n')}\n`;
}
