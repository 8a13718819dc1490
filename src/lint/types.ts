/**
 * The security rule pack's shared shapes. A rule is a small pure function over one Terraform document (the
 * operator stack's JSON, or the customer module's HCL read with HashiCorp's parser) and returns findings.
 * Rules are named after the scanner checks they mirror (checkov CKV_*, trivy AVD-*, KICS query ids), or carry a
 * PRIVLINK_* id for the project's own rules.
 */
export interface Resource {
  readonly type: string;
  readonly name: string;
  /** `type.name` (module resources: as written inside the module). */
  readonly address: string;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface TfDoc {
  /** Path shown in findings. */
  readonly file: string;
  readonly resources: readonly Resource[];
  /** Variable name → default (undefined: no default). */
  readonly variables: Readonly<Record<string, unknown>>;
  readonly outputs: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly locals: Readonly<Record<string, unknown>>;
  /** Module calls (the customer module's examples): `module.<name>` → arguments. */
  readonly modules: readonly Resource[];
  /** Every source text the document was read from (for secret scanning). */
  readonly texts: readonly string[];
  /** The customer folder the document belongs to and the exceptions its spec records (lint's concern, not the rules'). */
  readonly scope?: { readonly folder: string; readonly exceptions: readonly { readonly rule: string; readonly reason: string }[] };
}

export interface LintRule {
  readonly id: string;
  /** Scanner checks this rule mirrors. */
  readonly mirrors: readonly string[];
  readonly title: string;
  /**
   * The spec setting that deliberately breaks this rule, for the rules a spec may except in writing
   * (security.exceptions). privlink's output passes every other rule for every customer, with no exception.
   */
  readonly exceptedBy?: string;
  /**
   * The findings in one document. `all` is every document of the run, for what lives in another state: a hub's
   * BGP peers are watched by alert policies in their customers' stacks.
   */
  check(doc: TfDoc, all?: readonly TfDoc[]): string[];
}

/** The resources of some types. */
export const ofType = (doc: TfDoc, ...types: string[]) => doc.resources.filter((r) => types.includes(r.type));

/**
 * A literal value, or the default of a variable it refers to as a whole (`${var.x}`); undefined when it is any
 * other expression.
 */
export function literal(doc: TfDoc, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const v = /^\$\{var\.([A-Za-z0-9_]+)\}$/.exec(value);
  if (v) return doc.variables[v[1]!];
  return value.includes('${') ? undefined : value;
}

/** A nested block as a list of bodies (cdktf JSON and hcl2json both write blocks as lists, or objects). */
export function blocks(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value as Record<string, unknown>[];
  return value && typeof value === 'object' ? [value as Record<string, unknown>] : [];
}
