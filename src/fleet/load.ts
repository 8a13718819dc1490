/**
 * Reads privlink.yaml with the same machinery and error style as customer specs (positions, every problem at once).
 */
import { readFileSync } from 'node:fs';
import { RESERVED_LABELS } from '../spec/rules';
import { at, schemaProblems } from '../spec/load';
import { InputError, UsageError, type Problem } from '../spec/problems';
import { parseYamlSource } from '../spec/source';
import { DEFAULT_FLEET, fleetSchema, type FleetConfig } from './schema';

export const DEFAULT_FLEET_FILE = 'privlink.yaml';

export interface LoadedFleet {
  readonly config: FleetConfig;
  /** The file read, or undefined when none exists and the defaults apply. */
  readonly file?: string;
  /** The file's bytes ('' without a file): part of every customer's content key. */
  readonly bytes: Buffer;
}

/** Validates YAML text as a fleet config. */
export function parseFleet(file: string, bytes: Buffer): { config?: FleetConfig; problems: Problem[] } {
  const source = parseYamlSource(file, bytes);
  if (source.problems.length > 0) return { problems: source.problems };
  if (source.value === null || typeof source.value !== 'object' || Array.isArray(source.value)) {
    return { problems: [{ file, line: 1, col: 1, path: '', message: 'expected a YAML mapping with apiVersion: privlink/v1 and kind: Fleet' }] };
  }
  const parsed = fleetSchema.safeParse(source.value);
  if (!parsed.success) return { problems: schemaProblems(source, parsed.error.issues, fleetSchema) };
  const problems = Object.keys(parsed.data.labels)
    .filter((k) => (RESERVED_LABELS as readonly string[]).includes(k))
    .map((k) => at(source, ['labels', k], `"${k}" is set by privlink on every resource; reserved: ${RESERVED_LABELS.join(', ')}`, true));
  return problems.length > 0 ? { problems } : { config: parsed.data, problems };
}

/**
 * Loads the fleet config. `file` undefined: privlink.yaml in the working directory if it exists, else the
 * defaults. A file named explicitly must exist. Invalid content throws InputError with every problem.
 */
export function loadFleet(file?: string): LoadedFleet {
  const path = file ?? DEFAULT_FLEET_FILE;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && file === undefined) return { config: DEFAULT_FLEET, bytes: Buffer.alloc(0) };
    if (code === 'ENOENT') throw new UsageError(`no fleet config "${path}"`);
    throw new UsageError(`cannot read fleet config "${path}" (${code ?? (err as Error).message})`);
  }
  const r = parseFleet(path, bytes);
  if (!r.config) throw new InputError(r.problems);
  return { config: r.config, file: path, bytes };
}
