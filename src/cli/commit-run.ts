/**
 * `generate --commit`: preconditions first (commit.ts), then write, summarize against HEAD (change-summary.ts),
 * and commit every input and output on a new branch.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitBody, commitSubject, prBody, summarizeChange } from '../change-summary';
import { commitOnBranch, prepareCommit, repoPath } from '../commit';
import { CI_FOLDER, HUBS_FOLDER } from '../domain/constants';
import type { CustomerFiles, FleetOutput } from '../generate';
import { UsageError } from '../input/problems';
import { ALLOW_FILE_SUFFIX } from '../render/ci';
import { topologyMarkdown } from '../render/topology';
import { plural } from '../support/words';
import { OUTPUT_GITIGNORE_FILE, writeCustomers } from '../writer';
import { removedLine, type Io } from './io';

export interface CommitOptions {
  readonly outDir: string;
  readonly specsDir: string;
  /** privlink.yaml, when the run read one: every folder's recorded inputs include it. */
  readonly fleetFile?: string;
  readonly branch?: string;
  readonly prBodyFile?: string;
  readonly io: Io;
}

/** Folder name → files to write: every customer of the run, plus ci/ when the fleet's list is known. */
function folders(out: FleetOutput): Map<string, CustomerFiles> {
  const map = new Map(out.customers.map((g) => [g.name, g.files]));
  if (out.ci && out.ci.size > 0) map.set(CI_FOLDER, out.ci);
  if (out.hubs) map.set(HUBS_FOLDER, out.hubs);
  return map;
}

export async function generateAndCommit(out: FleetOutput, o: CommitOptions): Promise<number> {
  if (out.customers.length !== 1 && o.branch === undefined) {
    throw new UsageError(`--commit with ${plural(out.customers.length, 'customer')}: name one spec, or give --branch for a multi-customer change`);
  }
  const target = prepareCommit(o.branch ?? `privlink/${out.customers[0]!.name}`);
  const { git, root } = target;
  const previous = new Map(
    out.customers.map((g) => {
      const folder = repoPath(root, `${o.outDir}/${g.name}`);
      const files = new Map(git.listHead(folder).map((p) => [p.slice(folder.length + 1), git.show(p) ?? '']));
      return [g.name, files] as const;
    }),
  );
  const written = writeCustomers(o.outDir, folders(out));
  for (const n of written.notices) o.io.err(`privlink: ${n}\n`);
  for (const f of written.removed) o.io.err(removedLine(o.outDir, f));
  const summaries = [];
  for (const g of out.customers) summaries.push(await summarizeChange(g.model, previous.get(g.name), g.files, o.specsDir, o.outDir));
  // Every input the output depends on goes into the same commit, so a clean checkout of the branch passes
  // `privlink check`: the specs, privlink.yaml (backend, labels, providers) and each customer's plan-guard allowances.
  const paths = [
    ...(o.fleetFile ? [repoPath(root, o.fleetFile)] : []),
    ...out.customers.flatMap((g) => [
      repoPath(root, g.model.specFile),
      repoPath(root, join(o.specsDir, `${g.name}${ALLOW_FILE_SUFFIX}`)),
      repoPath(root, `${o.outDir}/${g.name}`),
    ]),
    repoPath(root, `${o.outDir}/${CI_FOLDER}`),
    repoPath(root, `${o.outDir}/${HUBS_FOLDER}`),
    repoPath(root, `${o.outDir}/${OUTPUT_GITIGNORE_FILE}`),
  ].filter((p) => existsSync(join(root, p)) || git.listHead(p).length > 0);
  const subject = summaries.length === 1 ? commitSubject(summaries[0]!) : `privlink: ${summaries.map((s) => s.customer).join(', ')}: regenerate`;
  const message = `${subject}\n\n${summaries.map((s) => (summaries.length > 1 ? `${s.customer}:\n${commitBody(s)}` : commitBody(s))).join('\n')}`;
  const commit = commitOnBranch(target, paths, message);
  if (!commit) {
    o.io.out(`privlink: no change: ${paths.join(', ')} match HEAD; nothing committed, no branch created\n`);
    return 0;
  }
  const models = new Map(out.customers.map((g) => [g.name, g.model]));
  const body = prBody(summaries, (name) => topologyMarkdown(models.get(name)!));
  if (o.prBodyFile) writeFileSync(o.prBodyFile, body);
  o.io.out(`${body}\n`);
  o.io.out(`privlink: committed ${commit.slice(0, 12)} on new branch ${target.branch}: ${subject}\n`);
  o.io.out(`privlink: push it and open a pull request: git push -u origin ${target.branch}${o.prBodyFile ? ` (body in ${o.prBodyFile})` : ''}\n`);
  return 0;
}
