/**
 * The price table of the cost estimates (pricing/prices.yaml, docs/cost.md): data, validated like a spec, with
 * privlink.yaml's `pricing.overrides` laid over it. Every entry must name its unit, primary source, the date it was
 * read and, when it was not read on the primary page, the secondary source used (`via`).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { schemaProblems } from '../input/load';
import { InputError, type Problem } from '../input/problems';
import { parseYamlSource } from '../input/source';
import { packagePath } from '../support/package-root';

/** The entries the estimate counts (model/cost.ts): the table must have each. */
export const PRICE_IDS = [
  'gcp.vpnTunnel',
  'gcp.haVpnGateway',
  'gcp.cloudRouter',
  'gcp.externalVpnGateway',
  'gcp.dnsZone',
  'gcp.dnsQueries',
  'gcp.alertCondition',
  'gcp.alertTimeSeries',
  'gcp.vpnEgress',
  'gcp.vpnIngress',
  'aws.vpnConnection',
  'aws.vpnTunnelPublicIpv4',
  'aws.vpnGateway',
  'aws.interfaceEndpoint',
  'aws.interfaceEndpointData',
  'aws.alarmMetric',
  'aws.flowLogIngestion',
  'aws.logStorage',
  'aws.dataTransferOut',
  'aws.dataTransferIn',
  'aws.vpc',
  'aws.nlb',
  'aws.nlcu',
  'aws.endpointService',
] as const;
export type PriceId = (typeof PRICE_IDS)[number];

/** The file, inside privlink's package. */
export const PRICE_TABLE_FILE = packagePath('pricing', 'prices.yaml');

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const price = z.number({ error: 'must be a price in USD, like 0.05' }).nonnegative({ error: 'must be 0 or more' });

const entrySchema = z
  .strictObject({
    what: z.string({ error: 'must say what is billed' }).min(1, { error: 'must say what is billed' }),
    kind: z.enum(['fixed', 'rate', 'free'], { error: 'must be fixed, rate or free' }),
    side: z.enum(['operator', 'customer'], { error: 'must be operator or customer' }),
    unit: z.string({ error: 'must name the unit billed, like tunnel-hour' }).min(1, { error: 'must name the unit billed' }),
    price,
    byRegion: z.record(z.string().regex(/^[a-z]+(-[a-z]+)+\d+$/, { error: 'must be a region name, like us-east4' }), price).optional(),
    note: z.string().optional(),
    source: z.string({ error: 'must be the primary source, an https:// address' }).regex(/^https:\/\/\S+$/, { error: 'must be the primary source, an https:// address' }),
    read: z.string({ error: 'must be the date the price was read, YYYY-MM-DD' }).regex(DATE, { error: 'must be the date the price was read, YYYY-MM-DD' }),
    verified: z.boolean({ error: 'must be true (read on the primary page) or false' }),
    via: z.string().min(1).optional(),
  })
  .refine((e) => e.verified || e.via !== undefined, { error: 'an unverified entry must name its secondary source (via)', path: ['via'] })
  .refine((e) => e.kind !== 'free' || (e.price === 0 && e.byRegion === undefined), { error: 'a free entry has price 0', path: ['price'] });

const tableSchema = z.strictObject({
  currency: z.literal('USD', { error: 'must be USD' }),
  hoursPerMonth: z.number().int().positive(),
  assembled: z.string().regex(DATE, { error: 'must be a date, YYYY-MM-DD' }),
  entries: z.record(z.string(), entrySchema),
});

export type PriceEntry = z.infer<typeof entrySchema> & {
  /** Set when privlink.yaml overrides the entry: its reason. */
  readonly override?: string;
};
export interface PriceTable {
  readonly currency: 'USD';
  readonly hoursPerMonth: number;
  readonly assembled: string;
  readonly entries: Readonly<Record<PriceId, PriceEntry>>;
}

/** Validates a price table's text: every problem at its place, and every entry the estimate needs. */
export function parsePriceTable(file: string, bytes: Buffer): { table?: PriceTable; problems: Problem[] } {
  const source = parseYamlSource(file, bytes);
  if (source.value === undefined) return { problems: source.problems };
  const parsed = tableSchema.safeParse(source.value);
  if (!parsed.success) return { problems: schemaProblems(source, parsed.error.issues, tableSchema) };
  const missing = PRICE_IDS.filter((id) => !(id in parsed.data.entries));
  const unknown = Object.keys(parsed.data.entries).filter((id) => !(PRICE_IDS as readonly string[]).includes(id));
  const problems: Problem[] = [
    ...missing.map((id) => ({ file, line: 1, col: 1, path: 'entries', message: `no entry "${id}": the estimate counts it (src/fleet/prices.ts PRICE_IDS)` })),
    ...unknown.map((id) => ({ file, ...source.locateKey(['entries'], id), path: `entries.${id}`, message: `"${id}" is no entry the estimate uses: ${PRICE_IDS.join(', ')}` })),
  ];
  return problems.length > 0 ? { problems } : { table: parsed.data as PriceTable, problems };
}

let packaged: PriceTable | undefined;
/** The table shipped with privlink (read once per process). A broken one is privlink's bug, reported as such. */
export function packagedPriceTable(): PriceTable {
  if (packaged) return packaged;
  const r = parsePriceTable('pricing/prices.yaml', readFileSync(PRICE_TABLE_FILE));
  if (!r.table) throw new InputError(r.problems);
  packaged = r.table;
  return packaged;
}

/** What privlink.yaml may say about prices: an entry's price (and per-region prices) replaced, with why. */
export interface PriceOverride {
  readonly price: number;
  readonly byRegion?: Readonly<Record<string, number>>;
  readonly reason: string;
}

/** The table with privlink.yaml's overrides applied (ids are checked when privlink.yaml is read). */
export function withOverrides(table: PriceTable, overrides: Readonly<Record<string, PriceOverride>>): PriceTable {
  if (Object.keys(overrides).length === 0) return table;
  const entries = { ...table.entries } as Record<PriceId, PriceEntry>;
  for (const [id, o] of Object.entries(overrides)) {
    const base = entries[id as PriceId];
    if (!base) continue;
    const rest = { ...base };
    delete rest.byRegion;
    // A free entry with a price (the tunnels' public IPv4 addresses, when a bill shows them) becomes a fixed charge.
    const kind = base.kind === 'free' && o.price > 0 ? 'fixed' : base.kind;
    entries[id as PriceId] = { ...rest, kind, price: o.price, ...(o.byRegion ? { byRegion: { ...o.byRegion } } : {}), override: o.reason };
  }
  return { ...table, entries };
}

/** The price of an entry in a region: the region's own, or the entry's. */
export function priceIn(entry: PriceEntry, region: string): number {
  return entry.byRegion?.[region] ?? entry.price;
}
