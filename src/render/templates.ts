/**
 * Handlebars set up for HCL and Markdown: no HTML escaping, strict (a missing value is an error, not an empty
 * string), and helpers that quote values as HCL literals with `${` and `%{` escaped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { packagePath } from '../support/package-root';

export const TEMPLATE_DIR = packagePath('templates');

/** A value as an HCL string literal (or number/bool), never interpreted as a template. */
export function hclLiteral(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') throw new Error(`hcl helper: expected a string, number or boolean, got ${typeof value}`);
  return JSON.stringify(value).replace(/\$\{/g, '$${').replace(/%\{/g, '%%{');
}

const hbs = Handlebars.create();
hbs.registerHelper('hcl', (value: unknown) => hclLiteral(value));
hbs.registerHelper('hclList', (values: unknown[]) => `[${values.map(hclLiteral).join(', ')}]`);
hbs.registerHelper('join', (values: unknown[], sep: unknown) => values.map(String).join(typeof sep === 'string' ? sep : ', '));
hbs.registerHelper('first', (values: unknown[]) => values[0]);
hbs.registerHelper('inc', (n: number) => n + 1);
/** Inline code in Markdown. */
hbs.registerHelper('code', (value: unknown) => `\`${String(value)}\``);

const cache = new Map<string, Handlebars.TemplateDelegate>();

/** Renders `templates/<name>` with `data`. */
export function render(name: string, data: object): string {
  let template = cache.get(name);
  if (!template) {
    template = hbs.compile(readFileSync(join(TEMPLATE_DIR, name), 'utf8'), { noEscape: true, strict: true });
    cache.set(name, template);
  }
  return template(data);
}
