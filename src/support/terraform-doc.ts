/**
 * Reading Terraform documents the same way everywhere (lint, change summary): cdktf's JSON and HashiCorp's
 * HCL parser output (@cdktf/hcl2json, loaded only when HCL is read) share one shape, except that hcl2json wraps
 * each block body in a one-element list.
 */
import { basename } from 'node:path';

export type Json = Record<string, unknown>;

/** A block's body, whether written by cdktf (object) or by hcl2json (one-element list). */
export const blockBody = (value: unknown) => (Array.isArray(value) ? value[0] : value) as Json;

/** Every `resource` block of a document, in document order. */
export function resourceBlocks(doc: Json | undefined): { type: string; name: string; body: Json }[] {
  return Object.entries((doc?.resource ?? {}) as Record<string, Json>).flatMap(([type, byName]) =>
    Object.entries(byName).map(([name, body]) => ({ type, name, body: blockBody(body) })),
  );
}

/** Parses HCL files with HashiCorp's parser (names are shown in its error messages). */
export async function parseHclFiles(files: readonly { path: string; text: string }[]): Promise<Json[]> {
  const { parse } = await import('@cdktf/hcl2json');
  const out: Json[] = [];
  for (const f of files) out.push((await parse(basename(f.path), f.text)) as Json);
  return out;
}
