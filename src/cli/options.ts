/**
 * Option definitions as data: each command lists the ones it takes, so --help shows only what a command uses.
 */
import type { Options, PositionalOptions } from 'yargs';
import { FLEET_FILE as DEFAULT_FLEET_FILE } from '../domain/constants';
import { defaultJobs } from '../support/process';

/** Where the fleet config, the specs and the output are. */
export const PATH_OPTIONS = {
  config: { type: 'string', requiresArg: true, describe: `Fleet config (default: ${DEFAULT_FLEET_FILE} at the repository root if it exists, else built-in defaults)` },
  'specs-dir': { type: 'string', requiresArg: true, describe: 'Folder of customer specs (default: paths.specs of the fleet config, "customers")' },
  out: { type: 'string', requiresArg: true, describe: 'Output folder (default: paths.output of the fleet config, "generated")' },
} as const satisfies Record<string, Options>;

export type PathOption = keyof typeof PATH_OPTIONS;

export const pathOptions = (...names: PathOption[]): Record<string, Options> => Object.fromEntries(names.map((n) => [n, PATH_OPTIONS[n]]));

/** Options every command takes. */
export const GLOBAL_OPTIONS = {
  debug: { type: 'boolean', default: false, describe: 'Print stack traces of internal errors' },
  quiet: { alias: 'q', type: 'boolean', default: false, describe: 'Print only errors' },
} as const satisfies Record<string, Options>;

export const JSON_OPTION = {
  json: { type: 'boolean', default: false, describe: 'Print a machine-readable result on stdout (problems included) instead of the text report' },
} as const satisfies Record<string, Options>;

/** The fleet runs (generate, check). */
export const FLEET_RUN_OPTIONS = {
  ...pathOptions('config', 'specs-dir', 'out'),
  full: { type: 'boolean', default: false, describe: 'Render every customer, ignoring the inputs recorded in each manifest' },
  jobs: { alias: 'j', type: 'number', requiresArg: true, describe: `Worker processes at most (default: the number of cores, ${defaultJobs()} here)` },
  ...JSON_OPTION,
} as const satisfies Record<string, Options>;

/** Value options anywhere on the command line, so that the word after them is not taken for the command. */
export const VALUE_OPTIONS: ReadonlySet<string> = new Set(Object.keys(PATH_OPTIONS).map((k) => `--${k}`));

/** Arguments every command receives. */
export interface CommonArgs {
  config?: string;
  'specs-dir'?: string;
  out?: string;
  debug: boolean;
  quiet: boolean;
  json?: boolean;
}

export interface FleetRunArgs extends CommonArgs {
  full: boolean;
  jobs?: number;
  json: boolean;
}

/** A command: its yargs spelling, help, options and examples as data, and what it does. */
export interface Command<A = never> {
  /** yargs command string, e.g. `generate [specs..]`. */
  readonly usage: string;
  readonly describe: string;
  readonly positionals?: Readonly<Record<string, PositionalOptions>>;
  readonly options: Readonly<Record<string, Options>>;
  readonly examples: readonly (readonly [string, string])[];
  run(args: A, io: import('./io').Io): Promise<number>;
}

/** The command word of a Command (`generate [specs..]` → `generate`). */
export const commandName = (c: Command<never>) => c.usage.split(' ')[0]!;
