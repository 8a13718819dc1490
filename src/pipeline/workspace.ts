/**
 * Where a run takes place. privlink's paths (privlink.yaml, the specs folder, the output folder, the spec paths
 * recorded in manifests and CI config) are all relative to the repository root, so a run started in a subfolder
 * first finds that root, and works there. It never writes a second output tree under a subfolder.
 *
 * The root is the nearest folder, from the working directory up, that holds privlink.yaml or the default specs
 * folder (customers/). The walk stops at the top of a git work tree (a folder holding .git) or at /.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_SPECS_DIR, FLEET_FILE } from '../domain/constants';

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** The repository root of a run started in `start`, or undefined when no folder up to the git top holds either marker. */
export function findRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, FLEET_FILE)) || isDir(join(dir, DEFAULT_SPECS_DIR))) return dir;
    if (existsSync(join(dir, '.git'))) return undefined;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** A path's canonical form (symlinks, "..", "//" and ".." resolved) when it exists; else its absolute form. */
export function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
