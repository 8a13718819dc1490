/**
 * Writes generated files: every customer folder is staged complete in a temporary folder beside it, then swapped
 * in with renames, so a failed run leaves the previous output as it was. Files Terraform keeps next to the
 * configuration (state, lock file, .terraform/) are carried over into the new folder, never deleted.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CustomerFiles } from './generate';

/** Names Terraform writes beside a configuration; they belong to the operator, not to privlink. */
export function isTerraformWorkFile(name: string): boolean {
  return name.startsWith('.terraform') || name.startsWith('terraform.tfstate');
}

export interface WriteStats {
  readonly written: number;
  readonly unchanged: number;
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Moves Terraform's own files from an old customer folder into the staged one (recursively by folder). */
function carryOverTerraformFiles(oldDir: string, newDir: string): void {
  if (!existsSync(oldDir)) return;
  for (const entry of readdirSync(oldDir, { withFileTypes: true })) {
    const from = join(oldDir, entry.name);
    const to = join(newDir, entry.name);
    if (isTerraformWorkFile(entry.name)) {
      mkdirSync(newDir, { recursive: true });
      renameSync(from, to);
    } else if (entry.isDirectory()) {
      carryOverTerraformFiles(from, to);
    }
  }
}

/** Replaces outDir/<name>/ for each customer given; other customers' folders are left alone. */
export function writeCustomers(outDir: string, customers: ReadonlyMap<string, CustomerFiles>): WriteStats {
  mkdirSync(outDir, { recursive: true });
  const staging = join(outDir, `.privlink-staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  let written = 0;
  let unchanged = 0;
  try {
    for (const [name, files] of customers) {
      for (const [rel, content] of files) {
        const target = join(staging, name, rel);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, content);
        if (readIfExists(join(outDir, name, rel)) === content) unchanged++;
        else written++;
      }
    }
    // Swap: the previous folder steps aside (outside the staging folder, which is deleted on failure), the
    // staged one takes its place, then Terraform's files move across and the previous folder goes.
    for (const name of customers.keys()) {
      const live = join(outDir, name);
      const old = join(outDir, `.privlink-previous-${process.pid}-${name}`);
      const hadPrevious = existsSync(live);
      if (hadPrevious) renameSync(live, old);
      renameSync(join(staging, name), live);
      if (hadPrevious) {
        carryOverTerraformFiles(old, live);
        rmSync(old, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { written, unchanged };
}
