/**
 * `privlink generate --commit` against real temporary git repositories: one commit on a new branch whose
 * message names the resources by Terraform address and the phase change; nothing committed when nothing
 * changed; refusals before anything is written.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, rmSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, acmeWith, privlinkHere, tempDir, SECOND_SERVICE_NAME, modelOf } from './helpers';

const BIN = join(ROOT, 'bin', 'privlink.js');
const GIT_ENV = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
const ENV = { ...process.env, ...GIT_ENV };

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: ENV });
}

/** `node bin/privlink.js` as a user runs it. */
function spawned(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: ENV });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same command line in this process (helpers.privlinkHere), with git's global config kept out. */
const privlink = (cwd: string, ...args: string[]) => privlinkHere(args, cwd, GIT_ENV);

let template: string | undefined;
/** A repository whose main branch holds the examples and their generated output (made once, copied per test). */
async function repo(): Promise<string> {
  if (template === undefined) {
    template = tempDir('privlink-git-template-');
    cpSync(join(ROOT, 'customers'), join(template, 'customers'), { recursive: true });
    cpSync(join(ROOT, 'privlink.yaml'), join(template, 'privlink.yaml'));
    git(template, 'init', '-q', '-b', 'main');
    git(template, 'config', 'user.name', 'Ops Engineer');
    git(template, 'config', 'user.email', 'ops@example.com');
    expect(spawned(template, 'generate', '-q').code).toBe(0);
    git(template, 'add', '-A');
    git(template, 'commit', '-q', '-m', 'onboard acme and globex');
  }
  const dir = tempDir('privlink-git-');
  cpSync(template, dir, { recursive: true });
  return dir;
}

const ARTIFACTORY_READY = { 'endpoints.1.serviceName': SECOND_SERVICE_NAME };

describe('generate --commit', () => {
  it('commits a service name on a new branch: resources by address, the phase change, a PR body with the diagram', async () => {
    const dir = await repo();
    const main = git(dir, 'rev-parse', 'main').trim();
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith(ARTIFACTORY_READY));
    const r = spawned(dir, 'generate', 'customers/acme.yaml', '--commit', '--pr-body', 'pr.md'); // as a user runs it
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);

    expect(git(dir, 'branch', '--show-current').trim()).toBe('privlink/acme');
    expect(git(dir, 'rev-list', '--count', `${main}..privlink/acme`).trim()).toBe('1');
    expect(git(dir, 'diff', '--name-only', main, 'privlink/acme').trim().split('\n')).toEqual([
      'customers/acme.yaml',
      'generated/acme/README.md',
      'generated/acme/operator/cdk.tf.json',
      'generated/acme/privlink-manifest.json',
      // The endpoint connects: two more endpoint AZs and a zone in the fleet's cost summary.
      'generated/fleet/cost.json',
      'generated/fleet/cost.md',
      'generated/fleet/privlink-manifest.json',
    ]);
    const message = git(dir, 'log', '-1', '--format=%B');
    expect(message.split('\n')[0]).toBe('privlink: acme: artifactory: awaiting customer → ready to connect');
    expect(message).toMatch(/^ {4}\+ aws_vpc_endpoint\.endpoint_artifactory$/m);
    expect(message).toMatch(/^ {4}\+ google_dns_managed_zone\.host_artifactory_internal_company_net$/m);
    expect(message).toMatch(/^ {4}\+ google_dns_record_set\.host_artifactory_internal_company_net$/m);
    // The reviewer sees where the hostname will resolve, before any plan.
    const artifactory = modelOf(acmeWith(ARTIFACTORY_READY)).endpoints.find((e) => e.name === 'artifactory')!;
    const addresses = artifactory.addresses.map((a) => a.address);
    expect(message).toContain(`  artifactory.internal.company.net → ${addresses.join(', ')} (artifactory)`);
    expect(message).toMatch(/^ {4}\+ aws_security_group\.endpoint_artifactory$/m);
    expect(message).not.toMatch(/^ {4}- /m); // nothing removed
    expect(message).toContain('[ ] artifactory: after apply, the customer accepted the connection request from account 111122223333');

    const body = readFileSync(join(dir, 'pr.md'), 'utf8');
    expect(r.stdout).toContain(body.trim());
    expect(body).toContain('- artifactory: awaiting customer → ready to connect');
    expect(body).toContain('  - + `aws_vpc_endpoint.endpoint_artifactory`');
    expect(body).toMatch(/```mermaid\nflowchart LR\n[\s\S]*ep_artifactory -\.->\|"PrivateLink"\| svc_artifactory/);
    expect(body).toContain('- [ ] artifactory: the service name is character for character what they sent');
    expect(body).toContain(`- \`artifactory.internal.company.net\` → ${addresses.map((a) => `\`${a}\``).join(', ')} (artifactory)`);

    // The branch is complete: nothing left over, and CI's check passes on it.
    expect(git(dir, 'status', '--porcelain', '--', 'customers', 'generated')).toBe('');
    expect((await privlink(dir, 'check')).code).toBe(0);
  });

  it('commits every input the output depends on: privlink.yaml and the plan-guard allowances, so a clean checkout passes check', async () => {
    const dir = await repo();
    const fleet = readFileSync(join(dir, 'privlink.yaml'), 'utf8');
    writeFileSync(
      join(dir, 'privlink.yaml'),
      fleet.replace(/^backend:\n(?: {2}.*\n)+/m, 'backend:\n  type: gcs\n  bucket: acme-privlink-state\n  prefix: "privlink/{customer}"\n'),
    );
    writeFileSync(join(dir, 'customers', 'acme.plan-guard-allow'), '# reviewed in OPS-7\naws_vpn_connection.vpn_a\n');
    const r = await privlink(dir, 'generate', '--commit', '--branch', 'move-state');
    expect(r.code).toBe(0);
    const files = git(dir, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n');
    expect(files).toEqual(expect.arrayContaining(['privlink.yaml', 'customers/acme.plan-guard-allow', 'generated/acme/operator/cdk.tf.json']));
    expect(git(dir, 'status', '--porcelain')).toBe('');
    const clone = tempDir('privlink-clone-');
    git(clone, 'clone', '-q', '--branch', 'move-state', dir, '.');
    const check = await privlink(clone, 'check');
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
  });

  it('with no change, commits nothing, creates no branch and says so', async () => {
    const dir = await repo();
    const head = git(dir, 'rev-parse', 'HEAD');
    const r = await privlink(dir, 'generate', 'customers/acme.yaml', '--commit');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no change: .* match HEAD; nothing committed, no branch created/);
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(dir, 'branch', '--list', 'privlink/*')).toBe('');
  });

  it('names changed attributes, in the operator stack and in the customer module\'s example', async () => {
    const dir = await repo();
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ 'endpoints.0.ports': [443, 22, 7999] }));
    const r = await privlink(dir, 'generate', 'customers/acme.yaml', '--commit', '--branch', 'feature/bitbucket-ssh');
    expect(r.code).toBe(0);
    const message = git(dir, 'log', '-1', '--format=%B');
    expect(message.split('\n')[0]).toBe('privlink: acme: spec change (2 added, 1 changed)');
    expect(message).toContain('Resources (2 added, 1 changed, 0 replaced, 0 removed):');
    // A new port is two new ingress rules; the endpoint's security group stays (its description names no port).
    expect(message).not.toContain('aws_security_group.endpoint_github');
    expect(message).toMatch(/^ {4}\+ aws_vpc_security_group_ingress_rule\.github_7999_from_10-0-0-0-20$/m);
    expect(message).toMatch(/^ {4}~ module\.privlink_github \(examples\/github\) \(ports\)$/m);
    expect(git(dir, 'branch', '--show-current').trim()).toBe('feature/bitbucket-ssh');
  });

  it('a new inside CIDR is a replacement, across both clouds, and the checklist asks for a window', async () => {
    const dir = await repo();
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ 'vpn.insideCidrs': { a1: '169.254.30.0/30' } }));
    expect((await privlink(dir, 'generate', 'customers/acme.yaml', '--commit')).code).toBe(0);
    const message = git(dir, 'log', '-1', '--format=%B');
    expect(message.split('\n')[0]).toMatch(/^privlink: acme: spec change \([1-9]\d* replaced\)$/);
    // The stack admits aws 5.100 through 6.x: replaced before 6.28.0, in place from it (docs/providers.md).
    expect(message).toMatch(/^ {4}-\/\+ aws_vpn_connection\.vpn_a \(replaced: tunnel1_inside_cidr \(replaced on aws < 6\.28\.0; updated in place with a tunnel restart on aws >= 6\.28\.0\) forces replacement\)$/m);
    // The new connection has new pre-shared keys and outside addresses: the GCP tunnels that use them go too.
    expect(message).toMatch(/^ {4}-\/\+ google_compute_vpn_tunnel\.tunnel_a1 \(replaced: .*from the new aws_vpn_connection\.vpn_a.*\)$/m);
    expect(message).not.toMatch(/^ {4}-\/\+ aws_vpn_connection\.vpn_b/m);
    expect(message).toMatch(/\[ \] replaced: aws_vpn_connection\.vpn_a, .*schedule a window with the customer/);
  });

  it('labels and a backend move are reported as settings, with what they change, and the state migration step', async () => {
    const dir = await repo();
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ labels: { team: 'payments' } }));
    const fleet = readFileSync(join(dir, 'privlink.yaml'), 'utf8');
    writeFileSync(
      join(dir, 'privlink.yaml'),
      fleet.replace(/^backend:\n(?: {2}.*\n)+/m, 'backend:\n  type: gcs\n  bucket: acme-privlink-state\n  prefix: "privlink/{customer}"\n'),
    );
    const r = await privlink(dir, 'generate', 'customers/acme.yaml', '--commit', '--pr-body', 'pr.md');
    expect(r.code).toBe(0);
    const message = git(dir, 'log', '-1', '--format=%B');
    // Alert policies carry the labels as user_labels (the provider's default_labels do not reach them): those change.
    expect(message.split('\n')[0]).toBe('privlink: acme: spec change: tags, labels, backend (9 changed)');
    const changed = [...message.matchAll(/^ {4}~ (\S+) \((.*)\)$/gm)].map((m) => `${m[1]} (${m[2]})`);
    expect(changed).toHaveLength(9);
    for (const c of changed) expect(c).toMatch(/^google_monitoring_alert_policy\.(?:(?:tunnel|bgp)_[ab][12]|no_path) \(user_labels\)$/);
    expect(message).not.toContain('only documentation changed');
    // Only the resources that take default tags or labels change (a Cloud Router, a record set, an alert policy take none).
    expect(message).toMatch(/^ {2}~ provider\.aws \(default_tags\): the tags of the 24 AWS resources that take default tags change in place$/m);
    expect(message).toMatch(/^ {2}~ provider\.google \(default_labels\): the labels of the 7 GCP resources that take default labels change in place$/m);
    expect(message).toMatch(/^ {2}~ terraform\.backend \(gcs\): the state moves: local terraform\.tfstate → gcs acme-privlink-state\/privlink\/acme$/m);
    expect(message).toContain('[ ] the state moves: local terraform.tfstate → gcs acme-privlink-state/privlink/acme. Before this merges, move the state: in generated/acme/operator/ run terraform init -migrate-state');
    expect(readFileSync(join(dir, 'pr.md'), 'utf8')).toContain('- ~ `terraform.backend` (gcs): the state moves');
  });

  it('offboarding: decommission commits a destroy of the operator stack with the order of steps; deleting the spec later is accepted, deleting it first is not', async () => {
    const dir = await repo();
    const allBefore = Object.keys(JSON.parse(readFileSync(join(dir, 'generated', 'acme', 'operator', 'cdk.tf.json'), 'utf8')).resource).length;
    expect(allBefore).toBeGreaterThan(10);
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ decommission: true }));
    const r = await privlink(dir, 'generate', 'customers/acme.yaml', '--commit', '--pr-body', 'pr.md');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const message = git(dir, 'log', '-1', '--format=%B');
    expect(message.split('\n')[0]).toMatch(/^privlink: acme: decommission \(\d+ removed\)$/);
    expect(message).toMatch(/^ {4}- aws_vpn_connection\.vpn_a$/m);
    expect(message).toMatch(/^ {4}- google_compute_vpn_tunnel\.tunnel_b2$/m);
    expect(message).toContain('[ ] The customer agreed to end the connection (link the ticket): the apply of this change destroys all');
    expect(message).toContain('[ ] After the apply: privlink status acme reads decommissioning with no resource left; then tell the customer to turn deletion protection off and destroy their module');
    expect(message).toContain('[ ] Later, in one pull request: git rm -r customers/acme.yaml generated/acme, then privlink generate --commit (it commits');
    expect(readFileSync(join(dir, 'pr.md'), 'utf8')).toMatch(/^## acme: decommission \(\d+ removed\)$/m);
    expect(git(dir, 'branch', '--show-current').trim()).toBe('privlink/acme-decommission');
    const tf = JSON.parse(readFileSync(join(dir, 'generated', 'acme', 'operator', 'cdk.tf.json'), 'utf8'));
    expect(tf.resource).toBeUndefined();
    expect(Object.keys(tf.provider).sort()).toEqual(['aws', 'google']);
    expect(tf.terraform.backend).toEqual({ local: { path: 'terraform.tfstate' } });
    expect(tf.output).toEqual({ privlink_decommission: expect.objectContaining({ value: 'acme' }) });
    expect(readFileSync(join(dir, 'generated', 'acme', 'README.md'), 'utf8')).toMatch(/## Offboarding\n\n1\. Merge this pull request\./);
    expect(readFileSync(join(dir, 'generated', 'acme', 'customer-module', 'README.md'), 'utf8')).toContain('## Offboarding');
    // CI keeps planning acme: it is still a project of the Atlantis config while its folder exists.
    expect(readFileSync(join(dir, 'generated', 'ci', 'atlantis.yaml'), 'utf8')).toContain('dir: generated/acme/operator');

    // globex was never decommissioned: deleting its spec alone leaves its folder, and check says what to do instead.
    const globex = readFileSync(join(dir, 'customers', 'globex.yaml'), 'utf8');
    rmSync(join(dir, 'customers', 'globex.yaml'));
    expect(await privlink(dir, 'generate', '-q')).toMatchObject({ code: 0 });
    const early = await privlink(dir, 'check');
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('generated/globex/: extra: no spec generates this folder, and its customer was never decommissioned: its resources would stay up with nobody planning them. Restore the spec, set `decommission: true`');
    writeFileSync(join(dir, 'customers', 'globex.yaml'), globex);

    // Later: acme's spec and folder go together, and check accepts it.
    rmSync(join(dir, 'customers', 'acme.yaml'));
    rmSync(join(dir, 'generated', 'acme'), { recursive: true });
    expect(await privlink(dir, 'generate', '-q')).toMatchObject({ code: 0 }); // the CI config drops acme
    expect(await privlink(dir, 'check')).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(dir, 'generated', 'ci', 'atlantis.yaml'), 'utf8')).not.toContain('generated/acme/operator');
  });

  it('a new customer also commits the CI config that now lists it', async () => {
    const dir = await repo();
    const spec = acmeWith({ name: 'initech', 'aws.accountId': '777788889999', 'aws.vpcCidr': '10.251.0.0/24', 'gcp.network': 'initech-vpc' });
    writeFileSync(join(dir, 'customers', 'initech.yaml'), spec);
    const r = await privlink(dir, 'generate', 'customers/initech.yaml', '--commit');
    expect(r.stderr).toBe('');
    const files = git(dir, 'show', '--name-only', '--format=', 'HEAD');
    expect(files).toContain('generated/ci/atlantis.yaml');
    expect(files).toContain('generated/initech/operator/cdk.tf.json');
    expect(git(dir, 'log', '-1', '--format=%s').trim()).toBe('privlink: initech: new customer');
    expect(git(dir, 'branch', '--show-current').trim()).toBe('privlink/initech');
  });

  it("a new customer on acme's network: acme's router adopted by the hub, all of it in one commit whose clean clone passes check", async () => {
    const dir = await repo();
    const spec = acmeWith({ name: 'initech', 'aws.accountId': '777788889999', 'aws.vpcCidr': '10.251.0.0/24', 'endpoints.0.hostnames': ['git.initech.example'], 'endpoints.1.hostnames': ['artifacts.initech.example'] });
    writeFileSync(join(dir, 'customers', 'initech.yaml'), spec);
    const r = await privlink(dir, 'generate', 'customers/initech.yaml', '--commit', '--pr-body', 'pr.md');
    expect([r.code, r.stderr]).toEqual([0, '']);
    const files = git(dir, 'show', '--name-only', '--format=', 'HEAD');
    for (const f of ['generated/initech/allocation.json', 'generated/acme/allocation.json', 'generated/acme/operator/cdk.tf.json', 'generated/hubs/acme-sg-cloud.sg-cloud-vpc.us-central1/sessions/cdk.tf.json', 'generated/hubs/privlink-manifest.json']) {
      expect([f, files.includes(f)]).toEqual([f, true]);
    }
    const body = readFileSync(join(dir, 'pr.md'), 'utf8');
    expect(body).toMatch(/## Shared Cloud Routers\n\nApplied in this order: each hub's routers, the customers, each hub's sessions\./);
    expect(body).toMatch(/- `hubs\/acme-sg-cloud\.sg-cloud-vpc\.us-central1\/sessions\/cdk\.tf\.json`: \+ 8 \(google_compute_router_interface\.initech_a1, .*\); imports 8 \(google_compute_router_interface\.acme_a1, .*\): adopted, nothing created$/m);
    expect(body).toMatch(/- `hubs\/acme-sg-cloud\.sg-cloud-vpc\.us-central1\/routers\/cdk\.tf\.json`: imports 1 \(google_compute_router\.router_1\): adopted, nothing created$/m);
    expect(body).toMatch(/quota \(can be raised, not refused\): hub acme-sg-cloud\.sg-cloud-vpc\.us-central1 has 8 BGP peers/);
    const clone = tempDir('privlink-clone-');
    execFileSync('git', ['clone', '-q', '-b', 'privlink/initech', dir, clone], { env: ENV });
    const check = await privlink(clone, 'check');
    expect([check.code, check.stderr]).toEqual([0, '']);
  });

  it('refuses a dirty index, and a --branch that is taken, before writing anything', async () => {
    const dir = await repo();
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith(ARTIFACTORY_READY));
    const before = readFileSync(join(dir, 'generated', 'acme', 'operator', 'cdk.tf.json'), 'utf8');

    writeFileSync(join(dir, 'notes.txt'), 'unrelated');
    git(dir, 'add', 'notes.txt');
    const dirty = await privlink(dir, 'generate', 'customers/acme.yaml', '--commit');
    expect(dirty.code).toBe(1);
    expect(dirty.stderr).toContain("the index has staged changes (A notes.txt); commit or unstage them first");
    git(dir, 'restore', '--staged', 'notes.txt');

    // A branch named by the user that holds other work (not merged into HEAD) is never overwritten.
    git(dir, 'switch', '-q', '-c', 'ops/work');
    writeFileSync(join(dir, 'notes.txt'), 'other work');
    git(dir, 'add', 'notes.txt');
    git(dir, 'commit', '-q', '-m', 'other work');
    git(dir, 'switch', '-q', 'main');
    const exists = await privlink(dir, 'generate', 'customers/acme.yaml', '--commit', '--branch', 'ops/work');
    expect(exists.code).toBe(1);
    expect(exists.stderr).toContain('branch "ops/work" already exists, is not checked out and is not merged into HEAD; to add this change to it, `git switch ops/work` and run again; or leave out --branch');

    expect(readFileSync(join(dir, 'generated', 'acme', 'operator', 'cdk.tf.json'), 'utf8')).toBe(before);
    expect(git(dir, 'branch', '--show-current').trim()).toBe('main');
  });

  it('refuses outside a git repository; several customers get a branch named after the change', async () => {
    const dir = tempDir('privlink-nogit-');
    cpSync(join(ROOT, 'customers'), join(dir, 'customers'), { recursive: true });
    const outside = await privlink(dir, 'generate', 'customers/acme.yaml', '--commit');
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain('not inside a git repository');
    expect(readdirSync(dir).sort()).toEqual(['customers']); // nothing written, no cdktf.out/ either
    const many = await repo();
    for (const name of ['acme', 'globex']) writeFileSync(join(many, 'customers', `${name}.yaml`), `${readFileSync(join(many, 'customers', `${name}.yaml`), 'utf8')}# reviewed\n`);
    const both = await privlink(many, 'generate', '--commit');
    expect([both.code, both.stderr]).toEqual([0, '']);
    expect(both.stdout).toContain('on new branch privlink/2-customers: privlink: acme, globex: spec change');
    expect((await privlink(dir, 'generate', '--pr-body', 'x.md')).stderr).toContain('--branch and --pr-body go with --commit');
  });
});
