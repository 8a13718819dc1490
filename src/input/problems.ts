/** A problem in a user's file, reported as `file:line:col: path: message`. */
export interface Problem {
  /** File as the user named it (relative to the working directory when possible). */
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Spec path like `endpoints[1].serviceName`; empty for file-level problems. */
  readonly path: string;
  readonly message: string;
}

/**
 * Text from a user's file made safe for one terminal line: line breaks (\n, \r, NEL, U+2028/2029), ESC, NUL and
 * every other control character become visible escapes, so one problem stays one line and nothing in a spec can
 * clear or recolour the terminal.
 */
export function escapeText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

export function formatProblem(p: Problem): string {
  return escapeText(`${p.file}:${p.line}:${p.col}: ${p.path ? `${p.path}: ` : ''}${p.message}`);
}

/** Sort by file, then position, so reports read top to bottom and are stable. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.message.localeCompare(b.message),
  );
}

/** A mistake in the user's input: the CLI prints the problems (no stack trace) and exits 1. */
export class InputError extends Error {
  constructor(
    readonly problems: readonly Problem[],
    /** What the problems likely mean together (a rename behind allocation conflicts, say), printed after them. */
    readonly notes: readonly string[] = [],
  ) {
    super(sortProblems(problems).map(formatProblem).join('\n'));
    this.name = 'InputError';
  }
}

/** A mistake in how the command was called: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `['endpoints', 1, 'serviceName']` → `endpoints[1].serviceName`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** A precondition is not met (another run holds the lock, the git index is dirty…): nothing was done. Exit 1. */
export class Refused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Refused';
  }
}
