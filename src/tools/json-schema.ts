import { z } from 'zod';
import { fleetSchema } from '../fleet/schema';
import { customerSchema } from '../input/schema';

export const CUSTOMER_SCHEMA_ID = 'https://privlink.dev/schema/customer.schema.json';

/** The JSON Schema of a spec as written by people (input side: defaults are optional). */
export function customerJsonSchemaText(): string {
  const schema = z.toJSONSchema(customerSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return `${JSON.stringify({ $id: CUSTOMER_SCHEMA_ID, title: 'privlink customer spec', ...schema }, null, 2)}\n`;
}

export const FLEET_SCHEMA_ID = 'https://privlink.dev/schema/fleet.schema.json';

/** The JSON Schema of privlink.yaml. */
export function fleetJsonSchemaText(): string {
  const schema = z.toJSONSchema(fleetSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return `${JSON.stringify({ $id: FLEET_SCHEMA_ID, title: 'privlink fleet config', ...schema }, null, 2)}\n`;
}
