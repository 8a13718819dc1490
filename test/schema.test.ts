/** The shipped JSON Schema: up to date with the zod source, and it accepts the examples editors will open. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { customerJsonSchemaText, fleetJsonSchemaText } from '../src/tools/json-schema';
import { ACME, GLOBEX, ROOT, acmeWith } from './helpers';

const shipped = readFileSync(join(ROOT, 'schema', 'customer.schema.json'), 'utf8');

describe('schema/customer.schema.json', () => {
  it('is what `npm run schema` writes from the zod schema now', () => {
    expect(shipped).toBe(customerJsonSchemaText());
  });

  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(JSON.parse(shipped));

  it.each([ACME, GLOBEX])('accepts the example %s', (file) => {
    expect(validate(parse(readFileSync(file, 'utf8')))).toBe(true);
  });

  it('rejects an unknown field and a bad CIDR, as the CLI does', () => {
    expect(validate(parse(acmeWith({ 'gcp.netwrk': 'x' })))).toBe(false);
    expect(validate(parse(acmeWith({ 'aws.vpcCidr': '10.250.0/24' })))).toBe(false);
    expect(validate(parse(acmeWith({ 'aws.accountId': 12345678901 })))).toBe(false);
  });
});

describe('schema/fleet.schema.json', () => {
  const fleetShipped = readFileSync(join(ROOT, 'schema', 'fleet.schema.json'), 'utf8');
  const validateFleet = new Ajv2020({ strict: false, allErrors: true }).compile(JSON.parse(fleetShipped));

  it('is what `npm run schema` writes from the zod schema now', () => {
    expect(fleetShipped).toBe(fleetJsonSchemaText());
  });

  it('accepts the repository\'s privlink.yaml and rejects an unknown backend type', () => {
    const config = parse(readFileSync(join(ROOT, 'privlink.yaml'), 'utf8'));
    expect(validateFleet(config)).toBe(true);
    expect(validateFleet({ ...config, backend: { type: 'azurerm' } })).toBe(false);
  });
});
