/** Spec validation: the examples pass, every rule rejects what it should with file:line:col and a clear message. */
import { closeSync, ftruncateSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseFleet } from '../src/fleet/load';
import { loadSpecs, parseSpec } from '../src/spec/load';
import { ACME, GLOBEX, acmeWith, tempDir } from './helpers';

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
    const dir = require('node:fs').mkdtempSync(join(require('node:os').tmpdir(), 'privlink-fleet-'));
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    require('node:fs').writeFileSync(a, acmeWith());
    require('node:fs').writeFileSync(b, acmeWith({ 'gcp.project': 'other-project' }));
    const { problems } = loadSpecs([a, b]);
    const summary = problems.map((p) => `${p.file === a ? 'a' : 'b'} ${p.path}`).sort();
    expect(summary).toEqual(['a aws.accountId', 'a name', 'b aws.accountId', 'b name']);
    expect(problems.find((p) => p.file === a && p.path === 'name')!.message).toContain(b);
  });

  it('fails when two specs bind the same GCP network (one DNS response policy per network)', () => {
    const fs = require('node:fs');
    const dir = fs.mkdtempSync(join(require('node:os').tmpdir(), 'privlink-fleet-'));
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    fs.writeFileSync(a, acmeWith());
    fs.writeFileSync(b, acmeWith({ name: 'other', 'aws.accountId': '999988887777' }));
    const { problems } = loadSpecs([a, b]);
    expect(problems.map((p) => p.path)).toEqual(['gcp.network', 'gcp.network']);
    expect(problems[0]!.message).toMatch(/one response policy per network/);
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
    expect(problems).toEqual([expect.objectContaining({ line: 1, col: 1, message: 'file is 2147483648 bytes; at most 262144 bytes are accepted' })]);
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024);
  });
});
