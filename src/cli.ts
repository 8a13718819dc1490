/**
 * Command line: a thin layer over generate.ts and writer.ts. `exec(argv, io)` returns the exit code and never
 * exits the process, so tests drive it directly.
 *
 * Exit codes: 0 success; 1 invalid input (every problem printed as file:line:col), drift (check), a blocked plan
 * (plan-guard), lint findings or a refused precondition (lock held, dirty index…); 2 usage error; 70 internal error.
 */
import yargs from 'yargs';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitBody, commitSubject, prBody, summarizeChange } from './change-summary';
import { commitOnBranch, prepareCommit, repoPath } from './commit';
import { topologyMarkdown } from './render/topology';
import { findDrift, type Drift } from './check';
import { formatHit, guardPlan, parseAllowFile } from './plan-guard';
import { CI_FOLDER } from './domain/constants';
import { loadFleet, DEFAULT_FLEET_FILE, type LoadedFleet } from './fleet/load';
import { generateAll, type CustomerFiles, type FleetOutput } from './generate';
import { InputError, Refused, UsageError, sortProblems, formatProblem } from './spec/problems';
import { writeCustomers } from './writer';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

interface CommonArgs {
  specs: string[];
  config?: string;
  'specs-dir'?: string;
  out?: string;
  debug: boolean;
  quiet: boolean;
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

/** Folder name → files to write: every customer of the run, plus ci/ when the fleet's list is known. */
function folders(out: FleetOutput): Map<string, CustomerFiles> {
  const map = new Map(out.customers.map((g) => [g.name, g.files]));
  if (out.ci && out.ci.size > 0) map.set(CI_FOLDER, out.ci);
  return map;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function formatDrift(d: Drift, outDir: string): string {
  const head = `${outDir}/${d.path}: ${d.kind}: ${d.why}`;
  return d.diff ? `${head}\n${d.diff.replace(/^/gm, '    ')}` : head;
}

export async function exec(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const debug = argv.includes('--debug');
  const fail = (err: unknown): number => {
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
    .option('config', { type: 'string', describe: `Fleet config (default: ${DEFAULT_FLEET_FILE} if it exists, else built-in defaults)` })
    .option('specs-dir', { type: 'string', describe: 'Folder of customer specs (default: paths.specs of the fleet config, "customers")' })
    .option('out', { type: 'string', describe: 'Output folder (default: paths.output of the fleet config, "generated")' })
    .option('debug', { type: 'boolean', default: false, describe: 'Print stack traces of internal errors' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Print only errors' })
    .command(
      'generate [specs..]',
      'Validate specs and write generated/<name>/ for each (no SPEC: every spec in --specs-dir)',
      (y) =>
        y
          .positional('specs', { type: 'string', array: true, default: [] as string[], describe: 'Spec files (customers/<name>.yaml)' })
          .option('commit', { type: 'boolean', default: false, describe: 'Commit the spec and its output on a new branch, with a resource-level change summary' })
          .option('branch', { type: 'string', describe: 'Branch for --commit (default: privlink/<customer>)' })
          .option('pr-body', { type: 'string', describe: 'With --commit: also write the pull-request body (Markdown) to this file' })
          .example('$0 generate', 'Regenerate every customer in customers/ and the CI config in generated/ci/')
          .example('$0 generate customers/acme.yaml', 'Regenerate one customer (and generated/ci/)')
          .example('$0 generate customers/acme.yaml --commit --pr-body pr.md', 'Branch privlink/acme with one commit, ready for a pull request'),
      async (args) => {
        const a = args as unknown as CommonArgs & { commit: boolean; branch?: string; 'pr-body'?: string };
        if (!a.commit && (a.branch !== undefined || a['pr-body'] !== undefined)) throw new UsageError('--branch and --pr-body go with --commit');
        const { fleet, specsDir, outDir } = setup(a);
        const out = generateAll({ specs: a.specs, specsDir, outDir, fleet: fleet.config });
        if (a.commit) {
          code = await generateAndCommit(out, { outDir, specsDir, branch: a.branch, prBodyFile: a['pr-body'], io });
          return;
        }
        const stats = writeCustomers(outDir, folders(out));
        for (const n of stats.notices) io.err(`privlink: ${n}\n`);
        if (out.ciSkipped) io.err(`privlink: warning: ${outDir}/${out.ciSkipped}\n`);
        if (!a.quiet) {
          for (const g of out.customers) io.out(`${outDir}/${g.name}/ (${plural(g.files.size, 'file')})\n`);
          io.out(`privlink: ${plural(out.customers.length, 'customer')}, ${plural(stats.written, 'file')} written, ${stats.unchanged} unchanged\n`);
        }
      },
    )
    .command(
      'validate [specs..]',
      'Check specs without writing anything (no SPEC: every spec in --specs-dir)',
      (y) =>
        y
          .positional('specs', { type: 'string', array: true, default: [] as string[], describe: 'Spec files' })
          .example('$0 validate customers/acme.yaml', 'Check one spec'),
      (args) => {
        const a = args as unknown as CommonArgs;
        const { fleet, specsDir, outDir } = setup(a);
        const out = generateAll({ specs: a.specs, specsDir, outDir, fleet: fleet.config });
        if (!a.quiet) io.out(`privlink: ${plural(out.customers.length, 'spec')} valid${fleet.file ? `, ${fleet.file} valid` : ''}\n`);
      },
    )
    .command(
      'check',
      'Regenerate everything in memory and compare with the output folder: exit 1 on any stale, missing, extra or hand-edited file',
      (y) => y.example('$0 check', 'What CI runs before any plan'),
      (args) => {
        const a = args as unknown as CommonArgs;
        const { fleet, specsDir, outDir } = setup(a);
        const out = generateAll({ specs: [], specsDir, outDir, fleet: fleet.config });
        const drift = findDrift(outDir, folders(out));
        if (drift.length > 0) {
          io.err(`${drift.map((d) => formatDrift(d, outDir)).join('\n')}\n`);
          io.err(`privlink: ${plural(drift.length, 'file')} out of line with the specs; run \`privlink generate\` and commit the result\n`);
          code = 1;
          return;
        }
        if (!a.quiet) io.out(`privlink: ${outDir}/ matches ${plural(out.customers.length, 'spec')}\n`);
      },
    )
    .command(
      'plan-guard <plan>',
      'Fail (exit 1, one line per resource) when a plan would destroy or replace a resource that carries traffic',
      (y) =>
        y
          .positional('plan', { type: 'string', describe: 'Output of `terraform show -json PLANFILE`' })
          .option('allow', { type: 'string', array: true, default: [] as string[], describe: 'Address a reviewed change may destroy or replace (repeatable)' })
          .option('allow-file', { type: 'string', describe: 'File of such addresses, one per line (# comments)' })
          .example('$0 plan-guard plan.json', 'Refuse any tunnel, gateway or endpoint replacement')
          .example('$0 plan-guard plan.json --allow aws_vpn_connection.vpn_a', 'Let one reviewed replacement through'),
      (args) => {
        const a = args as unknown as CommonArgs & { plan: string; allow: string[]; 'allow-file'?: string };
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
        const allow = [...a.allow, ...(a['allow-file'] ? parseAllowFile(readOrFail(a['allow-file'], 'allow file')) : [])];
        const result = guardPlan(plan, allow);
        for (const hit of result.allowed) io.out(`plan-guard: allowed: ${formatHit(hit)}\n`);
        for (const hit of result.blocked) io.err(`plan-guard: blocked: ${formatHit(hit)}\n`);
        for (const u of result.unused) {
          io.err(`plan-guard: unused allowance ${u}: the plan neither destroys nor replaces it (a typo, or left over from an applied change: remove it)\n`);
        }
        if (result.blocked.length > 0 || result.unused.length > 0) {
          if (result.blocked.length > 0) {
            io.err(
              `plan-guard: ${plural(result.blocked.length, 'resource')} that carry traffic would go; after review, rerun with ` +
                `${result.blocked.map((h) => `--allow ${h.address}`).join(' ')}\n`,
            );
          }
          code = 1;
          return;
        }
        if (!a.quiet) io.out(`plan-guard: ok: ${plural(result.changes, 'resource change')}, nothing that carries traffic destroyed or replaced${result.allowed.length ? ' beyond the allowed' : ''}\n`);
      },
    )
    .command(
      'lint [dir]',
      'Run the security rule pack over generated artifacts (operator JSON, customer modules and their examples): exit 1 on any finding the spec does not except in writing',
      (y) =>
        y
          .positional('dir', { type: 'string', describe: 'Folder to scan (default: the output folder)' })
          .example('$0 lint', 'Scan generated/')
          .example('$0 lint generated/acme', 'Scan one customer'),
      async (args) => {
        const a = args as unknown as CommonArgs & { dir?: string };
        const dir = a.dir ?? setup(a).outDir;
        if (!existsSync(dir)) throw new UsageError(`no folder "${dir}" to lint`);
        const { RULES, formatFinding, lintDocs, loadArtifacts } = await import('./lint');
        const docs = await loadArtifacts(dir);
        const all = lintDocs(docs);
        const findings = all.filter((f) => f.excepted === undefined);
        const excepted = all.filter((f) => f.excepted !== undefined);
        const exceptedNote = excepted.length ? `, ${excepted.length} excepted by the spec` : '';
        if (!a.quiet) for (const f of excepted) io.out(`${formatFinding(f)}\n`);
        for (const f of findings) io.err(`${formatFinding(f)}\n`);
        if (findings.length > 0) {
          io.err(`privlink lint: ${plural(findings.length, 'finding')} in ${plural(new Set(findings.map((f) => f.file)).size, 'artifact')}${exceptedNote}\n`);
          code = 1;
          return;
        }
        if (!a.quiet) io.out(`privlink lint: ${plural(docs.length, 'artifact')}, ${RULES.length} rules, no findings${exceptedNote}\n`);
      },
    )
    .demandCommand(1, 'name a command: generate, validate, check, plan-guard or lint')
    .strict()
    .help()
    .alias('help', 'h')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 110))
    .exitProcess(false)
    .fail((msg, err) => {
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
  for (const n of writeCustomers(o.outDir, folders(out)).notices) o.io.err(`privlink: ${n}\n`);
  const summaries = [];
  for (const g of out.customers) summaries.push(await summarizeChange(g.model, previous.get(g.name), g.files, o.specsDir));
  const paths = [
    ...out.customers.flatMap((g) => [repoPath(root, g.model.specFile), repoPath(root, `${o.outDir}/${g.name}`)]),
    repoPath(root, `${o.outDir}/${CI_FOLDER}`),
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
