/**
 * Reads customer specs: YAML with positions → schema → per-spec rules → fleet rules.
 * Every problem of every file is collected; nothing stops at the first one.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import type { core } from 'zod';
import { formatPath, type Problem } from './problems';
import { checkFleet, checkSpec, type SpecSections } from './rules';
import { customerSchema, type CustomerSpec } from './schema';
import { MAX_SOURCE_BYTES, parseYamlSource, type YamlSource } from './source';
import { textSha256 } from '../support/text';

export interface LoadedSpec {
  /** Path as given, made relative to the working directory when inside it (used in headers and messages). */
  readonly file: string;
  readonly spec: CustomerSpec;
  /** SHA-256 of the file's bytes, recorded in the output's manifest. */
  readonly sha256: string;
}

export interface LoadResult {
  readonly specs: LoadedSpec[];
  readonly problems: Problem[];
  /** Each valid spec's YAML source, to place findings of later stages (allocation) at their line and column. */
  readonly sources: ReadonlyMap<string, YamlSource>;
}

/** Validates YAML text as a customer spec. */
export function parseSpec(file: string, bytes: Buffer): { spec?: CustomerSpec; problems: Problem[]; source: YamlSource } {
  const source = parseYamlSource(file, bytes);
  // A file whose YAML could not be read stops here; a readable one with a file-level problem (a second document)
  // is still checked in full.
  if (source.value === undefined && source.problems.length > 0) return { problems: source.problems, source };
  if (source.value === null || typeof source.value !== 'object' || Array.isArray(source.value)) {
    return { problems: [...source.problems, { file, line: 1, col: 1, path: '', message: 'expected a YAML mapping with apiVersion, kind, name, gcp, aws, vpn and endpoints' }], source };
  }
  const parsed = customerSchema.safeParse(source.value);
  if (parsed.success) {
    const problems = [...source.problems, ...checkSpec(parsed.data).map((f) => at(source, f.path, f.message, f.atKey))];
    return problems.length > 0 ? { problems, source } : { spec: parsed.data, problems, source };
  }
  // Schema problems, plus the rules on everything that did pass the schema: all problems in one run.
  const raw = source.value as Record<string, unknown>;
  const sections: SpecSections = {};
  for (const key of ['vpn', 'labels', 'security'] as const) {
    const r = customerSchema.shape[key].safeParse(raw[key]);
    if (r.success) (sections as Record<string, unknown>)[key] = r.data;
  }
  // gcp and aws field by field: a bad account id must not hide a VPC that overlaps the source ranges.
  for (const key of ['gcp', 'aws'] as const) {
    const section = raw[key];
    if (section === null || typeof section !== 'object' || Array.isArray(section)) continue;
    const partial: Record<string, unknown> = {};
    for (const [field, schema] of Object.entries(customerSchema.shape[key].shape)) {
      const r = (schema as unknown as { safeParse(v: unknown): { success: boolean; data?: unknown } }).safeParse((section as Record<string, unknown>)[field]);
      if (r.success && r.data !== undefined) partial[field] = r.data;
    }
    (sections as Record<string, unknown>)[key] = partial;
  }
  // Endpoints one by one, keeping their indexes (a sparse list): a bad port in one endpoint must not hide a
  // duplicate port, a foreign region or a missing exception in another.
  if (Array.isArray(raw.endpoints)) {
    const element = customerSchema.shape.endpoints.element;
    const list: (typeof sections.endpoints & object)[number][] = [];
    raw.endpoints.forEach((ep, i) => {
      const r = element.safeParse(ep);
      if (r.success) list[i] = r.data;
    });
    sections.endpoints = list;
  }
  return {
    problems: [
      ...source.problems,
      ...schemaProblems(source, parsed.error.issues, customerSchema),
      ...checkSpec(sections).map((f) => at(source, f.path, f.message, f.atKey)),
    ],
    source,
  };
}

/** Line breaks and control characters, which no spec file name may hold. */
const UNSAFE_NAME = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * Reads at most cap + 1 bytes: enough to tell a file over the cap, which the parser then refuses, without
 * trusting stat() (a device like /dev/zero reports size 0 and never ends).
 */
function readCapped(file: string, cap: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(cap + 1);
    let n = 0;
    while (n < buf.length) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Reads and validates files, then checks them against each other. */
export function loadSpecs(files: readonly string[], readFile: (f: string) => Buffer = readFileSync): LoadResult {
  const specs: LoadedSpec[] = [];
  const problems: Problem[] = [];
  const sources = new Map<string, YamlSource>();
  for (const file of files) {
    if (UNSAFE_NAME.test(file)) {
      // The file name is written into headers, comments and CI config of the output: a line break there would
      // break the HCL and YAML privlink writes.
      problems.push({ file, line: 1, col: 1, path: '', message: 'file name contains a line break or control character; rename the file' });
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = readFile === readFileSync ? readCapped(file, MAX_SOURCE_BYTES) : readFile(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a spec file' : `cannot read the file (${code ?? (err as Error).message})`;
      problems.push({ file, line: 1, col: 1, path: '', message: why });
      continue;
    }
    const r = parseSpec(file, bytes);
    problems.push(...r.problems);
    if (r.spec) {
      specs.push({ file, spec: r.spec, sha256: textSha256(bytes) });
      sources.set(file, r.source);
    }
  }
  for (const { file, finding } of checkFleet(specs)) {
    problems.push(at(sources.get(file)!, finding.path, finding.message, finding.atKey));
  }
  return { specs, problems, sources };
}

export function at(source: YamlSource, path: readonly PropertyKey[], message: string, atKey = false): Problem {
  const last = path[path.length - 1];
  const { line, col } = atKey && typeof last === 'string' ? source.locateKey(path.slice(0, -1), last) : source.locate(path);
  return { file: source.file, line, col, path: formatPath(path), message };
}

/** Problems for a schema's issues, each at the line and column of the value (or key) it is about. */
export function schemaProblems(source: YamlSource, issues: readonly core.$ZodIssue[], root: core.$ZodType): Problem[] {
  return issues.flatMap((i) => issueProblems(source, i, root));
}

function issueProblems(source: YamlSource, issue: core.$ZodIssue, root: core.$ZodType): Problem[] {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const { line, col } = source.locateKey(path, key);
      const written = source.keyText(path, key) ?? key; // as written: `1e309`, not JavaScript's "Infinity"
      return { file: source.file, line, col, path: formatPath([...path, written]), message: `unknown field "${written}"${suggest(key, path, root)}` };
    });
  }
  const written = source.sourceText(path);
  // Missing means absent from the parsed value, not "no node found": a value reached through an alias, or a key
  // written as a number, is present.
  const missing = path.length > 0 && !hasPath(source.value, path);
  const message = missing ? 'is required' : `${issue.message}${written !== undefined ? `, got ${quote(written)}` : ''}`;
  // A missing field is reported at the key of the mapping that should hold it.
  const parent = path.slice(0, -1);
  const parentKey = parent[parent.length - 1];
  const where = !missing
    ? source.locate(path)
    : typeof parentKey === 'string'
      ? source.locateKey(parent.slice(0, -1), parentKey)
      : source.locate(parent);
  return [{ file: source.file, line: where.line, col: where.col, path: formatPath(path), message }];
}

function hasPath(value: unknown, path: readonly PropertyKey[]): boolean {
  let v = value;
  for (const part of path) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, part)) return false;
    v = (v as Record<PropertyKey, unknown>)[part];
  }
  return v !== undefined;
}

function quote(written: string): string {
  const oneLine = written.split('\n')[0]!;
  if (/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(oneLine)) return oneLine; // a number, as a number
  if (/^[|>][-+1-9]*\s*(#.*)?$/.test(oneLine)) return `a multi-line text block ("${oneLine.trim()}")`;
  const short = oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
  return /^["']/.test(short) ? short : `"${short}"`;
}

/** Strips optional/default/prefault wrappers down to the object or array schema inside. */
function unwrap(schema: core.$ZodType): core.$ZodType {
  let s = schema;
  while (s._zod.def.type !== 'object' && s._zod.def.type !== 'array' && 'innerType' in s._zod.def) {
    s = (s._zod.def as { innerType: core.$ZodType }).innerType;
  }
  return s;
}

/** Field names the schema allows at a spec path (array indexes skipped), for "did you mean" hints. */
function knownFields(path: readonly PropertyKey[], root: core.$ZodType): string[] {
  let s: core.$ZodType | undefined = unwrap(root);
  for (const part of path) {
    if (!s) return [];
    const def = s._zod.def as { type: string; element?: core.$ZodType; shape?: Record<string, core.$ZodType> };
    if (def.type === 'array') s = def.element && unwrap(def.element);
    else if (typeof part === 'string' && def.shape?.[part]) s = unwrap(def.shape[part]!);
    else return [];
  }
  const def = s?._zod.def as { type: string; element?: core.$ZodType; shape?: Record<string, core.$ZodType> } | undefined;
  const target = def?.type === 'array' && def.element ? (unwrap(def.element)._zod.def as typeof def) : def;
  return target?.type === 'object' && target.shape ? Object.keys(target.shape) : [];
}

function suggest(key: string, path: readonly PropertyKey[], root: core.$ZodType): string {
  const known = knownFields(path, root);
  const close = known.find((k) => k.toLowerCase() === key.toLowerCase() || editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
  return close ? `; did you mean "${close}"?` : known.length ? `; allowed here: ${known.join(', ')}` : '';
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}
