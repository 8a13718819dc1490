/**
 * Command line: `exec(argv, io)` only dispatches. Each command is a module of ./commands with its options as data
 * and a `run(args, io)` that returns the exit code; failures are reported in one place (./io.ts). exec never exits
 * the process, so tests drive it directly.
 *
 * Exit codes (README.md, "Exit codes, problems and --json"): 0 success; 1 invalid input (every problem printed as file:line:col), drift
 * (check), a blocked plan (plan-guard), lint findings or a refused precondition (lock held, dirty index…);
 * 2 usage error; 3 a machine that cannot run the lab; 130 interrupted; 70 internal error.
 */
import yargs from 'yargs';
import { readFileSync } from 'node:fs';
import { packagePath } from '../support/package-root';
import { UsageError } from '../input/problems';
import { check } from './commands/check';
import { generate } from './commands/generate';
import { lab } from './commands/lab';
import { lint } from './commands/lint';
import { planGuard } from './commands/plan-guard';
import { status } from './commands/status';
import { plan } from './commands/plan';
import { validate } from './commands/validate';
import { processIo, reportFailure, type Io } from './io';
import { GLOBAL_OPTIONS, VALUE_OPTIONS, commandName, type Command } from './options';

export type { Io } from './io';

/** The commands, in the order --help lists them. */
const COMMANDS: readonly Command<never>[] = [generate, validate, check, status, plan, planGuard, lint, lab] as unknown as Command<never>[];
const NAMES = COMMANDS.map(commandName);

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
  return (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
}

export async function exec(argv: readonly string[], realIo: Io = processIo): Promise<number> {
  let code = 0;
  const command = commandOf(argv);
  // With --json, stdout carries exactly one JSON document, failures included; the text report still goes to stderr.
  const json = argv.includes('--json');
  let printed = false;
  let buffered = '';
  // With --json the command's document is held until its exit code is known, so `ok` and `exitCode` can agree with it.
  const io: Io = json ? { ...realIo, out: (t) => ((printed = true), (buffered += t)) } : realIo;

  const parser = yargs()
    .scriptName('privlink')
    .usage('$0 <command> [options]\n\nGenerate the Terraform for private connectivity to customer services on AWS from one YAML spec per customer.')
    .options(GLOBAL_OPTIONS);
  for (const c of COMMANDS) {
    parser.command(
      c.usage,
      c.describe,
      (y) => {
        for (const [name, p] of Object.entries(c.positionals ?? {})) y.positional(name, p);
        y.options(c.options);
        for (const [cmd, what] of c.examples) y.example(cmd, what);
        return y;
      },
      async (args) => {
        code = await c.run(args as never, io);
      },
    );
  }
  parser
    .demandCommand(1, `name a command: ${NAMES.join(', ')}`)
    .strict()
    .help()
    .alias('help', 'h')
    .version('version', "Show privlink's version", privlinkVersion())
    .wrap(Math.min(110, process.stdout.columns || 110))
    .exitProcess(false)
    .fail((msg, err) => {
      if (!err && command !== undefined && !NAMES.includes(command)) {
        throw new UsageError(`unknown command "${command}"; the commands are ${NAMES.join(', ')}`);
      }
      throw err ?? new UsageError(msg);
    });

  try {
    // The callback receives help text instead of yargs printing it, so output goes through io.
    await parser.parseAsync([...argv], {}, (_err, _args, output) => {
      if (output && !_err) io.out(`${output}\n`);
    });
  } catch (err) {
    const failure = err instanceof Error && err.name === 'YError' ? new UsageError(err.message) : err;
    code = reportFailure(failure, { io, command, debug: argv.includes('--debug'), json: json && !printed });
  }
  if (json && buffered !== '') realIo.out(withJsonContract(buffered, code));
  return code;
}

/**
 * The one `--json` contract (README.md, "Exit codes, problems and --json"): the document on stdout says `"ok": true`
 * exactly when the exit status is 0, and carries `exitCode` equal to the exit status when it is not. Applied here,
 * once, to whatever document a command printed; output that is not one JSON object (help text) passes unchanged.
 */
export function withJsonContract(text: string, code: number): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return text;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return text;
  const { command, ok: _ok, exitCode: _exitCode, ...rest } = doc as Record<string, unknown>;
  const fixed = { ...(command !== undefined ? { command } : {}), ok: code === 0, ...(code !== 0 ? { exitCode: code } : {}), ...rest };
  const pretty = text.trim().includes('\n');
  return `${JSON.stringify(fixed, null, pretty ? 2 : undefined)}\n`;
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
