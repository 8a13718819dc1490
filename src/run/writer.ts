/**
 * Writes generated folders so that a crash or `kill -9` at any moment leaves the output entirely old or entirely
 * new, and so that two runs never write the same output at once.
 *
 *   1. lock:    outDir/.privlink.lock, created exclusively; a lock whose process is gone is stale and replaced.
 *   2. recover: a journal left by a killed run is finished (roll forward); a half-written staging folder is dropped.
 *   3. stage:   every folder of the run is written complete under outDir/.privlink-staging/.
 *   4. commit:  outDir/.privlink-journal.json (the list of folders) appears by an atomic rename. Before this point
 *               a crash leaves the old output; after it, the next run (or `recoverOutput`) completes the new one.
 *   5. swap:    per folder, the live one moves to outDir/.privlink-old/, the staged one takes its place, Terraform's
 *               own files (state, lock file, .terraform/) move across from the old one, the old one goes.
 *   6. the journal, staging and old folders are removed, then the lock.
 * Every step of 5 is idempotent, so finishing a journal twice is harmless.
 */
import { existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync, closeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { CustomerFiles } from '../pipeline/generate';
import { onInterrupt } from './interrupt';
import { readIfExists } from '../support/files';
import { MANIFEST_FILE, parseManifest } from '../render/manifest';
import { isRunning } from '../support/process';

export { isRunning };
import { Refused } from '../input/problems';

export const LOCK_FILE = '.privlink.lock';
export const STAGING = '.privlink-staging';
export const OLD = '.privlink-old';
export const JOURNAL = '.privlink-journal.json';
/** What only a running (or killed) privlink run leaves in outDir; check reports any of them as an interrupted run. */
export const RUN_FILES = [LOCK_FILE, STAGING, OLD, JOURNAL, `${JOURNAL}.tmp`] as const;

/**
 * outDir/.gitignore, written by every run: the lock, journal and staging folders never belong in a commit, even
 * when a run was killed and left them.
 */
export const OUTPUT_GITIGNORE_FILE = '.gitignore';
export const OUTPUT_GITIGNORE = `# Written by privlink: files of a privlink run in progress (or killed). They never belong in a commit.
${RUN_FILES.map((f) => `/${f}`).join('\n')}
`;

/** Files under a generated folder that belong to Terraform or CI runs, not to privlink. */
function isIgnored(name: string): boolean {
  return isTerraformWorkFile(name) || name.endsWith('.tfplan');
}

/** Every file under dir (paths relative to it, forward slashes), Terraform's and CI's own files aside. */
export function folderFiles(dir: string, rel = ''): string[] {
  let entries;
  try {
    entries = readdirSync(join(dir, rel), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    if (isIgnored(e.name)) return [];
    const path = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? folderFiles(dir, path) : [path];
  });
}

/** Names Terraform writes beside a configuration; they belong to the operator, not to privlink. */
export function isTerraformWorkFile(name: string): boolean {
  return name.startsWith('.terraform') || name.startsWith('terraform.tfstate');
}

export interface WriteStats {
  readonly written: number;
  readonly unchanged: number;
  /** Files of the live folders that the new ones no longer hold (paths under outDir): the swap removes them. */
  readonly removed: string[];
  /** Those of them privlink wrote itself (its manifest listed them): obsolete now, not hand-added. */
  readonly obsolete: string[];
  /** Set when this run found and replaced a stale lock, or finished a killed run's journal. */
  readonly notices: string[];
}

// ------------------------------------------------------------------ fault injection for the kill test
let steps = 0;
/**
 * Marks a point where a crash must leave consistent output. With PRIVLINK_TEST_KILL_AT_STEP=N the process kills
 * itself with SIGKILL at the Nth point (test/writer.test.ts does this at every point of a run).
 */
function step(): void {
  steps++;
  const at = process.env.PRIVLINK_TEST_KILL_AT_STEP;
  if (at !== undefined && Number(at) === steps) process.kill(process.pid, 'SIGKILL');
}

/**
 * With PRIVLINK_TEST_PAUSE_MS=N, a run waits N ms with everything staged, just before its commit point, and says
 * so on stderr: test/writer.test.ts interrupts it there with Ctrl-C.
 */
export async function pauseForTest(): Promise<void> {
  const ms = Number(process.env.PRIVLINK_TEST_PAUSE_MS ?? 0);
  if (!(ms > 0)) return;
  process.stderr.write('privlink: test pause: staged, before the commit point\n');
  await new Promise((r) => setTimeout(r, ms));
}

export { readIfExists };

// ------------------------------------------------------------------ lock
interface LockOwner {
  pid: number;
  host: string;
}

/** Takes outDir's lock; returns a notice when a stale lock was replaced. Throws Refused when another run holds it. */
export function acquireLock(outDir: string): string | undefined {
  const path = join(outDir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname() };
  let staleNotice: string | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeFileSync(fd, `${JSON.stringify(me)}\n`);
      closeSync(fd);
      return staleNotice;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const { owner, alive } = lockHolder(outDir);
    if (alive) {
      const where = owner.host === me.host ? `pid ${owner.pid}` : `pid ${owner.pid} on ${owner.host}`;
      throw new Refused(
        `another privlink run (${where}) is writing ${outDir}/; wait for it to finish. If it is gone, delete ${join(outDir, LOCK_FILE)}`,
      );
    }
    staleNotice = `removed a stale lock of ${typeof owner.pid === 'number' ? `pid ${owner.pid}, which is no longer running` : 'an unreadable owner'}`;
    rmSync(path, { force: true });
  }
  throw new Refused(`could not take the lock ${join(outDir, LOCK_FILE)}; another run may have taken it meanwhile`);
}

/**
 * Who holds outDir's lock, as its file says (empty when unreadable), and whether that run is still alive: a run on
 * another host is taken to be, since its PID means nothing here.
 */
export function lockHolder(outDir: string): { owner: Partial<LockOwner>; alive: boolean } {
  let owner: Partial<LockOwner> = {};
  try {
    owner = JSON.parse(readIfExists(join(outDir, LOCK_FILE)) ?? '{}') as Partial<LockOwner>;
  } catch {
    owner = {};
  }
  return { owner, alive: typeof owner.pid === 'number' && (owner.host !== hostname() || isRunning(owner.pid)) };
}

export function releaseLock(outDir: string): void {
  try {
    unlinkSync(join(outDir, LOCK_FILE));
  } catch {
    // already gone
  }
}

// ------------------------------------------------------------------ swap and recovery
/** Moves Terraform's own files from an old folder into the new one (recursively), skipping what already moved. */
function carryOverTerraformFiles(oldDir: string, newDir: string): void {
  if (!existsSync(oldDir)) return;
  for (const entry of readdirSync(oldDir, { withFileTypes: true })) {
    const from = join(oldDir, entry.name);
    const to = join(newDir, entry.name);
    if (isTerraformWorkFile(entry.name)) {
      if (existsSync(to)) continue;
      mkdirSync(newDir, { recursive: true });
      renameSync(from, to);
      step();
    } else if (entry.isDirectory()) {
      carryOverTerraformFiles(from, to);
    }
  }
}

/** Finishes the swaps a journal lists. Idempotent: safe to run again after a crash at any point inside it. */
function applyJournal(outDir: string, names: readonly string[]): void {
  for (const name of names) {
    const staged = join(outDir, STAGING, name);
    const live = join(outDir, name);
    const old = join(outDir, OLD, name);
    if (existsSync(staged)) {
      if (existsSync(live)) {
        mkdirSync(join(outDir, OLD), { recursive: true });
        renameSync(live, old);
        step();
      }
      renameSync(staged, live);
      step();
    }
    if (existsSync(old)) {
      carryOverTerraformFiles(old, live);
      rmSync(old, { recursive: true, force: true });
      step();
    }
    if (existsSync(live) && readdirSync(live).length === 0) rmSync(live, { recursive: true, force: true });
  }
  rmSync(join(outDir, JOURNAL), { force: true });
  step();
  rmSync(join(outDir, STAGING), { recursive: true, force: true });
  rmSync(join(outDir, OLD), { recursive: true, force: true });
}

/**
 * Brings outDir back to a consistent state after a killed run: finishes a committed run, drops an uncommitted
 * one. Returns a notice when there was anything to do. The caller holds the lock.
 */
export function recoverOutput(outDir: string): string | undefined {
  const journal = readIfExists(join(outDir, JOURNAL));
  if (journal !== undefined) {
    let names: string[] = [];
    try {
      names = (JSON.parse(journal) as { folders: string[] }).folders;
    } catch {
      names = [];
    }
    applyJournal(outDir, names);
    return `finished an interrupted run (${names.join(', ')}) from its journal`;
  }
  const leftovers = [STAGING, OLD, `${JOURNAL}.tmp`].filter((d) => existsSync(join(outDir, d)));
  for (const d of leftovers) rmSync(join(outDir, d), { recursive: true, force: true });
  return leftovers.length > 0 ? 'dropped the staging folder of an interrupted run (its output had not been committed)' : undefined;
}

/** A run writing outDir: holds the lock from openOutput until commitOutput or abortOutput. */
export interface OutputRun {
  readonly outDir: string;
  /** Where folders are staged (stageFolder may be called from worker processes with this path). */
  readonly staging: string;
  readonly notices: string[];
  /** Ends the interrupt registration (Ctrl-C while the run is open aborts it). */
  readonly closeInterrupt: () => void;
}

/** Takes outDir's lock, finishes or drops a killed run, and prepares the staging folder. */
export function openOutput(outDir: string): OutputRun {
  mkdirSync(outDir, { recursive: true });
  const notices: string[] = [];
  const stale = acquireLock(outDir);
  if (stale) notices.push(stale);
  try {
    const recovered = recoverOutput(outDir);
    if (recovered) notices.push(recovered);
    writeIfChanged(join(outDir, OUTPUT_GITIGNORE_FILE), OUTPUT_GITIGNORE);
    const staging = join(outDir, STAGING);
    mkdirSync(staging, { recursive: true });
    const run: OutputRun = {
      outDir,
      staging,
      notices,
      closeInterrupt: onInterrupt(() => {
        const committed = existsSync(join(outDir, JOURNAL));
        abortOutput(run);
        return committed
          ? `${outDir}/ was being swapped in; the next privlink run finishes it from its journal`
          : `nothing was written: ${outDir}/ is as it was before this run`;
      }),
    };
    return run;
  } catch (err) {
    releaseLock(outDir);
    throw err;
  }
}

/** Writes a small file by an atomic rename, and only when its content differs. */
function writeIfChanged(path: string, content: string): void {
  if (readIfExists(path) === content) return;
  writeFileSync(`${path}.tmp`, content);
  renameSync(`${path}.tmp`, path);
}

/** Writes one folder complete under the staging folder; counts files that differ from the live folder's. */
export function stageFolder(
  outDir: string,
  staging: string,
  name: string,
  files: ReadonlyMap<string, string>,
): { written: number; unchanged: number; removed: string[]; obsolete: string[] } {
  let written = 0;
  let unchanged = 0;
  const live = existsSync(join(outDir, name));
  const gone = live ? folderFiles(join(outDir, name)).filter((rel) => !files.has(rel)).sort() : [];
  const removed = gone.map((rel) => `${name}/${rel}`);
  // Which of them privlink itself wrote (the live manifest lists them): an endpoint's example, say, once it is gone.
  const recorded = live ? (parseManifest(readIfExists(join(outDir, name, MANIFEST_FILE)))?.files ?? {}) : {};
  const obsolete = gone.filter((rel) => recorded[rel] !== undefined).map((rel) => `${name}/${rel}`);
  const made = new Set<string>();
  // A folder with no file left is staged empty: the swap then takes the live one away (applyJournal).
  if (files.size === 0) mkdirSync(join(staging, name), { recursive: true });
  for (const [rel, content] of files) {
    const target = join(staging, name, rel);
    const dir = dirname(target);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    writeFileSync(target, content);
    step();
    if (live && readIfExists(join(outDir, name, rel)) === content) unchanged++;
    else written++;
  }
  return { written, unchanged, removed, obsolete };
}

/** The commit point, then the swaps of the staged folders, then the lock goes. */
export function commitOutput(run: OutputRun, names: readonly string[]): void {
  try {
    if (names.length > 0) {
      // Commit point: the journal appears whole (written aside, then renamed).
      const tmp = join(run.outDir, `${JOURNAL}.tmp`);
      writeFileSync(tmp, JSON.stringify({ folders: names }));
      step();
      renameSync(tmp, join(run.outDir, JOURNAL));
      step();
      applyJournal(run.outDir, names);
    } else {
      rmSync(run.staging, { recursive: true, force: true });
    }
  } catch (err) {
    abortOutput(run);
    throw err;
  }
  run.closeInterrupt();
  releaseLock(run.outDir);
}

/**
 * Gives up a run. Before the commit point the old output stays and staging is dropped; after it, the journal
 * stays for the next run to finish.
 */
export function abortOutput(run: OutputRun): void {
  run.closeInterrupt();
  if (!existsSync(join(run.outDir, JOURNAL))) rmSync(run.staging, { recursive: true, force: true });
  rmSync(join(run.outDir, `${JOURNAL}.tmp`), { force: true });
  releaseLock(run.outDir);
}

/** Replaces outDir/<name>/ for each folder given, all or nothing; other folders are left alone. */
export function writeCustomers(outDir: string, folders: ReadonlyMap<string, CustomerFiles>): WriteStats {
  const run = openOutput(outDir);
  let written = 0;
  let unchanged = 0;
  const removed: string[] = [];
  const obsolete: string[] = [];
  try {
    for (const [name, files] of folders) {
      const counts = stageFolder(outDir, run.staging, name, files);
      written += counts.written;
      unchanged += counts.unchanged;
      removed.push(...counts.removed);
      obsolete.push(...counts.obsolete);
    }
  } catch (err) {
    abortOutput(run);
    throw err;
  }
  commitOutput(run, [...folders.keys()]);
  return { written, unchanged, removed, obsolete, notices: run.notices };
}
