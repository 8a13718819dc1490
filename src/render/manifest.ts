/**
 * The manifest each generated folder carries (privlink-manifest.json): the spec it came from (path and hash),
 * each endpoint's status and the hash of every file as privlink wrote it. `privlink check` uses it to tell a
 * hand-edited file (differs from the hash recorded) from a stale one (matches the record, but the spec or the
 * generator has moved on); `generate --commit` reads the committed one to word the phase transition.
 */
import { createHash } from 'node:crypto';
import type { EndpointStatus } from '../model/model';
import { generatedNotice } from './header';

export const MANIFEST_FILE = 'privlink-manifest.json';

/** A deviation from a rule of the security pack that the spec records, with who agreed and why. */
export interface SecurityException {
  readonly rule: string;
  readonly reason: string;
}

export interface Manifest {
  readonly customer?: string;
  readonly spec?: { readonly file: string; readonly sha256: string };
  /** What the folder was generated from (fingerprint.ts); equal inputs and intact files mean nothing to redo. */
  readonly inputs?: Inputs;
  readonly endpoints?: Readonly<Record<string, EndpointStatus>>;
  /**
   * SHA-256 of the operator stack's wiring (wiringHash): what the lab proves. CI runs the lab for a customer whose
   * wiring differs from the pull request's base, and skips it for a change of tags, labels or documentation only.
   */
  readonly wiring?: string;
  /**
   * The monthly estimate when the folder was generated (model/cost.ts), in USD: what the operator pays and what the
   * customer's own account pays. `generate --commit` words a change's cost as the difference from HEAD's.
   */
  readonly cost?: { readonly operatorMonthly: number; readonly customerMonthly: number; readonly priceTable: string };
  /** Present (true) only while the customer is leaving the fleet (spec `decommission: true`). */
  readonly decommission?: true;
  /** Present only when the spec records exceptions (older manifests have none). */
  readonly security?: { readonly exceptions: readonly SecurityException[] };
  /** Path relative to the folder → SHA-256 of the content privlink wrote. */
  readonly files: Readonly<Record<string, string>>;
}

/** What a folder was generated from, as SHA-256s (fingerprint.ts computes them; the manifest records them). */
export interface Inputs {
  readonly spec: string;
  readonly fleet: string;
  readonly generator: string;
}

export const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

export { lf, textSha256 } from '../support/text';

/**
 * Arguments that change nothing a packet, a BGP session or a DNS query meets: tags and labels, descriptions, and where
 * alarms notify. Everything else of the operator stack (addresses, tunnels and their options, routers, sessions,
 * endpoints, security group rules, zones and records, routes, the alarms' dimensions and filters, the outputs) is wiring.
 */
const NOT_WIRING: ReadonlySet<string> = new Set(['//', 'tags', 'labels', 'user_labels', 'description', 'alarm_description', 'documentation', 'alarm_actions', 'ok_actions', 'insufficient_data_actions', 'notification_channels']);

/** SHA-256 of an operator stack's resources and outputs without the arguments of NOT_WIRING, at any depth. */
export function wiringHash(operatorJson: string): string {
  const strip = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(strip) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k]) => !NOT_WIRING.has(k)).map(([k, x]) => [k, strip(x)])) : v;
  const doc = JSON.parse(operatorJson) as { resource?: unknown; output?: unknown };
  return sha256(JSON.stringify({ resource: strip(doc.resource ?? {}), output: strip(doc.output ?? {}) }));
}

/** The manifest of a folder's files (the manifest itself excluded). `source` is what the header names. */
export function renderManifest(source: string, files: ReadonlyMap<string, string>, about: Omit<Manifest, 'files'> = {}): string {
  const hashes = Object.fromEntries([...files.keys()].filter((p) => p !== MANIFEST_FILE).sort().map((p) => [p, sha256(files.get(p)!)]));
  return `${JSON.stringify({ '//': { generated: generatedNotice(source) }, ...about, files: hashes }, null, 2)}\n`;
}

/** A manifest read back, or undefined when the text is not one. */
export function parseManifest(text: string | undefined): Manifest | undefined {
  if (text === undefined) return undefined;
  try {
    const m = JSON.parse(text) as Manifest;
    return m && typeof m === 'object' && m.files && typeof m.files === 'object' ? m : undefined;
  } catch {
    return undefined;
  }
}
