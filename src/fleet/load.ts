/**
 * Reads privlink.yaml with the same machinery and error style as customer specs (positions, every problem at once).
 */
import { readFileSync } from 'node:fs';
import { RESERVED_LABELS } from '../input/rules';
import { at, schemaProblems } from '../input/load';
import { InputError, UsageError, type Problem } from '../input/problems';
import { parseYamlSource } from '../input/source';
import { AWS_PROVIDER_CONSTRAINT, FLEET_FILE, GOOGLE_PROVIDER_CONSTRAINT, S3_LOCKFILE_TERRAFORM, TERRAFORM_VERSION_CONSTRAINT } from '../domain/constants';
import { overlaps } from '../domain/versions';
import { firstOf } from '../support/words';
import { PRICE_IDS } from './prices';
import { DEFAULT_FLEET, fleetSchema, topicRegion, type FleetConfig } from './schema';

export const DEFAULT_FLEET_FILE = FLEET_FILE;

export interface LoadedFleet {
  readonly config: FleetConfig;
  /** The file read, or undefined when none exists and the defaults apply. */
  readonly file?: string;
  /** The file's bytes ('' without a file): part of every customer's content key. */
  readonly bytes: Buffer;
}

/** What each version constraint of privlink.yaml must leave room for, and why. */
function supportedVersions(config: FleetConfig): Record<'terraform' | 'aws' | 'google', { constraint: string; what: string; why: string }> {
  const s3Lockfile = config.backend.type === 's3' && config.backend.dynamodbTable === undefined;
  return {
    terraform: s3Lockfile
      ? { constraint: S3_LOCKFILE_TERRAFORM, what: 'Terraform', why: 'the s3 backend locks with use_lockfile, new in Terraform 1.10' }
      : { constraint: TERRAFORM_VERSION_CONSTRAINT, what: 'Terraform', why: 'the generated configuration uses features of Terraform 1.5' },
    aws: { constraint: AWS_PROVIDER_CONSTRAINT, what: 'hashicorp/aws', why: 'the versions whose source privlink\'s output was checked against; see docs/providers.md' },
    google: { constraint: GOOGLE_PROVIDER_CONSTRAINT, what: 'hashicorp/google', why: 'the versions whose source privlink\'s output was checked against; see docs/providers.md' },
  };
}

/** Validates YAML text as a fleet config. */
export function parseFleet(file: string, bytes: Buffer): { config?: FleetConfig; problems: Problem[] } {
  const source = parseYamlSource(file, bytes);
  if (source.value === undefined && source.problems.length > 0) return { problems: source.problems };
  if (source.problems.length > 0) {
    // Readable, with a file-level problem (a second document): the first document's problems too.
    const rest = source.value !== null && typeof source.value === 'object' && !Array.isArray(source.value) ? fleetSchema.safeParse(source.value) : undefined;
    return { problems: [...source.problems, ...(rest && !rest.success ? schemaProblems(source, rest.error.issues, fleetSchema) : [])] };
  }
  if (source.value === null || typeof source.value !== 'object' || Array.isArray(source.value)) {
    return { problems: [{ file, line: 1, col: 1, path: '', message: 'expected a YAML mapping with apiVersion: privlink/v1 and kind: Fleet' }] };
  }
  const parsed = fleetSchema.safeParse(source.value);
  if (!parsed.success) return { problems: schemaProblems(source, parsed.error.issues, fleetSchema) };
  const problems = Object.keys(parsed.data.labels)
    .filter((k) => (RESERVED_LABELS as readonly string[]).includes(k))
    .map((k) => at(source, ['labels', k], `"${k}" is set by privlink on every resource; reserved: ${RESERVED_LABELS.join(', ')}`, true));
  for (const [key, supported] of Object.entries(supportedVersions(parsed.data))) {
    const given = parsed.data.providers[key as keyof typeof parsed.data.providers];
    if (!overlaps(given, supported.constraint)) {
      problems.push(at(source, ['providers', key], `"${given}" admits no version privlink's output works with: ${supported.what} ${supported.constraint} (${supported.why})`));
    }
  }
  for (const id of Object.keys(parsed.data.pricing.overrides)) {
    if (!(PRICE_IDS as readonly string[]).includes(id)) {
      problems.push(at(source, ['pricing', 'overrides', id], `"${id}" is no entry of the price table; entries: ${PRICE_IDS.join(', ')}`, true));
    }
  }
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

/**
 * SNS topics of another Region than some customers' alarms: a severity whose topic list names none in a customer's
 * `aws.region` would leave that customer's alarms without a target (CloudWatch refuses a topic of another Region).
 * Each such topic is refused at its place, naming the Regions and customers it would not serve.
 */
export function alertTopicProblems(fleet: LoadedFleet, customers: readonly { name: string; region: string }[]): Problem[] {
  if (fleet.file === undefined) return [];
  const out: Problem[] = [];
  let source: ReturnType<typeof parseYamlSource> | undefined;
  for (const severity of ['warning', 'critical'] as const) {
    const topics = fleet.config.alerts[severity].snsTopicArns;
    if (topics.length === 0) continue;
    const served = new Set(topics.map(topicRegion));
    const unserved = new Map<string, string[]>();
    for (const c of customers) if (!served.has(c.region)) unserved.set(c.region, [...(unserved.get(c.region) ?? []), c.name]);
    if (unserved.size === 0) continue;
    source ??= parseYamlSource(fleet.file, fleet.bytes);
    const who = [...unserved].sort(([a], [b]) => a.localeCompare(b)).map(([region, names]) => `${region} (${firstOf(names, 5)})`);
    topics.forEach((topic, i) => {
      out.push(
        at(
          source!,
          ['alerts', severity, 'snsTopicArns', i],
          `"${topic}" is in ${topicRegion(topic)}, and a CloudWatch alarm publishes only to a topic of its own Region, so the ${severity} alarms of customers in ${who.join('; ')} would have none: add a topic of each of those Regions to this list (each alarm takes its own Region's)`,
        ),
      );
    });
  }
  return out;
}

/**
 * `rollout.canary` names that are no customer of the fleet, each at its place in privlink.yaml (a canary that names
 * nobody would silently leave a fleet-wide change without its canary).
 */
export function rolloutProblems(fleet: LoadedFleet, customers: readonly string[]): Problem[] {
  const canary = fleet.config.rollout.canary;
  if (canary.length === 0 || fleet.file === undefined) return [];
  const known = new Set(customers);
  const source = parseYamlSource(fleet.file, fleet.bytes);
  const list = [...known].sort();
  const some = firstOf(list, 8);
  return canary.flatMap((name, i) =>
    known.has(name) ? [] : [at(source, ['rollout', 'canary', i], `"${name}" is not a customer of this fleet (customers: ${some || 'none'}); a canary must name one`)],
  );
}
