/**
 * The pipeline: spec files → validated specs → models → rendered files. Pure apart from reading the specs;
 * writing is writer.ts's job, so `check` (and tests) can compare in memory.
 */
import { allocateRun, allocationMoved, readAllocations } from './allocations';
import { withOrphanNote } from './orphans';
import { ciInputs, costFact, customerInputs, fleetInputs, hubsInputs, type Inputs } from './fingerprint';
import type { FleetConfig } from '../fleet/schema';
import { ALLOCATION_FILE, allocationJson, hubsOf, type Allocation } from '../model/allocation';
import { buildHubs } from '../model/hub';
import { buildModel, type CustomerModel } from '../model/model';
import { commentedNotice, generatedNotice } from '../render/header';
import { fleetCostJson, fleetCostMarkdown } from '../render/cost';
import { packagedPriceTable, withOverrides } from '../fleet/prices';
import { renderHub } from '../render/hub';
import { renderCustomerModule } from '../render/customer-module';
import { renderOperatorReadme } from '../render/docs';
import { renderCi } from '../render/ci';
import { MANIFEST_FILE, renderManifest, wiringHash } from '../render/manifest';
import { renderOperatorJson } from '../render/operator';
import { displayPath, validateRun } from './specs';

export { discoverSpecs, displayPath, namedSpecs, validateRun, type ValidatedRun } from './specs';

/** Files of one customer, by path relative to generated/<name>/. */
export type CustomerFiles = Map<string, string>;

export interface Generated {
  readonly name: string;
  readonly model: CustomerModel;
  readonly files: CustomerFiles;
}

export function renderCustomer(model: CustomerModel, inputs: Inputs): CustomerFiles {
  const files: CustomerFiles = new Map();
  files.set('README.md', renderOperatorReadme(model));
  files.set(ALLOCATION_FILE, allocationJson(model.allocation, generatedNotice(model.specFile)));
  files.set('operator/cdk.tf.json', renderOperatorJson(model));
  for (const [path, content] of renderCustomerModule(model)) files.set(`customer-module/${path}`, content);
  files.set(
    MANIFEST_FILE,
    renderManifest(model.specFile, files, {
      customer: model.name,
      spec: { file: model.specFile, sha256: inputs.spec },
      inputs,
      wiring: wiringHash(files.get('operator/cdk.tf.json')!),
      endpoints: Object.fromEntries(model.endpoints.map((e) => [e.name, e.status])),
      cost: { operatorMonthly: model.cost.monthly, customerMonthly: model.cost.customer.monthly, priceTable: model.cost.assembled },
      ...(model.decommission ? { decommission: true as const } : {}),
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
  /** `--reallocate NAME`: allocate these customers afresh (the fix for an allocation conflict). */
  readonly reallocate?: readonly string[];
}

export interface FleetOutput {
  /** The customers of this run. */
  readonly customers: Generated[];
  /** The name of every valid spec of the fleet (the run's and the others'). */
  readonly names: readonly string[];
  /**
   * Customers not named in the run whose folders change with it: a customer whose own router its hub adopts when the
   * named one joins its network. Written and committed with the run.
   */
  readonly alsoChanged: Generated[];
  /** Files of generated/ci/; undefined when a spec outside this run is invalid, so the fleet's list is unknown. */
  readonly ci?: CustomerFiles;
  /** Files of generated/hubs/ (empty: no customer is on a shared router); undefined when ci is. */
  readonly hubs?: CustomerFiles;
  /** Files of generated/fleet/ (the cost summary); undefined when ci is. */
  readonly fleet?: CustomerFiles;
  /** Why ci is undefined. */
  readonly ciSkipped?: string;
}

/** Validates and renders the requested specs in memory, plus the fleet's CI config (for --commit, validate, tests). */
export function generateAll(opts: GenerateOptions & { readonly insideSpecsDir?: boolean }): FleetOutput {
  const run = validateRun(opts);
  const disk = readAllocations(opts.outDir);
  let allocations;
  try {
    allocations = allocateRun(run, { outDir: opts.outDir, fleet: opts.fleet, disk, ...(opts.reallocate ? { reallocate: opts.reallocate } : {}) });
  } catch (err) {
    throw withOrphanNote(err, opts.outDir, opts.specsDir, run.all);
  }
  const render = (s: (typeof run.all)[number]) => {
    const model = buildModel(s.spec, s.file, opts.fleet, allocations.get(s.spec.name)!);
    return { name: model.name, model, files: renderCustomer(model, customerInputs(s.sha256, opts.fleetBytes)) };
  };
  const customers = run.requested.map(render);
  const alsoChanged = run.all.filter((s) => !run.requested.includes(s) && allocationMoved(disk, s, allocations)).map(render);
  const names = run.all.map((s) => s.spec.name);
  if (run.ciSkipped) return { customers, names, alsoChanged, ciSkipped: run.ciSkipped };
  return {
    customers,
    names,
    alsoChanged,
    ci: renderCiFolder(ciFacts(run.all, allocations, opts.fleet.rollout.canary), opts),
    hubs: renderHubsFolder(run.all, allocations, opts),
    fleet: renderFleetFolder(run.all, allocations, opts),
  };
}

/**
 * Files of generated/hubs/ (paths relative to it): each hub's routers and sessions stacks and README, from every
 * customer on a shared router, and the folder's manifest. Empty when no customer is on one.
 */
export function renderHubsFolder(
  specs: readonly { readonly file: string; readonly spec: import('../input/schema').CustomerSpec; readonly sha256: string }[],
  allocations: ReadonlyMap<string, Allocation>,
  opts: Pick<GenerateOptions, 'specsDir' | 'fleet' | 'fleetBytes'>,
): CustomerFiles {
  // Every customer with a seat on a hub: its primary region's router, or its failover region's, is shared.
  const shared = specs.filter((s) => {
    const a = allocations.get(s.spec.name);
    return a !== undefined && hubsOf(a).length > 0;
  });
  const files: CustomerFiles = new Map();
  if (shared.length === 0) return files;
  const models = shared.map((s) => buildModel(s.spec, s.file, opts.fleet, allocations.get(s.spec.name)!));
  const source = `${displayPath(opts.specsDir).replace(/\/+$/, '')}/*.yaml`;
  for (const hub of buildHubs(models, opts.fleet)) {
    for (const [path, content] of renderHub(hub, source)) files.set(`${hub.id}/${path}`, content);
  }
  const entries = shared.map((s) => ({ name: s.spec.name, specSha: s.sha256, allocation: allocationJson(allocations.get(s.spec.name)!, generatedNotice(s.file)) }));
  files.set(MANIFEST_FILE, renderManifest(source, files, { inputs: hubsInputs(entries, opts.fleetBytes) }));
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Files of generated/fleet/: the fleet's cost summary (cost.md for people, cost.json for tools) from every
 * customer's model, and the folder's manifest. Empty without customers.
 */
export function renderFleetFolder(
  specs: readonly { readonly file: string; readonly spec: import('../input/schema').CustomerSpec; readonly sha256: string }[],
  allocations: ReadonlyMap<string, Allocation>,
  opts: Pick<GenerateOptions, 'specsDir' | 'fleet' | 'fleetBytes'>,
): CustomerFiles {
  const files: CustomerFiles = new Map();
  if (specs.length === 0) return files;
  const source = `${displayPath(opts.specsDir).replace(/\/+$/, '')}/*.yaml`;
  const rows = [...specs]
    .sort((a, b) => a.spec.name.localeCompare(b.spec.name))
    .map((s) => {
      const model = buildModel(s.spec, s.file, opts.fleet, allocations.get(s.spec.name)!);
      return { customer: model.name, decommission: model.decommission, estimate: model.cost };
    });
  const table = withOverrides(packagedPriceTable(), opts.fleet.pricing.overrides);
  files.set(FLEET_COST_MD, fleetCostMarkdown(rows, table, commentedNotice('markdown', source).trimEnd()));
  files.set(FLEET_COST_JSON, fleetCostJson(rows, table));
  const entries = rows.map((r) => ({
    name: r.customer,
    cost: costFact({ operatorMonthly: r.estimate.monthly, customerMonthly: r.estimate.customer.monthly, priceTable: r.estimate.assembled }, r.decommission),
  }));
  files.set(MANIFEST_FILE, renderManifest(source, files, { inputs: fleetInputs(entries, opts.fleetBytes) }));
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

export const FLEET_COST_MD = 'cost.md';
export const FLEET_COST_JSON = 'cost.json';

/** What the fleet's CI config depends on: every customer, the hubs, and the customers that are leaving. */
export interface CiFacts {
  readonly names: readonly string[];
  readonly hubs: readonly string[];
  readonly leaving: readonly string[];
  /** The hubs a canary customer sits on: their routers apply with the canaries, before every other hub's. */
  readonly canaryHubs: readonly string[];
}

export function ciFacts(specs: readonly { readonly spec: import('../input/schema').CustomerSpec }[], allocations: ReadonlyMap<string, Allocation>, canaries: readonly string[] = []): CiFacts {
  const hubs = new Set<string>();
  const canaryHubs = new Set<string>();
  for (const [name, a] of allocations) {
    for (const hub of hubsOf(a)) {
      hubs.add(hub);
      if (canaries.includes(name)) canaryHubs.add(hub);
    }
  }
  return { names: specs.map((s) => s.spec.name), hubs: [...hubs].sort(), leaving: specs.filter((s) => s.spec.decommission).map((s) => s.spec.name).sort(), canaryHubs: [...canaryHubs].sort() };
}

/** Files of generated/ci/ for the fleet's customers and hubs. */
export function renderCiFolder(facts: CiFacts, opts: Pick<GenerateOptions, 'specsDir' | 'outDir' | 'fleet' | 'fleetBytes'>): CustomerFiles {
  const specsDir = displayPath(opts.specsDir).replace(/\/+$/, '');
  const files = renderCi({ customers: [...facts.names].sort(), hubs: facts.hubs, leaving: facts.leaving, canaryHubs: facts.canaryHubs, specsDir, outDir: displayPath(opts.outDir).replace(/\/+$/, ''), fleet: opts.fleet });
  if (files.size > 0) files.set(MANIFEST_FILE, renderManifest(`${specsDir}/*.yaml`, files, { inputs: ciInputs(facts, opts.fleetBytes) }));
  return files;
}
