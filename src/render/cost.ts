/**
 * The cost estimate as people read it (model/cost.ts): the operator README's table, the customer README's, and
 * the fleet summary (generated/fleet/cost.md and cost.json). Every figure comes from the estimate; nothing here
 * multiplies anything but to show how a line's subtotal comes about.
 */
import type { PriceId, PriceTable } from '../fleet/prices';
import { cents, usd, unitPriceText, type CostEstimate, type CostLine, type RateLine } from '../model/cost';

/** Marks a price that was not read on the cloud's own page (docs/cost.md lists them). */
export const UNVERIFIED_MARK = '†';

const mark = (l: { verified: boolean; override?: string }) => (l.override ? ' (privlink.yaml)' : l.verified ? '' : ` ${UNVERIFIED_MARK}`);

function lineRow(l: CostLine): string {
  const price = `${unitPriceText(l)}${l.hours > 1 ? ` × ${l.hours} h` : ''}`;
  return `| ${l.what}${mark(l)} | ${l.count} | ${price} | ${usd(l.monthly)} |`;
}

function rateItem(r: RateLine): string {
  return `- ${r.what}: ${unitPriceText(r)}${mark(r)}${r.note ? ` (${r.note})` : ''}`;
}

function table(lines: readonly CostLine[], total: number): string[] {
  return ['| What | Count | Unit price | Per month |', '| --- | ---: | --- | ---: |', ...lines.map(lineRow), `| **Total** | | | **${usd(total)}** |`];
}

const footnote = (c: CostEstimate, audience: 'operator' | 'customer' = 'operator') =>
  (audience === 'operator'
    ? `By privlink's price table of ${c.assembled} (list prices in USD, \`pricing/prices.yaml\`; privlink.yaml \`pricing.overrides\` replaces any entry). `
    : `By the list prices in USD that the operator's tooling used on ${c.assembled}; your own rates may differ. `) +
  `${UNVERIFIED_MARK} marks a price read through a secondary source, not on the cloud's own page: check it before relying on it.`;

/** The operator README's section body. */
export function operatorCostMarkdown(c: CostEstimate, decommission: boolean): string {
  if (decommission) return `Nothing once the decommission is applied: the stack then holds no resource. ${footnote(c)}`;
  return [
    `What this customer costs the operator each month before traffic, line by line. ${footnote(c)}`,
    '',
    ...table(c.lines, c.monthly),
    '',
    'Traffic and logs are billed on top, by volume (no volume is assumed here):',
    '',
    ...c.rates.map(rateItem),
    '',
    `No charge: ${c.free.map((f) => `${f.what}${mark(f)}`).join('; ')}.`,
  ].join('\n');
}

/** The customer README's section body: what their own account pays for the module. */
export function customerCostMarkdown(c: CostEstimate): string {
  return [
    `What the module costs your AWS account each month, before traffic. ${footnote(c, 'customer')}`,
    '',
    ...table(c.customer.lines, c.customer.monthly),
    '',
    ...c.customer.rates.map(rateItem),
    '- The endpoint service itself: no charge. The operator pays for the interface endpoint that connects to it, and for the VPN.',
  ].join('\n');
}

export interface FleetCostRow {
  readonly customer: string;
  readonly decommission: boolean;
  readonly estimate: CostEstimate;
}

/**
 * The fleet summary holds only what each customer's manifest records (its two monthly figures) and the table:
 * generated/fleet/ then changes exactly when a figure does (pipeline/fingerprint.ts fleetInputs).
 */
export function fleetCostJson(rows: readonly FleetCostRow[], table: PriceTable): string {
  const total = cents(rows.reduce((n, r) => n + r.estimate.monthly, 0));
  const theirs = cents(rows.reduce((n, r) => n + r.estimate.customer.monthly, 0));
  return `${JSON.stringify(
    {
      currency: table.currency,
      priceTable: table.assembled,
      operatorMonthly: total,
      customersMonthly: theirs,
      customers: Object.fromEntries(
        rows.map((r) => [r.customer, { operatorMonthly: r.estimate.monthly, customerMonthly: r.estimate.customer.monthly, ...(r.decommission ? { decommissioning: true } : {}) }]),
      ),
      unverified: (Object.keys(table.entries) as PriceId[]).filter((id) => !table.entries[id].verified && !table.entries[id].override).sort(),
    },
    null,
    2,
  )}\n`;
}

/** generated/fleet/cost.md: one table of the fleet, the largest first. */
export function fleetCostMarkdown(rows: readonly FleetCostRow[], table: PriceTable, notice: string): string {
  const total = rows.reduce((n, r) => n + r.estimate.monthly, 0);
  const theirs = rows.reduce((n, r) => n + r.estimate.customer.monthly, 0);
  const sorted = [...rows].sort((a, b) => b.estimate.monthly - a.estimate.monthly || a.customer.localeCompare(b.customer));
  return [
    notice,
    '',
    '# What the fleet costs each month (estimate)',
    '',
    `${rows.length} customers: **${usd(total)}** a month for the operator before traffic, and ${usd(theirs)} across the customers' own accounts (their NLBs). ` +
      `By privlink's price table of ${table.assembled} (list prices in USD, \`pricing/prices.yaml\`; privlink.yaml \`pricing.overrides\` replaces any entry); ` +
      `docs/cost.md lists the prices not read on the clouds' own pages.`,
    '',
    "| Customer | Operator, per month | Customer's side, per month |",
    '| --- | ---: | ---: |',
    ...sorted.map((r) => `| ${r.customer}${r.decommission ? ' (decommissioning)' : ''} | ${usd(r.estimate.monthly)} | ${usd(r.estimate.customer.monthly)} |`),
    `| **Total** | **${usd(total)}** | **${usd(theirs)}** |`,
    '',
    "Traffic and logs come on top, by volume. Each customer's README (`<customer>/README.md`) has its lines and rates; `cost.json` beside this file has these figures for tools.",
    '',
  ].join('\n');
}
