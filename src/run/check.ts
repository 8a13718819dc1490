/**
 * `privlink check`: compares what the specs would generate now (in memory) with what is on disk, folder by
 * folder, and explains every difference:
 *   missing      a file privlink would write is not there
 *   stale        the file is as privlink once wrote it, but the spec, fleet config or generator has moved on
 *   hand-edited  the file differs from what privlink recorded writing (manifest hash) — someone edited it
 *   extra        a file or customer folder privlink would not write (a leftover, or a hand-added file that
 *                Terraform would apply too)
 * Terraform's own files (.terraform/, lock file, local state) and plan files are not privlink's and are skipped.
 */
import { existsSync, readFileSync, readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { structuredPatch } from 'diff';
import type { CustomerFiles } from '../pipeline/generate';
import { FLEET_FOLDER, HUBS_FOLDER } from '../domain/constants';
import { lf, MANIFEST_FILE, parseManifest, textSha256, type Manifest } from '../render/manifest';
import { LOCK_FILE, RUN_FILES, folderFiles, lockHolder, readIfExists } from './writer';

export type DriftKind = 'missing' | 'stale' | 'hand-edited' | 'extra' | 'interrupted' | 'deleted';

export interface Drift {
  readonly kind: DriftKind;
  /** Path under the output folder, forward slashes (a folder ends with "/"). */
  readonly path: string;
  readonly why: string;
  /** A short unified diff (committed → expected), for stale and hand-edited files. */
  readonly diff?: string;
  /** `privlink generate` does not fix it: the customer must be offboarded (or its spec restored) first. */
  readonly offboard?: true;
}

const DIFF_LINES = 12;

/** The first changed lines of a unified diff, committed (-) against expected (+). */
export function shortDiff(path: string, committed: string, expected: string, maxLines = DIFF_LINES): string {
  const patch = structuredPatch(`${path} (on disk)`, `${path} (from the spec)`, committed, expected, '', '', { context: 1 });
  const lines: string[] = ['--- on disk', '+++ generated from the spec'];
  for (const hunk of patch.hunks) {
    lines.push(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`, ...hunk.lines);
  }
  const shown = lines.slice(0, maxLines + 2);
  if (lines.length > maxLines + 2) shown.push(`… ${lines.length - maxLines - 2} more diff lines`);
  return shown.join('\n');
}

/**
 * Compares `expected` (folder name → files) with outDir: top-level entries first, then each folder. Folders in
 * outDir that are not expected are extra, except hidden ones (privlink's own staging folders, editor files).
 */
export function findDrift(outDir: string, expected: ReadonlyMap<string, CustomerFiles>): Drift[] {
  return [
    ...topLevelDrift(outDir, new Set(expected.keys())),
    ...[...expected].sort(([a], [b]) => a.localeCompare(b)).flatMap(([folder, files]) => folderDrift(outDir, folder, files)),
  ];
}

/**
 * What a privlink run leaves in outDir while it writes: a killed run leaves them for good (the next generate
 * finishes or drops it). A check that ignored them would pass on output that a run never finished.
 */
export function runDrift(outDir: string): Drift[] {
  const present = RUN_FILES.filter((f) => existsSync(join(outDir, f)));
  if (present.length === 0) return [];
  const { owner, alive } = lockHolder(outDir);
  const why = alive
    ? `a privlink run (pid ${owner.pid}) is writing ${outDir}/ right now; check again when it has finished`
    : 'left by an interrupted privlink run: run `privlink generate`, which finishes the run from its journal or drops it, then check again';
  return present.map((f) => ({ kind: 'interrupted' as const, path: f === LOCK_FILE || f.endsWith('.json') || f.endsWith('.tmp') ? f : `${f}/`, why }));
}

/** Loose files and folders no spec generates, at the top of outDir. `expected`: every folder name the specs give. */
export function topLevelDrift(outDir: string, expected: ReadonlySet<string>): Drift[] {
  const drift: Drift[] = [];
  let present: Dirent[] = [];
  try {
    present = readdirSync(outDir, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
  } catch {
    present = [];
  }
  for (const entry of present.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) {
      drift.push({ kind: 'extra', path: entry.name, why: 'not written by privlink (only customer folders, ci/, hubs/ and fleet/ belong here)' });
    } else if (!expected.has(entry.name) && entry.name === FLEET_FOLDER) {
      drift.push({ kind: 'extra', path: `${entry.name}/`, why: 'the fleet has no customer any more: run `privlink generate`, which removes it' });
    } else if (!expected.has(entry.name) && entry.name === HUBS_FOLDER) {
      drift.push({ kind: 'extra', path: `${entry.name}/`, why: 'no customer is on a shared Cloud Router any more: run `privlink generate`, which removes it (destroy the routers of each hub first: docs/shared-routers.md)' });
    } else if (!expected.has(entry.name)) {
      const manifest = parseManifest(readIfExists(join(outDir, entry.name, MANIFEST_FILE)));
      drift.push({
        kind: 'extra',
        path: `${entry.name}/`,
        ...(manifest?.decommission ? {} : { offboard: true as const }),
        why: manifest?.decommission
          ? 'no spec generates this folder, and its customer was decommissioning: once CI has applied the decommission, delete the folder in the same pull request as the spec'
          : `no spec generates this folder, and its customer was never decommissioned: its resources would stay up with nobody planning them. Restore the spec, set \`decommission: true\`, let CI apply it, then delete the spec and ${entry.name}/ together (docs/offboarding.md)`,
      });
    }
  }
  return drift;
}

/** Every difference between one folder on disk and the files privlink would write there. */
export function folderDrift(outDir: string, folder: string, files: CustomerFiles): Drift[] {
  const drift: Drift[] = [];
  const dir = join(outDir, folder);
  const manifest = parseManifest(readIfExists(join(dir, MANIFEST_FILE)));
  for (const [rel, content] of files) {
    const path = `${folder}/${rel}`;
    const read = readIfExists(join(dir, rel));
    const actual = read === undefined ? undefined : lf(read); // a CRLF checkout says the same
    if (actual === undefined) {
      drift.push({ kind: 'missing', path, why: 'privlink would write this file' });
      continue;
    }
    if (actual === content) continue;
    const recorded = manifest?.files[rel];
    const edited = recorded !== undefined && recorded !== textSha256(actual);
    drift.push({
      kind: edited ? 'hand-edited' : 'stale',
      path,
      why: edited
        ? 'changed since privlink wrote it; change the spec instead and regenerate'
        : 'out of date: the spec, privlink.yaml or privlink changed without `privlink generate`',
      diff: shortDiff(path, actual, content),
    });
  }
  for (const rel of folderFiles(dir).sort()) {
    if (files.has(rel)) continue;
    drift.push({
      kind: 'extra',
      path: `${folder}/${rel}`,
      why: manifest?.files[rel] !== undefined ? 'privlink no longer writes this file' : 'not written by privlink; Terraform would apply it too',
    });
  }
  return drift;
}

/** Whether a folder on disk holds exactly these files (Terraform's own aside): folderDrift's verdict without its diffs. */
export function folderMatches(outDir: string, folder: string, files: CustomerFiles): boolean {
  const dir = join(outDir, folder);
  for (const [rel, content] of files) if (readIfExists(join(dir, rel)) !== content) return false;
  return folderFiles(dir).every((rel) => files.has(rel));
}

/**
 * Whether a folder is exactly what its manifest records: every recorded file present with its recorded hash,
 * the manifest itself included in no other way, and no other file (Terraform's own files aside). Together with
 * equal inputs this proves the folder is what privlink would write now, without rendering it.
 */
export function folderIntact(dir: string, manifest: Manifest): boolean {
  const recorded = Object.keys(manifest.files);
  const onDisk = folderFiles(dir).filter((f) => f !== MANIFEST_FILE);
  if (onDisk.length !== recorded.length) return false;
  for (const rel of recorded) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(dir, rel));
    } catch {
      return false;
    }
    if (textSha256(bytes) !== manifest.files[rel]) return false;
  }
  return true;
}
