/** Where a command runs and what it reads first: the repository root, the fleet config, the folders it names. */
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { DEFAULT_SPECS_DIR, FLEET_FILE } from '../domain/constants';
import type { LoadedFleet } from '../fleet/load';
import { UsageError } from '../input/problems';
import { defaultJobs } from '../support/process';
import { findRoot } from '../pipeline/workspace';
import type { Io } from './io';
import type { CommonArgs } from './options';

/** The fleet config and the folders it names; command-line flags win over privlink.yaml. */
export interface Setup {
  readonly fleet: LoadedFleet;
  readonly specsDir: string;
  readonly outDir: string;
}

export function setup(a: CommonArgs): Setup {
  // Loaded on first use: --help and --version never pay for the schemas.
  const { loadFleet } = require('../fleet/load') as typeof import('../fleet/load');
  const fleet = loadFleet(a.config);
  return { fleet, specsDir: a['specs-dir'] ?? fleet.config.paths.specs, outDir: a.out ?? fleet.config.paths.output };
}

/**
 * A run started in a subfolder of the repository moves to its root first (workspace.ts), so it reads privlink.yaml,
 * checks the spec against the whole fleet and writes the one output tree. `paths` (files the user named, relative
 * to where they ran privlink) come back valid from the root. With --config, --specs-dir or --out the user has said
 * where things are, relative to the working directory, and nothing moves.
 */
export function enterRoot<T extends string | undefined>(a: CommonArgs, io: Io, paths: readonly T[]): T[] {
  if (a.config !== undefined || a['specs-dir'] !== undefined || a.out !== undefined) return [...paths];
  const cwd = process.cwd();
  const root = findRoot(cwd);
  if (root === undefined || root === cwd) return [...paths];
  const moved = paths.map((p) => (p === undefined ? p : resolve(cwd, p))) as T[];
  process.chdir(root);
  if (!a.quiet) io.err(`privlink: working in ${relative(cwd, root)}/, the repository root (it holds ${existsSync(FLEET_FILE) ? FLEET_FILE : `${DEFAULT_SPECS_DIR}/`})\n`);
  return moved;
}

export function jobsOf(a: { jobs?: number }): number {
  if (a.jobs === undefined) return defaultJobs();
  if (!Number.isInteger(a.jobs) || a.jobs < 1) throw new UsageError(`--jobs must be a whole number of at least 1, got ${a.jobs}`);
  return a.jobs;
}
