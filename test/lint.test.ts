/**
 * The security rule pack: each rule passes its passing fixture and fails its failing one
 * (test/fixtures/lint/<rule id>/), the generated examples have no finding, and a deliberately weakened copy of
 * the output is reported rule by rule with exit 1.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES, lintDocs, loadArtifacts, toDoc } from '../src/lint';
import { parseHclFiles } from '../src/support/terraform-doc';
import type { TfDoc } from '../src/lint/types';
import { AUTO_ACCEPT_REASON, ROOT, acmeAutoAccept, acmeWith, privlinkHere, tempDir } from './helpers';

const FIXTURES = join(__dirname, 'fixtures', 'lint');
const BIN = join(ROOT, 'bin', 'privlink.js');

async function fixture(rule: string, kind: 'pass' | 'fail'): Promise<TfDoc> {
  const file = readdirSync(join(FIXTURES, rule)).find((f) => f.startsWith(`${kind}.`));
  if (!file) throw new Error(`test/fixtures/lint/${rule} has no ${kind} fixture`);
  const path = join(FIXTURES, rule, file);
  const text = readFileSync(path, 'utf8');
  const docs = file.endsWith('.tf.json') ? [JSON.parse(text)] : await parseHclFiles([{ path, text }]);
  return toDoc(`${rule}/${file}`, docs, [text]);
}

describe('rule pack', () => {
  it('has a fixture folder for every rule and a rule for every fixture folder', () => {
    expect(readdirSync(FIXTURES).sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  it.each(RULES.map((r) => [r.id, r] as const))('%s passes its passing fixture and fails its failing one', async (_id, rule) => {
    expect(rule.check(await fixture(rule.id, 'pass'))).toEqual([]);
    const findings = rule.check(await fixture(rule.id, 'fail'));
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) expect(f).toMatch(/^\S+: .{10,}/); // names what is wrong, and where
  });
});

describe('privlink lint', () => {
  it('finds nothing in the generated examples', async () => {
    const docs = await loadArtifacts(join(ROOT, 'generated'), 'generated');
    expect(docs.map((d) => d.file)).toEqual([
      'generated/acme/customer-module',
      'generated/acme/customer-module/examples/artifactory',
      'generated/acme/customer-module/examples/github',
      'generated/acme/operator/cdk.tf.json',
      // The CI identities' AWS stacks (render/identities.ts) are Terraform JSON the rule pack reads too.
      'generated/ci/identities/aws-account/main.tf.json',
      'generated/ci/identities/aws-ci/main.tf.json',
      'generated/globex/customer-module',
      'generated/globex/customer-module/examples/gitlab',
      'generated/globex/customer-module/examples/nexus',
      'generated/globex/operator/cdk.tf.json',
    ]);
    expect(lintDocs(docs).map((f) => `${f.file}: ${f.rule.id}: ${f.message}`)).toEqual([]);
  });

  it('reports a deliberately weakened copy, rule by rule, with exit 1', () => {
    const dir = tempDir('privlink-lint-');
    cpSync(join(ROOT, 'generated'), join(dir, 'generated'), { recursive: true });
    const edit = (rel: string, from: string | RegExp, to: string) => {
      const path = join(dir, 'generated', rel);
      const text = readFileSync(path, 'utf8');
      const next = text.replace(from, to);
      expect(next).not.toBe(text);
      writeFileSync(path, next);
    };
    edit('acme/customer-module/variables.tf', /(variable "acceptance_required" \{[^}]*default\s*=\s*)true/, '$1false');
    edit('acme/customer-module/main.tf', 'enable_deletion_protection       = true', 'enable_deletion_protection       = false');
    edit('acme/operator/cdk.tf.json', '"cidr_ipv4": "10.0.0.0/20"', '"cidr_ipv4": "0.0.0.0/0"');
    edit('acme/operator/cdk.tf.json', /"tunnel1_phase1_integrity_algorithms": \[\n\s*"SHA2-256"/, '"tunnel1_phase1_integrity_algorithms": [\n          "SHA1"');
    const r = spawnSync(process.execPath, [BIN, 'lint', 'generated'], { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^generated\/acme\/customer-module: CKV_AWS_123: aws_vpc_endpoint_service\.this: acceptance_required must be true/m);
    expect(r.stderr).toMatch(/^generated\/acme\/customer-module: CKV_AWS_150 \(KICS afecd1f1-[0-9a-f-]+\): aws_lb\.this: enable_deletion_protection must be true/m);
    expect(r.stderr).toMatch(/^generated\/acme\/operator\/cdk\.tf\.json: CKV_AWS_24 \(.*AVD-AWS-0107.*\): aws_vpc_security_group_ingress_rule\.github_\d+_from_10-0-0-0-20: ingress from the whole internet/m);
    expect(r.stderr).toMatch(/^generated\/acme\/operator\/cdk\.tf\.json: PRIVLINK_VPN_STRONG_PROPOSALS: aws_vpn_connection\.vpn_[ab]: tunnel1_phase1_integrity_algorithms offers weak SHA1/m);
    expect(r.stderr).not.toContain('generated/globex');
    expect(r.stderr).toMatch(/privlink lint: \d+ findings in 2 artifacts/);
  });
});

describe('lint of a narrower folder', () => {
  it('judges a hub against the whole output: no finding the full lint does not have, and a real one still found', async () => {
    const dir = tempDir('privlink-linthub-');
    mkdirSync(join(dir, 'customers'));
    cpSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
    writeFileSync(join(dir, 'customers', 'acme.yaml'), readFileSync(join(ROOT, 'customers', 'acme.yaml')));
    writeFileSync(
      join(dir, 'customers', 'initech.yaml'),
      acmeWith({ name: 'initech', 'aws.accountId': '777788889999', 'aws.vpcCidr': '10.251.0.0/24', 'endpoints.0.hostnames': ['git.initech.example'], 'endpoints.1.hostnames': ['artifacts.initech.example'] }),
    );
    expect((await privlinkHere(['generate', '-q'], dir)).code).toBe(0);
    const lint = (...args: string[]) => spawnSync(process.execPath, [BIN, 'lint', ...args], { cwd: dir, encoding: 'utf8' });
    expect(lint().status).toBe(0);
    // The hub's peers are watched by policies in acme's and initech's stacks, outside generated/hubs.
    const hubs = lint('generated/hubs');
    expect([hubs.status, hubs.stderr]).toEqual([0, '']);
    expect(lint('generated/initech').status).toBe(0);
    // Without initech's policies on its sessions (bgp_a1, and no_path, which names every peer), the narrow scope still
    // finds the unwatched peer, as the full lint does.
    const stack = join(dir, 'generated', 'initech', 'operator', 'cdk.tf.json');
    const tf = JSON.parse(readFileSync(stack, 'utf8'));
    delete tf.resource.google_monitoring_alert_policy.bgp_a1;
    delete tf.resource.google_monitoring_alert_policy.no_path;
    writeFileSync(stack, JSON.stringify(tf));
    const narrow = lint('generated/hubs');
    expect(narrow.status).toBe(1);
    expect(narrow.stderr).toMatch(/google_compute_router_peer\.initech_a1: no alert policy on router\.googleapis\.com\/bgp\/session_up/);
    expect(lint().stderr).toMatch(/google_compute_router_peer\.initech_a1: no alert policy/);
  });
});

describe('lint on the wrong folder', () => {
  it('fails on a folder with no generated artifacts instead of passing with no findings', () => {
    const dir = tempDir('privlink-lint-');
    mkdirSync(join(dir, 'customers'));
    writeFileSync(join(dir, 'customers', 'notes.txt'), 'not terraform');
    const r = spawnSync(process.execPath, [BIN, 'lint', 'customers'], { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('privlink: no generated artifacts in "customers"');
    expect(r.stdout).toBe('');
  });
});

describe('security exceptions', () => {
  /** A repository with acme opting out of acceptance for artifactory, generated. */
  function autoAcceptRepo(): string {
    const dir = tempDir('privlink-exception-');
    cpSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
    mkdirSync(join(dir, 'customers'));
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeAutoAccept());
    const g = spawnSync(process.execPath, [BIN, 'generate', '-q'], { cwd: dir, encoding: 'utf8' });
    expect(g.status === 0 ? 0 : g.stderr).toBe(0);
    return dir;
  }

  it('an opt-out in writing reaches the example, both READMEs and the manifest, and lint reports it as excepted', () => {
    const dir = autoAcceptRepo();
    const out = (rel: string) => readFileSync(join(dir, 'generated', 'acme', rel), 'utf8');
    expect(out('customer-module/examples/artifactory/main.tf')).toMatch(/^\s*acceptance_required = false$/m);
    expect(out('customer-module/examples/github/main.tf')).not.toContain('acceptance_required');
    expect(out('customer-module/variables.tf')).toMatch(/variable "acceptance_required" \{[^}]*default\s*=\s*true/);
    for (const readme of ['README.md', 'customer-module/README.md']) {
      expect(out(readme)).toContain(`## Security exceptions`);
      expect(out(readme)).toContain(`**CKV_AWS_123** (VPC endpoint service requires acceptance): ${AUTO_ACCEPT_REASON}`);
    }
    expect(JSON.parse(out('privlink-manifest.json')).security).toEqual({ exceptions: [{ rule: 'CKV_AWS_123', reason: AUTO_ACCEPT_REASON }] });

    const r = spawnSync(process.execPath, [BIN, 'lint'], { cwd: dir, encoding: 'utf8' });
    expect(r.status === 0 ? 0 : r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `generated/acme/customer-module/examples/artifactory: CKV_AWS_123: module.privlink_artifactory: sets acceptance_required = false; ` +
        `connection requests would be accepted without the customer [excepted by the spec: ${AUTO_ACCEPT_REASON}]`,
    );
    expect(r.stdout).toMatch(/no findings, 1 excepted by the spec/);
  });

  it('the same opt-out without the manifest\'s exception fails lint', () => {
    const dir = autoAcceptRepo();
    const manifest = join(dir, 'generated', 'acme', 'privlink-manifest.json');
    const m = JSON.parse(readFileSync(manifest, 'utf8'));
    delete m.security;
    writeFileSync(manifest, JSON.stringify(m));
    const r = spawnSync(process.execPath, [BIN, 'lint'], { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^generated\/acme\/customer-module\/examples\/artifactory: CKV_AWS_123: module\.privlink_artifactory: sets acceptance_required = false/m);
  });

  it('an exception that excepts nothing is itself a finding', () => {
    const dir = tempDir('privlink-lint-');
    cpSync(join(ROOT, 'generated'), join(dir, 'generated'), { recursive: true });
    const manifest = join(dir, 'generated', 'globex', 'privlink-manifest.json');
    const m = JSON.parse(readFileSync(manifest, 'utf8'));
    writeFileSync(manifest, JSON.stringify({ ...m, security: { exceptions: [{ rule: 'CKV_AWS_123', reason: AUTO_ACCEPT_REASON }] } }));
    const r = spawnSync(process.execPath, [BIN, 'lint', 'generated'], { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^generated\/globex\/privlink-manifest\.json: PRIVLINK_UNUSED_EXCEPTION: the spec records an exception to CKV_AWS_123, but no artifact of this customer breaks that rule/m);
  });

  it('an exception never excuses a rule privlink guarantees', async () => {
    const docs = await loadArtifacts(join(ROOT, 'generated'), 'generated');
    const doc = docs.find((d) => d.file === 'generated/acme/operator/cdk.tf.json')!;
    const weakened = toDoc(doc.file, [JSON.parse(doc.texts[0]!.replace('"cidr_ipv4": "10.0.0.0/20"', '"cidr_ipv4": "0.0.0.0/0"'))], doc.texts, {
      folder: 'generated/acme',
      exceptions: [{ rule: 'CKV_AWS_24', reason: 'nobody may except this, whatever the manifest says' }],
    });
    const findings = lintDocs([weakened]).filter((f) => f.rule.id === 'CKV_AWS_24');
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.excepted === undefined)).toBe(true);
  });
});
