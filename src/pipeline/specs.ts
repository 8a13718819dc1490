/**
 * Which spec files a run reads, and validating them against each other: the part of the pipeline every command
 * needs, without the renderers (so `validate` and `check` load neither cdktf nor the provider bindings).
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve as resolvePath, sep } from 'node:path';
import { CI_FOLDER } from '../domain/constants';
import { loadSpecs, type LoadedSpec } from '../input/load';
import type { YamlSource } from '../input/source';
import { InputError, UsageError } from '../input/problems';
import { agree } from '../support/words';
import { realPath } from './workspace';

/** A path as written in messages and headers: relative to the working directory, forward slashes. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = isAbsolute(file) ? relative(cwd, file) : file;
  return rel.split(sep).join('/');
}

/** Every `*.yaml` / `*.yml` in the specs folder, sorted. */
export function discoverSpecs(specsDir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(specsDir);
  } catch {
    throw new UsageError(`no spec folder "${specsDir}": run from the repository root or name spec files`);
  }
  const found = entries.filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(specsDir, f));
  if (found.length === 0) throw new UsageError(`no *.yaml specs in "${specsDir}"`);
  // One file under two names (a symlink beside its target) is one spec, read once: the name that is the file itself
  // wins, else the first; validate and generate then agree, whichever way the specs are found.
  const byReal = new Map<string, string>();
  for (const f of found) {
    const real = realPath(f);
    const held = byReal.get(real);
    if (held === undefined || (realPath(held) !== resolvePath(held) && real === resolvePath(f))) byReal.set(real, f);
  }
  const keep = new Set(byReal.values());
  return found.filter((f) => keep.has(f));
}

/** The specs of a run, validated. */
export interface ValidatedRun {
  /** The specs to generate, valid. */
  readonly requested: LoadedSpec[];
  /** Every valid spec of the specs folder (and the requested ones), for the fleet-wide allocation. */
  readonly all: LoadedSpec[];
  readonly sources: ReadonlyMap<string, YamlSource>;
  /** Customer names of every valid spec in the folder (the fleet's CI config lists them). */
  readonly names: string[];
  /** Why generated/ci/ cannot be written: a spec outside the run is invalid, so the fleet's list is unknown. */
  readonly ciSkipped?: string;
}

/**
 * The spec files named on the command line, each once: two spellings of one file (`./customers/a.yaml`,
 * `customers//a.yaml`, a symlink to it) are one spec, compared by real path. Each is shown as the specs folder's
 * own path when it lives there, so it meets its discovered twin under the same name.
 */
export function namedSpecs(specs: readonly string[], specsDir: string): { files: string[]; outside: string[] } {
  const folder = realPath(specsDir);
  const seen = new Set<string>();
  const files: string[] = [];
  const outside: string[] = [];
  for (const given of specs) {
    const real = realPath(given);
    if (seen.has(real)) continue;
    seen.add(real);
    const inside = dirname(real) === folder;
    files.push(inside ? displayPath(join(specsDir, basename(real))) : displayPath(real));
    if (!inside) outside.push(displayPath(given));
  }
  return { files, outside };
}

/**
 * Validates the requested specs (against each other and against the rest of the specs folder, so two customers
 * can never share a name or account). Throws InputError with every problem of the requested specs.
 *
 * `generate` passes `insideSpecsDir`: a spec outside the specs folder would be written into the fleet's output,
 * where `check` and CI (which read only the specs folder) then count it as an extra folder, so it is refused.
 * `validate` checks such a file against the fleet without writing anything.
 */
export function validateRun(opts: { readonly specs: readonly string[]; readonly specsDir: string } & { readonly insideSpecsDir?: boolean }): ValidatedRun {
  const named = namedSpecs(opts.specs, opts.specsDir);
  if (opts.insideSpecsDir && named.outside.length > 0) {
    const dir = displayPath(opts.specsDir).replace(/\/+$/, '');
    throw new UsageError(
      `${named.outside.map((f) => `"${f}"`).join(', ')} ${agree(named.outside.length, 'is', 'are')} not in the specs folder "${dir}/": ` +
        `check and CI read only that folder, so its output would be an orphan; move the spec to ${dir}/ (or check it with \`privlink validate\`)`,
    );
  }
  const requested = opts.specs.length > 0 ? named.files : discoverSpecs(opts.specsDir).map((f) => displayPath(f));
  const wanted = new Set(requested);
  let others: string[] = [];
  if (opts.specs.length > 0) {
    try {
      others = discoverSpecs(opts.specsDir).map((f) => displayPath(f)).filter((f) => !wanted.has(f));
    } catch {
      others = [];
    }
  }
  const result = loadSpecs([...requested, ...others]);
  // Problems of specs outside the run don't block it, but conflicts with them do.
  const problems = result.problems.filter((p) => wanted.has(p.file));
  if (problems.length > 0) throw new InputError(problems);
  const invalidOthers = [...new Set(result.problems.map((p) => p.file))].filter((f) => !wanted.has(f));
  return {
    requested: result.specs.filter((s) => wanted.has(s.file)),
    all: result.specs,
    sources: result.sources,
    names: result.specs.map((s) => s.spec.name),
    ...(invalidOthers.length > 0
      ? { ciSkipped: `${CI_FOLDER}/ not updated: ${invalidOthers.join(', ')} ${agree(invalidOthers.length, 'is', 'are')} invalid` }
      : {}),
  };
}
