/**
 * Writes schema/customer.schema.json and schema/fleet.schema.json from the zod schemas (the same source as the
 * TypeScript types), so editors complete and check specs and privlink.yaml. `npm run schema`;
 * test/schema.test.ts fails when a committed file is stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../support/package-root';
import { customerJsonSchemaText, fleetJsonSchemaText } from './json-schema';

const dir = packagePath('schema');
mkdirSync(dir, { recursive: true });
for (const [name, text] of [
  ['customer.schema.json', customerJsonSchemaText()],
  ['fleet.schema.json', fleetJsonSchemaText()],
] as const) {
  writeFileSync(join(dir, name), text);
  process.stdout.write(`wrote schema/${name}\n`);
}
