/**
 * Fleet runs of `generate` and `check`, incremental by content addressing (fingerprint.ts) and parallel across
 * worker processes (pool.ts).
 *
 *   generate  validates every spec (cross-spec rules need them all), skips each customer whose recorded inputs
 *             equal the current ones and whose folder is intact, renders the rest, stages only the folders that
 *             differ from disk, and swaps them in as one atomic commit (writer.ts). --full renders everything.
 *   check     first without parsing a single spec: a customer whose spec bytes, privlink.yaml and privlink
 *             itself hash as its manifest records, and whose files hash as recorded, is up to date. Every other
 *             customer (and --full: every customer) is validated, rendered in memory and compared file by file.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { folderDrift, folderIntact, folderMatches, runDrift, topLevelDrift, type Drift } from './check';
import { WorkerPool, runTasks, workersFor, type PoolStats } from './pool';
import { allocateRun, allocationChanged, allocationMoved, readAllocations } from '../pipeline/allocations';
import { orphanNote, withOrphanNote } from '../pipeline/orphans';
import { CI_FOLDER, FLEET_FOLDER, HUBS_FOLDER } from '../domain/constants';
import { ciInputs, costFact, customerInputs, fleetInputs, hubsInputs, sameInputs, type Inputs } from '../pipeline/fingerprint';
import { ALLOCATION_FILE, hubsOf, parseAllocation, type Allocation } from '../model/allocation';
import type { LoadedFleet } from '../fleet/load';
import { discoverSpecs, displayPath, namedSpecs, validateRun } from '../pipeline/specs';

/** The renderers, loaded when a run first renders (check of an unchanged fleet never does). */
const renderers = () => require('../pipeline/generate') as typeof import('../pipeline/generate');
import { MANIFEST_FILE, parseManifest, textSha256, type Manifest } from '../render/manifest';
import { abortOutput, commitOutput, openOutput, pauseForTest, readIfExists, stageFolder } from './writer';

export interface RunSettings {
  /** Spec files named on the command line; empty: every spec of specsDir. */
  readonly specs: readonly string[];
  readonly specsDir: string;
  readonly outDir: string;
  readonly fleet: LoadedFleet;
  /** Render every customer, whatever the recorded inputs say. */
  readonly full: boolean;
  /** Worker processes at most. */
  readonly jobs: number;
  /** `generate --reallocate NAME`: allocate these customers afresh. */
  readonly reallocate?: readonly string[];
  /** Called as customers finish rendering (done of total). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface GenerateSummary {
  readonly customers: number;
  /** Skipped: recorded inputs equal and folder intact. */
  readonly upToDate: number;
  readonly rendered: number;
  /** Folders swapped in (those that differed from disk), ci/ included. */
  readonly foldersWritten: string[];
  readonly filesWritten: number;
  readonly filesUnchanged: number;
  /** Files the swap removed (paths under outDir): privlink no longer writes them, or they were never its own. */
  readonly filesRemoved: string[];
  /** Those of them privlink wrote itself (obsolete now, not hand-added). */
  readonly filesObsolete: string[];
  readonly notices: string[];
  readonly ciSkipped?: string;
  readonly pool: PoolStats;
}

const manifestOf = (outDir: string, folder: string): Manifest | undefined => parseManifest(readIfExists(join(outDir, folder, MANIFEST_FILE)));

/** A folder generated from exactly these inputs and untouched since. */
function upToDate(outDir: string, folder: string, inputs: Inputs): boolean {
  const m = manifestOf(outDir, folder);
  return m !== undefined && sameInputs(m.inputs, inputs) && folderIntact(join(outDir, folder), m);
}

/**
 * Why a customer's folder is not what its spec generates now (its spec, privlink.yaml or privlink changed since, or a
 * file was edited), or undefined when it is: the lab brings up only output that matches its spec.
 */
export function customerStale(outDir: string, name: string, fleetBytes: Buffer): string | undefined {
  const m = manifestOf(outDir, name);
  if (!m?.spec || !m.inputs) return `${outDir}/${name}/${MANIFEST_FILE} is missing or unreadable`;
  let specBytes: Buffer;
  try {
    specBytes = readFileSync(m.spec.file);
  } catch {
    return `its spec ${m.spec.file} is gone`;
  }
  const inputs = customerInputs(textSha256(specBytes), fleetBytes);
  if (!sameInputs(m.inputs, inputs)) return `${m.spec.file}, privlink.yaml or privlink changed since ${outDir}/${name}/ was generated`;
  if (!folderIntact(join(outDir, name), m)) return `a file of ${outDir}/${name}/ was edited or removed since it was generated`;
  return undefined;
}

/** Spec files split by what their folders' manifests record, before any spec is parsed. */
interface Scan {
  /** Spec file → customer name, for folders proven up to date. */
  readonly clean: Map<string, string>;
  /** Spec file → its bytes' SHA-256 and whether its manifest records a decommission, for the clean ones. */
  readonly cleanFacts: Map<string, { readonly sha: string; readonly decommission: boolean; readonly cost?: Manifest['cost'] }>;
  readonly dirty: Set<string>;
}

/**
 * Which spec files need rendering: a spec is clean when some folder's manifest names it, records the current
 * inputs (spec bytes, fleet config, generator) and every file of that folder still hashes as recorded.
 */
function scanInputs(outDir: string, files: readonly string[], fleetBytes: Buffer, full: boolean): Scan {
  const clean = new Map<string, string>();
  const cleanFacts = new Map<string, { sha: string; decommission: boolean; cost?: Manifest['cost'] }>();
  const dirty = new Set<string>();
  if (full) return { clean, cleanFacts, dirty: new Set(files) };
  const byFile = new Map<string, { folder: string; manifest: Manifest }>();
  for (const e of safeReaddir(outDir)) {
    if (!e.isDirectory() || e.name.startsWith('.') || e.name === CI_FOLDER) continue;
    const manifest = manifestOf(outDir, e.name);
    if (manifest?.spec?.file) byFile.set(manifest.spec.file, { folder: e.name, manifest });
  }
  for (const file of files) {
    const hit = byFile.get(file);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      dirty.add(file); // validation reports it
      continue;
    }
    const sha = textSha256(bytes);
    const inputs = customerInputs(sha, fleetBytes);
    if (hit && sameInputs(hit.manifest.inputs, inputs) && folderIntact(join(outDir, hit.folder), hit.manifest)) {
      clean.set(file, hit.manifest.customer ?? hit.folder);
      cleanFacts.set(file, { sha, decommission: hit.manifest.decommission === true, ...(hit.manifest.cost ? { cost: hit.manifest.cost } : {}) });
    } else dirty.add(file);
  }
  return { clean, cleanFacts, dirty };
}

const requestedFiles = (s: RunSettings) => (s.specs.length > 0 ? namedSpecs(s.specs, s.specsDir).files : discoverSpecs(s.specsDir).map((f) => displayPath(f)));

export async function runGenerate(s: RunSettings): Promise<GenerateSummary> {
  const fleetBytes = s.fleet.bytes;
  const scan = scanInputs(s.outDir, requestedFiles(s), fleetBytes, s.full);
  const workers = workersFor(scan.dirty.size, s.jobs);
  const pool = workers > 0 ? new WorkerPool(workers) : undefined;
  let run;
  let allocations: Map<string, Allocation>;
  const disk = readAllocations(s.outDir);
  try {
    run = validateRun({ ...s, insideSpecsDir: true });
    allocations = allocateRun(run, { outDir: s.outDir, fleet: s.fleet.config, fleetFile: s.fleet, disk, ...(s.reallocate ? { reallocate: s.reallocate } : {}) });
  } catch (err) {
    pool?.close();
    // A renamed live customer collides with its own old folder's allocation: say that this is what it is.
    throw withOrphanNote(err, s.outDir, s.specsDir, run?.all); // nothing written, not even the output folder
  }
  // A customer whose allocation is not what its folder records renders again: reallocated, first allocated, or (named
  // or not) one whose own router its hub adopts now that another customer joins its network.
  const adopted = run.all.filter((spec) => !run.requested.includes(spec) && allocationMoved(disk, spec, allocations));
  for (const spec of [...run.requested, ...adopted]) if (allocationChanged(disk, spec, allocations)) scan.dirty.add(spec.file);
  // A live customer whose spec is gone (deleted, or renamed): say what it means now, not first at `check`.
  const orphans = orphanNote(s.outDir, s.specsDir, run.all);
  const orphanNotice = orphans === undefined ? [] : [`warning: ${orphans}`];
  const output = openOutput(s.outDir);
  const ctx = { mode: 'generate' as const, outDir: s.outDir, staging: output.staging, fleet: s.fleet.config };
  pool?.init(ctx);
  try {
    const tasks = [...run.requested, ...adopted]
      .filter((spec) => scan.dirty.has(spec.file))
      .map((spec) => ({ file: spec.file, spec: spec.spec, inputs: customerInputs(spec.sha256, fleetBytes), allocation: allocations.get(spec.spec.name)! }));
    const { results, stats } = await runTasks(tasks, ctx, pool, (done) => s.onProgress?.(done, tasks.length));
    const staged = results.filter((r) => r.staged).map((r) => r.name);
    let filesWritten = results.reduce((n, r) => n + r.written, 0);
    let filesUnchanged = results.reduce((n, r) => n + r.unchanged, 0);
    const filesRemoved = results.flatMap((r) => r.removed);
    const filesObsolete = results.flatMap((r) => r.obsolete);
    /** Stages a fleet-wide folder when it differs from disk (an empty one then takes the folder away). */
    const stageFleetFolder = (folder: string, files: Map<string, string>) => {
      if (folderMatches(s.outDir, folder, files)) {
        filesUnchanged += files.size;
        return;
      }
      const counts = stageFolder(s.outDir, output.staging, folder, files);
      filesWritten += counts.written;
      filesUnchanged += counts.unchanged;
      filesRemoved.push(...counts.removed);
      filesObsolete.push(...counts.obsolete);
      staged.push(folder);
    };
    if (!run.ciSkipped) {
      const ci = renderers().renderCiFolder(renderers().ciFacts(run.all, allocations, s.fleet.config.rollout.canary), { ...s, fleet: s.fleet.config, fleetBytes });
      if (ci.size > 0) stageFleetFolder(CI_FOLDER, ci);
      stageFleetFolder(HUBS_FOLDER, renderers().renderHubsFolder(run.all, allocations, { ...s, fleet: s.fleet.config, fleetBytes }));
      stageFleetFolder(FLEET_FOLDER, renderers().renderFleetFolder(run.all, allocations, { ...s, fleet: s.fleet.config, fleetBytes }));
    }
    pool?.close();
    await pauseForTest();
    commitOutput(output, staged);
    return {
      customers: run.requested.length + adopted.length,
      upToDate: run.requested.length + adopted.length - tasks.length,
      rendered: tasks.length,
      foldersWritten: staged,
      filesWritten,
      filesUnchanged,
      filesRemoved: filesRemoved.sort(),
      filesObsolete,
      notices: [...orphanNotice, ...output.notices],
      ...(run.ciSkipped ? { ciSkipped: run.ciSkipped } : {}),
      pool: stats,
    };
  } catch (err) {
    pool?.close();
    abortOutput(output);
    throw err;
  }
}

export interface CheckSummary {
  readonly customers: number;
  /** Proven up to date from recorded inputs and file hashes, without rendering. */
  readonly upToDate: number;
  /** Rendered in memory and compared file by file. */
  readonly compared: number;
  readonly drift: Drift[];
  readonly pool: PoolStats;
}

export async function runCheck(s: RunSettings): Promise<CheckSummary> {
  const files = discoverSpecs(s.specsDir).map((f) => displayPath(f));
  const fleetBytes = s.fleet.bytes;
  const scan = scanInputs(s.outDir, files, fleetBytes, s.full);
  const ciWanted = s.fleet.config.ci.atlantis || s.fleet.config.ci.githubActions;
  const interrupted = runDrift(s.outDir);
  if (scan.dirty.size === 0 && interrupted.length === 0) {
    const names = [...scan.clean.values()];
    const expected = new Set([...names, ...(ciWanted ? [CI_FOLDER] : [])]);
    const hubs = hubsOnDisk(s.outDir, scan, fleetBytes, s.fleet.config.rollout.canary);
    const ciClean = !ciWanted || upToDate(s.outDir, CI_FOLDER, ciInputs({ names, hubs: hubs.ids, leaving: hubs.leaving, canaryHubs: hubs.canaryHubs }, fleetBytes));
    if (hubs.present) expected.add(HUBS_FOLDER);
    const fleetFolder = fleetOnDisk(s.outDir, scan, fleetBytes);
    if (fleetFolder.present) expected.add(FLEET_FOLDER);
    if (ciClean && hubs.clean && fleetFolder.clean && topLevelDrift(s.outDir, expected).length === 0) {
      return { customers: files.length, upToDate: files.length, compared: 0, drift: [], pool: { workers: 0, workerMaxRssKb: 0 } };
    }
  }
  // Validate everything (cross-spec rules), render the dirty customers and compare them file by file.
  const ctx = { mode: 'check' as const, outDir: s.outDir, fleet: s.fleet.config };
  const workers = workersFor(scan.dirty.size, s.jobs);
  const pool = workers > 0 ? new WorkerPool(workers).init(ctx) : undefined;
  try {
    const run = validateRun({ specs: [], specsDir: s.specsDir });
    const disk = readAllocations(s.outDir);
    const allocations = allocateRun(run, { outDir: s.outDir, fleet: s.fleet.config, fleetFile: s.fleet, disk });
    for (const spec of run.requested) if (allocationChanged(disk, spec, allocations)) scan.dirty.add(spec.file);
    const tasks = run.requested
      .filter((spec) => scan.dirty.has(spec.file))
      .map((spec) => ({ file: spec.file, spec: spec.spec, inputs: customerInputs(spec.sha256, fleetBytes), allocation: allocations.get(spec.spec.name)! }));
    const { results, stats } = await runTasks(tasks, ctx, pool, (done) => s.onProgress?.(done, tasks.length));
    const ci = renderers().renderCiFolder(renderers().ciFacts(run.all, allocations, s.fleet.config.rollout.canary), { ...s, fleet: s.fleet.config, fleetBytes });
    const hubs = renderers().renderHubsFolder(run.all, allocations, { ...s, fleet: s.fleet.config, fleetBytes });
    const fleetFiles = renderers().renderFleetFolder(run.all, allocations, { ...s, fleet: s.fleet.config, fleetBytes });
    const expected = new Set([...run.names, ...(ci.size > 0 ? [CI_FOLDER] : []), ...(hubs.size > 0 ? [HUBS_FOLDER] : []), ...(fleetFiles.size > 0 ? [FLEET_FOLDER] : [])]);
    const byFolder: [string, Drift[]][] = results.map((r) => [r.name, r.drift]);
    if (ci.size > 0) byFolder.push([CI_FOLDER, folderDrift(s.outDir, CI_FOLDER, ci)]);
    if (hubs.size > 0) byFolder.push([HUBS_FOLDER, folderDrift(s.outDir, HUBS_FOLDER, hubs)]);
    if (fleetFiles.size > 0) byFolder.push([FLEET_FOLDER, folderDrift(s.outDir, FLEET_FOLDER, fleetFiles)]);
    const drift = [...interrupted, ...topLevelDrift(s.outDir, expected), ...byFolder.sort(([a], [b]) => a.localeCompare(b)).flatMap(([, d]) => d)];
    return { customers: files.length, upToDate: files.length - tasks.length, compared: tasks.length, drift, pool: stats };
  } finally {
    pool?.close();
  }
}

/**
 * generated/hubs/ against the disk, without parsing a spec: its manifest must record the inputs that the clean
 * customers' allocation files and spec bytes give now, and its files must be intact. Two pull requests that
 * allocated at once never both match: the merged hubs manifest records at most one of them.
 */
function hubsOnDisk(outDir: string, scan: Scan, fleetBytes: Buffer, canaries: readonly string[] = []): { present: boolean; clean: boolean; ids: string[]; leaving: string[]; canaryHubs: string[] } {
  const entries: { name: string; specSha: string; allocation: string }[] = [];
  const ids = new Set<string>();
  const leaving: string[] = [];
  const canaryHubs = new Set<string>();
  for (const [file, name] of scan.clean) {
    const text = readIfExists(join(outDir, name, ALLOCATION_FILE));
    const a = parseAllocation(text);
    const facts = scan.cleanFacts.get(file)!;
    if (!a) return { present: false, clean: false, ids: [], leaving: [], canaryHubs: [] };
    if (facts.decommission) leaving.push(name);
    const hubs = hubsOf(a);
    if (hubs.length === 0) continue;
    for (const hub of hubs) ids.add(hub);
    if (canaries.includes(name)) for (const hub of hubs) canaryHubs.add(hub);
    entries.push({ name, specSha: facts.sha, allocation: text! });
  }
  const facts = { ids: [...ids].sort(), leaving: leaving.sort(), canaryHubs: [...canaryHubs].sort() };
  const m = manifestOf(outDir, HUBS_FOLDER);
  if (entries.length === 0) return { present: false, clean: m === undefined && safeReaddir(join(outDir, HUBS_FOLDER)).length === 0, ...facts };
  return { present: true, clean: m !== undefined && sameInputs(m.inputs, hubsInputs(entries, fleetBytes)) && folderIntact(join(outDir, HUBS_FOLDER), m), ...facts };
}

/**
 * generated/fleet/ against the disk, without parsing a spec: its manifest must record the inputs every clean
 * customer's allocation file and spec bytes give now (the cost summary depends on all of them), its files intact.
 */
function fleetOnDisk(outDir: string, scan: Scan, fleetBytes: Buffer): { present: boolean; clean: boolean } {
  const entries: { name: string; cost: string }[] = [];
  for (const [file, name] of scan.clean) {
    const facts = scan.cleanFacts.get(file)!;
    if (!facts.cost) return { present: true, clean: false };
    entries.push({ name, cost: costFact(facts.cost, facts.decommission) });
  }
  const m = manifestOf(outDir, FLEET_FOLDER);
  if (entries.length === 0) return { present: false, clean: m === undefined && safeReaddir(join(outDir, FLEET_FOLDER)).length === 0 };
  return { present: true, clean: m !== undefined && sameInputs(m.inputs, fleetInputs(entries, fleetBytes)) && folderIntact(join(outDir, FLEET_FOLDER), m) };
}

function safeReaddir(dir: string) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
