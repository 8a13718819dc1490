/**
 * The commit and the pull request of one `generate --commit`, at any fleet size: a subject that names the kind of
 * change within 72 characters, and a commit message and pull-request body that group identical changes across
 * customers, draw a topology only where it changed, and fit GitHub's limit (a pull-request body over 65,536
 * characters is refused), saying what was left out and where to read it.
 *
 * Pure: from the per-customer summaries (change-summary.ts) and what the caller found about the rest of the change.
 */
import { firstOf, plural } from '../support/words';
import { cents, usd } from '../model/cost';
import { changeText, commitBody, commitSubject, kindOf, prSection, type ChangeKind, type ChangeSummary } from './change-summary';

/** GitHub refuses a pull-request body longer than this many characters (reference §1.5b). */
export const PR_BODY_LIMIT = 65_536;
/** Git's convention for a subject line: it fits `git log --oneline`, GitHub's list and a mail subject. */
export const SUBJECT_LIMIT = 72;

export interface ChangeSet {
  /** Customers whose output changes, in spec order (unchanged ones left out). */
  readonly summaries: readonly ChangeSummary[];
  /** Customers removed by this change (decommissioned before), and the paths the commit deletes. */
  readonly removed: readonly string[];
  readonly removedPaths: readonly string[];
  /** Top-level settings of privlink.yaml that this change edits (`labels`, `backend`…). */
  readonly fleetKeys: readonly string[];
  /** What changes on the shared Cloud Routers, one line each (commit-run.ts hubLines). */
  readonly hubs: readonly string[];
  /** What CI will run for this change, one line each. */
  readonly ci: readonly string[];
  /** A customer's topology diagram (Markdown). */
  readonly topology: (customer: string) => string;
}

const KIND_ORDER: readonly ChangeKind[] = ['new', 'endpoints', 'decommission', 'decommission-cancelled', 'adopted', 'failover', 'spec', 'fleet', 'upgrade', 'regenerate', 'docs'];


function byKind(c: ChangeSet): Map<ChangeKind, string[]> {
  const out = new Map<ChangeKind, string[]>();
  for (const kind of KIND_ORDER) {
    const names = c.summaries.filter((s) => kindOf(s) === kind).map((s) => s.customer);
    if (names.length > 0) out.set(kind, names);
  }
  return out;
}

/** One kind of change in a subject: with the names when `named`, else counted. */
function phrase(kind: ChangeKind, names: readonly string[], c: ChangeSet, named: boolean): string {
  const who = named ? names.join(', ') : plural(names.length, 'customer');
  const one = names.length === 1;
  switch (kind) {
    case 'new':
      return named ? `new customer${one ? '' : 's'} ${who}` : `${names.length} new customers`;
    case 'endpoints':
      return `endpoints of ${who}`;
    case 'decommission':
      return `decommission ${who}`;
    case 'decommission-cancelled':
      return `${who}: decommission cancelled`;
    case 'adopted':
      return `${who} adopted by ${one ? 'its hub' : 'their hubs'}`;
    case 'failover':
      return `${who}: failover region`;
    case 'spec':
      return `${who}: spec change`;
    case 'fleet':
      return c.fleetKeys.length > 0 ? `fleet settings: ${c.fleetKeys.join(', ')} (${who})` : `fleet settings (${who})`;
    case 'upgrade':
      return `privlink upgrade (${who})`;
    case 'regenerate':
      return `${who}: regenerate`;
    case 'docs':
      return `${who}: documentation`;
  }
}

/** The commit subject: what kind of change, for whom, within 72 characters. */
export function subjectOf(c: ChangeSet): string {
  const kinds = byKind(c);
  if (c.summaries.length === 1 && c.removed.length === 0 && kindOf(c.summaries[0]!) !== 'fleet') {
    const single = commitSubject(c.summaries[0]!);
    if (single.length <= SUBJECT_LIMIT) return single;
  }
  const removal = (named: boolean) => (c.removed.length === 0 ? [] : [named ? `remove ${c.removed.join(', ')} (decommissioned)` : `remove ${plural(c.removed.length, 'customer')}`]);
  for (const named of [true, false]) {
    const fleetOnly = c.fleetKeys.length > 0 && !kinds.has('fleet') ? [`fleet settings: ${c.fleetKeys.join(', ')}`] : [];
    const parts = [...fleetOnly, ...[...kinds].map(([kind, names]) => phrase(kind, names, c, named)), ...removal(named)];
    const subject = `privlink: ${parts.join('; ') || 'CI and hub config only'}`;
    if (subject.length <= SUBJECT_LIMIT) return subject;
  }
  const first = [...kinds][0];
  const lead = `privlink: ${first ? phrase(first[0], first[1], c, false) : removal(false)[0]}`;
  const more = c.summaries.length + c.removed.length - (first?.[1].length ?? c.removed.length);
  const subject = more > 0 ? `${lead}, and ${plural(more, 'other change')}` : lead;
  return subject.length <= SUBJECT_LIMIT ? subject : `${subject.slice(0, SUBJECT_LIMIT - 1)}…`;
}

/** The change per kind, with every name: the first lines a reviewer reads. */
function whatChanges(c: ChangeSet, bullet: string): string[] {
  const lines = [...byKind(c)].map(([kind, names]) => {
    const what =
      kind === 'fleet' && c.fleetKeys.length > 0
        ? `privlink.yaml's ${c.fleetKeys.join(', ')} (fleet settings) change for ${plural(names.length, 'customer')}`
        : names.length === 1
          ? changeText(c.summaries.find((s) => s.customer === names[0])!)
          : KIND_WORDS[kind];
    return `${bullet}${what}: ${firstOf(names, 40)}`;
  });
  if (c.fleetKeys.length > 0 && !byKind(c).has('fleet')) lines.push(`${bullet}privlink.yaml: ${c.fleetKeys.join(', ')} changed`);
  if (c.removed.length > 0) lines.push(`${bullet}removed (decommissioned, their destroy applied): ${c.removed.join(', ')}`);
  lines.push(`${bullet}${fleetCostText(c)}`);
  return lines;
}

/** What the whole change does to the monthly estimate (docs/cost.md), from each customer's before and after. */
export function fleetCostText(c: ChangeSet): string {
  const known = c.summaries.filter((s) => s.cost.before !== undefined);
  const delta = cents(known.reduce((n, s) => n + (s.cost.after - s.cost.before!), 0));
  const theirs = cents(known.reduce((n, s) => n + (s.cost.customerAfter - (s.cost.customerBefore ?? s.cost.customerAfter)), 0));
  const unknown = c.summaries.length - known.length;
  const moved = known.filter((s) => cents(s.cost.after - s.cost.before!) !== 0).length;
  const parts = [
    delta === 0 ? 'no change for the operator' : `${usd(delta, true)}/month for the operator (${plural(moved, 'customer')})`,
    ...(theirs === 0 ? [] : [`${usd(theirs, true)}/month on the customers' accounts`]),
    ...(unknown > 0 ? [`${plural(unknown, 'customer')} without an earlier estimate`] : []),
  ];
  return `Cost (estimate): ${parts.join('; ')}`;
}

const KIND_WORDS: Readonly<Record<ChangeKind, string>> = {
  new: 'new customers',
  endpoints: 'endpoints change onboarding step',
  decommission: 'decommissioned (the next apply destroys their operator stacks)',
  'decommission-cancelled': 'decommission cancelled',
  adopted: 'adopted by their hubs (routers handed over, nothing recreated)',
  failover: 'failover region added, moved or removed',
  spec: 'spec changes',
  fleet: 'fleet settings',
  upgrade: 'privlink upgrade',
  regenerate: 'regenerated',
  docs: 'documentation only',
};

/** A section of the message: one customer, or several whose change reads the same with their own names. */
interface Section {
  readonly names: readonly string[];
  /** The section with `{customer}` for each name (the text is the same for every one of them). */
  readonly text: string;
  /** The first customer's summary, for the heading. */
  readonly first: ChangeSummary;
}

const PLACEHOLDER = '{customer}';

/** A customer name where it stands as a word of its own (`acme`, `privlink-acme-router`; not `acme_a1` or `macme`). */
const nameAt = (name: string) => new RegExp(`(?<![a-z0-9_])${name.replace(/[^a-z0-9]/g, (ch) => `\\${ch}`)}(?![a-z0-9_])`, 'g');

/**
 * Groups customers whose rendered text is equal once each one's own name is replaced by the placeholder: putting
 * each member's name back gives exactly its own text, so a group's text is true of every member.
 */
function sections(summaries: readonly ChangeSummary[], render: (s: ChangeSummary) => string): Section[] {
  const groups = new Map<string, { names: string[]; first: ChangeSummary }>();
  for (const s of summaries) {
    const text = render(s).replace(nameAt(s.customer), PLACEHOLDER);
    const g = groups.get(text);
    if (g) g.names.push(s.customer);
    else groups.set(text, { names: [s.customer], first: s });
  }
  return [...groups].map(([text, g]) => ({ names: g.names, text: g.names.length === 1 ? text.split(PLACEHOLDER).join(g.names[0]!) : text, first: g.first }));
}

function heading(sec: Section): string {
  if (sec.names.length === 1) return `${sec.names[0]}: ${changeText(sec.first)}`;
  return `${plural(sec.names.length, 'customer')}, one change: ${changeText(sec.first).replace(nameAt(sec.first.customer), PLACEHOLDER)}`;
}

/** Who a grouped section is about, and what the placeholder means in it. */
function members(sec: Section): string {
  if (sec.names.length === 1) return '';
  const stands = sec.text.includes(PLACEHOLDER) ? ` (${PLACEHOLDER} below stands for each one's name)` : '';
  return `Customers: ${firstOf(sec.names, 60)}${stands}.`;
}

/**
 * `head`, as many parts as fit under `limit` (each whole, else its short form), then `tail`; a note says what was
 * shortened or left out and where to read it.
 */
function fit(head: string, parts: readonly { full: string; short: string }[], tail: string, limit: number, note: (shortened: number, left: number) => string): string {
  const reserve = 600;
  let text = head;
  let shortened = 0;
  let left = 0;
  for (const [i, p] of parts.entries()) {
    if (text.length + p.full.length + tail.length + reserve <= limit) text += p.full;
    else if (text.length + p.short.length + tail.length + reserve <= limit) {
      text += p.short;
      shortened++;
    } else {
      left = parts.length - i;
      break;
    }
  }
  if (shortened + left > 0) text += note(shortened, left);
  return text + tail;
}

const WHERE = 'the committed files (`git show --stat HEAD`, `git diff <base> -- generated/<name>/`) and `privlink generate --json` list every change';

/** The commit message: subject, what changes per kind, what CI runs, then each customer's or group's detail. */
export function commitMessage(c: ChangeSet, limit = PR_BODY_LIMIT): string {
  const subject = subjectOf(c);
  const head = [subject, '', 'What changes:', ...whatChanges(c, '  '), ...(c.ci.length ? ['', 'CI:', ...c.ci.map((l) => `  ${l}`)] : []), '', ''].join('\n');
  const parts = sections(c.summaries, commitBody).map((sec) => {
    const title = `${heading(sec)}\n${members(sec) ? `${members(sec)}\n` : ''}`;
    return { full: `${title}${sec.text.trimEnd()}\n\n`, short: `${title}(detail left out to fit)\n\n` };
  });
  const tail = [
    ...(c.hubs.length ? ['Shared Cloud Routers (apply order: hub routers, customers, hub sessions):', ...c.hubs, ''] : []),
    ...(c.removedPaths.length ? [`Removed (decommissioned, their destroy applied): ${c.removedPaths.join(', ')}`, ''] : []),
  ].join('\n');
  const note = (shortened: number, left: number) =>
    `(${[shortened ? `${plural(shortened, 'section')} shortened` : '', left ? `${plural(left, 'section')} left out` : ''].filter(Boolean).join(', ')} to stay within ${limit.toLocaleString('en-US')} characters: ${WHERE.replace(/`/g, '')})\n\n`;
  return `${fit(head, parts, tail, limit, note).trimEnd()}\n`;
}

/** The pull-request body (Markdown): what changes, what CI runs, each customer's or group's section, the hubs. */
export function pullRequestBody(c: ChangeSet, limit = PR_BODY_LIMIT): string {
  const head = [
    '**What changes:**',
    '',
    ...whatChanges(c, '- '),
    '',
    ...(c.ci.length ? ['**What CI will run:**', '', ...c.ci.map((l) => `- ${l}`), ''] : []),
  ].join('\n');
  const render = (s: ChangeSummary) => prSection(s, s.topologyChanged ? c.topology(s.customer) : undefined);
  const parts = sections(c.summaries, render).map((sec) => {
    const title = `\n## ${heading(sec)}\n\n${members(sec) ? `${members(sec)}\n\n` : ''}`;
    return { full: `${title}${sec.text.trimEnd()}\n`, short: `${title}Detail left out to fit GitHub's limit.\n` };
  });
  const tail = [
    ...(c.hubs.length ? ['', '## Shared Cloud Routers', '', "Applied in this order: each hub's routers, the customers, each hub's sessions.", '', ...c.hubs] : []),
    ...(c.removedPaths.length ? ['', '## Removed', '', `Decommissioned, their destroy applied: ${c.removedPaths.map((p) => `\`${p}\``).join(', ')}`] : []),
    '',
    'Generated by `privlink generate --commit`. CI runs `privlink check`, then plans each changed stack through `privlink plan-guard`.',
    '',
  ].join('\n');
  const note = (shortened: number, left: number) =>
    `\n> **Shortened to fit GitHub's ${limit.toLocaleString('en-US')}-character limit:** ${[shortened ? `${plural(shortened, 'section')} without detail` : '', left ? `${plural(left, 'section')} left out` : ''].filter(Boolean).join(', ')}; ${WHERE}.\n`;
  return fit(head, parts, tail, limit, note);
}
