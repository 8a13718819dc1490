/**
 * Command line: a thin layer over generate.ts and writer.ts. `exec(argv, io)` returns the exit code and never
 * exits the process, so tests drive it directly.
 *
 * Exit codes: 0 success, 1 invalid input (every problem printed as file:line:col), 2 usage error.
 */
import yargs from 'yargs';
import { DEFAULT_OUT_DIR, DEFAULT_SPECS_DIR, generateAll } from './generate';
import { InputError, UsageError, sortProblems, formatProblem } from './spec/problems';
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
  'specs-dir': string;
  debug: boolean;
  quiet: boolean;
}

export async function exec(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const debug = argv.includes('--debug');
  const fail = (err: unknown): number => {
    if (err instanceof InputError) {
      const problems = sortProblems(err.problems);
      io.err(`${problems.map(formatProblem).join('\n')}\n`);
      const files = new Set(problems.map((p) => p.file)).size;
      io.err(`privlink: ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}; nothing was written\n`);
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
    .option('specs-dir', { type: 'string', default: DEFAULT_SPECS_DIR, describe: 'Folder of customer specs (used when no SPEC is named, and for cross-spec checks)' })
    .option('debug', { type: 'boolean', default: false, describe: 'Print stack traces of internal errors' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Print only errors' })
    .command(
      'generate [specs..]',
      'Validate specs and write generated/<name>/ for each (no SPEC: every spec in --specs-dir)',
      (y) =>
        y
          .positional('specs', { type: 'string', array: true, default: [] as string[], describe: 'Spec files (customers/<name>.yaml)' })
          .option('out', { type: 'string', default: DEFAULT_OUT_DIR, describe: 'Output folder' })
          .example('$0 generate', 'Regenerate every customer in customers/')
          .example('$0 generate customers/acme.yaml', 'Regenerate one customer'),
      (args) => {
        const a = args as unknown as CommonArgs & { out: string };
        const generated = generateAll({ specs: a.specs, specsDir: a['specs-dir'] });
        const stats = writeCustomers(a.out, new Map(generated.map((g) => [g.name, g.files])));
        if (!a.quiet) {
          for (const g of generated) io.out(`${a.out}/${g.name}/ (${g.files.size} files)\n`);
          io.out(`privlink: ${generated.length} customer${generated.length === 1 ? '' : 's'}, ${stats.written} file${stats.written === 1 ? '' : 's'} written, ${stats.unchanged} unchanged\n`);
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
        const generated = generateAll({ specs: a.specs, specsDir: a['specs-dir'] });
        if (!a.quiet) io.out(`privlink: ${generated.length} spec${generated.length === 1 ? '' : 's'} valid\n`);
      },
    )
    .demandCommand(1, 'name a command: generate or validate')
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
