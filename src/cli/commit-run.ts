/**
 * `generate --commit`: preconditions first (commit.ts), then write, summarize against HEAD (change-summary.ts),
 * and commit every input and output on a new branch.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { kindOf, summarizeChange, type ChangeSummary } from '../gitops/change-summary';
import { branchFor, commitOnBranch, foldersGone, prepareCommit, repoPath, type Git } from '../gitops/commit';
import { commitMessage, pullRequestBody, type ChangeSet } from '../gitops/pull-request';
import { ciPlanLines, type CiChange } from '../gitops/ci-plan';
import type { FleetConfig } from '../fleet/schema';
import { ALLOCATION_FILE, hubsOf, parseAllocation } from '../model/allocation';
import { readIfExists } from '../support/files';
import { firstOf } from '../support/words';
import { CI_FOLDER, FLEET_FOLDER, HUBS_FOLDER } from '../domain/constants';
import type { CustomerFiles, FleetOutput, Generated } from '../pipeline/generate';
import { Refused } from '../input/problems';
import { MANIFEST_FILE, parseManifest } from '../render/manifest';
import { liveOrphans, orphanAdvice } from '../pipeline/orphans';
import { ALLOW_FILE_SUFFIX } from '../render/ci';
import { topologyMarkdown } from '../render/topology';
import { OUTPUT_GITIGNORE_FILE, writeCustomers } from '../run/writer';
import { removedLine, type Io } from './io';

export interface CommitOptions {
  readonly outDir: string;
  readonly specsDir: string;
  /** privlink.yaml, when the run read one: every folder's recorded inputs include it. */
  readonly fleetFile?: string;
  readonly branch?: string;
  readonly prBodyFile?: string;
  /** The fleet config: what CI runs for the change (ci-plan.ts). */
  readonly fleet: FleetConfig;
  readonly io: Io;
}

/**
 * What the generated CI will find changed (the rules of its check job): customers whose operator stack or allowance
 * changes, hubs whose routers or sessions change, the canaries' hubs, and the customers whose wiring changed.
 */
function ciChange(o: CommitOptions, changed: readonly Generated[], previous: ReadonlyMap<string, ReadonlyMap<string, string>>, hubsBefore: ReadonlyMap<string, string>, hubsAfter: ReadonlyMap<string, string> | undefined, allowChanged: (name: string) => boolean): CiChange {
  const operator = 'operator/cdk.tf.json';
  const customers = changed.filter((g) => previous.get(g.name)?.get(operator) !== g.files.get(operator) || allowChanged(g.name)).map((g) => g.name);
  const wiring = (text: string | undefined) => parseManifest(text)?.wiring;
  const rewired = changed
    .filter((g) => {
      const was = wiring(previous.get(g.name)?.get(MANIFEST_FILE));
      return was === undefined || was !== wiring(g.files.get(MANIFEST_FILE));
    })
    .map((g) => g.name);
  const hubs = [...new Set([...hubsBefore.keys(), ...(hubsAfter?.keys() ?? [])].filter((p) => /^[^/]+\/(routers|sessions)\//.test(p) && hubsBefore.get(p) !== hubsAfter?.get(p)).map((p) => p.split('/')[0]!))]
    .filter((h) => hubsAfter === undefined || [...hubsAfter.keys()].some((p) => p.startsWith(`${h}/routers/`)))
    .sort();
  const canaryHubs = o.fleet.rollout.canary.flatMap((c) => {
    const a = parseAllocation(readIfExists(join(o.outDir, c, ALLOCATION_FILE)));
    return a ? hubsOf(a) : [];
  });
  return { customers, leaving: changed.filter((g) => g.model.decommission && customers.includes(g.name)).map((g) => g.name), hubs, canaryHubs, rewired };
}

/** Folder name → files to write: every customer of the run, plus ci/ when the fleet's list is known. */
function folders(out: FleetOutput): Map<string, CustomerFiles> {
  const map = new Map([...out.customers, ...out.alsoChanged].map((g) => [g.name, g.files]));
  if (out.ci && out.ci.size > 0) map.set(CI_FOLDER, out.ci);
  if (out.hubs) map.set(HUBS_FOLDER, out.hubs);
  if (out.fleet) map.set(FLEET_FOLDER, out.fleet);
  return map;
}

/**
 * What a run changes on the shared Cloud Routers, by Terraform address, for the commit and the pull request: the hub
 * stacks are reviewed with the customers they serve. With a quota note: every customer of a hub has its HA VPN
 * gateway and tunnels in the hub's project and region, which count against Compute Engine quotas that can be raised
 * (the routers and peers are limits, refused before this point).
 */
function hubLines(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string> | undefined): string[] {
  if (!after) return [];
  const addresses = (text: string | undefined) => {
    const doc = text ? (JSON.parse(text) as { resource?: Record<string, Record<string, unknown>> }) : {};
    return new Set(Object.entries(doc.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`)));
  };
  const lines: string[] = [];
  const changedHubs = new Set<string>();
  const stacks = new Set([...before.keys(), ...after.keys()].filter((p) => p.endsWith('/cdk.tf.json')));
  for (const path of [...stacks].sort()) {
    if (before.get(path) === after.get(path)) continue;
    changedHubs.add(path.split('/')[0]!);
    const [was, now] = [addresses(before.get(path)), addresses(after.get(path))];
    // An address an `import` block of the new stack names is taken over (adopted from a customer's stack), not created.
    const imports = new Set(((JSON.parse(after.get(path) ?? '{}') as { import?: { to?: string }[] }).import ?? []).map((i) => i.to));
    const added = [...now].filter((a) => !was.has(a) && !imports.has(a));
    const imported = [...now].filter((a) => !was.has(a) && imports.has(a));
    const removed = [...was].filter((a) => !now.has(a));
    const some = (xs: string[]) => `${xs.slice(0, 4).join(', ')}${xs.length > 4 ? ', …' : ''}`;
    const parts = [
      added.length ? `+ ${added.length} (${some(added)})` : '',
      imported.length ? `imports ${imported.length} (${some(imported)}): adopted, nothing created` : '',
      removed.length ? `- ${removed.length} (${some(removed)})` : '',
    ].filter(Boolean);
    lines.push(`- \`${HUBS_FOLDER}/${path}\`: ${parts.join('; ') || 'changed in place'}`);
  }
  for (const hub of [...changedHubs].sort()) {
    const peers = [...addresses(after.get(`${hub}/sessions/cdk.tf.json`))].filter((a) => a.startsWith('google_compute_router_peer.')).length;
    lines.push(`- quota (can be raised, not refused): hub ${hub} has ${peers} BGP peers, so as many VPN tunnels and an HA VPN gateway per customer in its project and region: check the Compute Engine VPN quotas there before the apply`);
  }
  return lines;
}

/** A customer whose spec and folder the working tree no longer has, but HEAD does: a removal this commit carries. */
interface Removal {
  readonly name: string;
  /** Its manifest at HEAD says it was decommissioning (so its destroy has been planned and applied by CI). */
  readonly decommissioned: boolean;
  /** Its spec, allowance and folder, relative to the repository root: the deletions the commit stages. */
  readonly paths: readonly string[];
}

function removals(git: Git, root: string, o: CommitOptions): Removal[] {
  return foldersGone(git, root, 'HEAD', o.outDir)
    .filter((f) => !existsSync(join(o.specsDir, `${f.name}.yaml`)))
    .map(({ name, decommissioned }) => ({
      name,
      decommissioned,
      paths: [repoPath(root, join(o.specsDir, `${name}.yaml`)), repoPath(root, join(o.specsDir, `${name}${ALLOW_FILE_SUFFIX}`)), repoPath(root, `${o.outDir}/${name}`)],
    }));
}

/** The offboarding steps for customers deleted while live: nothing plans their tunnels and endpoints any more. */
function refuseLive(live: readonly Removal[], o: CommitOptions): never {
  const names = live.map((r) => r.name).join(', ');
  const first = live[0]!.name;
  throw new Refused(
    `--commit: ${live.map((r) => `${o.specsDir}/${r.name}.yaml and ${o.outDir}/${r.name}/`).join('; ')} ${live.length === 1 ? 'is' : 'are'} deleted, but ${names} ` +
      `${live.length === 1 ? 'was' : 'were'} never decommissioned (${o.outDir}/${first}/${MANIFEST_FILE} at HEAD has no "decommission": true): ` +
      'its tunnels and endpoints would stay up with nothing planning them. Offboard first: ' +
      `(1) restore them: git checkout HEAD -- ${live.map((r) => `${o.specsDir}/${r.name}.yaml ${o.outDir}/${r.name}`).join(' ')}; ` +
      `(2) set \`decommission: true\` in the spec and run \`privlink generate ${o.specsDir}/${first}.yaml --commit\`; (3) merge it, so CI applies the destroy; ` +
      `(4) then delete the spec and the folder and run \`privlink generate --commit\` (docs/offboarding.md)`,
  );
}

/** The customer's plan-guard allowance differs from HEAD's (added, edited or removed): CI plans its stack again. */
function allowChanged(git: Git, root: string, file: string): boolean {
  const now = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  return now !== git.show(repoPath(root, file));
}

/** The top-level settings of privlink.yaml that differ from HEAD's (`labels`, `backend`…), sorted. */
function fleetKeysChanged(git: Git, root: string, fleetFile: string | undefined): string[] {
  if (!fleetFile || !existsSync(fleetFile)) return [];
  const read = (text: string | undefined): Record<string, unknown> => {
    try {
      return (parseYaml(text ?? '') as Record<string, unknown> | null) ?? {};
    } catch {
      return {};
    }
  };
  const [was, now] = [read(git.show(repoPath(root, fleetFile))), read(readFileSync(fleetFile, 'utf8'))];
  return [...new Set([...Object.keys(was), ...Object.keys(now)])].filter((k) => !isDeepStrictEqual(was[k], now[k])).sort();
}

/** The branch a change goes to when --branch is not given: named after the customer, or after the kind of change. */
function branchBase(out: FleetOutput, summaries: readonly ChangeSummary[], removed: readonly Removal[], fleetKeys: readonly string[]): string {
  const named = out.customers.length === 1 ? summaries.find((s) => s.customer === out.customers[0]!.name) : undefined;
  if (named !== undefined && removed.length === 0) return `privlink/${named.customer}${kindOf(named) === 'decommission' ? '-decommission' : ''}`;
  if (removed.length > 0) return `privlink/remove-${removed.length === 1 ? removed[0]!.name : `${removed.length}-customers`}`;
  if (fleetKeys.length > 0) return `privlink/fleet-${fleetKeys.join('-')}`;
  if (summaries.length > 0 && summaries.every((s) => s.isNew)) return summaries.length === 1 ? `privlink/${summaries[0]!.customer}` : `privlink/${summaries.length}-new-customers`;
  return `privlink/${summaries.length + removed.length}-customers`;
}

export async function generateAndCommit(out: FleetOutput, o: CommitOptions): Promise<number> {
  // A removed customer's spec and folder may already be staged for deletion (git rm): that is this change.
  const stagedOk = (status: string, path: string, root: string) => status === 'D' && [o.specsDir, o.outDir].some((d) => path.startsWith(`${repoPath(root, d)}/`));
  const prepared = prepareCommit(o.branch, process.cwd(), stagedOk);
  const { git, root } = prepared;
  const removed = removals(git, root, o);
  const live = removed.filter((r) => !r.decommissioned);
  if (live.length > 0) refuseLive(live, o);
  // A live customer's folder without its spec (deleted, or renamed): the branch's clean clone would fail check.
  const orphans = liveOrphans(o.outDir, new Set(out.names));
  if (orphans.length > 0) {
    const newcomers = out.customers.filter((g) => git.listHead(repoPath(root, `${o.outDir}/${g.name}`)).length === 0).map((g) => g.name);
    throw new Refused(`--commit: ${orphanAdvice(o.outDir, o.specsDir, orphans, newcomers)}; nothing written, no branch created`);
  }
  const changed = [...out.customers, ...out.alsoChanged];
  // HEAD's output, read at once: each changed customer's folder (the summary compares against it) and the hubs.
  const outFolder = repoPath(root, o.outDir);
  const byFolder = new Map<string, Map<string, string>>();
  for (const [p, text] of git.readTree(outFolder)) {
    const [folder, ...rest] = p.slice(outFolder.length + 1).split('/');
    if (!byFolder.has(folder!)) byFolder.set(folder!, new Map());
    byFolder.get(folder!)!.set(rest.join('/'), text);
  }
  const previous = new Map(changed.map((g) => [g.name, byFolder.get(g.name) ?? new Map<string, string>()] as const));
  const hubsBefore = byFolder.get(HUBS_FOLDER) ?? new Map<string, string>();
  const written = writeCustomers(o.outDir, folders(out));
  dropDecommissionAllowances(changed, o);
  for (const n of written.notices) o.io.err(`privlink: ${n}\n`);
  for (const f of written.removed) o.io.err(removedLine(o.outDir, f, written.obsolete));
  const summaries: ChangeSummary[] = [];
  for (const g of changed) summaries.push(await summarizeChange(g.model, previous.get(g.name), g.files, o.specsDir, o.outDir));
  // Every input the output depends on goes into the same commit, so a clean checkout of the branch passes
  // `privlink check`: the specs, privlink.yaml (backend, labels, providers) and each customer's plan-guard allowances.
  const candidates = [
    ...(o.fleetFile ? [repoPath(root, o.fleetFile)] : []),
    ...changed.flatMap((g) => [repoPath(root, g.model.specFile), repoPath(root, join(o.specsDir, `${g.name}${ALLOW_FILE_SUFFIX}`)), repoPath(root, `${o.outDir}/${g.name}`)]),
    repoPath(root, `${o.outDir}/${CI_FOLDER}`),
    repoPath(root, `${o.outDir}/${HUBS_FOLDER}`),
    repoPath(root, `${o.outDir}/${FLEET_FOLDER}`),
    repoPath(root, `${o.outDir}/${OUTPUT_GITIGNORE_FILE}`),
    ...removed.flatMap((r) => r.paths),
  ];
  // A path gone from the disk is still staged when git tracks it (its deletion is part of the change); one ls-files for all.
  const gone = candidates.filter((p) => !existsSync(join(root, p)));
  const tracked = new Set(gone.length ? git.run(['ls-files', '-z', '--', ...gone]).split('\0').filter(Boolean) : []);
  const paths = candidates.filter((p) => existsSync(join(root, p)) || [...tracked].some((t) => t === p || t.startsWith(`${p}/`)));
  const models = new Map(changed.map((g) => [g.name, g.model]));
  const fleetKeys = fleetKeysChanged(git, root, o.fleetFile);
  const set: ChangeSet = {
    summaries: summaries.filter((s) => !s.unchanged),
    removed: removed.map((r) => r.name),
    removedPaths: removed.flatMap((r) => r.paths.filter((p) => git.listHead(p).length > 0)), // files that never existed are not named
    fleetKeys,
    hubs: hubLines(hubsBefore, out.hubs),
    ci: ciPlanLines(ciChange(o, changed, previous, hubsBefore, out.hubs, (name) => allowChanged(git, root, join(o.specsDir, `${name}${ALLOW_FILE_SUFFIX}`))), o.fleet),
    topology: (name) => topologyMarkdown(models.get(name)!),
  };
  const target = branchFor(prepared, branchBase(out, set.summaries, removed, fleetKeys));
  const message = commitMessage(set);
  const commit = commitOnBranch(target, paths, message);
  if (!commit) {
    // At fleet size the paths run to thousands: name a few, count the rest.
    o.io.out(`privlink: no change: ${firstOf(paths, 6)} match HEAD; nothing committed${target.existing ? '' : ', no branch created'}\n`);
    return 0;
  }
  const body = pullRequestBody(set);
  if (o.prBodyFile) writeFileSync(o.prBodyFile, body);
  o.io.out(`${body}\n`);
  const subject = message.split('\n')[0]!;
  o.io.out(`privlink: committed ${commit.slice(0, 12)} on ${target.existing ? 'existing branch' : target.reuse ? 'reused branch' : 'new branch'} ${target.branch}${target.why ? ` (${target.why})` : ''}: ${subject}\n`);
  o.io.out(`privlink: push it and open a pull request: git push -u origin ${target.branch}${target.reuse ? ' --force-with-lease' : ''}${o.prBodyFile ? ` (body in ${o.prBodyFile})` : ''}\n`);
  if (o.prBodyFile && !repoPath(root, o.prBodyFile).startsWith('..')) {
    o.io.out(`privlink: ${o.prBodyFile} is inside the repository and not committed (it is the pull request's text, not part of the change): delete it once the pull request is open, or write it outside the tree (--pr-body /tmp/pr.md)\n`);
  }
  return 0;
}

/**
 * A decommissioning customer's destroys are let through by its marker; an allowance left from before would be
 * unused, which plan-guard refuses: the decommission commit takes it away (git keeps it in history).
 */
function dropDecommissionAllowances(changed: readonly { name: string; model: { decommission?: boolean } }[], o: CommitOptions): void {
  for (const g of changed) {
    const allow = join(o.specsDir, `${g.name}${ALLOW_FILE_SUFFIX}`);
    if (g.model.decommission && existsSync(allow)) {
      rmSync(allow);
      o.io.err(`privlink: removed ${allow}: ${g.name} is decommissioning, so plan-guard lets its destroys through by its marker, and a leftover allowance would stop the plan as unused\n`);
    }
  }
}
