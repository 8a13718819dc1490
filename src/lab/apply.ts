/**
 * The lab's simulated apply: give every resource in a synthesized `cdk.tf.json` the values the clouds would compute
 * (ids, HA VPN interface addresses, AWS tunnel outside addresses, AWS-generated pre-shared keys, inside addresses)
 * and resolve every `${…}` reference against them, the way `terraform apply` would.
 *
 * Nothing here knows privlink's spec or model: the lab must see exactly what the generated JSON wires, so a wiring
 * mistake in the generator reaches the daemons instead of being re-derived correctly. "Public" addresses come from
 * the documentation ranges (RFC 5737): GCP from 203.0.113.0/24, AWS from 198.51.100.0/24.
 *
 * Pure apart from the injected random source (pre-shared keys): tests pass a seeded one.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface ResolvedResource {
  readonly type: string;
  readonly name: string;
  /** `type.name`, as Terraform addresses it. */
  readonly address: string;
  /** Configured arguments with every reference resolved. */
  readonly args: Record<string, Json>;
  /** Values the simulated cloud computed (id, addresses, keys…). */
  readonly computed: Record<string, Json>;
  /** Argument name → the expression it was written as in the JSON, for arguments that referenced something. */
  readonly sources: Record<string, string>;
}

export interface SimulatedApply {
  readonly resources: readonly ResolvedResource[];
  /** The file's outputs, every reference resolved (an output refers to resources only). */
  readonly outputs: Record<string, Json>;
  /** Number of `${…}` references resolved. */
  readonly references: number;
  /** Expressions the lab does not evaluate (function calls, for-expressions), by the address that holds them. */
  readonly unevaluated: readonly { address: string; argument: string; expression: string }[];
  get(type: string, name: string): ResolvedResource | undefined;
  ofType(type: string): ResolvedResource[];
  /** The resource whose computed `id` is `id`, if it has the given type. */
  byId(type: string, id: unknown): ResolvedResource | undefined;
}

export class LabInputError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'LabInputError';
  }
}

/** 32 characters from [A-Za-z0-9], never starting with 0: what AWS generates when no key is given. */
export function awsStylePsk(random: (n: number) => Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = random(64);
  let key = '';
  for (const b of bytes) {
    // 248 = 4 × 62: rejection sampling keeps every character equally likely.
    if (b >= 248) continue;
    const c = alphabet[b % 62]!;
    if (key.length === 0 && !/[A-Za-z]/.test(c)) continue;
    key += c;
    if (key.length === 32) return key;
  }
  return key + awsStylePsk(random).slice(0, 32 - key.length);
}

const TRAVERSAL = /^([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)$/;

/** Split a string into literal text and `${…}` expressions (braces inside quoted strings do not count). */
export function splitTemplate(s: string): ({ text: string } | { expr: string })[] {
  const parts: ({ text: string } | { expr: string })[] = [];
  let i = 0;
  let text = '';
  while (i < s.length) {
    if (s.startsWith('$${', i)) {
      text += '${';
      i += 3;
      continue;
    }
    if (!s.startsWith('${', i)) {
      text += s[i++];
      continue;
    }
    let depth = 1;
    let j = i + 2;
    let quoted = false;
    for (; j < s.length && depth > 0; j++) {
      const c = s[j];
      if (quoted) {
        if (c === '\\') j++;
        else if (c === '"') quoted = false;
      } else if (c === '"') quoted = true;
      else if (c === '{') depth++;
      else if (c === '}') depth--;
    }
    if (depth > 0) throw new LabInputError([`unterminated "\${" in ${JSON.stringify(s)}`]);
    if (text) parts.push({ text });
    text = '';
    parts.push({ expr: s.slice(i + 2, j - 1) });
    i = j;
  }
  if (text) parts.push({ text });
  return parts;
}

function pathSegments(rest: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of rest.matchAll(/\.([A-Za-z0-9_]+)|\[(\d+)\]/g)) out.push(m[1] !== undefined ? m[1] : Number(m[2]));
  return out;
}

interface Raw {
  type: string;
  name: string;
  body: Record<string, Json>;
}

/** Counters that hand out documentation addresses in the order resources are first resolved. */
interface Allocator {
  gcpInterfaces: number;
  awsTunnels: number;
  insideBlocks: number;
}

/** The resources of a cdk.tf.json by address, in a fixed order, without cdktf's metadata. */
function readResources(tf: unknown): Map<string, Raw> {
  const raws = new Map<string, Raw>();
  const resource = (tf as { resource?: Record<string, Record<string, Record<string, Json>>> } | null)?.resource;
  if (!resource || typeof resource !== 'object') throw new LabInputError(['no "resource" object: is this a cdk.tf.json?']);
  for (const [type, byName] of Object.entries(resource).sort(([a], [b]) => a.localeCompare(b))) {
    for (const [name, body] of Object.entries(byName).sort(([a], [b]) => a.localeCompare(b))) {
      const { ['//']: _meta, ...rest } = body;
      raws.set(`${type}.${name}`, { type, name, body: rest });
    }
  }
  return raws;
}

/** What each cloud computes at apply time. Every resource gets an id; the VPN resources get their outputs. */
function computed(raw: Raw, args: Record<string, Json>, done: ReadonlyMap<string, ResolvedResource>, alloc: Allocator, random: (n: number) => Buffer): Record<string, Json> {
  const out: Record<string, Json> = { id: `sim:${raw.type}.${raw.name}` };
  if (raw.type.startsWith('aws_')) out.arn = `arn:aws:sim:::${raw.type}/${raw.name}`;
  if (raw.type === 'google_compute_ha_vpn_gateway') {
    out.vpn_interfaces = [0, 1].map((id) => ({ id, ip_address: `203.0.113.${10 + alloc.gcpInterfaces++}` }));
  }
  if (raw.type === 'aws_vpn_gateway') out.amazon_side_asn = args.amazon_side_asn ?? '64512';
  if (raw.type === 'aws_vpn_connection') {
    const vgw = [...done.values()].find((r) => r.type === 'aws_vpn_gateway' && r.computed.id === args.vpn_gateway_id);
    for (const t of [1, 2]) {
      out[`tunnel${t}_address`] = `198.51.100.${10 + alloc.awsTunnels++}`;
      out[`tunnel${t}_preshared_key`] = (args[`tunnel${t}_preshared_key`] as string | undefined) ?? awsStylePsk(random);
      const cidr = (args[`tunnel${t}_inside_cidr`] as string | undefined) ?? `169.254.${100 + Math.floor(alloc.insideBlocks / 64)}.${(alloc.insideBlocks++ % 64) * 4}/30`;
      const [a, b, c, d] = cidr.split('/')[0]!.split('.').map(Number);
      out[`tunnel${t}_vgw_inside_address`] = `${a}.${b}.${c}.${d! + 1}`;
      out[`tunnel${t}_cgw_inside_address`] = `${a}.${b}.${c}.${d! + 2}`;
      out[`tunnel${t}_inside_cidr`] = cidr;
      out[`tunnel${t}_bgp_asn`] = vgw ? String(vgw.computed.amazon_side_asn) : '64512';
      out[`tunnel${t}_bgp_holdtime`] = 30;
    }
  }
  return out;
}

export function simulateApply(tf: unknown, random: (n: number) => Buffer): SimulatedApply {
  const raws = readResources(tf);
  const done = new Map<string, ResolvedResource>();
  const resolving = new Set<string>();
  const problems: string[] = [];
  const unevaluated: { address: string; argument: string; expression: string }[] = [];
  const alloc: Allocator = { gcpInterfaces: 0, awsTunnels: 0, insideBlocks: 0 };
  let references = 0;

  const resolveAddress = (address: string, from: string): ResolvedResource | undefined => {
    const hit = done.get(address);
    if (hit) return hit;
    const raw = raws.get(address);
    if (!raw) return undefined;
    if (resolving.has(address)) {
      problems.push(`${from}: reference cycle through ${address}`);
      return undefined;
    }
    resolving.add(address);
    const sources: Record<string, string> = {};
    const args: Record<string, Json> = {};
    for (const [k, v] of Object.entries(raw.body)) {
      if (k === 'depends_on' || k === 'lifecycle' || k === 'provider' || k === 'count' || k === 'for_each') continue;
      if (typeof v === 'string' && v.includes('${')) sources[k] = v;
      args[k] = resolveJson(v, `${address}.${k}`);
    }
    const attributes = computed(raw, args, done, alloc, random);
    resolving.delete(address);
    const r: ResolvedResource = { type: raw.type, name: raw.name, address, args, computed: attributes, sources };
    done.set(address, r);
    return r;
  };

  const resolveJson = (v: Json, where: string): Json => {
    if (typeof v === 'string') return v.includes('${') ? resolveString(v, where) : v;
    if (Array.isArray(v)) return v.map((x, i) => resolveJson(x, `${where}[${i}]`));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveJson(x, `${where}.${k}`)]));
    return v;
  };

  const resolveString = (s: string, where: string): Json => {
    const parts = splitTemplate(s);
    const values: Json[] = [];
    for (const p of parts) {
      if ('text' in p) {
        values.push(p.text);
        continue;
      }
      const m = TRAVERSAL.exec(p.expr.trim());
      if (!m) {
        const segs = where.split('.');
        unevaluated.push({ address: segs.slice(0, 2).join('.'), argument: segs.slice(2).join('.'), expression: p.expr });
        return s;
      }
      references++;
      values.push(lookup(m[1]!, m[2]!, pathSegments(m[3] ?? ''), where, p.expr));
    }
    // A lone "${x}" keeps x's type (a number stays a number); anything else is string interpolation.
    if (values.length === 1) return values[0]!;
    return values.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join('');
  };

  const lookup = (type: string, name: string, path: (string | number)[], where: string, expr: string): Json => {
    const target = resolveAddress(`${type}.${name}`, where);
    if (!target) {
      if (!resolving.has(`${type}.${name}`)) problems.push(`${where}: \${${expr}} refers to ${type}.${name}, which is not in the file`);
      return null;
    }
    const [first, ...rest] = path;
    if (typeof first !== 'string') {
      problems.push(`${where}: \${${expr}} names no attribute`);
      return null;
    }
    let value: Json | undefined = first in target.computed ? target.computed[first] : target.args[first];
    for (const seg of rest) {
      if (value === undefined || value === null) break;
      if (typeof seg === 'number') {
        // A single nested block (bgp { … }) is an object in JSON and bgp[0] in an expression.
        value = Array.isArray(value) ? value[seg] : seg === 0 && typeof value === 'object' ? value : undefined;
      } else value = typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, Json>)[seg] : undefined;
    }
    if (value === undefined) {
      problems.push(`${where}: \${${expr}}: ${type}.${name} has no attribute "${path.join('.')}" after apply`);
      return null;
    }
    return value;
  };

  for (const address of raws.keys()) resolveAddress(address, address);
  const rawOutputs = (tf as { output?: Record<string, { value?: Json }> }).output ?? {};
  const outputs: Record<string, Json> = {};
  for (const [name, o] of Object.entries(rawOutputs).sort(([a], [b]) => a.localeCompare(b))) {
    if (o && typeof o === 'object' && 'value' in o) outputs[name] = resolveJson(o.value as Json, `output.${name}`);
  }
  if (problems.length) throw new LabInputError([...new Set(problems)]);
  const resources = [...raws.keys()].map((a) => done.get(a)!);
  return {
    resources,
    outputs,
    references,
    unevaluated,
    get: (type, name) => done.get(`${type}.${name}`),
    ofType: (type) => resources.filter((r) => r.type === type),
    byId: (type, id) => resources.find((r) => r.type === type && r.computed.id === id),
  };
}
