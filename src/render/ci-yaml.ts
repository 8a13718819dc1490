/** What the CI renderers (render/ci.ts, render/github.ts) share: their input and how a CI file is written. */
import { stringify } from 'yaml';
import type { FleetConfig } from '../fleet/schema';
import { generatedNotice } from './header';

/** Beside each spec, a human-written list of addresses plan-guard may let be replaced or destroyed. */
export const ALLOW_FILE_SUFFIX = '.plan-guard-allow';

export interface CiInput {
  /** Every customer of the fleet, sorted. */
  readonly customers: readonly string[];
  /** Hub ids (generated/hubs/<id>/), sorted; and the customers that are decommissioning, whose apply comes last. */
  readonly hubs: readonly string[];
  readonly leaving: readonly string[];
  /** The hubs a canary sits on (sorted): their routers apply in the canary wave, before every other hub's routers. */
  readonly canaryHubs: readonly string[];
  /** Folders relative to the repository root, forward slashes. */
  readonly specsDir: string;
  readonly outDir: string;
  readonly fleet: FleetConfig;
}

export const PRIVLINK = 'npx --no-install privlink';

/** A CI file: the generated notice and `lines` as comments, then `data` as YAML (valid whatever the names). */
export function ciYaml(input: CiInput, lines: readonly string[], data: unknown): string {
  const head = [`# ${generatedNotice(`${input.specsDir}/*.yaml`)}`, ...lines.map((l) => (l ? `# ${l}` : '#'))].join('\n');
  return `${head}\n${stringify(data, { lineWidth: 0, indent: 2 })}`;
}
