/**
 * The pull request tells the truth at fleet scale (issue 28), through `generate --commit` on real git repositories:
 *
 * - a no-op reads as a no-op: the second customer on a network hands the first one's router to the hub, and the
 *   first customer's section shows no replacement, no maintenance window and no allow-file instruction;
 * - a fleet-wide change fits where it goes (test/pull-request-fleet.test.ts);
 * - a second change never fails on a branch name, and the offboarding steps pass as written after onboarding;
 * - subjects and bodies name what changed, and only what changed;
 * - CI work follows the change: a tags-only change schedules no lab, a wiring change does; the canaries' hub routers
 *   apply in the first wave.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { knownValues } from '../src/gitops/known-values';
import { ROOT, acmeWith, privlinkHere, tempDir, SECOND_SERVICE_NAME } from './helpers';

const GIT_ENV = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
const ENV = { ...process.env, ...GIT_ENV };

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: ENV }).trim();
const privlink = (cwd: string, ...args: string[]) => privlinkHere(args, cwd, GIT_ENV);

/** A repository on main with `customers` (spec name → text) generated and committed. */
async function repoWith(specs: Record<string, string>, fleet = readFileSync(join(ROOT, 'privlink.yaml'), 'utf8')): Promise<string> {
  const dir = tempDir('privlink-pr-');
  mkdirSync(join(dir, 'customers'));
  writeFileSync(join(dir, 'privlink.yaml'), fleet);
  for (const [name, text] of Object.entries(specs)) writeFileSync(join(dir, 'customers', `${name}.yaml`), text);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Ops Engineer');
  git(dir, 'config', 'user.email', 'ops@example.com');
  const r = await privlink(dir, 'generate', '-q');
  expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'onboard');
  return dir;
}

const ACME = readFileSync(join(ROOT, 'customers', 'acme.yaml'), 'utf8');
/** initech: acme's shape on acme's network (project acme-sg-cloud, sg-cloud-vpc, us-central1), its own account and VPC. */
const INITECH = acmeWith({ name: 'initech', 'aws.accountId': '777788889999', 'aws.vpcCidr': '10.251.0.0/24', 'endpoints.0.hostnames': ['git.initech.example'], 'endpoints.1.hostnames': ['artifacts.initech.example'] });

/** The `## name…` section of a PR body, up to the next `## `. */
const sectionOf = (body: string, name: string) => {
  const start = body.search(new RegExp(`^## ${name}[: ]`, 'm'));
  expect(start).toBeGreaterThanOrEqual(0);
  const rest = body.slice(start + 3);
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
};

describe('adoption reads as what it is', () => {
  it('the second customer on a network: the first one\'s section has no replacement, no window and no allow-file instruction', async () => {
    const dir = await repoWith({ acme: ACME });
    writeFileSync(join(dir, 'customers', 'initech.yaml'), INITECH);
    const r = await privlink(dir, 'generate', 'customers/initech.yaml', '--commit', '--pr-body', join(tempDir(), 'pr.md'));
    expect([r.code, r.stderr]).toEqual([0, '']);
    const body = r.stdout.slice(0, r.stdout.indexOf('\nprivlink: committed'));
    const acme = sectionOf(body, 'acme');
    expect(acme).not.toContain('-/+');
    expect(acme).not.toMatch(/schedule a window/);
    expect(acme).not.toMatch(/plan-guard blocks/);
    expect(acme).not.toContain('.plan-guard-allow');
    expect(acme).not.toMatch(/^ {2}- - /m); // nothing removed
    expect(acme).toMatch(/^\*\*Resources\*\* \(0 added, 0 changed, 0 replaced, 0 removed, 9 handed to the hub\)/m);
    expect(acme).toContain('  - forget `google_compute_router.router` (handed to the hub, nothing recreated)');
    expect(acme).toContain('plan-guard needs no allowance for it');
    expect(acme).not.toContain('**Topology**'); // acme's topology did not change
    // The hub's stacks import what acme's forgets: adopted, not created.
    expect(body).toMatch(/routers\/cdk\.tf\.json`: imports 1 \(google_compute_router\.router_1\): adopted, nothing created$/m);
    expect(git(dir, 'log', '-1', '--format=%s')).toBe('privlink: new customer initech; acme adopted by its hub');
  });

  it('is a general rule: a reference equal to its new literal is no change, a reference whose value changes is', () => {
    const before = {
      provider: { google: [{ project: 'acme-sg-cloud', region: 'us-central1' }] },
      resource: {
        google_compute_router: { router: { name: 'privlink-acme-router', region: 'us-central1', bgp: { asn: 65534 } } },
        google_compute_vpn_tunnel: { tunnel_a1: { router: '${google_compute_router.router.id}', name: 'privlink-acme-a1' } },
        aws_customer_gateway: { gcp_a: { bgp_asn: '${google_compute_router.router.bgp[0].asn}', ip_address: '${google_compute_ha_vpn_gateway.ha_vpn.vpn_interfaces[0].ip_address}' } },
        google_monitoring_alert_policy: { bgp_a1: { filter: 'metric.label.bgp_peer_name = "${google_compute_router.router.name}-a1"' } },
      },
    };
    const resolve = knownValues(before);
    // The provider composes a router's id from project, region and name (the project from the provider block).
    expect(resolve('${google_compute_router.router.id}')).toBe('projects/acme-sg-cloud/regions/us-central1/routers/privlink-acme-router');
    expect(resolve('${google_compute_router.router.bgp[0].asn}')).toBe(65534);
    expect(resolve('peer "${google_compute_router.router.name}-a1"')).toBe('peer "privlink-acme-router-a1"');
    // What AWS or Google assign at apply is unknown, and stays a reference.
    expect(resolve('${google_compute_ha_vpn_gateway.ha_vpn.vpn_interfaces[0].ip_address}')).toBe('${google_compute_ha_vpn_gateway.ha_vpn.vpn_interfaces[0].ip_address}');
  });

  it('a router ASN that really changes is still a replacement of the customer gateways', async () => {
    // acme alone keeps its own router; a new routerAsn changes the value its customer gateways' bgp_asn refers to.
    const dir = await repoWith({ acme: ACME });
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ 'gcp.routerAsn': 65000 }));
    const r = await privlink(dir, 'generate', 'customers/acme.yaml', '--commit');
    expect(r.code).toBe(0);
    const message = git(dir, 'log', '-1', '--format=%B');
    expect(message).toMatch(/^ {4}-\/\+ aws_customer_gateway\.gcp_a \(replaced: bgp_asn forces replacement\)$/m);
    expect(message).toMatch(/schedule a window with the customer/);
  });
});

describe('--commit never fails on a branch name', () => {
  it('two changes for acme from main: both commit, the second to the next free name, and each says which', async () => {
    const dir = await repoWith({ acme: ACME });
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ 'endpoints.1.serviceName': SECOND_SERVICE_NAME }));
    const first = await privlink(dir, 'generate', 'customers/acme.yaml', '--commit');
    expect([first.code, first.stderr]).toEqual([0, '']);
    expect(first.stdout).toMatch(/^privlink: committed [0-9a-f]{12} on new branch privlink\/acme: /m);
    git(dir, 'switch', '-q', 'main');
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ 'endpoints.0.ports': [443, 22, 7999] }));
    const second = await privlink(dir, 'generate', 'customers/acme.yaml', '--commit');
    expect([second.code, second.stderr]).toEqual([0, '']);
    expect(second.stdout).toMatch(/^privlink: committed [0-9a-f]{12} on new branch privlink\/acme-2 \(privlink\/acme exists and is not merged into HEAD: the next free name\): privlink: acme: spec change/m);
    expect(git(dir, 'branch', '--show-current')).toBe('privlink/acme-2');
    // Both branches hold their own change from main, nothing else.
    expect(git(dir, 'rev-list', '--count', 'main..privlink/acme')).toBe('1');
    expect(git(dir, 'rev-list', '--count', 'main..privlink/acme-2')).toBe('1');
  });

  it('a branch merged into HEAD is reused; the offboarding steps pass as written after onboarding', async () => {
    const dir = await repoWith({ acme: ACME, globex: readFileSync(join(ROOT, 'customers', 'globex.yaml'), 'utf8') });
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ 'endpoints.1.serviceName': SECOND_SERVICE_NAME }));
    expect((await privlink(dir, 'generate', 'customers/acme.yaml', '--commit')).code).toBe(0);
    git(dir, 'switch', '-q', 'main');
    git(dir, 'merge', '-q', '--ff-only', 'privlink/acme');
    // docs/offboarding.md step 1: mark the spec, generate --commit (from main, where privlink/acme is merged).
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ 'endpoints.1.serviceName': SECOND_SERVICE_NAME, decommission: true }));
    const decommission = await privlink(dir, 'generate', 'customers/acme.yaml', '--commit');
    expect([decommission.code, decommission.stderr]).toEqual([0, '']);
    expect(decommission.stdout).toMatch(/on new branch privlink\/acme-decommission: privlink: acme: decommission \(\d+ removed\)$/m);
    git(dir, 'switch', '-q', 'main');
    git(dir, 'merge', '-q', '--ff-only', 'privlink/acme-decommission');
    // Step 4, as written: git rm -r the spec and the folder, then generate --commit.
    git(dir, 'rm', '-q', '-r', 'customers/acme.yaml', 'generated/acme');
    const removal = await privlink(dir, 'generate', '--commit');
    expect([removal.code, removal.stderr]).toEqual([0, '']);
    expect(git(dir, 'log', '-1', '--format=%s')).toBe('privlink: remove acme (decommissioned)'); // globex did not change
    const message = git(dir, 'log', '-1', '--format=%B');
    expect(message).not.toContain('globex');
    expect(message).not.toContain('acme.plan-guard-allow'); // it never existed
    expect(message).toContain('Removed (decommissioned, their destroy applied): customers/acme.yaml, generated/acme');
    expect(git(dir, 'branch', '--show-current')).toBe('privlink/remove-acme');
    const clone = tempDir('privlink-prclone-');
    execFileSync('git', ['clone', '-q', '-b', 'privlink/remove-acme', dir, clone], { env: ENV });
    expect((await privlink(clone, 'check')).code).toBe(0);
    // A merged branch is reused for the next change of its name, moved to HEAD.
    git(dir, 'switch', '-q', 'main');
    git(dir, 'merge', '-q', '--ff-only', 'privlink/remove-acme');
    writeFileSync(join(dir, 'customers', 'globex.yaml'), `${readFileSync(join(dir, 'customers', 'globex.yaml'), 'utf8')}# reviewed\n`);
    const reuse = await privlink(dir, 'generate', 'customers/globex.yaml', '--commit');
    expect(reuse.stdout).toMatch(/on new branch privlink\/globex: /m); // never used before
    git(dir, 'switch', '-q', 'main');
    git(dir, 'merge', '-q', '--ff-only', 'privlink/globex');
    writeFileSync(join(dir, 'customers', 'globex.yaml'), `${readFileSync(join(dir, 'customers', 'globex.yaml'), 'utf8')}# reviewed again\n`);
    const again = await privlink(dir, 'generate', 'customers/globex.yaml', '--commit');
    expect(again.stdout).toMatch(/on reused branch privlink\/globex \(privlink\/globex is merged into HEAD: reused, moved to HEAD\): /m);
    expect(git(dir, 'rev-list', '--count', 'main..privlink/globex')).toBe('1');
  });
});

describe('two onboarding pull requests from the same main', () => {
  it('the documented recovery: merge main, check names the conflict, generate --reallocate, check passes, commit', async () => {
    const dir = await repoWith({ acme: ACME });
    const contoso = acmeWith({ name: 'contoso', 'aws.accountId': '555566667777', 'aws.vpcCidr': '10.252.0.0/24', 'endpoints.0.hostnames': ['git.contoso.example'], 'endpoints.1.hostnames': ['artifacts.contoso.example'] });
    writeFileSync(join(dir, 'customers', 'initech.yaml'), INITECH);
    expect((await privlink(dir, 'generate', 'customers/initech.yaml', '--commit')).code).toBe(0);
    git(dir, 'switch', '-q', 'main');
    writeFileSync(join(dir, 'customers', 'contoso.yaml'), contoso);
    expect((await privlink(dir, 'generate', 'customers/contoso.yaml', '--commit')).code).toBe(0);
    git(dir, 'switch', '-q', 'main');
    git(dir, 'merge', '-q', '--ff-only', 'privlink/initech');
    git(dir, 'switch', '-q', 'privlink/contoso');
    const merge = spawnSync('git', ['merge', 'main'], { cwd: dir, encoding: 'utf8', env: ENV });
    expect(merge.status).toBe(1);
    expect(merge.stdout).toMatch(/CONFLICT \(content\): Merge conflict in generated\/ci\/atlantis\.yaml/);
    const check = await privlink(dir, 'check');
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('Keep the customer whose apply has run and move the other: `privlink generate --reallocate contoso` or `privlink generate --reallocate initech`');
    expect((await privlink(dir, 'generate', '--reallocate', 'contoso', '-q')).code).toBe(0);
    expect(await privlink(dir, 'check', '-q')).toMatchObject({ code: 0 });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '--no-edit');
    const clone = tempDir('privlink-prclone-');
    execFileSync('git', ['clone', '-q', '-b', 'privlink/contoso', dir, clone], { env: ENV });
    expect((await privlink(clone, 'check')).code).toBe(0);
    expect(readFileSync(join(clone, 'generated', 'ci', 'atlantis.yaml'), 'utf8')).not.toContain('<<<<<<<');
  });
});

describe('CI work follows the change', () => {
  /** Runs the generated check job's changed-stacks script on the repository's history, as a pull request. */
  function changed(dir: string, base: string): Record<string, string> {
    const w = parse(readFileSync(join(dir, 'generated', 'ci', 'github-actions.yml'), 'utf8'));
    const step = w.jobs.check.steps.find((s: { id?: string }) => s.id === 'changed');
    const temp = tempDir('privlink-runner-');
    const output = join(temp, 'output');
    writeFileSync(output, '');
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], { cwd: dir, encoding: 'utf8', env: { ...ENV, ...step.env, GITHUB_EVENT_NAME: 'pull_request', PR_BASE: base, RUNNER_TEMP: temp, GITHUB_OUTPUT: output } });
    expect([r.status, r.stderr]).toEqual([0, '']);
    return Object.fromEntries(readFileSync(output, 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  }

  it('a tags-only change plans its customers and schedules no lab; a wiring change schedules the lab for that customer', async () => {
    const dir = await repoWith({ acme: ACME, globex: readFileSync(join(ROOT, 'customers', 'globex.yaml'), 'utf8') });
    const base = git(dir, 'rev-parse', 'HEAD');
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ labels: { team: 'payments' } }));
    const tags = await privlink(dir, 'generate', 'customers/acme.yaml', '--commit');
    expect(tags.code).toBe(0);
    expect(tags.stdout).toContain('none for 1 customer whose change is tags, labels or documentation only (acme)');
    const onTags = changed(dir, base);
    expect(JSON.parse(onTags.customers!)).toEqual([{ shard: 1, of: 1, stacks: 'acme' }]);
    expect(onTags.lab).toBe('');

    git(dir, 'switch', '-q', 'main');
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ 'endpoints.0.ports': [443, 22, 7999] }));
    const wiring = await privlink(dir, 'generate', 'customers/acme.yaml', '--commit');
    expect(wiring.code).toBe(0);
    expect(wiring.stdout).toContain('lab on the pull request for 1 customer whose wiring changed (acme)');
    expect(changed(dir, base).lab).toBe('acme');
  });

  it("the canaries' hub routers apply in the canary wave, every other hub router after the canaries", async () => {
    // acme and initech share a hub; globex and hooli another (their own network). acme is the canary.
    const fleet = `${readFileSync(join(ROOT, 'privlink.yaml'), 'utf8')}\nrollout:\n  canary: [acme]\n`;
    // Both new on one network: they speak the shared routers' ASN (globex's example pins its own router's 65000).
    const globex = readFileSync(join(ROOT, 'customers', 'globex.yaml'), 'utf8').replace(/^ {2}routerAsn: 65000\n/m, '');
    const hooli = specWithGlobex(globex);
    const dir = await repoWith({ acme: ACME, initech: INITECH, globex, hooli }, fleet);
    const w = parse(readFileSync(join(dir, 'generated', 'ci', 'github-actions.yml'), 'utf8'));
    expect(w.jobs.canary_hub_routers.name).toMatch(/^canary hub routers /);
    expect(w.jobs.canary.needs).toEqual(['check', 'canary_hub_routers']);
    expect(w.jobs.hub_routers.needs).toEqual(expect.arrayContaining(['canary']));
    const atlantis = parse(readFileSync(join(dir, 'generated', 'ci', 'atlantis.yaml'), 'utf8'));
    const group = Object.fromEntries(atlantis.projects.map((p: { name: string; execution_order_group: number }) => [p.name, p.execution_order_group]));
    const acmeHub = 'hub-acme-sg-cloud.sg-cloud-vpc.us-central1-routers';
    const otherHub = Object.keys(group).find((k) => k.endsWith('-routers') && k !== acmeHub)!;
    expect(group[acmeHub]).toBeLessThan(group.acme);
    expect(group.acme).toBeLessThan(group[otherHub]);
    expect(group[otherHub]).toBeLessThan(group.globex);
    // A router-wide change (the shared routers' ASN) touches both hubs: the check job deals acme's into the canary wave.
    const base = git(dir, 'rev-parse', 'HEAD');
    for (const hub of ['acme-sg-cloud.sg-cloud-vpc.us-central1', otherHub.replace(/^hub-/, '').replace(/-routers$/, '')]) {
      const file = join(dir, 'generated', 'hubs', hub, 'routers', 'cdk.tf.json');
      writeFileSync(file, readFileSync(file, 'utf8').replace('"description": "', '"description": "(changed) '));
    }
    git(dir, 'commit', '-q', '-am', 'both hubs');
    const out = changed(dir, base);
    expect(JSON.parse(out.canary_hubs!)).toEqual([{ shard: 1, of: 1, stacks: 'acme-sg-cloud.sg-cloud-vpc.us-central1' }]);
    expect(JSON.parse(out.other_hubs!).map((s: { stacks: string }) => s.stacks)).toEqual([otherHub.replace(/^hub-/, '').replace(/-routers$/, '')]);
  });
});

/** hooli: globex's shape on globex's network, its own account, VPC and hostnames (so globex's network is a hub too). */
function specWithGlobex(globex: string): string {
  return globex
    .replace(/^name: globex$/m, 'name: hooli')
    .replace(/accountId: "\d+"/, 'accountId: "888899990000"')
    .replace(/vpcCidr: \S+/, 'vpcCidr: 10.252.0.0/24')
    .replace(/^ {2}insideCidrs:\n(?: {4}.*\n)+/m, '')
    .replace(/\.globex\./g, '.hooli.')
    .replace(/globex\.example/g, 'hooli.example');
}
