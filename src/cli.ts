/**
 * Command line: a thin layer over generate.ts and writer.ts. `exec(argv, io)` returns the exit code and never
 * exits the process, so tests drive it directly.
 *
 * Exit codes: 0 success; 1 invalid input (every problem printed as file:line:col), drift (check), a blocked plan
 * (plan-guard), lint findings or a refused precondition (lock held, dirty index…); 2 usage error; 70 internal error.
 */
import yargs from 'yargs';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { commitBody, commitSubject, prBody, summarizeChange } from './change-summary';
import { commitOnBranch, prepareCommit, repoPath } from './commit';
import { topologyMarkdown } from './render/topology';
import type { Drift } from './check';
import { formatHit, guardPlan, parseAllowFile } from './plan-guard';
import { CI_FOLDER } from './domain/constants';
import { ALLOW_FILE_SUFFIX } from './render/ci';
import { loadFleet, DEFAULT_FLEET_FILE, type LoadedFleet } from './fleet/load';
import { generateAll, validateRun, type CustomerFiles, type FleetOutput } from './generate';
import { InputError, Refused, UsageError, sortProblems, formatProblem } from './input/problems';
import { OUTPUT_GITIGNORE_FILE, writeCustomers } from './writer';
import { findRoot } from './workspace';
import { plural } from './support/words';
import { onInterrupt } from './interrupt';
import { DEFAULT_FLEET } from './fleet/schema';
import type { GenerateSummary } from './engine';
import { defaultJobs, type PoolStats } from './pool';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stderr is a terminal: long runs show progress there. */
  readonly progress?: boolean;
}

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  progress: process.stderr.isTTY === true,
};

/**
 * A one-line progress display on stderr (count, rate, ETA), redrawn at most ten times a second; undefined when
 * stderr is not a terminal, or with --quiet or --json.
 */
function progressLine(io: Io, what: string, enabled: boolean): { update: (done: number, total: number) => void; end: () => void } | undefined {
  if (!io.progress || !enabled) return undefined;
  const start = Date.now();
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const rate = done / Math.max((now - start) / 1000, 0.001);
      const eta = rate > 0 ? Math.ceil((total - done) / rate) : 0;
      io.err(`\r\x1b[Kprivlink: ${what} ${done}/${total} customers, ${rate.toFixed(0)}/s, ETA ${eta} s`);
      shown = true;
    },
    end() {
      if (shown) io.err('\r\x1b[K');
    },
  };
}

interface CommonArgs {
  specs: string[];
  config?: string;
  'specs-dir'?: string;
  out?: string;
  debug: boolean;
  quiet: boolean;
  json?: boolean;
}

/** Options of the fleet runs (generate, check). */
interface FleetRunArgs {
  full: boolean;
  jobs?: number;
  json: boolean;
}

/** The options that say where the fleet config, the specs and the output are; each command takes those it uses. */
const PATH_OPTIONS = {
  config: { type: 'string', describe: `Fleet config (default: ${DEFAULT_FLEET_FILE} at the repository root if it exists, else built-in defaults)` },
  'specs-dir': { type: 'string', describe: 'Folder of customer specs (default: paths.specs of the fleet config, "customers")' },
  out: { type: 'string', describe: 'Output folder (default: paths.output of the fleet config, "generated")' },
} as const satisfies Record<string, import('yargs').Options>;

const pathOptions = <T>(y: import('yargs').Argv<T>, names: readonly (keyof typeof PATH_OPTIONS)[] = ['config', 'specs-dir', 'out']) =>
  y.options(Object.fromEntries(names.map((n) => [n, PATH_OPTIONS[n]])));

const JSON_OPTION = { type: 'boolean', default: false, describe: 'Print a machine-readable result on stdout (problems included) instead of the text report' } as const;

const fleetRunOptions = <T>(y: import('yargs').Argv<T>) =>
  pathOptions(y)
    .option('full', { type: 'boolean', default: false, describe: 'Render every customer, ignoring the inputs recorded in each manifest' })
    .option('jobs', { alias: 'j', type: 'number', describe: `Worker processes at most (default: the number of cores, ${defaultJobs()} here)` })
    .option('json', JSON_OPTION);

function jobsOf(a: FleetRunArgs): number {
  if (a.jobs === undefined) return defaultJobs();
  if (!Number.isInteger(a.jobs) || a.jobs < 1) throw new UsageError(`--jobs must be a whole number of at least 1, got ${a.jobs}`);
  return a.jobs;
}

/** The fleet config and the folders it names; command-line flags win over privlink.yaml. */
interface Setup {
  readonly fleet: LoadedFleet;
  readonly specsDir: string;
  readonly outDir: string;
}

function setup(a: CommonArgs): Setup {
  const fleet = loadFleet(a.config);
  return { fleet, specsDir: a['specs-dir'] ?? fleet.config.paths.specs, outDir: a.out ?? fleet.config.paths.output };
}

/**
 * A run started in a subfolder of the repository moves to its root first (workspace.ts), so it reads privlink.yaml,
 * checks the spec against the whole fleet and writes the one output tree. `paths` (files the user named, relative
 * to where they ran privlink) come back valid from the root. With --config, --specs-dir or --out the user has said
 * where things are, relative to the working directory, and nothing moves.
 */
function enterRoot<T extends string | undefined>(a: CommonArgs, io: Io, paths: readonly T[]): T[] {
  if (a.config !== undefined || a['specs-dir'] !== undefined || a.out !== undefined) return [...paths];
  const cwd = process.cwd();
  const root = findRoot(cwd);
  if (root === undefined || root === cwd) return [...paths];
  const moved = paths.map((p) => (p === undefined ? p : resolve(cwd, p))) as T[];
  process.chdir(root);
  if (!a.quiet) io.err(`privlink: working in ${relative(cwd, root)}/, the repository root (it holds ${existsSync(DEFAULT_FLEET_FILE) ? DEFAULT_FLEET_FILE : `${DEFAULT_FLEET.paths.specs}/`})\n`);
  return moved;
}

/** Folder name → files to write: every customer of the run, plus ci/ when the fleet's list is known. */
function folders(out: FleetOutput): Map<string, CustomerFiles> {
  const map = new Map(out.customers.map((g) => [g.name, g.files]));
  if (out.ci && out.ci.size > 0) map.set(CI_FOLDER, out.ci);
  return map;
}

/** Differences `check` prints in full before it only counts the rest. */
const DRIFT_SHOWN = 20;

const countBy = (items: readonly string[]) =>
  [...items.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>())].map(([k, n]) => `${n} ${k}`).join(', ');

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

/** Peak RSS of the largest process of the run (this one or a worker), in MiB. */
const maxRssMb = (pool: PoolStats) => Math.round(Math.max(process.resourceUsage().maxRSS, pool.workerMaxRssKb) / 1024);

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


function formatDrift(d: Drift, outDir: string): string {
  const head = `${outDir}/${d.path}: ${d.kind}: ${d.why}`;
  return d.diff ? `${head}\n${d.diff.replace(/^/gm, '    ')}` : head;
}

/** The commands, in the order --help lists them. */
const COMMANDS = ['generate', 'validate', 'check', 'plan-guard', 'lint', 'lab'] as const;

/** Options that take a value, so the word after them is not the command. */
const VALUE_OPTIONS = new Set(['--config', '--specs-dir', '--out']);

/** The command word of argv: the first argument that is neither an option nor an option's value. */
function commandOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (VALUE_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** privlink's own version, from its package.json. */
export function privlinkVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export async function exec(argv: readonly string[], realIo: Io = processIo): Promise<number> {
  let code = 0;
  const debug = argv.includes('--debug');
  const command = commandOf(argv);
  // With --json, stdout carries exactly one JSON document, failures included; the text report still goes to stderr.
  const json = argv.includes('--json');
  let printedJson = false;
  const io: Io = json ? { ...realIo, out: (t) => ((printedJson = true), realIo.out(t)) } : realIo;
  const failJson = (exitCode: number, detail: Record<string, unknown>) => {
    if (json && !printedJson) io.out(`${JSON.stringify({ command: command ?? null, ok: false, exitCode, ...detail })}\n`);
    return exitCode;
  };
  const fail = (err: unknown): number => {
    if (err instanceof InputError) failJson(1, { problems: sortProblems(err.problems) });
    else if (err instanceof Error) failJson(failCode(err), { error: err.message });
    return failText(err);
  };
  const failCode = (err: Error): number =>
    err instanceof Refused || ['LabInputError', 'LabFileError'].includes(err.name) ? 1 : err.name === 'LabInterrupted' ? 130 : err instanceof UsageError ? 2 : 70;
  const failText = (err: unknown): number => {
    if (err instanceof InputError) {
      const problems = sortProblems(err.problems);
      io.err(`${problems.map(formatProblem).join('\n')}\n`);
      const files = new Set(problems.map((p) => p.file)).size;
      io.err(`privlink: ${plural(problems.length, 'problem')} in ${plural(files, 'file')}; nothing was written\n`);
      return 1;
    }
    if (err instanceof Refused) {
      io.err(`privlink: ${err.message}\n`);
      return 1;
    }
    if (err instanceof Error && ['LabInputError', 'LabFileError'].includes(err.name)) {
      io.err(`privlink lab: ${err.message.split('\n').join('\nprivlink lab: ')}\n`);
      return 1;
    }
    if (err instanceof Error && err.name === 'LabInterrupted') {
      io.err(`privlink lab: ${err.message}\n`);
      return 130;
    }
    if (err instanceof UsageError) {
      io.err(`privlink: ${err.message}\n`);
      return 2;
    }
    io.err(`privlink: internal error: ${(err as Error).message ?? String(err)}\n`);
    if (debug) io.err(`${(err as Error).stack ?? ''}\n`);
    else io.err('privlink: run again with --debug for the stack trace\n');
    return 70;
  };

  const parser = yargs()
    .scriptName('privlink')
    .usage('$0 <command> [options]\n\nGenerate the Terraform for private connectivity to customer services on AWS from one YAML spec per customer.')
    .option('debug', { type: 'boolean', default: false, describe: 'Print stack traces of internal errors' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Print only errors' })
    .command(
      'generate [specs..]',
      'Validate specs and write generated/<name>/ for each (no SPEC: every spec in --specs-dir)',
      (y) =>
        fleetRunOptions(y)
          .positional('specs', { type: 'string', array: true, default: [] as string[], describe: 'Spec files (customers/<name>.yaml)' })
          .option('commit', { type: 'boolean', default: false, describe: 'Commit the spec and its output on a new branch, with a resource-level change summary' })
          .option('branch', { type: 'string', describe: 'Branch for --commit (default: privlink/<customer>)' })
          .option('pr-body', { type: 'string', describe: 'With --commit: also write the pull-request body (Markdown) to this file' })
          .example('$0 generate', 'Regenerate every customer whose inputs changed, and the CI config in generated/ci/')
          .example('$0 generate --full --json', 'Render every customer (after a privlink upgrade, say); print a JSON summary')
          .example('$0 generate customers/acme.yaml', 'Regenerate one customer (and generated/ci/)')
          .example('$0 generate customers/acme.yaml --commit --pr-body pr.md', 'Branch privlink/acme with one commit, ready for a pull request'),
      async (args) => {
        const a = args as unknown as CommonArgs & FleetRunArgs & { commit: boolean; branch?: string; 'pr-body'?: string };
        if (!a.commit && (a.branch !== undefined || a['pr-body'] !== undefined)) throw new UsageError('--branch and --pr-body go with --commit');
        const [prBodyFile, ...specs] = enterRoot(a, io, [a['pr-body'], ...a.specs]);
        a.specs = specs as string[];
        a['pr-body'] = prBodyFile;
        const { fleet, specsDir, outDir } = setup(a);
        if (a.commit) {
          const out = generateAll({ specs: a.specs, specsDir, outDir, fleet: fleet.config, fleetBytes: fleet.bytes, insideSpecsDir: true });
          code = await generateAndCommit(out, { outDir, specsDir, fleetFile: fleet.file, branch: a.branch, prBodyFile: a['pr-body'], io });
          return;
        }
        const started = process.hrtime.bigint();
        const progress = progressLine(io, 'rendering', !a.quiet && !a.json);
        const { runGenerate } = await import('./engine');
        let summary;
        try {
          summary = await runGenerate({ specs: a.specs, specsDir, outDir, fleet, full: a.full, jobs: jobsOf(a), onProgress: progress?.update });
        } finally {
          progress?.end();
        }
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        for (const n of summary.notices) io.err(`privlink: ${n}\n`);
        for (const f of summary.filesRemoved) io.err(`privlink: removed ${outDir}/${f}: privlink does not write it (a hand-added file, or one an older privlink wrote)\n`);
        if (summary.ciSkipped) io.err(`privlink: warning: ${outDir}/${summary.ciSkipped}\n`);
        if (a.json) {
          io.out(`${JSON.stringify({ command: 'generate', ...summaryJson(summary), seconds: round(seconds), maxRssMb: maxRssMb(summary.pool) })}\n`);
        } else if (!a.quiet) {
          for (const name of summary.foldersWritten) io.out(`${outDir}/${name}/ written\n`);
          io.out(
            `privlink: ${plural(summary.customers, 'customer')} (${summary.upToDate} up to date, ${summary.rendered} rendered), ` +
              `${plural(summary.filesWritten, 'file')} written, ${summary.filesUnchanged} unchanged` +
              `${summary.filesRemoved.length ? `, ${summary.filesRemoved.length} removed` : ''}, in ${seconds.toFixed(1)} s\n`,
          );
        }
      },
    )
    .command(
      'validate [specs..]',
      'Check specs without writing anything (no SPEC: every spec in --specs-dir)',
      (y) =>
        pathOptions(y, ['config', 'specs-dir'])
          .positional('specs', { type: 'string', array: true, default: [] as string[], describe: 'Spec files' })
          .option('json', JSON_OPTION)
          .example('$0 validate customers/acme.yaml', 'Check one spec'),
      (args) => {
        const a = args as unknown as CommonArgs;
        a.specs = enterRoot(a, io, a.specs);
        const { fleet, specsDir } = setup(a);
        const run = validateRun({ specs: a.specs, specsDir });
        if (a.json) io.out(`${JSON.stringify({ command: 'validate', ok: true, specs: run.requested.map((r) => r.file), fleet: fleet.file ?? null })}\n`);
        else if (!a.quiet) io.out(`privlink: ${plural(run.requested.length, 'spec')} valid${fleet.file ? `, ${fleet.file} valid` : ''}\n`);
      },
    )
    .command(
      'check',
      'Compare the output folder with what the specs generate: exit 1 on any stale, missing, extra or hand-edited file',
      (y) =>
        fleetRunOptions(y)
          .example('$0 check', 'What CI runs before any plan: customers whose recorded inputs and file hashes match are not rendered')
          .example('$0 check --full', 'Render every customer in memory and compare file by file'),
      async (args) => {
        const a = args as unknown as CommonArgs & FleetRunArgs;
        enterRoot(a, io, []);
        const { fleet, specsDir, outDir } = setup(a);
        const started = process.hrtime.bigint();
        const progress = progressLine(io, 'comparing', !a.quiet && !a.json);
        const { runCheck } = await import('./engine');
        let summary;
        try {
          summary = await runCheck({ specs: [], specsDir, outDir, fleet, full: a.full, jobs: jobsOf(a), onProgress: progress?.update });
        } finally {
          progress?.end();
        }
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const { drift } = summary;
        if (drift.length > 0) code = 1;
        if (a.json) {
          io.out(
            `${JSON.stringify({
              command: 'check',
              customers: summary.customers,
              upToDate: summary.upToDate,
              compared: summary.compared,
              drift: drift.map(({ kind, path, why }) => ({ kind, path, why })),
              seconds: round(seconds),
              workers: summary.pool.workers,
              maxRssMb: maxRssMb(summary.pool),
            })}\n`,
          );
          return;
        }
        if (drift.length > 0) {
          // A generator upgrade makes every customer stale: details for the first ones, a count for the rest.
          const shown = drift.slice(0, DRIFT_SHOWN);
          io.err(`${shown.map((d) => formatDrift(d, outDir)).join('\n')}\n`);
          if (drift.length > shown.length) {
            const kinds = countBy(drift.slice(DRIFT_SHOWN).map((d) => d.kind));
            io.err(`privlink: … and ${drift.length - shown.length} more (${kinds}); \`privlink check --json\` lists them all\n`);
          }
          io.err(`privlink: ${plural(drift.length, 'file')} out of line with the specs; run \`privlink generate\` and commit the result\n`);
          return;
        }
        if (!a.quiet) {
          io.out(
            `privlink: ${outDir}/ matches ${plural(summary.customers, 'spec')} (${summary.upToDate} by recorded inputs and file hashes, ` +
              `${summary.compared} rendered and compared) in ${seconds.toFixed(1)} s\n`,
          );
        }
      },
    )
    .command(
      'plan-guard <plan>',
      'Fail (exit 1, one line per resource) when a plan would destroy or replace a resource that carries traffic',
      (y) =>
        y
          .positional('plan', { type: 'string', describe: 'Output of `terraform show -json PLANFILE`' })
          // One value per flag (`--allow A --allow B`): an array option would also swallow the plan file after it.
          .option('allow', { type: 'string', requiresArg: true, describe: 'Address a reviewed change may destroy or replace (repeat the flag for each)' })
          .option('allow-file', { type: 'string', requiresArg: true, describe: 'File of such addresses, one per line (# comments)' })
          .option('json', JSON_OPTION)
          .example('$0 plan-guard plan.json', 'Refuse any tunnel, gateway or endpoint replacement; the next example lets one reviewed replacement through')
          .example('$0 plan-guard --allow aws_vpn_connection.vpn_a plan.json', ''),
      (args) => {
        const a = args as unknown as CommonArgs & { plan: string; allow?: string | string[]; 'allow-file'?: string | string[]; json: boolean };
        if (Array.isArray(a['allow-file'])) throw new UsageError('--allow-file takes one file; put every address in it');
        const readOrFail = (file: string, what: string) => {
          try {
            return readFileSync(file, 'utf8');
          } catch (err) {
            throw new UsageError(`cannot read ${what} "${file}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
          }
        };
        let plan: unknown;
        try {
          plan = JSON.parse(readOrFail(a.plan, 'plan'));
        } catch (err) {
          if (err instanceof UsageError) throw err;
          throw new UsageError(`${a.plan} is not JSON: expected the output of \`terraform show -json PLANFILE\``);
        }
        const allow = [...([] as string[]).concat(a.allow ?? []), ...(a['allow-file'] ? parseAllowFile(readOrFail(a['allow-file'], 'allow file')) : [])];
        const result = guardPlan(plan, allow);
        if (result.blocked.length > 0 || result.unused.length > 0) code = 1;
        if (a.json) {
          io.out(`${JSON.stringify({ command: 'plan-guard', ok: code === 0, changes: result.changes, blocked: result.blocked, allowed: result.allowed, unused: result.unused })}\n`);
          return;
        }
        for (const hit of result.allowed) io.out(`plan-guard: allowed: ${formatHit(hit)}\n`);
        for (const hit of result.blocked) io.err(`plan-guard: blocked: ${formatHit(hit)}\n`);
        for (const u of result.unused) {
          io.err(`plan-guard: unused allowance ${u}: the plan neither destroys nor replaces it (a typo, or left over from an applied change: remove it)\n`);
        }
        if (result.blocked.length > 0 || result.unused.length > 0) {
          if (result.blocked.length > 0) {
            io.err(
              `plan-guard: ${plural(result.blocked.length, 'resource')} that ${result.blocked.length === 1 ? 'carries' : 'carry'} traffic would go; after review, rerun with ` +
                `${result.blocked.map((h) => `--allow ${h.address}`).join(' ')}\n`,
            );
          }
          return;
        }
        if (!a.quiet) io.out(`plan-guard: ok: ${plural(result.changes, 'resource change')}, nothing that carries traffic destroyed or replaced${result.allowed.length ? ' beyond the allowed' : ''}\n`);
      },
    )
    .command(
      'lint [dir]',
      'Run the security rule pack over generated artifacts (operator JSON, customer modules and their examples): exit 1 on any finding the spec does not except in writing',
      (y) =>
        pathOptions(y, ['config', 'out'])
          .positional('dir', { type: 'string', describe: 'Folder to scan (default: the output folder)' })
          .option('json', JSON_OPTION)
          .example('$0 lint', 'Scan generated/')
          .example('$0 lint generated/acme', 'Scan one customer'),
      async (args) => {
        const a = args as unknown as CommonArgs & { dir?: string; json: boolean };
        [a.dir] = enterRoot(a, io, [a.dir]);
        const dir = a.dir ?? setup(a).outDir;
        if (!existsSync(dir)) throw new UsageError(`no folder "${dir}" to lint`);
        const { RULES, formatFinding, lintDocs, loadArtifacts } = await import('./lint');
        const docs = await loadArtifacts(dir);
        // An empty scan proves nothing: a wrong folder, or output never generated, must not pass as "no findings".
        if (docs.length === 0) {
          throw new Refused(`no generated artifacts in "${dir}" (no operator/*.tf.json, no customer-module/*.tf): run \`privlink generate\` first, or name the output folder`);
        }
        const all = lintDocs(docs);
        const findings = all.filter((f) => f.excepted === undefined);
        const excepted = all.filter((f) => f.excepted !== undefined);
        if (findings.length > 0) code = 1;
        if (a.json) {
          const asJson = (f: (typeof all)[number]) => ({ file: f.file, rule: f.rule.id, mirrors: f.rule.mirrors, message: f.message, ...(f.excepted ? { excepted: f.excepted } : {}) });
          io.out(`${JSON.stringify({ command: 'lint', ok: code === 0, artifacts: docs.length, rules: RULES.length, findings: findings.map(asJson), excepted: excepted.map(asJson) })}\n`);
          return;
        }
        const exceptedNote = excepted.length ? `, ${excepted.length} excepted by the spec` : '';
        if (!a.quiet) for (const f of excepted) io.out(`${formatFinding(f)}\n`);
        for (const f of findings) io.err(`${formatFinding(f)}\n`);
        if (findings.length > 0) {
          io.err(`privlink lint: ${plural(findings.length, 'finding')} in ${plural(new Set(findings.map((f) => f.file)).size, 'artifact')}${exceptedNote}\n`);
          return;
        }
        if (!a.quiet) io.out(`privlink lint: ${plural(docs.length, 'artifact')}, ${RULES.length} rules, no findings${exceptedNote}\n`);
      },
    )
    .command(
      'lab [customer]',
      "Prove a customer's connection on this machine: simulate the apply of its generated operator/cdk.tf.json, bring up every tunnel (strongSwan) and BGP session (BIRD) in network namespaces, resolve every customer hostname from a pod in each source range (dnsmasq serving the generated Cloud DNS zones) and connect to it through the tunnels and the endpoint's security group, check routes, failover and rekey, then tear everything down (needs root; exit 3 when the machine cannot run it)",
      (y) =>
        pathOptions(y, ['config', 'out'])
          .positional('customer', { type: 'string', describe: 'Customer name: reads <out>/<customer>/operator/cdk.tf.json' })
          .option('tf', { type: 'string', describe: 'A cdk.tf.json to use instead (a hand-edited copy, say)' })
          .option('json', { type: 'boolean', default: false, describe: 'Print the report as JSON on stdout' })
          .option('timeout', { type: 'number', default: 20, describe: 'Seconds to wait for tunnels and BGP sessions' })
          .option('keep', { type: 'boolean', default: false, describe: 'Keep the daemon configs and logs (the folder is printed); keys included, so delete it after' })
          .option('install', { type: 'boolean', default: true, describe: 'Install missing Debian packages with apt-get (--no-install: name them and stop)' })
          .example('sudo $0 lab acme', '4 tunnels and 4 BGP sessions for an HA customer, its hostnames resolved and connected, failover and rekey')
          .example('$0 lab acme --json', 'The same, as JSON for CI')
          .example('$0 lab --tf /tmp/miswired.tf.json', 'Try a hand-edited copy of the generated JSON'),
      async (args) => {
        const a = args as unknown as CommonArgs & { customer?: string; tf?: string; json: boolean; timeout: number; keep: boolean; install: boolean };
        if (a.customer === undefined && a.tf === undefined) throw new UsageError('name a customer (privlink lab acme) or give --tf FILE');
        if (!(a.timeout > 0)) throw new UsageError(`--timeout must be a positive number of seconds, got ${a.timeout}`);
        [a.tf] = enterRoot(a, io, [a.tf]);
        const customer = a.customer ?? basename(a.tf!).replace(/\.tf\.json$|\.json$/, '');
        const outDir = setup(a).outDir;
        if (a.tf === undefined && !existsSync(join(outDir, customer))) {
          const known = existsSync(outDir) ? readdirSync(outDir).filter((f) => existsSync(join(outDir, f, 'operator', 'cdk.tf.json'))).sort() : [];
          throw new Refused(
            `no customer "${customer}" in ${outDir}/ (${known.length ? `customers there: ${known.join(', ')}` : 'it holds no generated customer'}); ` +
              'check the name, or run `privlink generate` first',
          );
        }
        const tfFile = a.tf ?? join(outDir, customer, 'operator', 'cdk.tf.json');
        const log = (line: string) => {
          if (!a.quiet && !a.json) io.err(`lab: ${line}\n`);
        };
        const { prepareLab, runLab } = await import('./lab/run');
        const prepared = prepareLab(tfFile);
        const { preflight, LabUnavailable } = await import('./lab/host');
        // Until runLab takes over the signal (and tears down what it started), an interrupt has nothing to undo.
        const closeInterrupt = onInterrupt(() => 'the lab had not started any namespace or daemon yet');
        try {
          log('checking the machine: root, /dev/net/tun, network namespaces, packages');
          const pre = preflight({ install: a.install, log });
          if (pre.installed.length) log(`installed ${pre.installed.join(' ')}`);
          await new Promise((r) => setImmediate(r)); // a Ctrl-C during the checks is handled here, before anything starts
          closeInterrupt();
        } catch (err) {
          closeInterrupt();
          if (!(err instanceof LabUnavailable)) throw err;
          if (a.json) io.out(`${JSON.stringify({ command: 'lab', customer, skipped: true, reason: err.message })}\n`);
          io.err(`privlink lab: this machine cannot run the lab: ${err.message}\n`);
          code = 3;
          return;
        }
        const { formatReport } = await import('./lab/report');
        const report = await runLab({ customer, tfFile, timeoutMs: a.timeout * 1000, keep: a.keep, log }, prepared);
        if (a.json) io.out(`${JSON.stringify({ command: 'lab', ...report }, null, 2)}\n`);
        else io.out(formatReport(report));
        code = report.ok ? 0 : 1;
      },
    )
    .demandCommand(1, `name a command: ${COMMANDS.join(', ')}`)
    .strict()
    .help()
    .alias('help', 'h')
    .version('version', 'Show privlink\'s version', privlinkVersion())
    .wrap(Math.min(110, process.stdout.columns || 110))
    .exitProcess(false)
    .fail((msg, err) => {
      if (!err && command !== undefined && !(COMMANDS as readonly string[]).includes(command)) {
        throw new UsageError(`unknown command "${command}"; the commands are ${COMMANDS.join(', ')}`);
      }
      throw err ?? new UsageError(msg);
    });

  try {
    // The callback receives help text instead of yargs printing it, so output goes through io.
    await parser.parseAsync([...argv], {}, (_err, _args, output) => {
      if (output && !_err) io.out(`${output}\n`);
    });
  } catch (err) {
    code = fail(err instanceof Error && isYargsError(err) ? new UsageError(err.message) : err);
    if (code === 2) io.err('privlink: see privlink --help\n');
  }
  return code;
}

function isYargsError(err: Error): boolean {
  return err.name === 'YError';
}

interface CommitOptions {
  readonly outDir: string;
  readonly specsDir: string;
  /** privlink.yaml, when the run read one: every folder's recorded inputs include it. */
  readonly fleetFile?: string;
  readonly branch?: string;
  readonly prBodyFile?: string;
  readonly io: Io;
}

/** generate --commit: preconditions first, then write, summarize against HEAD, and commit on a new branch. */
async function generateAndCommit(out: FleetOutput, o: CommitOptions): Promise<number> {
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
  for (const f of written.removed) o.io.err(`privlink: removed ${o.outDir}/${f}: privlink does not write it (a hand-added file, or one an older privlink wrote)\n`);
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

/** The CLI's process entry (bin/privlink.js installs the interrupt handler before loading this module). */
export function main(): void {
  exec(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`privlink: internal error: ${String(err)}\n`);
      process.exitCode = 70;
    },
  );
}
