/** Spec validation: the examples pass, every rule rejects what it should with file:line:col and a clear message. */
import { closeSync, ftruncateSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import ipaddr from 'ipaddr.js';
import { join } from 'node:path';
import { parseFleet } from '../src/fleet/load';
import { loadSpecs, parseSpec } from '../src/input/load';
import { formatProblem } from '../src/input/problems';
import { buildModel } from '../src/model/model';
import { renderOperatorJson } from '../src/render/operator';
import { ACME, GLOBEX, acmeWith, modelOf, tempDir } from './helpers';

const FIXTURES = join(__dirname, 'fixtures', 'invalid');

describe('example specs', () => {
  it('validate as committed', () => {
    const r = loadSpecs([ACME, GLOBEX]);
    expect(r.problems).toEqual([]);
    expect(r.specs.map((s) => s.spec.name)).toEqual(['acme', 'globex']);
  });

  it('get the documented defaults when optional fields are left out', () => {
    const text = acmeWith({ 'gcp.routerAsn': undefined, 'aws.amazonSideAsn': undefined, vpn: undefined });
    const r = parseSpec('acme.yaml', Buffer.from(text));
    expect(r.problems).toEqual([]);
    expect(r.spec!.gcp.routerAsn).toBe(65534);
    expect(r.spec!.aws.amazonSideAsn).toBe(64512);
    expect(r.spec!.vpn.highAvailability).toBe(true);
    expect(r.spec!.vpn.ike).toEqual({ encryption: 'AES256', integrity: 'SHA2-256', dhGroup: 14 });
  });
});

/**
 * Each fixture ends with `# expect: LINE:COL keyword keyword…` lines: exactly those problems, nothing else.
 * `*.yaml` is a spec checked alone, `*.fleet.yaml` a privlink.yaml, and a folder a set of specs checked together
 * (cross-spec conflicts), each file stating the problems reported in it.
 */
describe('bad-input corpus (test/fixtures/invalid)', () => {
  const entries = readdirSync(FIXTURES, { withFileTypes: true })
    .filter((e) => e.isDirectory() || e.name.endsWith('.yaml'))
    .map((e) => e.name)
    .sort();
  const filesOf = (entry: string) =>
    statSync(join(FIXTURES, entry)).isDirectory()
      ? readdirSync(join(FIXTURES, entry)).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(FIXTURES, entry, f))
      : [join(FIXTURES, entry)];

  it('has at least 60 cases', () => {
    expect(entries.length).toBeGreaterThanOrEqual(60);
  });

  it.each(entries)('%s fails with the expected problems', (entry) => {
    const files = filesOf(entry);
    const problems = entry.endsWith('.fleet.yaml') ? parseFleet(files[0]!, readFileSync(files[0]!)).problems : loadSpecs(files).problems;
    const got = problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.path}: ${p.message}`);
    let expected = 0;
    for (const file of files) {
      const expects = readFileSync(file, 'latin1')
        .split('\n')
        .filter((l) => l.startsWith('# expect: '))
        .map((l) => {
          const m = /^# expect: (\d+):(\d+)\s*(.*)$/.exec(l)!;
          return { line: Number(m[1]), col: Number(m[2]), keywords: m[3]!.split(/\s+/).filter(Boolean) };
        });
      expect(expects.length).toBeGreaterThan(0);
      expected += expects.length;
      for (const e of expects) {
        const match = problems.find(
          (p) => p.file === file && p.line === e.line && p.col === e.col && e.keywords.every((k) => `${p.path}: ${p.message}`.includes(k)),
        );
        if (!match) throw new Error(`expected a problem in ${file} at ${e.line}:${e.col} with ${e.keywords.join(' ')}; got:\n${got.join('\n')}`);
      }
    }
    expect(got).toHaveLength(expected);
  });
});

describe('messages', () => {
  it('say what is wrong, the value as written and what is allowed', () => {
    const { problems } = parseSpec('x.yaml', Buffer.from(acmeWith({ 'aws.vpcCidr': '10.250.0.0/27' })));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain('"10.250.0.0/27"');
    expect(problems[0]!.message).toMatch(/use \/25 or larger/);
  });

  it('report every problem at once, across sections', () => {
    const text = acmeWith({ name: 'Bad Name', 'aws.accountId': '1', 'endpoints.0.tls': 'nope', 'endpoints.1.ports': [0] });
    const { problems } = parseSpec('x.yaml', Buffer.from(text));
    expect(problems.map((p) => p.path).sort()).toEqual(['aws.accountId', 'endpoints[0].tls', 'endpoints[1].ports[0]', 'name']);
  });

  it('fails when the file is not YAML at all', () => {
    const { problems } = parseSpec('x.yaml', Buffer.from('name: [unclosed\n'));
    expect(problems[0]!.message).toMatch(/invalid YAML/);
  });

  it('fails when the file is not UTF-8, naming the line', () => {
    const { problems } = parseSpec('x.yaml', Buffer.concat([Buffer.from('apiVersion: privlink/v1\nname: ac'), Buffer.from([0xff, 0xfe]), Buffer.from('me\n')]));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 2, message: expect.stringMatching(/not valid UTF-8/) });
  });

  it('fails when a file holds two documents', () => {
    const { problems } = parseSpec('x.yaml', Buffer.from(`${acmeWith()}---\n${acmeWith()}`));
    expect(problems[0]!.message).toMatch(/more than one YAML document/);
  });

  it('fails on alias bombs instead of expanding them', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(8).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n');
    const started = Date.now();
    const { problems } = parseSpec('x.yaml', Buffer.from(`${bomb}\n`));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/alias/i);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('fleet rules', () => {
  it('fails when two specs share a name or an AWS account, in both files', () => {
    const dir = tempDir('privlink-fleet-');
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    require('node:fs').writeFileSync(a, acmeWith());
    require('node:fs').writeFileSync(b, acmeWith({ 'gcp.project': 'other-project' }));
    const { problems } = loadSpecs([a, b]);
    const summary = problems.map((p) => `${p.file === a ? 'a' : 'b'} ${p.path}`).sort();
    expect(summary).toEqual(['a aws.accountId', 'a name', 'b aws.accountId', 'b name']);
    expect(problems.find((p) => p.file === a && p.path === 'name')!.message).toContain(b);
  });

  /** A second customer on acme's GCP network: its own account, VPC, inside /30s and hostnames. */
  const neighbour = (edits: Record<string, unknown> = {}) =>
    acmeWith({
      name: 'initech',
      'aws.accountId': '444455556666',
      'aws.vpcCidr': '10.251.0.0/24',
      'vpn.insideCidrs': { a1: '169.254.30.0/30', a2: '169.254.30.4/30', b1: '169.254.31.0/30', b2: '169.254.31.4/30' },
      'endpoints.0.hostnames': ['git.initech.example'],
      'endpoints.1.hostnames': ['artifacts.initech.example'],
      ...edits,
    });

  it('lets two customers share one GCP network: both generate, each with its own zones bound to that network', () => {
    const dir = tempDir('privlink-fleet-');
    const a = join(dir, 'acme.yaml');
    const b = join(dir, 'initech.yaml');
    writeFileSync(a, acmeWith());
    writeFileSync(b, neighbour());
    const { problems, specs } = loadSpecs([a, b]);
    expect(problems).toEqual([]);
    const zones = specs.map((s) => JSON.parse(renderOperatorJson(buildModel(s.spec, s.file))).resource.google_dns_managed_zone as Record<string, any>);
    const networks = zones.flatMap((z) => Object.values(z).map((x) => x.private_visibility_config.networks[0].network_url));
    expect(new Set(networks)).toEqual(new Set(['projects/acme-sg-cloud/global/networks/sg-cloud-vpc']));
    const names = zones.flatMap((z) => Object.values(z).map((x) => x.name));
    expect(new Set(names).size).toBe(names.length);
    // No response policy any more: a network that already has one is left alone.
    for (const s of specs) expect(JSON.parse(renderOperatorJson(buildModel(s.spec, s.file))).resource.google_dns_response_policy).toBeUndefined();
  });

  it('fails when two customers on one network serve the same hostname, at the hostname in both files', () => {
    const dir = tempDir('privlink-fleet-');
    const a = join(dir, 'acme.yaml');
    const b = join(dir, 'initech.yaml');
    writeFileSync(a, acmeWith());
    writeFileSync(b, neighbour({ 'endpoints.0.hostnames': ['git.initech.example', 'github.internal.company.net'] }));
    const { problems } = loadSpecs([a, b]);
    const at = (file: string, text: string, needle: string) => {
      const lines = text.split('\n');
      const line = lines.findIndex((l) => l.includes(needle));
      return { file, line: line + 1, col: lines[line]!.indexOf(needle) + 1 };
    };
    expect(problems.map((p) => ({ file: p.file, line: p.line, col: p.col, path: p.path }))).toEqual([
      { ...at(a, readFileSync(a, 'utf8'), 'github.internal.company.net'), path: 'endpoints[0].hostnames[0]' },
      { ...at(b, readFileSync(b, 'utf8'), 'github.internal.company.net'), path: 'endpoints[0].hostnames[1]' },
    ]);
    expect(problems[0]!.message).toContain(`also served by ${b} (initech) on network projects/acme-sg-cloud/global/networks/sg-cloud-vpc`);
    expect(problems[1]!.message).toContain(`also served by ${a} (acme)`);
  });

  it('lets the same hostname be served on two different networks', () => {
    const dir = tempDir('privlink-fleet-');
    writeFileSync(join(dir, 'acme.yaml'), acmeWith());
    writeFileSync(join(dir, 'initech.yaml'), neighbour({ 'gcp.network': 'initech-vpc', 'endpoints.0.hostnames': ['github.internal.company.net'] }));
    expect(loadSpecs([join(dir, 'acme.yaml'), join(dir, 'initech.yaml')]).problems).toEqual([]);
  });
});

describe('endpoint addresses', () => {
  const addressesOf = (text: string) =>
    Object.fromEntries(modelOf(text).endpoints.map((e) => [e.name, e.addresses.map((a) => `${a.azId} ${a.address}`)]));
  const base = addressesOf(acmeWith());

  it('never move when another endpoint is added, removed, renamed or reordered', () => {
    const extra = { name: 'nexus', hostnames: ['nexus.internal.company.net'], ports: [8443], tls: 'public-ca' };
    const doc = (endpoints: unknown[]) => acmeWith({ endpoints });
    const acme = parseSpec('acme.yaml', Buffer.from(acmeWith())).spec!;
    const [github, artifactory] = acme.endpoints.map((e) => ({ name: e.name, hostnames: e.hostnames, ports: e.ports, tls: e.tls, ...(e.serviceName ? { serviceName: e.serviceName } : {}) }));
    expect(addressesOf(doc([github, artifactory, extra])).github).toEqual(base.github);
    expect(addressesOf(doc([github])).github).toEqual(base.github);
    expect(addressesOf(doc([artifactory, github])).github).toEqual(base.github);
    expect(addressesOf(doc([github, { ...artifactory, name: 'jfrog' }])).github).toEqual(base.github);
  });

  it('lie in their subnets, clear of AWS\'s reserved addresses, one per AZ, unique in the VPC, for every VPC size', () => {
    for (const vpcCidr of ['10.250.0.0/16', '10.250.0.0/20', '10.250.0.0/24', '10.250.0.0/25']) {
      const model = modelOf(acmeWith({ 'aws.vpcCidr': vpcCidr }));
      const all = model.endpoints.flatMap((e) => e.addresses);
      expect(new Set(all.map((a) => a.address)).size).toBe(all.length);
      for (const e of model.endpoints) {
        expect(e.addresses.map((a) => a.azId)).toEqual(model.aws.availabilityZoneIds);
        for (const a of e.addresses) {
          const [net, len] = ipaddr.parseCIDR(a.subnetCidr);
          const n = (x: string) => ipaddr.parse(x).toByteArray().reduce((acc, b) => acc * 256 + b, 0);
          const offset = n(a.address) - n(net.toString());
          expect([vpcCidr, a.address, ipaddr.parse(a.address).match(net, len), offset >= 4, offset <= 2 ** (32 - len) - 2]).toEqual([vpcCidr, a.address, true, true, true]);
        }
      }
    }
  });

  it('follow addressOffset when the spec sets one', () => {
    const model = modelOf(acmeWith({ 'endpoints.0.addressOffset': 20 }));
    expect(model.endpoints.find((e) => e.name === 'github')!.addresses.map((a) => a.address)).toEqual(['10.250.0.20', '10.250.0.52']);
  });

  it('gives an endpoint whose hashed offset is taken the next free one: adding an endpoint never needs an addressOffset', () => {
    // artifactory pinned to github's hashed offset: github, which pins nothing, takes the next free offset.
    const githubOffset = modelOf(acmeWith()).endpoints.find((e) => e.name === 'github')!.addressOffset;
    const text = acmeWith({ 'endpoints.1.addressOffset': githubOffset });
    expect(parseSpec('acme.yaml', Buffer.from(text)).problems).toEqual([]);
    const offsets = Object.fromEntries(modelOf(text).endpoints.map((e) => [e.name, e.addressOffset]));
    expect(offsets).toEqual({ artifactory: githubOffset, github: githubOffset + 1 });
  });

  it('fails when two endpoints pin the same offset, at both pins', () => {
    const text = acmeWith({ 'endpoints.0.addressOffset': 20, 'endpoints.1.addressOffset': 20 });
    const { problems } = parseSpec('acme.yaml', Buffer.from(text));
    expect(problems.map((p) => p.path).sort()).toEqual(['endpoints[0].addressOffset', 'endpoints[1].addressOffset']);
    expect(problems[0]!.message).toMatch(/"github" and "artifactory" \(endpoints\[1\]\) pin the same host offset 20.*privlink allocates a free one/);
  });

  it('fails on an addressOffset outside the subnet or on an AWS-reserved address', () => {
    for (const offset of [3, 31, 200]) {
      const { problems } = parseSpec('acme.yaml', Buffer.from(acmeWith({ 'endpoints.0.addressOffset': offset })));
      expect(problems.map((p) => [p.path, p.message])).toEqual([[
        'endpoints[0].addressOffset',
        `${offset} is outside the subnets: each subnet of aws.vpcCidr "10.250.0.0/24" has 32 addresses and AWS reserves the first 4 and the last; use 4–30, or remove addressOffset and privlink allocates one`,
      ]]);
    }
  });
});

describe('hostile files', () => {
  it('refuses a 2 GiB spec from its size, without reading it', () => {
    const dir = tempDir('privlink-huge-');
    const file = join(dir, 'huge.yaml');
    const fd = openSync(file, 'w');
    ftruncateSync(fd, 2 * 1024 ** 3); // sparse: costs no disk
    closeSync(fd);
    const rss = process.memoryUsage().rss;
    const { problems } = loadSpecs([file]);
    expect(problems).toEqual([expect.objectContaining({ line: 1, col: 1, message: 'file is larger than 262144 bytes, the most accepted (a spec is a few hundred)' })]);
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses /dev/zero after reading at most the cap, although stat() says it is empty', () => {
    const rss = process.memoryUsage().rss;
    const { problems } = loadSpecs(['/dev/zero']);
    expect(problems).toEqual([expect.objectContaining({ file: '/dev/zero', line: 1, col: 1, message: expect.stringMatching(/^file is larger than 262144 bytes/) })]);
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024);
  });
});

/**
 * What a fuzzer found (issue: 5,000 mutated specs). Base spec B validates; each case is B with one mutation.
 */
describe('fuzzer findings', () => {
  const B = [
    'apiVersion: privlink/v1',
    'kind: Customer',
    'name: fz',
    'gcp: {project: fz-proj-1, region: us-central1, network: fz-net, sourceRanges: [10.0.0.0/20]}',
    'aws: {accountId: "999900000001", region: us-east-1, vpcCidr: 10.250.0.0/24, availabilityZoneIds: [use1-az1, use1-az2]}',
    'endpoints: [{name: gh, hostnames: [gh.example.net], ports: [443], tls: public-ca}]',
    '',
  ].join('\n');
  const problemsOf = (text: string) => parseSpec('customers/fz.yaml', Buffer.from(text)).problems;
  const lines = (text: string) => problemsOf(text).map(formatProblem);

  it('B itself is valid', () => {
    expect(problemsOf(B)).toEqual([]);
  });

  it('a name JavaScript reserves is refused by validation, and a region made of such words is never looked up', () => {
    expect(lines(B.replace('name: fz', 'name: constructor'))).toEqual([
      'customers/fz.yaml:3:7: name: is a name JavaScript reserves on every object, which CDK for Terraform cannot take as a stack id; choose another name, got "constructor"',
    ]);
    const region = lines(B.replace('region: us-east-1', 'region: us-constructor-1'));
    expect(region.join('\n')).not.toMatch(/function|native code/);
  });

  it('AZ IDs in AWS\'s form only: no leading zeros, and an AZ name gets its own region\'s example', () => {
    expect(lines(B.replace('use1-az2', 'use1-az01'))).toEqual([
      expect.stringMatching(/^customers\/fz\.yaml:5:\d+: aws\.availabilityZoneIds\[1\]: must be an AZ ID like "use1-az1": the region's prefix, "-az" and a number without leading zeros$/),
    ]);
    const eu = B.replace('region: us-east-1', 'region: eu-west-1').replace('use1-az1, use1-az2', 'eu-west-1a, euw1-az2');
    expect(lines(eu)).toEqual([
      expect.stringMatching(/aws\.availabilityZoneIds\[0\]: "eu-west-1a" is an AZ name; give its AZ ID, like "euw1-az1" \(.*--region eu-west-1` lists both\)$/),
    ]);
  });

  it('line breaks, ESC and NUL from the file never reach the terminal raw: one problem, one line', () => {
    for (const evil of ['"\\e[2J": 1', '"a\\nb": 1', '"\\u2028": 1', '"\\x85": 1', '"\\0": 1']) {
      const out = lines(`${B}${evil}\n`);
      expect(out).toHaveLength(1);
      expect(out[0]).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
      expect(out[0]).toContain('unknown field "');
    }
  });

  it('a collection or tagged value as a key is a problem at the key, not a Node warning', () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      expect(lines(`${B}? [a, b]\n: 1\n!!binary aGk=: v\n`)).toEqual([
        'customers/fz.yaml:7:3: a key must be plain text, got a list or mapping',
        'customers/fz.yaml:9:10: a key must be plain text, got a tagged value (tag:yaml.org,2002:binary)',
      ]);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });

  it('says which rule failed where a value is present: a numeric label key, a port list shared by an alias', () => {
    expect(lines(`${B}labels: {1: v}\n`).join('\n')).not.toContain('is required');
    const aliased = B.replace('ports: [443]', 'ports: &p [443]').replace(']\n', ', {name: gl, hostnames: [gl.example.net], ports: *p, tls: public-ca}]\n');
    expect(problemsOf(aliased).map((p) => p.message).join('\n')).not.toContain('is required');
  });

  it('an undefined alias is named at the alias; fifty scalar aliases are fine; a real bomb is still refused', () => {
    expect(lines(B.replace('name: fz', 'name: *nope'))).toEqual(['customers/fz.yaml:3:7: alias *nope refers to no anchor: define &nope before it']);
    const fifty = `${B.replace('tls: public-ca', 'tls: &t public-ca')}labels:\n${Array.from({ length: 50 }, (_, i) => `  k${i}: *t`).join('\n')}\n`;
    expect(lines(fifty).join('\n')).not.toMatch(/alias/);
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(',')}]`), ''].join('\n');
    expect(lines(bomb)).toEqual([expect.stringMatching(/aliases expand to more than 1000 nodes \(refused as a possible alias bomb\)/)]);
  });

  it('deep nesting is refused at a fixed place with a clear message; a numeric key is quoted as written', () => {
    const deep = `${B}x: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    const first = lines(deep);
    expect(first).toEqual([`customers/fz.yaml:7:68: nesting deeper than 64 levels; a spec is a few levels deep`]);
    expect(lines(deep)).toEqual(first);
    expect(lines(`${B}1e309: x\n`)).toEqual([expect.stringMatching(/^customers\/fz\.yaml:7:1: 1e309: unknown field "1e309"/)]);
  });

  it('a bare service id gets the full service name of this spec\'s region suggested', () => {
    const text = B.replace('tls: public-ca}', 'tls: public-ca, serviceName: vpce-svc-123123a1c43abc123}');
    expect(lines(text)).toEqual([
      expect.stringMatching(/endpoints\[0\]\.serviceName: "vpce-svc-123123a1c43abc123" is the service id alone; the service name is "com\.amazonaws\.vpce\.us-east-1\.vpce-svc-123123a1c43abc123"/),
    ]);
  });

  it('numbers are quoted as numbers', () => {
    expect(lines(B.replace('ports: [443]', 'ports: [70000]')).join('\n')).toMatch(/ports\[0\]: .*got 70000$/m);
  });
});

describe('every problem in one run', () => {
  it('rules run on every field and endpoint that parsed, whatever else failed the schema', () => {
    const text = acmeWith({
      'aws.accountId': 1234, // schema: not a quoted 12-digit string
      'aws.vpcCidr': '10.4.0.0/24', // rule: overlaps gcp.sourceRanges[1]
      'endpoints.0.ports': [443, 0], // schema: port 0
      'endpoints.1.ports': [443, 443], // rule: listed twice
      'endpoints.1.serviceName': 'com.amazonaws.vpce.eu-west-1.vpce-svc-056576c12b36056ca', // rule: wrong region
      'endpoints.1.acceptanceRequired': false, // rule: needs a security exception
    });
    const paths = parseSpec('customers/acme.yaml', Buffer.from(text)).problems.map((p) => `${p.path}: ${p.message.split(';')[0]}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^aws\.accountId: must be a quoted string of 12 digits/),
        'aws.vpcCidr: "10.4.0.0/24" overlaps gcp.sourceRanges[1] "10.4.0.0/14"',
        expect.stringMatching(/^endpoints\[0\]\.ports\[1\]: /),
        'endpoints[1].ports[1]: port 443 is listed twice',
        expect.stringMatching(/^endpoints\[1\]\.serviceName: .* is in region "eu-west-1" but aws\.region is "us-east-1"/),
        expect.stringMatching(/^endpoints\[1\]\.acceptanceRequired: false lets "artifactory" connect without the customer accepting/),
      ]),
    );
    expect(paths).toHaveLength(6);
  });

  it('a file with two documents says so and still reports the first one\'s problems', () => {
    const text = `${acmeWith({ 'endpoints.0.ports': [443, 443] })}---\nname: second\n`;
    const lines = parseSpec('customers/acme.yaml', Buffer.from(text)).problems.map((p) => `${p.path}: ${p.message}`);
    expect(lines).toEqual([
      ': file holds more than one YAML document; put one customer per file (only the first one was checked)',
      'endpoints[0].ports[1]: port 443 is listed twice',
    ]);
  });
});
