/**
 * The pipeline: spec files → validated specs → models → rendered files. Pure apart from reading the specs;
 * writing is writer.ts's job, so `check` (and tests) can compare in memory.
 */
import { readdirSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { CI_FOLDER } from './domain/constants';
import type { FleetConfig } from './fleet/schema';
import { buildModel, type CustomerModel } from './model/model';
import { renderCustomerModule } from './render/customer-module';
import { renderOperatorReadme } from './render/docs';
import { renderCi } from './render/ci';
import { MANIFEST_FILE, renderManifest } from './render/manifest';
import { renderOperatorJson } from './render/operator';
import { loadSpecs } from './spec/load';
import { InputError, UsageError } from './spec/problems';

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

export function renderCustomer(model: CustomerModel, specSha256: string): CustomerFiles {
  const files: CustomerFiles = new Map();
  files.set('README.md', renderOperatorReadme(model));
  files.set('operator/cdk.tf.json', renderOperatorJson(model));
  for (const [path, content] of renderCustomerModule(model)) files.set(`customer-module/${path}`, content);
  files.set(
    MANIFEST_FILE,
    renderManifest(model.specFile, files, {
      customer: model.name,
      spec: { file: model.specFile, sha256: specSha256 },
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
}

export interface FleetOutput {
  /** The customers of this run. */
  readonly customers: Generated[];
  /** Files of generated/ci/; undefined when a spec outside this run is invalid, so the fleet's list is unknown. */
  readonly ci?: CustomerFiles;
  /** Why ci is undefined. */
  readonly ciSkipped?: string;
}

/**
 * Validates the requested specs (against each other and against the rest of the specs folder, so two customers
 * can never share a name or account) and renders them, plus the fleet's CI config. Throws InputError with every
 * problem found.
 */
export function generateAll(opts: GenerateOptions): FleetOutput {
  const requested = (opts.specs.length > 0 ? [...opts.specs] : discoverSpecs(opts.specsDir)).map((f) => displayPath(f));
  let others: string[] = [];
  if (opts.specs.length > 0) {
    try {
      others = discoverSpecs(opts.specsDir).map((f) => displayPath(f)).filter((f) => !requested.includes(f));
    } catch {
      others = [];
    }
  }
  const result = loadSpecs([...requested, ...others]);
  // Problems of specs outside the run don't block it, but conflicts with them do.
  const problems = result.problems.filter((p) => requested.includes(p.file));
  if (problems.length > 0) throw new InputError(problems);
  const customers = result.specs
    .filter((s) => requested.includes(s.file))
    .map((s) => {
      const model = buildModel(s.spec, s.file, opts.fleet);
      return { name: model.name, model, files: renderCustomer(model, s.sha256) };
    });
  const invalidOthers = [...new Set(result.problems.map((p) => p.file))].filter((f) => !requested.includes(f));
  if (invalidOthers.length > 0) {
    return { customers, ciSkipped: `${CI_FOLDER}/ not updated: ${invalidOthers.join(', ')} ${invalidOthers.length === 1 ? 'is' : 'are'} invalid` };
  }
  return { customers, ci: renderCiFolder(result.specs.map((s) => s.spec.name), opts) };
}

function renderCiFolder(names: readonly string[], opts: GenerateOptions): CustomerFiles {
  const specsDir = displayPath(opts.specsDir).replace(/\/+$/, '');
  const files = renderCi({ customers: [...names].sort(), specsDir, outDir: displayPath(opts.outDir).replace(/\/+$/, ''), fleet: opts.fleet });
  if (files.size > 0) files.set(MANIFEST_FILE, renderManifest(`${specsDir}/*.yaml`, files));
  return files;
}
