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
