/**
 * The fleet's allocation as a run sees it: what each customer's committed `generated/<name>/allocation.json`
 * records (the prior), which customers an older privlink generated (they keep their own router), and the
 * allocation of every valid spec, with what the clouds would refuse as problems at the spec's line and column.
 * The choosing itself is model/allocation.ts (pure); this file reads the disk and places the findings.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CI_FOLDER, FLEET_FOLDER, HUBS_FOLDER } from '../domain/constants';
import { alertTopicProblems, rolloutProblems, type LoadedFleet } from '../fleet/load';
import type { FleetConfig } from '../fleet/schema';
import { at } from '../input/load';
import { InputError, type Problem } from '../input/problems';
import { ALLOCATION_FILE, allocate, allocationJson, parseAllocation, type Allocation } from '../model/allocation';
import { generatedNotice } from '../render/header';
import { limitFindings } from '../model/limits';
import { MANIFEST_FILE } from '../render/manifest';
import type { ValidatedRun } from './specs';
import { readIfExists } from '../support/files';

export interface DiskAllocations {
  /** Customer name → what its folder's allocation.json records. */
  readonly prior: Map<string, Allocation>;
  /** Folders with a manifest and no allocation.json: written by privlink 0.4.0 or earlier. */
  readonly legacy: Set<string>;
  /** Customer name → the allocation file's text as it is on disk. */
  readonly texts: Map<string, string>;
}

/** Every customer folder's allocation.json (and the folders an older privlink wrote), read once. */
export function readAllocations(outDir: string): DiskAllocations {
  const prior = new Map<string, Allocation>();
  const legacy = new Set<string>();
  const texts = new Map<string, string>();
  let entries: import('node:fs').Dirent[] = [];
  try {
    entries = readdirSync(outDir, { withFileTypes: true });
  } catch {
    entries = [];
  }
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('.') || e.name === CI_FOLDER || e.name === HUBS_FOLDER || e.name === FLEET_FOLDER) continue;
    const text = readIfExists(join(outDir, e.name, ALLOCATION_FILE));
    const a = parseAllocation(text);
    if (text !== undefined) texts.set(e.name, text);
    if (a && a.customer === e.name) prior.set(e.name, a);
    else if (text === undefined && readIfExists(join(outDir, e.name, MANIFEST_FILE)) !== undefined) legacy.add(e.name);
  }
  return { prior, legacy, texts };
}

export interface AllocateOptions {
  readonly outDir: string;
  readonly fleet: FleetConfig;
  /** `generate --reallocate NAME`: allocate these afresh. */
  readonly reallocate?: readonly string[];
  /** The allocations on disk, when the caller has read them already. */
  readonly disk?: DiskAllocations;
  /** privlink.yaml as read: its `rollout.canary` names are checked against the fleet's customers. */
  readonly fleetFile?: LoadedFleet;
}

/**
 * Allocates every valid spec of the run. Throws InputError with the problems of the requested specs (a conflict is
 * reported in every file involved, so a requested spec in conflict with another always sees it).
 */
export function allocateRun(run: ValidatedRun, opts: AllocateOptions): Map<string, Allocation> {
  const disk = opts.disk ?? readAllocations(opts.outDir);
  const names = new Set(run.all.map((s) => s.spec.name));
  const unknown = (opts.reallocate ?? []).filter((n) => !names.has(n));
  if (unknown.length > 0) {
    throw new InputError(unknown.map((n) => ({ file: '--reallocate', line: 1, col: 1, path: '', message: `"${n}" is not a customer of this fleet; customers: ${[...names].sort().join(', ')}` })));
  }
  const result = allocate({
    specs: run.all,
    prior: disk.prior,
    legacy: disk.legacy,
    fleet: opts.fleet,
    reallocate: new Set(opts.reallocate ?? []),
    reserved: [...disk.prior.values()].filter((a) => !names.has(a.customer)),
  });
  const wanted = new Set(run.requested.map((s) => s.file));
  const problems: Problem[] = [...result.findings, ...limitFindings(run.all, opts.fleet)]
    .filter((f) => wanted.has(f.file))
    .map(({ file, finding }) => at(run.sources.get(file)!, finding.path, finding.message, finding.atKey));
  if (opts.fleetFile) {
    problems.push(...rolloutProblems(opts.fleetFile, [...names]));
    problems.push(...alertTopicProblems(opts.fleetFile, run.all.map((s) => ({ name: s.spec.name, region: s.spec.aws.region }))));
  }
  if (problems.length > 0) throw new InputError(problems);
  return result.allocations;
}

type Named = { readonly file: string; readonly spec: { readonly name: string } };

/** Whether a customer's allocation is not what its folder's allocation.json holds (a customer with no folder: true). */
export function allocationChanged(disk: DiskAllocations, s: Named, allocations: ReadonlyMap<string, Allocation>): boolean {
  const a = allocations.get(s.spec.name);
  return a !== undefined && disk.texts.get(s.spec.name) !== allocationJson(a, generatedNotice(s.file));
}

/**
 * Whether an existing customer folder's allocation moved: its router was adopted by its hub, or it was reallocated.
 * A customer without a folder yet has nothing to move.
 */
export const allocationMoved = (disk: DiskAllocations, s: Named, allocations: ReadonlyMap<string, Allocation>): boolean =>
  (disk.texts.has(s.spec.name) || disk.legacy.has(s.spec.name)) && allocationChanged(disk, s, allocations);
