/**
 * Live orphans: customer folders of the output that no spec generates any more, whose customer was never
 * decommissioned. Their resources stay up with nothing planning them, so `generate` warns (a renamed spec is the
 * usual cause: every resource name derives from the customer's name, so a rename is the decommission of the old
 * name and the onboarding of the new one) and `--commit` refuses, since the branch's clean clone would fail `check`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RESERVED_CUSTOMER_NAMES } from '../domain/constants';
import { InputError } from '../input/problems';
import { MANIFEST_FILE, parseManifest } from '../render/manifest';
import { readIfExists } from '../support/files';

export function liveOrphans(outDir: string, names: ReadonlySet<string>): string[] {
  if (!existsSync(outDir)) return [];
  return readdirSync(outDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !RESERVED_CUSTOMER_NAMES.includes(e.name) && !names.has(e.name))
    .filter((e) => {
      const text = readIfExists(join(outDir, e.name, MANIFEST_FILE));
      return text !== undefined && parseManifest(text)?.decommission !== true;
    })
    .map((e) => e.name)
    .sort();
}

/** What to do about live orphans, naming the new customers of the run (a rename's other half) when there are any. */
export function orphanAdvice(outDir: string, specsDir: string, orphans: readonly string[], newcomers: readonly string[]): string {
  const list = orphans.map((n) => `${outDir}/${n}/`).join(', ');
  const renamed = newcomers.length > 0 ? ` If you renamed ${orphans.join(', ')} to ${newcomers.join(', ')}: a rename changes every resource name, so it is the decommission of the old name and the onboarding of the new one.` : '';
  const first = orphans[0]!;
  return (
    `${list}: no spec generates ${orphans.length === 1 ? 'this folder' : 'these folders'} any more, and ${orphans.join(', ')} ${orphans.length === 1 ? 'was' : 'were'} never decommissioned: ` +
    `its tunnels and endpoints would stay up with nothing planning them.${renamed} ` +
    `Steps: (1) bring back the old spec (git checkout HEAD -- ${specsDir}/${first}.yaml, or undo the rename), set \`decommission: true\` and run \`privlink generate ${specsDir}/${first}.yaml --commit\`; ` +
    `(2) after CI has applied it, delete the old spec and folder in one pull request (\`privlink generate --commit\`); ` +
    `(3) onboard the new customer in its own pull request (docs/offboarding.md)`
  );
}

type Specs = readonly { readonly spec: { readonly name: string } }[];

/** What the live orphans beside `specs` (the fleet's valid specs) mean and what to do, or undefined when there are none. */
export function orphanNote(outDir: string, specsDir: string, specs: Specs): string | undefined {
  const orphans = liveOrphans(outDir, new Set(specs.map((x) => x.spec.name)));
  if (orphans.length === 0) return undefined;
  const newcomers = specs.filter((x) => !existsSync(join(outDir, x.spec.name))).map((x) => x.spec.name);
  return orphanAdvice(outDir, specsDir, orphans, newcomers);
}

/**
 * `err` with a note when live orphans stand behind its problems (a renamed customer collides with its own old
 * folder's allocation); `specs` are the fleet's valid specs, if validation got that far.
 */
export function withOrphanNote(err: unknown, outDir: string, specsDir: string, specs: Specs | undefined): unknown {
  const note = err instanceof InputError && specs !== undefined ? orphanNote(outDir, specsDir, specs) : undefined;
  return note === undefined ? err : new InputError((err as InputError).problems, [...(err as InputError).notes, note]);
}
