/** `privlink generate [specs..]`: validate, render and write generated/<name>/ (or, with --commit, a reviewable branch). */
import type { GenerateSummary } from '../../run/engine';
import { UsageError } from '../../input/problems';
import { plural } from '../../support/words';
import { enterRoot, jobsOf, setup } from '../context';
import { maxRssMb, progressLine, removedLine, round, secondsSince, type Io } from '../io';
import { FLEET_RUN_OPTIONS, type Command, type FleetRunArgs } from '../options';

export interface GenerateArgs extends FleetRunArgs {
  specs: string[];
  commit: boolean;
  branch?: string;
  'pr-body'?: string;
  reallocate: string[];
}

function summaryJson(s: GenerateSummary) {
  return {
    customers: s.customers,
    upToDate: s.upToDate,
    rendered: s.rendered,
    foldersWritten: s.foldersWritten,
    filesWritten: s.filesWritten,
    filesUnchanged: s.filesUnchanged,
    filesRemoved: s.filesRemoved,
    workers: s.pool.workers,
    ...(s.ciSkipped ? { ciSkipped: s.ciSkipped } : {}),
  };
}

export const generate: Command<GenerateArgs> = {
  usage: 'generate [specs..]',
  describe: 'Validate specs and write generated/<name>/ for each (no SPEC: every spec in --specs-dir)',
  positionals: { specs: { type: 'string', array: true, default: [] as string[], describe: 'Spec files (customers/<name>.yaml)' } },
  options: {
    ...FLEET_RUN_OPTIONS,
    commit: { type: 'boolean', default: false, describe: 'Commit the spec and its output on a branch named after the change (privlink/<customer>, -2 when taken), with a resource-level summary and what CI will run' },
    branch: { type: 'string', requiresArg: true, describe: 'Branch for --commit (default: privlink/<customer>, or named after the kind of change; taken names get -2, -3…; a branch merged into HEAD is reused)' },
    'pr-body': { type: 'string', requiresArg: true, describe: 'With --commit: also write the pull-request body (Markdown) to this file' },
    reallocate: {
      type: 'string',
      array: true,
      requiresArg: true,
      default: [] as string[],
      describe: "Allocate this customer's router, tunnel /30s and endpoint offsets afresh: the fix `check` names for an allocation conflict (its VPN is replaced)",
    },
  },
  examples: [
    ['$0 generate', 'Regenerate every customer whose inputs changed, and the CI config in generated/ci/'],
    ['$0 generate --full --json', 'Render every customer (after a privlink upgrade, say); print a JSON summary'],
    ['$0 generate customers/acme.yaml', 'Regenerate one customer (and generated/ci/)'],
    ['$0 generate customers/acme.yaml --commit --pr-body /tmp/pr.md', 'Branch privlink/acme with one commit, ready for a pull request; its text in /tmp/pr.md'],
    ['$0 generate --reallocate initech', 'Two merged pull requests allocated the same /30: move initech (not yet applied) to free ones'],
  ],
  async run(a, io) {
    if (!a.commit && (a.branch !== undefined || a['pr-body'] !== undefined)) throw new UsageError('--branch and --pr-body go with --commit');
    const [prBodyFile, ...specs] = enterRoot(a, io, [a['pr-body'], ...a.specs]);
    const { fleet, specsDir, outDir } = setup(a);
    if (a.commit) {
      const { generateAll } = await import('../../pipeline/generate');
      const { generateAndCommit } = await import('../commit-run');
      const out = generateAll({ specs: specs as string[], specsDir, outDir, fleet: fleet.config, fleetBytes: fleet.bytes, insideSpecsDir: true, reallocate: a.reallocate });
      return generateAndCommit(out, { outDir, specsDir, fleetFile: fleet.file, branch: a.branch, prBodyFile, fleet: fleet.config, io });
    }
    const started = process.hrtime.bigint();
    const progress = progressLine(io, 'rendering', !a.quiet && !a.json);
    const { runGenerate } = await import('../../run/engine');
    let summary;
    try {
      summary = await runGenerate({ specs: specs as string[], specsDir, outDir, fleet, full: a.full, jobs: jobsOf(a), reallocate: a.reallocate, onProgress: progress?.update });
    } finally {
      progress?.end();
    }
    const seconds = secondsSince(started);
    for (const n of summary.notices) io.err(`privlink: ${n}\n`);
    for (const f of summary.filesRemoved) io.err(removedLine(outDir, f, summary.filesObsolete));
    if (summary.ciSkipped) io.err(`privlink: warning: ${outDir}/${summary.ciSkipped}\n`);
    for (const w of await liveDeletionWarnings(outDir, specsDir)) io.err(`privlink: warning: ${w}\n`);
    if (a.json) {
      io.out(`${JSON.stringify({ command: 'generate', ...summaryJson(summary), seconds: round(seconds), maxRssMb: maxRssMb(summary.pool) })}\n`);
    } else if (!a.quiet) {
      report(io, outDir, summary, seconds);
    }
    return 0;
  },
};

/**
 * Customers the working tree deleted (spec and folder) while HEAD has them live (no `"decommission": true`): generate
 * writes what it is told, but warns as `--commit` refuses, since nothing would plan their tunnels and endpoints any
 * more. Outside a git repository, or before its first commit, there is nothing to compare with: no warning.
 */
async function liveDeletionWarnings(outDir: string, specsDir: string): Promise<string[]> {
  const { liveDeletions } = await import('../../gitops/commit');
  let gone;
  try {
    gone = liveDeletions('HEAD', outDir);
  } catch {
    return [];
  }
  return gone.map(
    (d) =>
      `${d.name} is deleted (${specsDir}/${d.name}.yaml and ${outDir}/${d.name}/ are gone), but it was never decommissioned (${d.manifest} at HEAD has no "decommission": true): ` +
      `its tunnels and endpoints would stay up with nothing planning them, and \`--commit\` and \`check --base\` refuse this. ` +
      `Restore them (git checkout HEAD -- ${specsDir}/${d.name}.yaml ${outDir}/${d.name}), then offboard it (docs/offboarding.md)`,
  );
}

function report(io: Io, outDir: string, summary: GenerateSummary, seconds: number): void {
  for (const name of summary.foldersWritten) io.out(`${outDir}/${name}/ written\n`);
  io.out(
    `privlink: ${plural(summary.customers, 'customer')} (${summary.upToDate} up to date, ${summary.rendered} rendered), ` +
      `${plural(summary.filesWritten, 'file')} written, ${summary.filesUnchanged} unchanged` +
      `${summary.filesRemoved.length ? `, ${summary.filesRemoved.length} removed` : ''}, in ${seconds.toFixed(1)} s\n`,
  );
}
