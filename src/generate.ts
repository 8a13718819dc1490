/**
 * The pipeline: spec files → validated specs → models → rendered files. Pure apart from reading the specs;
 * writing is writer.ts's job, so `check` (and tests) can compare in memory.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { CI_FOLDER } from './domain/constants';
import { ciInputs, customerInputs, type Inputs } from './fingerprint';
import type { FleetConfig } from './fleet/schema';
import { buildModel, type CustomerModel } from './model/model';
import { renderCustomerModule } from './render/customer-module';
import { renderOperatorReadme } from './render/docs';
import { renderCi } from './render/ci';
import { MANIFEST_FILE, renderManifest } from './render/manifest';
import { renderOperatorJson } from './render/operator';
import { loadSpecs, type LoadedSpec } from './input/load';
import { InputError, UsageError } from './input/problems';
import { realPath } from './workspace';

/** Files of one customer, by path relative to generated/<name>/. */
export type CustomerFiles = Map<string, string>;

export interface Generated {
  readonly name: string;
  readonly model: CustomerModel;
  readonly files: CustomerFiles;
}

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
  const files = entries.filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(specsDir, f));
  if (files.length === 0) throw new UsageError(`no *.yaml specs in "${specsDir}"`);
  return files;
}

export function renderCustomer(model: CustomerModel, inputs: Inputs): CustomerFiles {
  const files: CustomerFiles = new Map();
  files.set('README.md', renderOperatorReadme(model));
  files.set('operator/cdk.tf.json', renderOperatorJson(model));
  for (const [path, content] of renderCustomerModule(model)) files.set(`customer-module/${path}`, content);
  files.set(
    MANIFEST_FILE,
    renderManifest(model.specFile, files, {
      customer: model.name,
      spec: { file: model.specFile, sha256: inputs.spec },
      inputs,
      endpoints: Object.fromEntries(model.endpoints.map((e) => [e.name, e.status])),
      ...(model.securityExceptions.length > 0
        ? { security: { exceptions: model.securityExceptions.map(({ rule, reason }) => ({ rule, reason })) } }
        : {}),
    }),
  );
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

export interface GenerateOptions {
  /** Specs to generate; empty: every spec in specsDir. */
  readonly specs: readonly string[];
  readonly specsDir: string;
  /** Output folder (only named inside the CI config). */
  readonly outDir: string;
  readonly fleet: FleetConfig;
  /** privlink.yaml's bytes ('' without one): part of every folder's recorded inputs. */
  readonly fleetBytes: Buffer;
}

export interface FleetOutput {
  /** The customers of this run. */
  readonly customers: Generated[];
  /** Files of generated/ci/; undefined when a spec outside this run is invalid, so the fleet's list is unknown. */
  readonly ci?: CustomerFiles;
  /** Why ci is undefined. */
  readonly ciSkipped?: string;
}

/** The specs of a run, validated. */
export interface ValidatedRun {
  /** The specs to generate, valid. */
  readonly requested: LoadedSpec[];
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
export function validateRun(opts: Pick<GenerateOptions, 'specs' | 'specsDir'> & { readonly insideSpecsDir?: boolean }): ValidatedRun {
  const named = namedSpecs(opts.specs, opts.specsDir);
  if (opts.insideSpecsDir && named.outside.length > 0) {
    const dir = displayPath(opts.specsDir).replace(/\/+$/, '');
    throw new UsageError(
      `${named.outside.map((f) => `"${f}"`).join(', ')} ${named.outside.length === 1 ? 'is' : 'are'} not in the specs folder "${dir}/": ` +
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
    names: result.specs.map((s) => s.spec.name),
    ...(invalidOthers.length > 0
      ? { ciSkipped: `${CI_FOLDER}/ not updated: ${invalidOthers.join(', ')} ${invalidOthers.length === 1 ? 'is' : 'are'} invalid` }
      : {}),
  };
}

/** Validates and renders the requested specs in memory, plus the fleet's CI config (for --commit, validate, tests). */
export function generateAll(opts: GenerateOptions & { readonly insideSpecsDir?: boolean }): FleetOutput {
  const run = validateRun(opts);
  const customers = run.requested.map((s) => {
    const model = buildModel(s.spec, s.file, opts.fleet);
    return { name: model.name, model, files: renderCustomer(model, customerInputs(s.sha256, opts.fleetBytes)) };
  });
  if (run.ciSkipped) return { customers, ciSkipped: run.ciSkipped };
  return { customers, ci: renderCiFolder(run.names, opts) };
}

/** Files of generated/ci/ for the fleet's customer names. */
export function renderCiFolder(names: readonly string[], opts: Pick<GenerateOptions, 'specsDir' | 'outDir' | 'fleet' | 'fleetBytes'>): CustomerFiles {
  const specsDir = displayPath(opts.specsDir).replace(/\/+$/, '');
  const files = renderCi({ customers: [...names].sort(), specsDir, outDir: displayPath(opts.outDir).replace(/\/+$/, ''), fleet: opts.fleet });
  if (files.size > 0) files.set(MANIFEST_FILE, renderManifest(`${specsDir}/*.yaml`, files, { inputs: ciInputs(names, opts.fleetBytes) }));
  return files;
}
