/** `privlink check`: compare the output folder with what the specs generate; exit 1 on any difference. */
import type { Drift } from '../../run/check';
import { plural } from '../../support/words';
import { enterRoot, jobsOf, setup } from '../context';
import { maxRssMb, progressLine, round, secondsSince } from '../io';
import { FLEET_RUN_OPTIONS, type Command, type FleetRunArgs } from '../options';

/** Differences `check` prints in full before it only counts the rest. */
const DRIFT_SHOWN = 20;

const countBy = (items: readonly string[]) =>
  [...items.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>())].map(([k, n]) => `${n} ${k}`).join(', ');

function formatDrift(d: Drift, outDir: string): string {
  const head = `${outDir}/${d.path}: ${d.kind}: ${d.why}`;
  return d.diff ? `${head}\n${d.diff.replace(/^/gm, '    ')}` : head;
}

interface CheckArgs extends FleetRunArgs {
  base?: string;
}

export const check: Command<CheckArgs> = {
  usage: 'check',
  describe: 'Compare the output folder with what the specs generate: exit 1 on any stale, missing, extra or hand-edited file',
  options: {
    ...FLEET_RUN_OPTIONS,
    base: {
      type: 'string',
      requiresArg: true,
      describe: "A git commit, a pull request's base: also fail when the change deletes a customer's folder that was not decommissioning there (its resources would stay up with nothing planning them)",
    },
  },
  examples: [
    ['$0 check', 'What CI runs before any plan: customers whose recorded inputs and file hashes match are not rendered'],
    ['$0 check --full', 'Render every customer in memory and compare file by file'],
    ['$0 check --base origin/main', 'In a pull request: also refuse the deletion of a customer that was never decommissioned'],
  ],
  async run(a, io) {
    enterRoot(a, io, []);
    const { fleet, specsDir, outDir } = setup(a);
    const started = process.hrtime.bigint();
    const progress = progressLine(io, 'comparing', !a.quiet && !a.json);
    const { runCheck } = await import('../../run/engine');
    let summary;
    try {
      summary = await runCheck({ specs: [], specsDir, outDir, fleet, full: a.full, jobs: jobsOf(a), onProgress: progress?.update });
    } finally {
      progress?.end();
    }
    const seconds = secondsSince(started);
    const drift: Drift[] = [...summary.drift];
    if (a.base !== undefined) {
      const { liveDeletions } = await import('../../gitops/commit');
      for (const d of liveDeletions(a.base, outDir)) {
        drift.push({
          kind: 'deleted',
          path: `${d.name}/`,
          offboard: true,
          why: `${d.name} was never decommissioned (${d.manifest} at ${a.base.slice(0, 12)} has no "decommission": true): its tunnels and endpoints would stay up with nothing planning them. Restore its spec and folder, then offboard it (docs/offboarding.md)`,
        });
      }
    }
    if (a.json) {
      const { customers, upToDate, compared } = summary;
      const workers = summary.pool.workers;
      const listed = drift.map(({ kind, path, why }) => ({ kind, path, why }));
      io.out(`${JSON.stringify({ command: 'check', customers, upToDate, compared, drift: listed, seconds: round(seconds), workers, maxRssMb: maxRssMb(summary.pool) })}\n`);
    } else if (drift.length > 0) {
      // A generator upgrade makes every customer stale: details for the first ones, a count for the rest.
      const shown = drift.slice(0, DRIFT_SHOWN);
      io.err(`${shown.map((d) => formatDrift(d, outDir)).join('\n')}\n`);
      if (drift.length > shown.length) {
        const kinds = countBy(drift.slice(DRIFT_SHOWN).map((d) => d.kind));
        io.err(`privlink: … and ${drift.length - shown.length} more (${kinds}); \`privlink check --json\` lists them all\n`);
      }
      // The advice fixes what was reported: generate for what it writes, offboarding for customers it cannot bring back.
      const offboard = drift.filter((d) => d.offboard).length;
      const fixable = drift.length - offboard;
      if (fixable > 0) io.err(`privlink: ${plural(fixable, 'file')} out of line with the specs; run \`privlink generate\` and commit the result\n`);
      if (offboard > 0) {
        io.err(`privlink: ${plural(offboard, 'customer')} removed without being decommissioned; \`privlink generate\` cannot fix that: follow the steps above (docs/offboarding.md)\n`);
      }
    } else if (!a.quiet) {
      io.out(
        `privlink: ${outDir}/ matches ${plural(summary.customers, 'spec')} (${summary.upToDate} by recorded inputs and file hashes, ` +
          `${summary.compared} rendered and compared) in ${seconds.toFixed(1)} s\n`,
      );
    }
    return drift.length > 0 ? 1 : 0;
  },
};
