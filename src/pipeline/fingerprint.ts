/**
 * Content addressing: the inputs a customer's generated folder depends on, each as a SHA-256, recorded in its
 * manifest. `check` and `generate` skip a customer whose recorded inputs equal the current ones and whose files
 * still hash as recorded; anything else (spec, fleet config, generator, or a generated file edited) means a real
 * regeneration of that customer.
 *
 *   spec       the spec file's bytes
 *   fleet      privlink.yaml's bytes ('' when there is none)
 *   generator  privlink itself: package.json, package-lock.json (every dependency's exact version) and every
 *              file of dist/, templates/ and pricing/ (the price table), so a code change without a version bump still counts
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sha256, textSha256, type Inputs } from '../render/manifest';
import { PACKAGE_ROOT } from '../support/package-root';

export type { Inputs };

export { PACKAGE_ROOT };

function filesBelow(dir: string, rel = ''): string[] {
  let entries;
  try {
    entries = readdirSync(join(dir, rel), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => {
      const path = rel ? `${rel}/${e.name}` : e.name;
      return e.isDirectory() ? filesBelow(dir, path) : [path];
    });
}

let generator: string | undefined;
/** SHA-256 over privlink's own code, templates and lockfile (computed once per process, a few milliseconds). */
export function generatorFingerprint(root = PACKAGE_ROOT): string {
  if (generator !== undefined && root === PACKAGE_ROOT) return generator;
  const hash = sha256Stream();
  for (const top of ['package.json', 'package-lock.json']) hash.add(top, readOrEmpty(join(root, top)));
  for (const dir of ['dist', 'templates', 'pricing']) {
    for (const rel of filesBelow(join(root, dir))) hash.add(`${dir}/${rel}`, readOrEmpty(join(root, dir, rel)));
  }
  const value = hash.digest();
  if (root === PACKAGE_ROOT) generator = value;
  return value;
}

function readOrEmpty(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    return Buffer.alloc(0);
  }
}

/** Hash of named parts, each length-prefixed so no two different part lists hash alike. */
function sha256Stream() {
  const parts: Buffer[] = [];
  return {
    add(name: string, bytes: Buffer) {
      parts.push(Buffer.from(`${name}\0${bytes.length}\0`), bytes);
    },
    digest: () => sha256(Buffer.concat(parts)),
  };
}

/** The inputs of one customer. */
export const customerInputs = (specBytesSha: string, fleetBytes: Buffer): Inputs => ({
  spec: specBytesSha,
  fleet: textSha256(fleetBytes),
  generator: generatorFingerprint(),
});

/** The inputs of generated/ci/: the fleet's customer names, hubs, leaving customers and the canaries' hubs stand in for the spec. */
export const ciInputs = (facts: { names: readonly string[]; hubs: readonly string[]; leaving: readonly string[]; canaryHubs: readonly string[] }, fleetBytes: Buffer): Inputs => ({
  spec: sha256(
    [...[...facts.names].sort(), ...[...facts.hubs].sort().map((h) => `hub ${h}`), ...[...facts.leaving].sort().map((c) => `leaving ${c}`), ...[...facts.canaryHubs].sort().map((h) => `canary hub ${h}`)].join('\n'),
  ),
  fleet: textSha256(fleetBytes),
  generator: generatorFingerprint(),
});

/**
 * The inputs of generated/hubs/: every customer on a shared router, by name, spec bytes and allocation file (the
 * hubs hold their sessions), standing in for the spec. Computable from the disk without parsing a spec.
 */
export const hubsInputs = (entries: readonly { name: string; specSha: string; allocation: string }[], fleetBytes: Buffer): Inputs => ({
  spec: sha256(
    [...entries]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((e) => `${e.name} ${e.specSha} ${sha256(e.allocation)}`)
      .join('\n'),
  ),
  fleet: textSha256(fleetBytes),
  generator: generatorFingerprint(),
});

/**
 * What generated/fleet/ depends on: each customer's recorded estimate (its manifest's `cost`, what the model gave),
 * not its spec bytes, so a change that moves no figure (a comment, a label) leaves the fleet folder as it is and two
 * pull requests of different customers conflict there only when both change what they cost.
 */
export const fleetInputs = (entries: readonly { name: string; cost: string }[], fleetBytes: Buffer): Inputs => ({
  spec: sha256(
    [...entries]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((e) => `${e.name} ${e.cost}`)
      .join('\n'),
  ),
  fleet: textSha256(fleetBytes),
  generator: generatorFingerprint(),
});

/** A customer's estimate as fleetInputs records it (from the model, or read back from its manifest). */
export const costFact = (c: { operatorMonthly: number; customerMonthly: number; priceTable: string }, decommission: boolean) =>
  `${c.operatorMonthly} ${c.customerMonthly} ${c.priceTable}${decommission ? ' decommission' : ''}`;

export const sameInputs = (a: Inputs | undefined, b: Inputs) =>
  a !== undefined && a.spec === b.spec && a.fleet === b.fleet && a.generator === b.generator;

/** Which inputs differ, in words ("the spec and privlink.yaml"). */
export function changedInputs(recorded: Inputs | undefined, now: Inputs, fleetFile = 'privlink.yaml'): string {
  if (!recorded) return 'no inputs recorded (generated by an older privlink)';
  const what = [
    recorded.spec !== now.spec ? 'the spec' : '',
    recorded.fleet !== now.fleet ? fleetFile : '',
    recorded.generator !== now.generator ? 'privlink itself' : '',
  ].filter(Boolean);
  return what.length ? `${what.join(' and ')} changed` : 'inputs unchanged';
}
