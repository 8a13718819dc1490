/**
 * What a customer costs (issue: a monthly estimate per customer, per change and for the fleet): the price table's
 * entries carry unit, source and date; a customer's estimate multiplies out line by line and is recomputed here by
 * hand from the table; HA, single connection and endpoint AZs move it as the table says; privlink.yaml overrides;
 * the pull request says what a change costs, a decommission what it saves, and a fleet-wide label that it costs
 * nothing; generated/fleet/ sums the fleet.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packagedPriceTable, parsePriceTable, PRICE_TABLE_FILE, withOverrides } from '../src/fleet/prices';
import { parseFleet } from '../src/fleet/load';
import { parseSpec } from '../src/input/load';
import { buildModel } from '../src/model/model';
import { operatorCostMarkdown } from '../src/render/cost';
import { ROOT, SECOND_SERVICE_NAME, acmeWith, modelOf, privlinkHere, tempDir } from './helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = Record<string, any>;

const tableText = readFileSync(PRICE_TABLE_FILE, 'utf8');
const raw = parse(tableText) as Json;

describe('the price table', () => {
  it('every entry has a unit, a primary source, a read date, and (unverified) the secondary source used', () => {
    const r = parsePriceTable('pricing/prices.yaml', Buffer.from(tableText));
    expect(r.problems).toEqual([]);
    for (const [id, e] of Object.entries(raw.entries as Record<string, Json>)) {
      expect([id, typeof e.unit, /^https:\/\//.test(e.source), /^\d{4}-\d{2}-\d{2}$/.test(e.read)]).toEqual([id, 'string', true, true]);
      if (!e.verified) expect([id, typeof e.via]).toEqual([id, 'string']);
    }
  });

  it('refuses an entry without a unit, a source or a date, and an unverified one without its secondary source, each at its place', () => {
    const broken = tableText
      .replace(/(  gcp\.vpnTunnel:\n(?:.*\n)*?)    unit: tunnel-hour\n/, '$1')
      .replace(/(  gcp\.dnsZone:\n(?:.*\n)*?)    source: \S+\n/, '$1')
      .replace(/(  aws\.nlb:\n(?:.*\n)*?)    read: \S+\n/, '$1')
      .replace(/(  aws\.alarmMetric:\n(?:.*\n)*?)    via: [^\n]*\n/, '$1');
    const r = parsePriceTable('pricing/prices.yaml', Buffer.from(broken));
    expect(r.problems.map((p) => `${p.path}: ${p.message}`)).toEqual(
      expect.arrayContaining([
        'entries.gcp.vpnTunnel.unit: is required',
        'entries.gcp.dnsZone.source: is required',
        'entries.aws.nlb.read: is required',
        'entries.aws.alarmMetric.via: is required',
      ]),
    );
    expect(r.problems.every((p) => p.line > 1)).toBe(true); // at the entry, not the top of the file
    // A `via` that is there but the entry verified: fine; unverified without one is what the rule refuses.
    const bare = parsePriceTable('p.yaml', Buffer.from(tableText.replace(/(  aws\.nlb:\n(?:.*\n)*?)    via: >-\n(?:      .*\n)+/, '$1')));
    expect(bare.problems.map((p) => `${p.path}: ${p.message}`)).toEqual(['entries.aws.nlb.via: is required']);
  });

  it('docs/cost.md lists every unverified entry', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'cost.md'), 'utf8');
    const unverified = Object.entries(raw.entries as Record<string, Json>).filter(([, e]) => !e.verified).map(([id]) => id);
    expect(unverified.length).toBeGreaterThan(0);
    expect(unverified.filter((id) => !doc.includes(`\`${id}\``))).toEqual([]);
  });
});

describe("a customer's estimate", () => {
  const table = packagedPriceTable();
  const acme = modelOf(acmeWith());

  it('recomputed by hand from the table: acme, HA, one connected endpoint in two AZs', () => {
    const h = raw.hoursPerMonth as number;
    const p = (id: string) => raw.entries[id].byRegion?.[id.startsWith('gcp.') ? acme.gcp.region : acme.aws.region] ?? raw.entries[id].price;
    const byHand =
      4 * p('gcp.vpnTunnel') * h + // 4 GCP tunnels
      2 * p('aws.vpnConnection') * h + // 2 AWS connections
      2 * p('aws.interfaceEndpoint') * h + // github: 2 AZs (artifactory awaits the customer, so no endpoint)
      1 * p('gcp.dnsZone') + // github's one hostname
      8 * p('aws.alarmMetric') + // 4 tunnel alarms + 4 metrics of the no-path alarm
      10 * p('gcp.alertCondition'); // 4 tunnels × (tunnel, session) + the no-path policy's 2
    expect(acme.cost.monthly).toBeCloseTo(byHand, 2);
    expect(acme.cost.monthly).toBe(249.6);
  });

  it("each line multiplies out to its subtotal, and the lines add up to the total the README shows", () => {
    for (const l of acme.cost.lines) expect([l.id, l.monthly]).toEqual([l.id, Math.round(l.count * l.unitPrice * l.hours * 100) / 100]);
    expect(acme.cost.monthly).toBe(Math.round(acme.cost.lines.reduce((n, l) => n + l.monthly, 0) * 100) / 100);
    const readme = readFileSync(join(ROOT, 'generated', 'acme', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Monthly cost'), readme.indexOf('## Security exceptions'));
    const rows = [...section.matchAll(/^\| (.+?) \| (\d+) \| \$([\d.]+) per (\S+)(?: × (\d+) h)? \| \$([\d,.]+) \|$/gm)];
    expect(rows.length).toBe(acme.cost.lines.length);
    for (const [, , count, price, , hours, subtotal] of rows) {
      expect(Number(subtotal!.replace(/,/g, ''))).toBeCloseTo(Number(count) * Number(price) * Number(hours ?? 1), 2);
    }
    const total = Number(/\| \*\*Total\*\* \| \| \| \*\*\$([\d,.]+)\*\* \|/.exec(section)![1]!.replace(/,/g, ''));
    expect(total).toBeCloseTo(rows.reduce((n, r) => n + Number(r[6]!.replace(/,/g, '')), 0), 2);
  });

  it('HA costs two tunnels, one connection and their alarms and conditions more than a single connection; an endpoint AZ adds its hours', () => {
    const single = modelOf(acmeWith({ 'vpn.highAvailability': false }));
    const h = table.hoursPerMonth;
    const perTunnelMonitoring = 2 * table.entries['gcp.alertCondition'].price + 2 * table.entries['aws.alarmMetric'].price;
    const expected = 2 * table.entries['gcp.vpnTunnel'].price * h + table.entries['aws.vpnConnection'].price * h + 2 * perTunnelMonitoring;
    expect(acme.cost.monthly - single.cost.monthly).toBeCloseTo(expected, 2);
    // artifactory connected: one more endpoint in the same two AZs, one more zone.
    const both = modelOf(acmeWith({ 'endpoints.1.serviceName': SECOND_SERVICE_NAME }));
    expect(both.cost.monthly - acme.cost.monthly).toBeCloseTo(2 * table.entries['aws.interfaceEndpoint'].price * h + table.entries['gcp.dnsZone'].price, 2);
  });

  it('a decommissioning customer costs nothing; the GCP tunnel is priced for its region', () => {
    expect(modelOf(acmeWith({ decommission: true })).cost.monthly).toBe(0);
    const tokyo = modelOf(acmeWith({ 'gcp.region': 'asia-northeast1' }));
    expect(tokyo.cost.lines.find((l) => l.id === 'gcp.vpnTunnel')!.unitPrice).toBe(table.entries['gcp.vpnTunnel'].byRegion!['asia-northeast1']);
  });

  it("privlink.yaml overrides an entry (the README marks it), a free one becomes a charge, and an unknown entry is refused at its place", () => {
    const yaml = [
      'apiVersion: privlink/v1',
      'kind: Fleet',
      'pricing:',
      '  overrides:',
      '    aws.vpnConnection: { price: 0.045, reason: "EDP rate" }',
      '    aws.vpnTunnelPublicIpv4: { price: 0.005, reason: "our bill shows them" }',
    ].join('\n');
    const fleet = parseFleet('privlink.yaml', Buffer.from(yaml)).config!;
    const m = buildModel(parseSpec('customers/acme.yaml', Buffer.from(acmeWith())).spec!, 'customers/acme.yaml', fleet);
    expect(m.cost.lines.find((l) => l.id === 'aws.vpnConnection')).toMatchObject({ unitPrice: 0.045, monthly: 65.7, override: 'EDP rate' });
    expect(m.cost.lines.find((l) => l.id === 'aws.vpnTunnelPublicIpv4')).toMatchObject({ count: 4, monthly: 14.6 });
    expect(operatorCostMarkdown(m.cost, false)).toContain('| AWS Site-to-Site VPN connection (two tunnels each) (privlink.yaml) | 2 | $0.045 per connection-hour × 730 h | $65.70 |');
    expect(withOverrides(packagedPriceTable(), {}).entries).toBe(packagedPriceTable().entries);
    const bad = parseFleet('privlink.yaml', Buffer.from('apiVersion: privlink/v1\nkind: Fleet\npricing:\n  overrides:\n    aws.vpnConection: { price: 0.04, reason: x }\n'));
    expect(bad.problems.map((p) => `${p.line}:${p.col}: ${p.message}`)).toEqual([expect.stringMatching(/^5:5: "aws\.vpnConection" is no entry of the price table; entries: gcp\.vpnTunnel, /)]);
  });
});

describe('what a change costs, in the pull request', () => {
  let dir: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
  const body = async (args: string[]) => {
    const r = await privlinkHere(['generate', ...args, '--commit', '--pr-body', join(dir, '..', `${Date.now()}-pr.md`)], dir);
    expect([r.code, r.stderr.replace(/^privlink: (removed|warning).*\n/gm, '')]).toEqual([0, '']);
    const branch = /on (?:new|reused|existing) branch ([^\s:]+)/.exec(r.stdout)![1]!;
    git('checkout', '-q', 'main');
    git('merge', '-q', '--ff-only', branch);
    return r.stdout;
  };

  beforeAll(() => {
    dir = join(tempDir('privlink-cost-'), 'repo');
    cpSync(join(ROOT, 'customers'), join(dir, 'customers'), { recursive: true });
    cpSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-qm', 'specs');
  });

  it('an onboarding shows the new customer’s monthly cost, its decommission the saving, a fleet-wide label no change', async () => {
    const onboarding = await body(['customers/acme.yaml', 'customers/globex.yaml']);
    expect(onboarding).toMatch(/^- Cost \(estimate\): \+\$368\.50\/month for the operator \(2 customers\); \+\$65\.70\/month on the customers' accounts$/m);
    expect(onboarding).toMatch(/^\*\*Cost\*\* \(estimate, docs\/cost\.md\): \+\$249\.60\/month for the operator: new customer \(\$0\.00 → \$249\.60\); \+\$32\.85\/month on the customer's account/m);

    writeFileSync(join(dir, 'privlink.yaml'), readFileSync(join(dir, 'privlink.yaml'), 'utf8').replace('cost_center: saas-connectivity', 'cost_center: saas-platform'));
    const label = await body([]);
    expect(label).toMatch(/^- Cost \(estimate\): no change for the operator$/m);

    writeFileSync(join(dir, 'customers', 'acme.yaml'), `${readFileSync(join(dir, 'customers', 'acme.yaml'), 'utf8')}decommission: true\n`);
    const leaving = await body(['customers/acme.yaml']);
    expect(leaving).toMatch(/−\$249\.60\/month for the operator: decommission, saved once its destroy is applied \(\$249\.60 → \$0\.00\)/);
  }, 120000);
});

describe('generated/fleet/', () => {
  it('sums the fleet: each customer once, the total the sum of theirs, the same figures in cost.json', () => {
    const json = JSON.parse(readFileSync(join(ROOT, 'generated', 'fleet', 'cost.json'), 'utf8')) as Json;
    const acme = modelOf(acmeWith());
    expect(json.customers.acme.operatorMonthly).toBe(acme.cost.monthly);
    const sum = Object.values(json.customers as Record<string, Json>).reduce((n, c) => n + c.operatorMonthly, 0);
    expect(json.operatorMonthly).toBeCloseTo(sum, 2);
    const md = readFileSync(join(ROOT, 'generated', 'fleet', 'cost.md'), 'utf8');
    expect(md).toContain(`| acme | $${acme.cost.monthly.toFixed(2)} |`);
    expect(md).toContain(`**$${json.operatorMonthly.toFixed(2)}**`);
  });
});
