/**
 * What a regeneration changes, in the terms a reviewer needs before any plan runs: Terraform resources added,
 * changed (which attributes) and removed, by address — for the operator stack (split by cloud) and for the
 * customer module — plus each endpoint's status transition and a review checklist for those transitions.
 *
 * Computed from file contents only (previous = what HEAD has, next = what was just generated), so it is pure.
 * The customer module is HCL: it is read with HashiCorp's parser (support/terraform-doc.ts loads @cdktf/hcl2json on demand).
 */
import { isDeepStrictEqual } from 'node:util';
import { agree, list, portsText } from '../support/words';
import { STATUS_LABEL, type CustomerModel, type EndpointStatus } from '../model/model';
import { cents, usd } from '../model/cost';
import { FAILOVER_ADVERTISED_PRIORITY } from '../domain/preference';
import { ALLOW_FILE_SUFFIX } from '../render/ci';
import { MANIFEST_FILE, parseManifest } from '../render/manifest';
import { DISRUPTION_EFFECT, DISRUPTIVE_UPDATES, FORCES_REPLACEMENT, TAKES_DEFAULT_TAGS, TRAFFIC_CARRYING, replacementOver, replacingArguments, replacingText, type AdmittedVersions } from '../domain/terraform-types';
import { blockBody, parseHclFiles, resourceBlocks, type Json } from '../support/terraform-doc';
import { comparable, knownValues } from './known-values';

export interface ResourceChange {
  readonly address: string;
  /** Top-level arguments whose value differs in the configuration. */
  readonly attributes: string[];
  /**
   * Set when the change replaces the resource (destroy and create): the arguments that force it, each with the
   * replaced resource it comes from when the new value is another replacement's attribute (a new id, a new key).
   */
  readonly replacedBy?: string[];
}

export interface ResourceDiff {
  readonly added: string[];
  /** Changed in place or replaced (see replacedBy). */
  readonly changed: ResourceChange[];
  readonly removed: string[];
  /**
   * Gone from this stack through a `removed { lifecycle { destroy = false } }` block: Terraform forgets them here and
   * destroys nothing (the hub's stacks import them). Not a removal.
   */
  readonly handedOver?: string[];
}

/** How two versions of a stack are compared: each side's known references resolved (known-values.ts). */
export interface Comparison {
  readonly before: (value: unknown) => unknown;
  readonly after: (value: unknown) => unknown;
  /** Addresses the new version forgets without destroying (`removed` blocks with `destroy = false`). */
  readonly forgotten: ReadonlySet<string>;
}

const LITERAL: Comparison = { before: (v) => v, after: (v) => v, forgotten: new Set() };

/** The comparison of two Terraform JSON documents: references resolved in each, `removed` blocks of the new one. */
export function comparisonOf(before: Json | undefined, after: Json | undefined): Comparison {
  const removedBlocks = (after?.removed ?? []) as { from?: string; lifecycle?: Json | Json[] }[];
  const forgotten = new Set(removedBlocks.filter((r) => blockBody(r.lifecycle)?.destroy === false && typeof r.from === 'string').map((r) => r.from!));
  return { before: knownValues(before), after: knownValues(after), forgotten };
}

/** A change to what every resource of a stack shares: provider defaults (tags, labels), the backend, versions. */
export interface SettingChange {
  /** `provider.aws`, `provider.google`, `terraform.backend`, `terraform.required_providers`… */
  readonly setting: string;
  readonly attributes: string[];
  /** What it does, for the reviewer. */
  readonly effect: string;
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
  /** Operator-stack settings that changed (they change resources without adding or removing any). */
  readonly settings: SettingChange[];
  readonly transitions: Transition[];
  /** The customer starts leaving the fleet in this change (spec `decommission: true`), or comes back from it. */
  readonly offboarding?: 'started' | 'cancelled';
  /** A failover region (spec gcp.failoverRegion) is added, removed or moved to another region by this change. */
  readonly failover?: { readonly change: 'added' | 'removed' | 'moved'; readonly from?: string; readonly to?: string };
  /** What each hostname of a connected endpoint resolves to on the GCP network after this change. */
  readonly hostnames: readonly { readonly hostname: string; readonly endpoint: string; readonly addresses: readonly string[] }[];
  readonly checklist: string[];
  /** Which recorded inputs of the folder changed (its manifest before and after): what caused this change. */
  readonly causes: readonly ('spec' | 'fleet' | 'generator')[];
  /** The topology diagram of the customer's README differs from the one before (or the customer is new). */
  readonly topologyChanged: boolean;
  /** Every file of the folder is what HEAD has: nothing of this customer changes. */
  readonly unchanged: boolean;
  /**
   * The monthly estimate (model/cost.ts) before and after, in USD, for the operator and for the customer's account.
   * `before` is what HEAD's manifest recorded (0 for a new customer; absent when HEAD's folder predates estimates).
   */
  readonly cost: { readonly before?: number; readonly after: number; readonly customerBefore?: number; readonly customerAfter: number };
}

/** The Mermaid topology of a customer README (undefined without one). */
const topologyOf = (readme: string | undefined) => /```mermaid\n[\s\S]*?```/.exec(readme ?? '')?.[0];

type Blocks = Map<string, Json>;

/** address → body of every resource (and module call) in a Terraform JSON document. */
function blocksOf(doc: Json | undefined): Blocks {
  const out: Blocks = new Map(resourceBlocks(doc).map((r) => [`${r.type}.${r.name}`, r.body]));
  for (const [name, body] of Object.entries((doc?.module ?? {}) as Json)) out.set(`module.${name}`, blockBody(body));
  return out;
}

export function diffBlocks(
  before: Blocks,
  after: Blocks,
  include: (address: string) => boolean = () => true,
  replaced: ReadonlyMap<string, string[]> = new Map(),
  cmp: Comparison = LITERAL,
): ResourceDiff {
  const added: string[] = [];
  const removed: string[] = [];
  const handedOver: string[] = [];
  const changed: ResourceChange[] = [];
  for (const [address, body] of after) {
    if (!include(address)) continue;
    const old = before.get(address);
    if (!old) {
      added.push(address);
      continue;
    }
    const attributes = changedArguments(old, body, cmp);
    const replacedBy = replaced.get(address);
    if (attributes.length > 0 || replacedBy) changed.push({ address, attributes, ...(replacedBy ? { replacedBy } : {}) });
  }
  for (const address of before.keys()) if (include(address) && !after.has(address)) (cmp.forgotten.has(address) ? handedOver : removed).push(address);
  return { added: added.sort(), changed: changed.sort((a, b) => a.address.localeCompare(b.address)), removed: removed.sort(), ...(handedOver.length ? { handedOver: handedOver.sort() } : {}) };
}

/** The arguments whose values differ as Terraform compares them: known references resolved, types converted. */
function changedArguments(old: Json, body: Json, cmp: Comparison = LITERAL): string[] {
  const keys = [...new Set([...Object.keys(old), ...Object.keys(body)])].filter((k) => k !== '//');
  return keys.filter((k) => !isDeepStrictEqual(comparable(cmp.before(old[k])), comparable(cmp.after(body[k])))).sort();
}

/**
 * Which resources present before and after are replaced, and why: an argument that cannot change in place
 * (domain/terraform-types.ts, the list plan-guard uses) changed, or refers to a resource that is itself replaced
 * (its id, address or key is new), as Terraform plans it. Resolved to a fixed point, across both clouds: a new AWS
 * VPN connection has new pre-shared keys, which replace the GCP tunnels that use them.
 */
export function replacements(before: Blocks, after: Blocks, cmp: Comparison = LITERAL, admitted?: AdmittedVersions): Map<string, string[]> {
  const replaced = new Map<string, string[]>();
  for (const [address, body] of after) {
    const old = before.get(address);
    if (!old) continue;
    const type = address.split('.')[0]!;
    const forcing = replacingArguments(type, changedArguments(old, body, cmp), admitted).map((a) => replacingText(type, a, admitted));
    if (forcing.length > 0) replaced.set(address, forcing);
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const [address, body] of after) {
      if (replaced.has(address) || !before.has(address)) continue;
      const type = address.split('.')[0]!;
      const why = (FORCES_REPLACEMENT[type] ?? []).filter((arg) => replacementOver(type, arg, admitted) !== 'update').flatMap((arg) => {
        const text = JSON.stringify(body[arg] ?? null);
        const from = [...replaced.keys()].find((r) => text.includes(`\${${r}.`));
        return from ? [`${arg} (from the new ${from})`] : [];
      });
      if (why.length > 0) {
        replaced.set(address, why);
        grew = true;
      }
    }
  }
  return replaced;
}

/** The resources of a cloud that take the provider's default tags or labels (domain/terraform-types.ts). */
const taggedOf = (blocks: Blocks, prefix: string) => [...blocks.keys()].filter((a) => a.startsWith(prefix) && TAKES_DEFAULT_TAGS.has(a.split('.')[0]!));

function describeBackend(backend: Json | undefined): string {
  if (!backend) return 'no backend';
  const [type, raw] = Object.entries(backend)[0] ?? ['none', {}];
  const b = blockBody(raw) ?? {};
  const where = [b.bucket, b.prefix ?? b.key ?? b.path].filter((x) => typeof x === 'string').join('/');
  return `${type}${where ? ` ${where}` : ''}`;
}

/** Changes to provider defaults, the backend and version constraints of the operator stack. */
function settingChanges(before: Json | undefined, after: Json | undefined, blocks: Blocks): SettingChange[] {
  if (!before || !after) return [];
  const out: SettingChange[] = [];
  const providers = (doc: Json) => (doc.provider ?? {}) as Json;
  for (const [name, cloud, prefix] of [['aws', 'AWS', 'aws_'], ['google', 'GCP', 'google_']] as const) {
    const old = blockBody(providers(before)[name]) ?? {};
    const next = blockBody(providers(after)[name]) ?? {};
    const attributes = changedArguments(old, next);
    if (attributes.length === 0) continue;
    const defaults = attributes.filter((a) => a === 'default_tags' || a === 'default_labels');
    const others = attributes.filter((a) => a !== 'default_tags' && a !== 'default_labels');
    const word = name === 'aws' ? 'tags' : 'labels';
    const effects = [
      ...(defaults.length ? [`the ${word} of the ${taggedOf(blocks, prefix).length} ${cloud} resources that take default ${word} change in place`] : []),
      ...(others.length ? [`Terraform reaches ${cloud} differently (${others.join(', ')})`] : []),
    ];
    out.push({ setting: `provider.${name}`, attributes, effect: effects.join('; ') });
  }
  const tf = (doc: Json) => (doc.terraform ?? {}) as Json;
  if (!isDeepStrictEqual(tf(before).backend, tf(after).backend)) {
    out.push({
      setting: 'terraform.backend',
      attributes: Object.keys((tf(after).backend ?? {}) as Json),
      effect: `the state moves: ${describeBackend(tf(before).backend as Json | undefined)} → ${describeBackend(tf(after).backend as Json | undefined)}`,
    });
  }
  for (const key of ['required_version', 'required_providers']) {
    if (!isDeepStrictEqual(tf(before)[key], tf(after)[key])) {
      out.push({ setting: `terraform.${key}`, attributes: [key], effect: 'the Terraform and provider versions CI may use change' });
    }
  }
  return out;
}

/** The provider versions a Terraform JSON stack admits: what CI may install when it plans it. */
export function admittedVersions(doc: Json | undefined): AdmittedVersions {
  const providers = (blockBody((doc?.terraform as Json | undefined)?.required_providers) ?? {}) as Record<string, { version?: unknown } | undefined>;
  const out: AdmittedVersions = {};
  for (const name of ['aws', 'google'] as const) {
    const version = providers[name]?.version;
    if (typeof version === 'string') out[name] = version;
  }
  return out;
}

const isEmpty = (d: ResourceDiff) => d.added.length + d.changed.length + d.removed.length + (d.handedOver?.length ?? 0) === 0;

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

/** The customer module's files are byte for byte the same: nothing to parse (HCL parsing is the slow part of a fleet-wide summary). */
function sameModule(previous: ReadonlyMap<string, string> | undefined, next: ReadonlyMap<string, string>): boolean {
  const moduleOf = (files: ReadonlyMap<string, string>) => [...files].filter(([p]) => p.startsWith('customer-module/')).sort(([a], [b]) => a.localeCompare(b));
  return previous !== undefined && isDeepStrictEqual(moduleOf(previous), moduleOf(next));
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
  outDir = 'generated',
): Promise<ChangeSummary> {
  const beforeDoc = parseJson(previous?.get('operator/cdk.tf.json'));
  const afterDoc = parseJson(next.get('operator/cdk.tf.json'));
  const before = blocksOf(beforeDoc);
  const after = blocksOf(afterDoc);
  const cmp = comparisonOf(beforeDoc, afterDoc);
  const replaced = replacements(before, after, cmp, admittedVersions(afterDoc));
  const stacks: StackSummary[] = [
    { title: 'operator stack: AWS', diff: diffBlocks(before, after, (a) => a.startsWith('aws_'), replaced, cmp) },
    { title: 'operator stack: GCP', diff: diffBlocks(before, after, (a) => a.startsWith('google_'), replaced, cmp) },
    { title: 'customer module', diff: sameModule(previous, next) ? diffBlocks(new Map(), new Map()) : diffBlocks(await moduleBlocks(previous ?? new Map()), await moduleBlocks(next)) },
  ].filter((s) => !isEmpty(s.diff));

  const oldStatuses = parseManifest(previous?.get(MANIFEST_FILE))?.endpoints ?? {};
  const newStatuses = Object.fromEntries(model.endpoints.map((e) => [e.name, e.status]));
  const names = [...new Set([...Object.keys(oldStatuses), ...Object.keys(newStatuses)])].sort();
  const transitions: Transition[] = names
    .map((endpoint) => ({ endpoint, from: oldStatuses[endpoint], to: newStatuses[endpoint] }))
    .filter((t) => t.from !== t.to);

  const isNew = previous === undefined || previous.size === 0;
  // What each hostname resolves to, when this change touches it (a new customer, an endpoint or record set changing).
  const touchesDns = isNew || stacks.some((st) => [...st.diff.added, ...st.diff.removed, ...st.diff.changed.map((c) => c.address)].some((a) => a.startsWith('google_dns_') || a.startsWith('aws_vpc_endpoint.')));
  const hostnames = model.endpoints
    .filter((e) => touchesDns && e.status === 'ready')
    .flatMap((e) => e.dnsZones.map((z) => ({ hostname: z.hostname, endpoint: e.name, addresses: e.addresses.map((a) => a.address) })));
  const settings = settingChanges(beforeDoc, afterDoc, after);
  const wasLeaving = parseManifest(previous?.get(MANIFEST_FILE))?.decommission === true;
  const [was, now] = [parseManifest(previous?.get(MANIFEST_FILE))?.inputs, parseManifest(next.get(MANIFEST_FILE))?.inputs];
  const causes = (['spec', 'fleet', 'generator'] as const).filter((k) => was !== undefined && now !== undefined && was[k] !== now[k]);
  const unchanged = previous !== undefined && previous.size === next.size && [...next].every(([path, text]) => previous.get(path) === text);
  const offboarding = model.decommission && !wasLeaving ? 'started' : !model.decommission && wasLeaving ? 'cancelled' : undefined;
  const failover = isNew ? undefined : failoverChange(before, after);
  return {
    customer: model.name,
    isNew,
    stacks,
    settings,
    transitions,
    ...(offboarding ? { offboarding } : {}),
    ...(failover ? { failover } : {}),
    hostnames,
    checklist: checklist(model, { isNew, transitions, stacks, settings, offboarding, ...(failover ? { failover } : {}) }, specsDir, outDir),
    causes,
    topologyChanged: isNew || topologyOf(previous?.get('README.md')) !== topologyOf(next.get('README.md')),
    unchanged,
    cost: costChange(model, isNew, parseManifest(previous?.get(MANIFEST_FILE))?.cost),
  };
}

/** The failover region's HA VPN gateway (model.ts names it ha_vpn_failover) before and after: added, removed or moved. */
function failoverChange(before: Blocks, after: Blocks): ChangeSummary['failover'] {
  const regionOf = (b: Blocks) => {
    const gw = b.get('google_compute_ha_vpn_gateway.ha_vpn_failover');
    return typeof gw?.region === 'string' ? gw.region : undefined;
  };
  const [from, to] = [regionOf(before), regionOf(after)];
  if (from === to) return undefined;
  if (!from) return { change: 'added', to: to! };
  if (!to) return { change: 'removed', from };
  return { change: 'moved', from, to };
}

/** The estimate's change: HEAD's recorded figures (none for a new customer) against the model's. */
function costChange(model: CustomerModel, isNew: boolean, recorded: { operatorMonthly: number; customerMonthly: number } | undefined): ChangeSummary['cost'] {
  const before = isNew ? { operatorMonthly: 0, customerMonthly: 0 } : recorded;
  return {
    ...(before ? { before: before.operatorMonthly, customerBefore: before.customerMonthly } : {}),
    after: model.cost.monthly,
    customerAfter: model.cost.customer.monthly,
  };
}

const statusText = (s: EndpointStatus | undefined) => (s ? STATUS_LABEL[s] : 'none');

export function transitionText(t: Transition): string {
  return `${t.endpoint}: ${t.from ? statusText(t.from) : 'new'} → ${t.to ? statusText(t.to) : 'removed'}`;
}

/** What the reviewer must confirm, for exactly the transitions and changes in this pull request. */
function checklist(
  model: CustomerModel,
  change: Pick<ChangeSummary, 'isNew' | 'transitions' | 'stacks' | 'settings' | 'offboarding' | 'failover'>,
  specsDir: string,
  outDir: string,
): string[] {
  const { isNew, transitions, stacks, settings } = change;
  if (model.decommission) return offboardingChecklist(model, change, outDir);
  const items: string[] = failoverChecklist(model, isNew ? (model.gcp.failoverRegion ? { change: 'added', to: model.gcp.failoverRegion } : undefined) : change.failover);
  const account = model.aws.accountId;
  if (isNew) {
    items.push(
      `\`${account}\` is the operator-managed AWS account created for ${model.name} alone, and CI can reach it`,
      `ASNs ${model.gcp.routerAsn} (Cloud Router) ⇄ ${model.aws.amazonSideAsn} (VPN gateway) fit the operator's ASN plan for network \`${model.gcp.network}\` (privlink checks that the two differ, and checks names, accounts, inside CIDRs, VPCs and hostnames across the fleet)`,
      `\`gcp.sourceRanges\` (${model.gcp.sourceRanges.join(', ')}) are only the ranges that must reach the customer`,
    );
  }
  for (const t of transitions) {
    const ep = model.endpoints.find((e) => e.name === t.endpoint);
    if (t.to === 'ready' && ep) {
      items.push(
        `${t.endpoint}: the customer applied the module and sent \`${ep.serviceName}\` themselves (link the ticket or email)`,
        `${t.endpoint}: the service name is character for character what they sent, and in region \`${ep.region}\`${ep.crossRegion ? ` (cross-Region: its endpoint service lists \`${model.aws.region}\` in supported_regions)` : ''}`,
        ep.crossRegion
          ? `${t.endpoint}: their load balancer is in ${ep.region}, in at least two Availability Zones (they need not match the operator's across Regions)`
          : `${t.endpoint}: their load balancer serves the AZ IDs ${model.aws.availabilityZoneIds.map((z) => `\`${z}\``).join(', ')}`,
        `${t.endpoint}: after apply, the customer accepted the connection request from account \`${account}\` (endpoint state \`available\`, not \`pendingAcceptance\`)`,
        `${t.endpoint}: after apply, ${list(ep.hostnames.map((h) => `\`${h}\``))} ${agree(ep.hostnames.length, 'resolves', 'resolve')} from a GKE pod to ` +
          `${list(ep.addresses.map((a) => `\`${a.address}\``))} and ${agree(ep.hostnames.length, 'answers', 'answer')} on ${portsText(ep.ports)}`,
      );
    } else if (t.to === 'awaiting-customer' && t.from === undefined) {
      items.push(`${t.endpoint}: send the customer the updated \`customer-module/\` and \`examples/${t.endpoint}\``);
    } else if (t.from === 'ready') {
      items.push(`${t.endpoint}: the customer agreed that its interface endpoint goes and its hostnames stop resolving (plan-guard blocks the destroy: see the allowance below)`);
    }
  }
  // A connected endpoint whose module changes (ports, say): the customer's load balancer must follow, or the operator's
  // side listens on ports the NLB does not serve.
  const moduleChanges = stacks.filter((s) => s.title === 'customer module').flatMap((s) => s.diff.changed);
  for (const c of moduleChanges) {
    const name = /^module\.privlink_([A-Za-z0-9_]+)/.exec(c.address)?.[1];
    const ep = model.endpoints.find((e) => e.name.replace(/-/g, '_') === name);
    if (ep?.serviceName && !transitions.some((t) => t.endpoint === ep.name && t.from !== t.to)) {
      items.push(
        `${ep.name}: its customer module changes (${c.attributes.join(', ')}): send the customer the updated \`customer-module/\` and \`examples/${ep.name}\`, and agree when they apply it; ` +
          `until they do, their load balancer serves what it served before (now: ${portsText(ep.ports)})`,
      );
    }
  }
  const operator = stacks.filter((s) => s.title.startsWith('operator'));
  const handed = operator.flatMap((s) => s.diff.handedOver ?? []);
  if (handed.length > 0) {
    items.push(
      `${handed.length === 1 ? `\`${handed[0]}\`` : `\`${handed[0]}\` and ${handed.length - 1} more`} leave ${model.name}'s stack without a destroy (\`removed\`, destroy = false) and the hub's stacks import them: ` +
        'the plans show them as no longer managed here and imported there; nothing is destroyed or recreated, no BGP session drops, and plan-guard needs no allowance for it',
    );
  }
  const carrying = (a: string) => TRAFFIC_CARRYING[a.split('.')[0]!] !== undefined;
  const isTunnel = (a: string) => !a.startsWith('aws_vpc_endpoint.') && !a.startsWith('google_dns_');
  const replaced = operator.flatMap((s) => s.diff.changed.filter((c) => c.replacedBy).map((c) => c.address)).filter(carrying);
  const removed = operator.flatMap((s) => s.diff.removed).filter(carrying);
  // A failover region that goes or moves carried nothing while the primary was up (its checklist says so).
  const windowed = (a: string) => isTunnel(a) && !(change.failover && change.failover.change !== 'added' && FAILOVER_ADDRESS.test(a));
  if ([...replaced, ...removed].some(windowed)) {
    const list = (xs: string[]) => xs.map((a) => `\`${a}\``).join(', ');
    const [r, d] = [replaced.filter(windowed), removed.filter(windowed)];
    items.push(
      `${[r.length ? `replaced: ${list(r)}` : '', d.length ? `removed: ${list(d)}` : ''].filter(Boolean).join('; ')}: ` +
        'tunnels go down while Terraform replaces them (new outside IPs and keys); schedule a window with the customer',
    );
  }
  // Every address plan-guard will block (it blocks each destroy or replacement of what carries traffic), in the allow
  // file's format, one per line, ready to paste.
  // In-place changes AWS carries out by replacing interfaces (plan-guard blocks them too), with the arguments at fault.
  const disruptive = operator
    .flatMap((s) => s.diff.changed.filter((c) => !c.replacedBy))
    .map((c) => ({ address: c.address, args: c.attributes.filter((a) => (DISRUPTIVE_UPDATES[c.address.split('.')[0]!] ?? []).includes(a)) }))
    .filter((c) => c.args.length > 0);
  for (const c of disruptive) {
    items.push(`\`${c.address}\` changes ${c.args.join(', ')} in place, but ${DISRUPTION_EFFECT[c.address.split('.')[0]!]}: schedule a window with the customer`);
  }
  const blocked = [...new Set([...replaced, ...removed, ...disruptive.map((c) => c.address)])].sort();
  if (blocked.length > 0) {
    const one = blocked.length === 1;
    items.push(`plan-guard blocks ${one ? 'this change' : `these ${blocked.length} changes`} until \`${specsDir}/${model.name}${ALLOW_FILE_SUFFIX}\` lists ${one ? 'it' : 'them'}, one address per line:\n\n${blocked.map((a) => `      ${a}`).join('\n')}\n`);
  }
  for (const s of settings) {
    if (s.setting === 'terraform.backend') {
      items.push(
        `${s.effect}. Before this merges, move the state: in \`${outDir}/${model.name}/operator/\` run \`terraform init -migrate-state\` with access to both; ` +
          'otherwise the next apply starts from an empty state and tries to create every resource again',
      );
    } else if (s.setting.startsWith('provider.') && s.attributes.some((a) => a.startsWith('default_'))) {
      items.push(`${s.effect}: the plan lists each of them as an update; nothing is replaced by it`);
    }
  }
  if (items.length === 0) items.push('No onboarding step changes: the plan shows only the resource changes listed above');
  return items;
}

/** The Terraform names model.ts gives the failover region's resources (its gateway, router, connections c, d and their tunnels). */
const FAILOVER_ADDRESS = /\.(\w+_failover|(tunnel|bgp)_[cd][12]|vpn_[cd]|gcp_[cd])$/;

/** A failover region added, moved or removed: what only the reviewer can check (docs/failover.md). */
function failoverChecklist(model: CustomerModel, f: ChangeSummary['failover']): string[] {
  if (!f) return [];
  const { network, project, region } = model.gcp;
  if (f.change === 'removed') {
    return [
      `the failover region ${f.from} goes: its tunnels carried nothing while ${region} was up, so removing them needs no window with the customer; until another failover region is applied, losing ${region} cuts ${model.name} off`,
    ];
  }
  const n = model.tunnels.filter((t) => t.site === 'failover').length;
  return [
    `network \`${network}\` uses GLOBAL dynamic routing (\`gcloud compute networks describe ${network} --project ${project} --format='value(routingConfig.routingMode)'\` prints GLOBAL): in REGIONAL mode the application in ${region} cannot use ${f.to}'s tunnels and failover does nothing. privlink cannot read it`,
    `${f.to} is a region the operator can run (or move) the application to, and project \`${project}\` has quota there for one more HA VPN gateway, Cloud Router and ${n} tunnels`,
    `after apply, \`privlink status ${model.name}\` reports all ${model.tunnels.length} tunnels UP; ${f.to}'s sessions advertise priority ${FAILOVER_ADVERTISED_PRIORITY} and carry nothing while ${region} is up. Nothing changes for the customer: no message, no module to send`,
    ...(f.change === 'moved' ? [`${f.from}'s gateway, router and tunnels are replaced by ${f.to}'s: no window needed while ${region} is up`] : []),
  ];
}

/** Offboarding: what the reviewer confirms before the apply that destroys a customer's operator stack, and after. */
function offboardingChecklist(model: CustomerModel, change: Pick<ChangeSummary, 'stacks' | 'offboarding'>, outDir: string): string[] {
  const removed = change.stacks.filter((s) => s.title.startsWith('operator')).reduce((n, s) => n + s.diff.removed.length, 0);
  if (change.offboarding !== 'started') {
    return [`${model.name} is decommissioning: once \`privlink status ${model.name}\` shows no resource left and the customer has destroyed their module, delete \`${model.specFile}\` and \`${outDir}/${model.name}/\` in one pull request`];
  }
  return [
    `The customer agreed to end the connection (link the ticket): the apply of this change destroys all ${removed} resources of ${model.name}'s operator stack, both clouds, and plan-guard lets exactly those destroys through`,
    `After the apply: \`privlink status ${model.name}\` reads decommissioning with no resource left; then tell the customer to turn deletion protection off and destroy their module (their README, "Offboarding"). The endpoints go first, because AWS refuses to delete an endpoint service that still has connections`,
    `Later, in one pull request: \`git rm -r ${model.specFile} ${outDir}/${model.name}\`, then \`privlink generate --commit\` (it commits the deletions with the CI config that no longer lists ${model.name}; CI keeps planning ${model.name} until its folder is gone)`,
  ];
}

function diffLines(d: ResourceDiff, bullet: string): string[] {
  return [
    ...d.added.map((a) => `${bullet}+ ${a}`),
    ...d.changed.map((c) =>
      c.replacedBy
        ? `${bullet}-/+ ${c.address} (replaced: ${c.replacedBy.join(', ')} ${c.replacedBy.length === 1 ? 'forces' : 'force'} replacement)`
        : `${bullet}~ ${c.address} (${c.attributes.join(', ')})`,
    ),
    ...d.removed.map((a) => `${bullet}- ${a}`),
    ...(d.handedOver ?? []).map((a) => `${bullet}forget ${a} (handed to the hub, nothing recreated)`),
  ];
}

function settingLines(s: ChangeSummary, bullet: string): string[] {
  return s.settings.map((c) => `${bullet}~ ${c.setting} (${c.attributes.join(', ')}): ${c.effect}`);
}

/** The resources of a change by what happens to them, over every stack. */
function tally(s: ChangeSummary) {
  const n = (f: (d: ResourceDiff) => number) => s.stacks.reduce((acc, st) => acc + f(st.diff), 0);
  const replaced = n((d) => d.changed.filter((c) => c.replacedBy).length);
  return { added: n((d) => d.added.length), changed: n((d) => d.changed.length) - replaced, replaced, removed: n((d) => d.removed.length), handed: n((d) => d.handedOver?.length ?? 0) };
}

function counts(s: ChangeSummary): string {
  const t = tally(s);
  return `${t.added} added, ${t.changed} changed, ${t.replaced} replaced, ${t.removed} removed${t.handed ? `, ${t.handed} handed to the hub` : ''}`;
}

/** What happened to one customer, for subjects and grouping: the first that applies, most significant first. */
export type ChangeKind = 'new' | 'decommission' | 'decommission-cancelled' | 'endpoints' | 'adopted' | 'failover' | 'fleet' | 'spec' | 'upgrade' | 'regenerate' | 'docs';


export function kindOf(s: ChangeSummary): ChangeKind {
  if (s.isNew) return 'new';
  if (s.offboarding === 'started') return 'decommission';
  if (s.offboarding === 'cancelled') return 'decommission-cancelled';
  if (s.transitions.length > 0) return 'endpoints';
  if (tally(s).handed > 0) return 'adopted';
  if (s.failover) return 'failover';
  if (s.causes.includes('spec')) return 'spec';
  if (s.causes.includes('fleet')) return 'fleet';
  if (s.causes.includes('generator')) return 'upgrade';
  return s.stacks.length > 0 || s.settings.length > 0 ? 'regenerate' : 'docs';
}

/** The nonzero counts only: `2 added, 1 replaced` (`no resource` when none): short enough for a subject. */
function shortCounts(s: ChangeSummary): string {
  const t = tally(s);
  const parts = ([[t.added, 'added'], [t.changed, 'changed'], [t.replaced, 'replaced'], [t.removed, 'removed'], [t.handed, 'handed over']] as const).filter(([k]) => k > 0);
  return parts.length ? parts.map(([k, w]) => `${k} ${w}`).join(', ') : 'no resource';
}

/** The settings of a change in a word each: `tags, labels, backend`. */
const SETTING_WORDS: Readonly<Record<string, string>> = { 'provider.aws': 'tags', 'provider.google': 'labels', 'terraform.backend': 'backend', 'terraform.required_version': 'versions', 'terraform.required_providers': 'versions' };
const settingWords = (s: ChangeSummary) => [...new Set(s.settings.map((c) => (c.attributes.some((a) => a.startsWith('default_')) || !c.setting.startsWith('provider.') ? SETTING_WORDS[c.setting] ?? c.setting : c.setting)))].join(', ');

/** One customer's change in words: `new customer`, `adopted by its hub (…)`, `spec change: tags (9 changed)`. */
export function changeText(s: ChangeSummary): string {
  const what = (word: string) => `${word}${s.settings.length > 0 ? `: ${settingWords(s)}` : ''} (${shortCounts(s)})`;
  switch (kindOf(s)) {
    case 'new':
      return 'new customer';
    case 'decommission':
      return `decommission (${shortCounts(s)})`;
    case 'decommission-cancelled':
      return `decommission cancelled (${shortCounts(s)})`;
    case 'endpoints':
      return s.transitions.map(transitionText).join('; ');
    case 'adopted':
      return 'adopted by its hub (router handed over, nothing recreated)';
    case 'failover': {
      const f = s.failover!;
      return `${f.change === 'added' ? `failover region ${f.to} added` : f.change === 'removed' ? `failover region ${f.from} removed` : `failover region ${f.from} → ${f.to}`} (${shortCounts(s)})`;
    }
    case 'fleet':
      return what('fleet settings');
    case 'spec':
      return what('spec change');
    case 'upgrade':
      return what('privlink upgrade');
    case 'regenerate':
      return what('regenerate');
    case 'docs':
      return 'documentation only';
  }
}

/**
 * The change's monthly cost, in words: `+$249.60/month: new customer ($0.00 → $249.60)`, `−$109.50/month …`, or
 * `no change` (without the amount, so customers whose cost does not move read the same and group in the body).
 */
export function costText(s: ChangeSummary): string {
  const { before, after, customerBefore, customerAfter } = s.cost;
  if (before === undefined) return `${usd(after)}/month for the operator (no earlier estimate recorded)`;
  const delta = cents(after - before);
  const theirs = customerBefore === undefined ? 0 : cents(customerAfter - customerBefore);
  const why = s.isNew ? ': new customer' : s.offboarding === 'started' ? ': decommission, saved once its destroy is applied' : '';
  const operator = delta === 0 ? 'no change for the operator' : `${usd(delta, true)}/month for the operator${why} (${usd(before)} → ${usd(after)})`;
  const customer = theirs === 0 ? '' : `; ${usd(theirs, true)}/month on the customer's account (their NLBs: ${usd(customerBefore!)} → ${usd(customerAfter)})`;
  return delta === 0 && theirs === 0 ? 'no change' : `${operator}${customer}`;
}

/** Commit subject of a one-customer change: the customer and what happened to it. */
export function commitSubject(s: ChangeSummary): string {
  return `privlink: ${s.customer}: ${changeText(s)}`;
}

/** Plain-text body of the commit message. */
export function commitBody(s: ChangeSummary): string {
  const out: string[] = [];
  if (s.offboarding === 'started') out.push(`Offboarding: ${s.customer} leaves the fleet; the next apply destroys its operator stack.`, '');
  if (s.transitions.length > 0) out.push('Phase:', ...s.transitions.map((t) => `  ${transitionText(t)}`), '');
  if (s.settings.length > 0) out.push('Settings of the operator stack:', ...settingLines(s, '  '), '');
  out.push(`Cost (estimate): ${costText(s)}`, '');
  out.push(`Resources (${counts(s)}):`);
  for (const st of s.stacks) out.push(`  ${st.title}:`, ...diffLines(st.diff, '    '));
  if (s.stacks.length === 0) out.push(s.settings.length > 0 ? '  none added, changed or removed (the settings above change them)' : '  none (only documentation changed)');
  if (s.hostnames.length > 0) out.push('', 'Hostnames (Cloud DNS A records on the GCP network):', ...s.hostnames.map((h) => `  ${h.hostname} → ${h.addresses.join(', ')} (${h.endpoint})`));
  out.push('', 'Review checklist:', ...s.checklist.map((c) => `  [ ] ${c.replace(/`/g, '')}`));
  return `${out.join('\n')}\n`;
}

/**
 * One customer's part of the pull-request body, in Markdown, without its heading: phase, settings, resources,
 * hostnames, the topology (only when given: the caller passes it when it changed) and the checklist.
 */
export function prSection(s: ChangeSummary, topology?: string): string {
  const out: string[] = [];
  if (s.offboarding === 'started') out.push(`**Offboarding:** ${s.customer} leaves the fleet; the next apply destroys every resource of its operator stack, and plan-guard lets exactly those destroys through.`, '');
  if (s.transitions.length > 0) out.push('**Endpoints** (onboarding step of each):', '', ...s.transitions.map((t) => `- ${transitionText(t)}`), '');
  if (s.settings.length > 0) {
    out.push('**Settings** of the operator stack:', '', ...settingLines(s, '- ').map((l) => l.replace(/^- ~ (\S+)/, '- ~ `$1`')), '');
  }
  out.push(`**Cost** (estimate, docs/cost.md): ${costText(s)}`, '');
  out.push(`**Resources** (${counts(s)}), by Terraform address:`, '');
  for (const st of s.stacks) out.push(`- ${st.title}`, ...diffLines(st.diff, '  - ').map((l) => l.replace(/^( {2}- )(-\/\+|[+~-]|forget) (\S+)(.*)$/, '$1$2 `$3`$4')));
  if (s.stacks.length === 0) out.push(s.settings.length > 0 ? '- none added, changed or removed: the settings above change them' : '- none: only documentation changed');
  if (s.hostnames.length > 0) {
    out.push('', '**Hostnames** (Cloud DNS A records on the GCP network, the endpoint\'s fixed addresses):', '');
    out.push(...s.hostnames.map((h) => `- \`${h.hostname}\` → ${h.addresses.map((a) => `\`${a}\``).join(', ')} (${h.endpoint})`));
  }
  if (topology !== undefined) out.push('', '**Topology** after this change:', '', topology);
  out.push('', '**Review checklist:**', '', ...s.checklist.map((c) => `- [ ] ${c}`), '');
  return `${out.join('\n')}\n`;
}
