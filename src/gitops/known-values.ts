/**
 * What Terraform will compare: a reference whose value privlink knows before any apply is that value. The change
 * summary compares two versions of a stack through these resolvers, so a reference replaced by its equal literal
 * (`${google_compute_router.router.bgp[0].asn}` → `65534`, a router's `id` → its `projects/…/routers/…` path) reads as
 * no change, as Terraform plans it, and a reference whose value does change reads as a change.
 *
 * Known values: a literal argument of the referenced resource in the same document (`name`, `bgp[0].asn`), or an id
 * the provider composes from such arguments (domain/terraform-types.ts COMPOSED_IDS). Anything else (an id AWS
 * assigns, a pre-shared key) stays a reference: unknown until apply.
 */
import { COMPOSED_IDS } from '../domain/terraform-types';
import { blockBody, type Json } from '../support/terraform-doc';

type Scalar = string | number | boolean;

const REFERENCE = /\$\{([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_.[\]]+)\}/g;
const WHOLE = new RegExp(`^${REFERENCE.source}$`);

const isLiteral = (v: unknown): v is Scalar => typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && !v.includes('${'));

/** `bgp[0].asn` → ['bgp', 0, 'asn']. */
function pathOf(text: string): (string | number)[] {
  return text.split('.').flatMap((part) => {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) return [part];
    return [m[1]!, ...[...m[2]!.matchAll(/\[(\d+)\]/g)].map((i) => Number(i[1]))];
  });
}

/** The value at `path` of a block body; a nested block written as one object stands for a list of one. */
function walk(value: unknown, path: readonly (string | number)[]): unknown {
  let at = value;
  for (const step of path) {
    if (typeof step === 'number') at = Array.isArray(at) ? at[step] : step === 0 ? at : undefined;
    else at = at !== null && typeof at === 'object' && !Array.isArray(at) ? (at as Json)[step] : Array.isArray(at) && at.length === 1 ? (at[0] as Json)?.[step] : undefined;
    if (at === undefined) return undefined;
  }
  return at;
}

/** The provider block's default of `field` for a resource type (`google` for google_*), when it is a literal. */
function providerDefault(doc: Json, type: string, field: string): unknown {
  const provider = blockBody(((doc.provider ?? {}) as Json)[type.split('_')[0]!]);
  return provider?.[field];
}

/** A resolver over one document: `value` with every reference privlink can know replaced by its value. */
export function knownValues(doc: Json | undefined): (value: unknown) => unknown {
  const resources = (doc?.resource ?? {}) as Record<string, Json>;
  const lookup = (type: string, name: string, attribute: string): Scalar | undefined => {
    const body = blockBody(resources[type]?.[name]);
    if (!body || !doc) return undefined;
    if (attribute === 'id' && COMPOSED_IDS[type]) {
      let missing = false;
      const id = COMPOSED_IDS[type]!.replace(/\{(\w+)\}/g, (_, field: string) => {
        const v = body[field] ?? providerDefault(doc, type, field);
        if (typeof v !== 'string' || v.includes('${')) missing = true;
        return String(v);
      });
      return missing ? undefined : id;
    }
    const v = walk(body, pathOf(attribute));
    return isLiteral(v) ? v : undefined;
  };
  const resolve = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const whole = WHOLE.exec(value);
      if (whole) return lookup(whole[1]!, whole[2]!, whole[3]!) ?? value;
      return value.replace(REFERENCE, (ref, type: string, name: string, attribute: string) => {
        const v = lookup(type, name, attribute);
        return v === undefined ? ref : String(v);
      });
    }
    if (Array.isArray(value)) return value.map(resolve);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    return value;
  };
  return resolve;
}

/**
 * A value as Terraform compares it across a type conversion: a number or bool equals its string form (an argument of
 * type string given 65534, or of type number given "65534", holds the same value).
 */
export function comparable(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(comparable);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  return value;
}
