/**
 * Writes schema/customer.schema.json from the zod schema (the same source as the TypeScript types), so editors
 * complete and check specs. `npm run schema`; test/schema.test.ts fails when the committed file is stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { customerJsonSchemaText } from '../spec/json-schema';

const target = join(__dirname, '..', '..', 'schema', 'customer.schema.json');
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, customerJsonSchemaText());
process.stdout.write(`wrote ${target}\n`);
