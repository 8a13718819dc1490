/**
 * The cost estimate as people read it (model/cost.ts): the operator README's table, the customer README's, and
 * the fleet summary (generated/fleet/cost.md and cost.json). Every figure comes from the estimate; nothing here
 * multiplies anything but to show how a line's subtotal comes about.
 */
import { usd, unitPriceText, type CostEstimate, type CostLine, type RateLine } from '../model/cost';

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

/** generated/fleet/cost.json: the fleet's total and each customer's estimate, for finance's own tools. */
export function fleetCostJson(rows: readonly FleetCostRow[]): string {
  const total = rows.reduce((n, r) => n + r.estimate.monthly, 0);
  const customers = rows.reduce((n, r) => n + r.estimate.customer.monthly, 0);
  const assembled = rows[0]?.estimate.assembled;
  return `${JSON.stringify(
    {
      currency: 'USD',
      ...(assembled ? { priceTable: assembled } : {}),
      operatorMonthly: Math.round(total * 100) / 100,
      customersMonthly: Math.round(customers * 100) / 100,
      customers: Object.fromEntries(
        rows.map((r) => [
          r.customer,
          {
            operatorMonthly: r.estimate.monthly,
            customerMonthly: r.estimate.customer.monthly,
            ...(r.decommission ? { decommissioning: true } : {}),
            lines: Object.fromEntries(r.estimate.lines.map((l) => [l.id, { count: l.count, unitPrice: l.unitPrice, hours: l.hours, monthly: l.monthly }])),
          },
        ]),
      ),
      unverified: [...new Set(rows.flatMap((r) => r.estimate.unverified))].sort(),
    },
    null,
    2,
  )}\n`;
}

/** generated/fleet/cost.md: one table of the fleet, the largest first, then the rates that come on top. */
export function fleetCostMarkdown(rows: readonly FleetCostRow[], notice: string): string {
  const total = rows.reduce((n, r) => n + r.estimate.monthly, 0);
  const theirs = rows.reduce((n, r) => n + r.estimate.customer.monthly, 0);
  const sorted = [...rows].sort((a, b) => b.estimate.monthly - a.estimate.monthly || a.customer.localeCompare(b.customer));
  const first = rows[0]?.estimate;
  return [
    notice,
    '',
    '# What the fleet costs each month (estimate)',
    '',
    `${rows.length} customers: **${usd(total)}** a month for the operator before traffic, and ${usd(theirs)} across the customers' own accounts (their NLBs).` +
      (first ? ` ${footnote(first)}` : ''),
    '',
    '| Customer | Operator, per month | Customer\'s side, per month | Tunnels | Endpoint AZs |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...sorted.map((r) => {
      const count = (id: string) => r.estimate.lines.find((l) => l.id === id)?.count ?? 0;
      return `| ${r.customer}${r.decommission ? ' (decommissioning)' : ''} | ${usd(r.estimate.monthly)} | ${usd(r.estimate.customer.monthly)} | ${count('gcp.vpnTunnel')} | ${count('aws.interfaceEndpoint')} |`;
    }),
    `| **Total** | **${usd(total)}** | **${usd(theirs)}** | | |`,
    '',
    ...(first ? ['Traffic and logs come on top, by volume:', '', ...first.rates.map(rateItem), ''] : []),
    'Each customer\'s README (`<customer>/README.md`) has its lines; `cost.json` beside this file has the same figures for tools.',
    '',
  ].join('\n');
}
