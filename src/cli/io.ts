/**
 * What every command shares for talking to the user: the output streams, the progress line, and one way of
 * reporting a failure (text on stderr; with --json also one JSON document on stdout).
 */
import { escapeText, InputError, Refused, UsageError, formatProblem, sortProblems } from '../input/problems';
import type { PoolStats } from '../run/pool';
import { plural } from '../support/words';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stderr is a terminal: long runs show progress there. */
  readonly progress?: boolean;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  progress: process.stderr.isTTY === true,
};

/**
 * A one-line progress display on stderr (count, rate, ETA), redrawn at most ten times a second; undefined when
 * stderr is not a terminal, or with --quiet or --json.
 */
export function progressLine(io: Io, what: string, enabled: boolean): { update: (done: number, total: number) => void; end: () => void } | undefined {
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

/** The exit code of a failure: see README.md, "Exit codes, problems and --json". */
export function exitCodeOf(err: unknown): number {
  if (err instanceof InputError || err instanceof Refused) return 1;
  if (err instanceof Error && ['LabInputError', 'LabFileError'].includes(err.name)) return 1;
  if (err instanceof Error && err.name === 'LabInterrupted') return 130;
  if (err instanceof UsageError) return 2;
  return 70;
}

export interface FailureContext {
  readonly io: Io;
  readonly command: string | undefined;
  readonly debug: boolean;
  /** --json, and nothing printed on stdout yet: the failure is the one JSON document. */
  readonly json: boolean;
}

/** Reports a failure the way every command does, and returns its exit code. */
export function reportFailure(err: unknown, c: FailureContext): number {
  const code = exitCodeOf(err);
  if (c.json) {
    // The same escaped text as on stderr (formatProblem): a control character in a file name reads alike in both.
    const problems = err instanceof InputError ? sortProblems(err.problems).map((p) => ({ ...p, file: escapeText(p.file), path: escapeText(p.path), message: escapeText(p.message) })) : [];
    const detail = err instanceof InputError ? { problems } : { error: err instanceof Error ? err.message : String(err) };
    c.io.out(`${JSON.stringify({ command: c.command ?? null, ok: false, exitCode: code, ...detail })}\n`);
  }
  const { io } = c;
  if (err instanceof InputError) {
    const problems = sortProblems(err.problems);
    io.err(`${problems.map(formatProblem).join('\n')}\n`);
    for (const note of err.notes) io.err(`privlink: note: ${note}\n`);
    io.err(`privlink: ${plural(problems.length, 'problem')} in ${plural(new Set(problems.map((p) => p.file)).size, 'file')}; nothing was written\n`);
  } else if (err instanceof Refused) {
    io.err(`privlink: ${err.message}\n`);
  } else if (err instanceof Error && ['LabInputError', 'LabFileError'].includes(err.name)) {
    io.err(`privlink lab: ${err.message.split('\n').join('\nprivlink lab: ')}\n`);
  } else if (err instanceof Error && err.name === 'LabInterrupted') {
    io.err(`privlink lab: ${err.message}\n`);
  } else if (err instanceof UsageError) {
    io.err(`privlink: ${err.message}\nprivlink: see privlink --help\n`);
  } else {
    io.err(`privlink: internal error: ${(err as Error).message ?? String(err)}\n`);
    io.err(c.debug ? `${(err as Error).stack ?? ''}\n` : 'privlink: run again with --debug for the stack trace\n');
  }
  return code;
}

/** Wall seconds since `started` (process.hrtime.bigint()). */
export const secondsSince = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;
export const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

/**
 * How a run names a file it removed from the output: one privlink wrote and no longer does (`obsolete`: its manifest
 * listed it, as an endpoint's example once the endpoint is gone), or one privlink never wrote.
 */
export const removedLine = (outDir: string, file: string, obsolete: readonly string[] = []) =>
  obsolete.includes(file)
    ? `privlink: removed ${outDir}/${file}: privlink wrote it and no longer does (what it was for is gone from the spec, or this privlink writes it no more)\n`
    : `privlink: removed ${outDir}/${file}: privlink does not write it (a hand-added file, or one an older privlink wrote without recording it)\n`;

/** Peak RSS of the largest process of the run (this one or a worker), in MiB. */
export const maxRssMb = (pool: PoolStats) => Math.round(Math.max(process.resourceUsage().maxRSS, pool.workerMaxRssKb) / 1024);
