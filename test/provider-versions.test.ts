/**
 * Today's Terraform (issue: google 6.50 to 8.x, OpenTofu): the provider ranges the stacks admit, privlink.yaml
 * narrowing them, the change summary following the admitted aws range for a tunnel's inside CIDR, plan-guard deciding
 * from the real plan either way, and `ci.engine: opentofu` producing workflows that run `tofu` only.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { AWS_PROVIDER_CONSTRAINT, AWS_PROVIDER_CONSTRAINT_CUSTOMER, GOOGLE_PROVIDER_CONSTRAINT, REMOVED_BLOCK_TERRAFORM } from '../src/domain/constants';
import { intersect, overlaps } from '../src/domain/versions';
import { parseFleet } from '../src/fleet/load';
import { summarizeChange } from '../src/gitops/change-summary';
import { guardPlan } from '../src/gitops/plan-guard';
import { parseSpec } from '../src/input/load';
import { buildModel } from '../src/model/model';
import { renderOperatorJson } from '../src/render/operator';
import { ROOT, acmeWith, privlinkHere, skipNote, tempDir } from './helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = Record<string, any>;

const admits = (constraint: string, version: string) => overlaps(constraint, `= ${version}`);

describe('provider ranges', () => {
  it('the operator stacks admit google 6.50.0, 7.45.0 and 8.6.0, aws 5.100.0 and 6.68.0, never aws 6.42.0; no unreviewed major', () => {
    const stack = JSON.parse(readFileSync(join(ROOT, 'generated', 'acme', 'operator', 'cdk.tf.json'), 'utf8')) as Json;
    const { aws, google } = stack.terraform.required_providers;
    for (const v of ['6.50.0', '7.45.0', '8.6.0']) expect([v, admits(google.version, v)]).toEqual([v, true]);
    for (const v of ['6.49.0', '9.0.0']) expect([v, admits(google.version, v)]).toEqual([v, false]);
    for (const v of ['5.100.0', '6.28.0', '6.43.0', '6.68.0']) expect([v, admits(aws.version, v)]).toEqual([v, true]);
    for (const v of ['5.99.0', '6.42.0', '7.0.0']) expect([v, admits(aws.version, v)]).toEqual([v, false]);
  });

  it('the customer module has an upper bound below the next unreviewed aws major', () => {
    const versions = readFileSync(join(ROOT, 'generated', 'acme', 'customer-module', 'versions.tf'), 'utf8');
    expect(versions).toContain(`version = "${AWS_PROVIDER_CONSTRAINT_CUSTOMER}"`);
    expect([admits(AWS_PROVIDER_CONSTRAINT_CUSTOMER, '6.68.0'), admits(AWS_PROVIDER_CONSTRAINT_CUSTOMER, '7.0.0')]).toEqual([true, false]);
  });

  it('privlink.yaml narrows the ranges (the stacks carry the intersection) and cannot widen them', () => {
    expect(intersect(AWS_PROVIDER_CONSTRAINT, '~> 6.30')).toBe('>= 6.30.0, != 6.42.0, < 7.0.0');
    expect(intersect(AWS_PROVIDER_CONSTRAINT, '= 6.68.0')).toBe('= 6.68.0');
    expect(intersect(GOOGLE_PROVIDER_CONSTRAINT, '>= 5.0.0')).toBe('>= 6.50.0, < 9.0.0');
    expect(intersect(AWS_PROVIDER_CONSTRAINT, '>= 6.50.0')).toBe('>= 6.50.0, < 7.0.0'); // 6.42.0 is outside: no != left
  });

  it('a fleet that pins only a version privlink excludes is refused at file:line:col', () => {
    const yaml = 'apiVersion: privlink/v1\nkind: Fleet\nproviders:\n  aws: "= 6.42.0"\n  google: "~> 9.0"\n';
    const r = parseFleet('privlink.yaml', Buffer.from(yaml));
    expect(r.problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`)).toEqual([
      expect.stringMatching(/^privlink\.yaml:4:8: "= 6\.42\.0" admits no version privlink's output works with: hashicorp\/aws >= 5\.100\.0, != 6\.42\.0, < 7\.0\.0/),
      expect.stringMatching(/^privlink\.yaml:5:11: "~> 9\.0" admits no version privlink's output works with: hashicorp\/google >= 6\.50\.0, < 9\.0\.0/),
    ]);
  });

  it('a stack that hands its router over (removed blocks with lifecycle) requires a version both engines read', () => {
    // OpenTofu reads `removed` with `lifecycle { destroy = false }` from 1.10; Terraform from 1.7.
    expect(admits(REMOVED_BLOCK_TERRAFORM, '1.9.0')).toBe(false);
    expect(admits(REMOVED_BLOCK_TERRAFORM, '1.10.0')).toBe(true);
  });
});

/** acme's operator stack, and acme with tunnel a1 on another inside CIDR, with privlink.yaml's aws range `aws`. */
async function insideCidrChange(aws?: string) {
  const yaml = `apiVersion: privlink/v1\nkind: Fleet\n${aws ? `providers:\n  aws: "${aws}"\n` : ''}`;
  const fleet = parseFleet('privlink.yaml', Buffer.from(yaml)).config!;
  const model = (text: string) => buildModel(parseSpec('customers/acme.yaml', Buffer.from(text)).spec!, 'customers/acme.yaml', fleet);
  const changedSpec = acmeWith({ 'vpn.insideCidrs': { a1: '169.254.30.0/30' } });
  const before = renderOperatorJson(model(acmeWith()));
  const after = renderOperatorJson(model(changedSpec));
  return summarizeChange(model(changedSpec), new Map([['operator/cdk.tf.json', before]]), new Map([['operator/cdk.tf.json', after]]), 'customers');
}

describe('a tunnel inside CIDR change, summarised for the aws range the stack admits', () => {
  const vpn = (s: Awaited<ReturnType<typeof insideCidrChange>>) => s.stacks.flatMap((st) => st.diff.changed).find((c) => c.address === 'aws_vpn_connection.vpn_a');

  it('a range across 6.28.0 (the default): replaced, saying which versions replace and which update in place', async () => {
    const s = await insideCidrChange();
    expect(vpn(s)).toEqual({
      address: 'aws_vpn_connection.vpn_a',
      attributes: ['tunnel1_inside_cidr'],
      replacedBy: ['tunnel1_inside_cidr (replaced on aws < 6.28.0; updated in place with a tunnel restart on aws >= 6.28.0)'],
    });
    expect(s.checklist.join('\n')).toContain('aws_vpn_connection.vpn_a');
  });

  it('a range below 6.28.0: a plain replacement', async () => {
    const s = await insideCidrChange('>= 5.100.0, < 6.28.0');
    expect(vpn(s)?.replacedBy).toEqual(['tunnel1_inside_cidr']);
  });

  it('a range from 6.28.0: an in-place update, still disruptive and still blocked until allowed', async () => {
    const s = await insideCidrChange('>= 6.28.0');
    expect(vpn(s)).toEqual({ address: 'aws_vpn_connection.vpn_a', attributes: ['tunnel1_inside_cidr'] });
    expect(s.checklist).toContainEqual(expect.stringMatching(/^`aws_vpn_connection\.vpn_a` changes tunnel1_inside_cidr in place, but AWS restarts the tunnel/));
    expect(s.checklist).toContainEqual(expect.stringMatching(/plan-guard blocks [\s\S]*aws_vpn_connection\.vpn_a/));
  });

  it('plan-guard decides from the plan: a replace is blocked as one, an in-place inside CIDR update as disruptive', () => {
    const change = (actions: string[]) => ({
      format_version: '1.2',
      planned_values: { root_module: {} },
      resource_changes: [
        {
          address: 'aws_vpn_connection.vpn_a',
          type: 'aws_vpn_connection',
          mode: 'managed',
          change: { actions, before: { tunnel1_inside_cidr: '169.254.10.0/30' }, after: { tunnel1_inside_cidr: '169.254.30.0/30' }, ...(actions.length === 2 ? { replace_paths: [['tunnel1_inside_cidr']] } : {}) },
        },
      ],
    });
    expect(guardPlan(change(['delete', 'create']), []).blocked.map((h) => [h.action, h.cause])).toEqual([['replace', 'tunnel1_inside_cidr forces replacement']]);
    expect(guardPlan(change(['update']), []).blocked.map((h) => [h.action, h.cause])).toEqual([['disrupt', expect.stringMatching(/^tunnel1_inside_cidr changes in place, but AWS restarts the tunnel/)]]);
    expect(guardPlan(change(['update']), ['aws_vpn_connection.vpn_a']).blocked).toEqual([]);
  });
});

describe('ci.engine: opentofu', () => {
  let dir: string;
  const ci = (f: string) => readFileSync(join(dir, 'generated', 'ci', f), 'utf8');
  beforeAll(async () => {
    dir = tempDir('privlink-tofu-');
    cpSync(join(ROOT, 'customers'), join(dir, 'customers'), { recursive: true });
    writeFileSync(join(dir, 'privlink.yaml'), readFileSync(join(ROOT, 'privlink.yaml'), 'utf8').replace(/^ci:\n/m, 'ci:\n  engine: opentofu\n'));
    const r = await privlinkHere(['generate'], dir);
    expect([r.code, r.stderr]).toEqual([0, '']);
  });

  /** Every run: script of both workflows, by job. */
  const scripts = () =>
    ['github-actions.yml', 'github-drift.yml'].flatMap((f) =>
      Object.entries(parse(ci(f)).jobs as Record<string, { steps: { run?: string; uses?: string }[] }>).flatMap(([job, j]) => j.steps.filter((s) => s.run).map((s) => ({ job, run: s.run! }))),
    );

  it('the workflows install OpenTofu and run tofu; no script calls terraform', () => {
    for (const f of ['github-actions.yml', 'github-drift.yml']) {
      const uses = Object.values(parse(ci(f)).jobs as Record<string, { steps: { uses?: string }[] }>).flatMap((j) => j.steps.map((s) => s.uses).filter(Boolean));
      expect(uses).toContain('opentofu/setup-opentofu@v1');
      expect(uses).not.toContain('hashicorp/setup-terraform@v3');
    }
    const all = scripts();
    expect(all.filter((s) => /\btofu (init|plan|show)\b|\btofu -chdir/.test(s.run)).length).toBeGreaterThanOrEqual(3);
    expect(all.filter((s) => /(^|[\s;(&|])terraform(\s|$)/m.test(s.run)).map((s) => s.job)).toEqual([]);
  });

  it('the same check finds terraform in the default workflows (so a pass above means something)', () => {
    const wf = parse(readFileSync(join(ROOT, 'generated', 'ci', 'github-actions.yml'), 'utf8'));
    const runs = Object.values(wf.jobs as Record<string, { steps: { run?: string }[] }>).flatMap((j) => j.steps.map((s) => s.run ?? ''));
    expect(runs.some((r) => /(^|[\s;(&|])terraform(\s|$)/m.test(r))).toBe(true);
  });

  it("GitHub's workflow parser accepts both OpenTofu workflows", () => {
    const paths = ['github-actions.yml', 'github-drift.yml'].map((f) => join(dir, 'generated', 'ci', f));
    const r = spawnSync(process.execPath, [join(ROOT, 'test', 'support', 'workflow-parser.mjs'), ...paths], { cwd: ROOT, encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(r.stdout)).toEqual(paths.map((file) => ({ file, errors: [] })));
  });

  const shellcheck = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
  if (shellcheck.status !== 0) skipNote('shellcheck of the OpenTofu workflows', 'shellcheck is not installed (Debian package shellcheck; .ci/run installs it)');
  (shellcheck.status === 0 ? it : it.skip)('every run: script of the OpenTofu workflows passes shellcheck at severity error', () => {
    const files = scripts().map((s, i) => {
      const f = join(dir, `script-${i}.sh`);
      writeFileSync(f, `#!/usr/bin/env bash\n${s.run}\n`);
      return f;
    });
    const r = spawnSync('shellcheck', ['--shell=bash', '--severity=error', '--format=gcc', ...files], { encoding: 'utf8' });
    expect([r.status, r.stdout]).toEqual([0, '']);
  });

  it("Atlantis runs every project on OpenTofu and its own show step runs tofu", () => {
    const atlantis = parse(ci('atlantis.yaml'));
    expect(atlantis.projects.map((p: Json) => p.terraform_distribution)).toEqual(atlantis.projects.map(() => 'opentofu'));
    const runs = atlantis.workflows.privlink.plan.steps.filter((s: Json) => typeof s === 'object' && s.run).map((s: Json) => s.run as string);
    expect(runs).toContainEqual('tofu show -json "$PLANFILE" > "$SHOWFILE"');
    expect(runs.filter((r: string) => /\bterraform\b/.test(r))).toEqual([]);
  });

  it('privlink plan calls tofu, and says how to get it when it is missing', async () => {
    const r = await privlinkHere(['plan', 'acme'], dir, { PATH: '/nonexistent' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot run tofu \(ENOENT\): install OpenTofu \(`tofu`\) and put it on the PATH \(privlink\.yaml ci\.engine: opentofu\)/);
  });

  it('an unknown engine is refused at its place', () => {
    const r = parseFleet('privlink.yaml', Buffer.from('apiVersion: privlink/v1\nkind: Fleet\nci:\n  engine: tofu\n'));
    expect(r.problems.map((p) => `${p.line}:${p.col}: ${p.message}`)).toEqual([expect.stringMatching(/^4:11: .*terraform, opentofu/)]);
  });
});

/**
 * The newest provider schemas on this machine: the prebuilt cdktf bindings are generated from `terraform providers
 * schema` of hashicorp/aws 6.25.0 and hashicorp/google 6.50.0 (their package.json names the version). Every argument
 * privlink writes in an operator or hub stack must be an argument of that schema. (5.100.0 is checked by `terraform
 * validate` in test/terraform.test.ts; 7.x and 8.x were read in the provider source, docs/providers.md.)
 */
describe('every argument privlink writes exists in the aws 6.25.0 and google 6.50.0 schemas', () => {
  const kebab = (type: string) => type.replace(/^(aws|google)_/, '').replace(/_/g, '-');
  const pascal = (type: string) => kebab(type).split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  const camel = (arg: string) => arg.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const bindingArgs = new Map<string, Set<string>>();
  function argsOf(type: string): Set<string> {
    if (!bindingArgs.has(type)) {
      const pkg = type.startsWith('aws_') ? '@cdktf/provider-aws' : '@cdktf/provider-google';
      const text = readFileSync(require.resolve(`${pkg}/lib/${kebab(type)}/index.d.ts`), 'utf8');
      const start = text.indexOf(`export interface ${pascal(type)}Config extends`);
      const body = text.slice(start, text.indexOf('\n}', start));
      bindingArgs.set(type, new Set([...body.matchAll(/^\s*readonly (\w+)\??:/gm)].map((m) => m[1]!)));
    }
    return bindingArgs.get(type)!;
  }

  it('acme, globex and a shared hub: each resource type and each of its arguments', async () => {
    const dir = tempDir('privlink-schema-');
    cpSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
    const { writeSyntheticFleet } = await import('../src/tools/synthetic-fleet');
    writeSyntheticFleet(join(dir, 'customers'), 3, true);
    const r = await privlinkHere(['generate'], dir);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const hub = readdirSync(join(dir, 'generated', 'hubs')).find((f) => !f.endsWith('.json'))!;
    const stacks = [
      join(ROOT, 'generated', 'acme', 'operator', 'cdk.tf.json'),
      join(ROOT, 'generated', 'globex', 'operator', 'cdk.tf.json'),
      join(dir, 'generated', 'hubs', hub, 'routers', 'cdk.tf.json'),
      join(dir, 'generated', 'hubs', hub, 'sessions', 'cdk.tf.json'),
    ];
    const missing: string[] = [];
    let checked = 0;
    for (const file of stacks) {
      const doc = JSON.parse(readFileSync(file, 'utf8')) as Json;
      for (const [type, blocks] of Object.entries((doc.resource ?? {}) as Record<string, Record<string, Json>>)) {
        const known = argsOf(type);
        for (const body of Object.values(blocks)) {
          for (const arg of Object.keys(body).filter((k) => k !== '//' && k !== 'lifecycle' && k !== 'depends_on')) {
            checked++;
            if (!known.has(camel(arg))) missing.push(`${type}.${arg}`);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(200);
    expect([...new Set(missing)]).toEqual([]);
    // Not vacuous: an argument the schema lacks is found.
    expect(argsOf('aws_vpn_connection').has(camel('tunnel1_inside_cidr'))).toBe(true);
    expect(argsOf('aws_vpn_connection').has(camel('tunnel9_inside_cidr'))).toBe(false);
  });
});
