/**
 * privlink's own folder: the one that holds its package.json, with dist/, templates/ and schema/ beside it. Every
 * path to privlink's own files starts here, so moving a module to another folder of src/ cannot point it at the
 * wrong tree (a fingerprint over the wrong dist/ would never make output stale, silently).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The nearest folder at or above `from` whose package.json names privlink. */
export function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'privlink') return dir;
      } catch {
        // not a readable package.json: keep looking upwards
      }
    }
    if (dirname(dir) === dir) throw new Error(`privlink's package.json was not found above ${from}`);
  }
}

/** The package root of this installation (dist/support/ or src/support/ lies two levels below it). */
export const PACKAGE_ROOT = findPackageRoot(__dirname);

/** A path inside the package: `packagePath('templates')`, `packagePath('dist', 'run', 'worker.js')`. */
export const packagePath = (...parts: string[]) => join(PACKAGE_ROOT, ...parts);
