/**
 * Every change after onboarding ends in a commit whose clean clone passes `privlink check` (issue 22): the removal of
 * a decommissioned customer through `--commit`, the refusal of a live one's, the offboarding guide's steps (docs/offboarding.md) as
 * written, and `check --base` refusing a pull request that deletes a live customer.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSyntheticFleet } from '../src/tools/synthetic-fleet';
import { ROOT, acmeWith, offlineConfig, privlinkHere, providerMirror, skipNote, tempDir, terraformBinary, terraformEnv } from './helpers';

const BIN = join(ROOT, 'bin', 'privlink.js');
const GIT_ENV = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
const ENV = { ...process.env, ...GIT_ENV };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: ENV });
const privlink = (cwd: string, ...args: string[]) => privlinkHere(args, cwd, GIT_ENV);

let template: string | undefined;
/** main holds acme and globex, generated; acme is decommissioned on main (its destroy applied by CI). */
async function repo(): Promise<string> {
  if (template === undefined) {
    template = tempDir('privlink-after-template-');
    cpSync(join(ROOT, 'customers'), join(template, 'customers'), { recursive: true });
    cpSync(join(ROOT, 'privlink.yaml'), join(template, 'privlink.yaml'));
    git(template, 'init', '-q', '-b', 'main');
    git(template, 'config', 'user.name', 'Ops Engineer');
    git(template, 'config', 'user.email', 'ops@example.com');
    writeFileSync(join(template, 'customers', 'acme.plan-guard-allow'), 'aws_vpn_connection.vpn_a\n');
    expect(spawnSync(process.execPath, [BIN, 'generate', '-q'], { cwd: template, env: ENV }).status).toBe(0);
    git(template, 'add', '-A');
    git(template, 'commit', '-q', '-m', 'onboard acme and globex');
    writeFileSync(join(template, 'customers', 'acme.yaml'), acmeWith({ decommission: true }));
    expect((await privlink(template, 'generate', 'customers/acme.yaml', '--commit', '--branch', 'decommission-acme')).code).toBe(0);
    git(template, 'switch', '-q', 'main');
    git(template, 'merge', '-q', '--ff-only', 'decommission-acme');
  }
  const dir = tempDir('privlink-after-');
  cpSync(template, dir, { recursive: true });
  return dir;
}

async function cleanCloneChecks(dir: string, branch: string): Promise<{ code: number; stderr: string }> {
  const clone = tempDir('privlink-clone-');
  execFileSync('git', ['clone', '-q', '-b', branch, dir, clone], { env: ENV });
  const r = await privlink(clone, 'check');
  return { code: r.code, stderr: r.stderr };
}

describe('removing a customer through --commit', () => {
  it('the decommission commit also removes the customer\'s plan-guard allowance (a stale one blocks its destroy)', async () => {
    const dir = await repo();
    expect(existsSync(join(dir, 'customers', 'acme.plan-guard-allow'))).toBe(false);
    expect(git(dir, 'show', '--name-status', '--format=', 'HEAD')).toMatch(/^D\tcustomers\/acme\.plan-guard-allow$/m);
  });

  it('a decommissioned customer: every deletion is committed, and the branch\'s clean clone passes check', async () => {
    const dir = await repo();
    rmSync(join(dir, 'customers', 'acme.yaml'));
    rmSync(join(dir, 'generated', 'acme'), { recursive: true });
    expect((await privlink(dir, 'generate', '-q')).code).toBe(0);
    const r = await privlink(dir, 'generate', '--commit', '--branch', 'remove-acme');
    expect([r.code, r.stderr]).toEqual([0, '']);
    const changed = git(dir, 'show', '--name-status', '--format=', 'HEAD');
    expect(changed).toMatch(/^D\tcustomers\/acme\.yaml$/m);
    expect(changed).toMatch(/^D\tgenerated\/acme\/operator\/cdk\.tf\.json$/m);
    expect(changed).toMatch(/^M\tgenerated\/ci\/atlantis\.yaml$/m);
    expect(git(dir, 'log', '-1', '--format=%s').trim()).toBe('privlink: remove acme (decommissioned)'); // globex did not change: not named
    expect(await cleanCloneChecks(dir, 'remove-acme')).toEqual({ code: 0, stderr: '' });
  });

  it('the offboarding guide\'s last step as written: delete both, `git rm`, then generate --commit', async () => {
    const dir = await repo();
    git(dir, 'rm', '-q', '-r', 'customers/acme.yaml', 'generated/acme');
    const r = await privlink(dir, 'generate', '--commit', '--branch', 'offboard-acme');
    expect([r.code, r.stderr]).toEqual([0, '']); // staged deletions are this change, not "staged changes"
    expect(await cleanCloneChecks(dir, 'offboard-acme')).toEqual({ code: 0, stderr: '' });
  });

  it('plain generate warns when a live customer is deleted (Atlantis has no --base), and not for a decommissioned one', async () => {
    const dir = await repo();
    git(dir, 'rm', '-q', '-r', 'customers/globex.yaml', 'generated/globex');
    const r = await privlink(dir, 'generate', '-q');
    expect(r.code).toBe(0); // it writes what it is told; --commit and check --base are where it is refused
    expect(r.stderr).toContain(
      'privlink: warning: globex is deleted (customers/globex.yaml and generated/globex/ are gone), but it was never decommissioned (generated/globex/privlink-manifest.json at HEAD has no "decommission": true)',
    );
    expect(r.stderr).toContain('Restore them (git checkout HEAD -- customers/globex.yaml generated/globex), then offboard it (docs/offboarding.md)');
    // acme was decommissioning at HEAD: deleting it is the last offboarding step, and generate says nothing.
    const done = await repo();
    git(done, 'rm', '-q', '-r', 'customers/acme.yaml', 'generated/acme');
    expect(await privlink(done, 'generate', '-q')).toMatchObject({ code: 0, stderr: '' });
  });

  it('a customer never decommissioned: --commit refuses with the offboarding steps, and writes nothing', async () => {
    const dir = await repo();
    rmSync(join(dir, 'customers', 'globex.yaml'));
    rmSync(join(dir, 'generated', 'globex'), { recursive: true });
    const r = await privlink(dir, 'generate', '--commit', '--branch', 'remove-globex');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'privlink: --commit: customers/globex.yaml and generated/globex/ is deleted, but globex was never decommissioned (generated/globex/privlink-manifest.json at HEAD has no "decommission": true): its tunnels and endpoints would stay up with nothing planning them. Offboard first: (1) restore them: git checkout HEAD -- customers/globex.yaml generated/globex;',
    );
    expect(git(dir, 'branch', '--list', 'remove-globex')).toBe('');
  });

  it('CI: check --base refuses a pull request that deletes a live customer, naming the base\'s manifest', async () => {
    const dir = await repo();
    const base = git(dir, 'rev-parse', 'HEAD').trim();
    git(dir, 'switch', '-q', '-c', 'drop-globex');
    git(dir, 'rm', '-q', '-r', 'customers/globex.yaml', 'generated/globex');
    expect((await privlink(dir, 'generate', '-q')).code).toBe(0);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'drop globex by hand');
    const plain = await privlink(dir, 'check');
    expect(plain.code).toBe(0); // the tree alone is consistent: only the base knows globex was live
    const r = await privlink(dir, 'check', '--base', base);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`generated/globex/: deleted: globex was never decommissioned (generated/globex/privlink-manifest.json at ${base.slice(0, 12)} has no "decommission": true)`);
    // Removing the decommissioned acme against the same base is fine.
    git(dir, 'switch', '-q', 'main');
    git(dir, 'switch', '-q', '-c', 'drop-acme');
    git(dir, 'rm', '-q', '-r', 'customers/acme.yaml', 'generated/acme');
    expect((await privlink(dir, 'generate', '-q')).code).toBe(0);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'drop acme');
    expect(await privlink(dir, 'check', '--base', base)).toMatchObject({ code: 0 });
  });
});

describe('a rename of a live customer', () => {
  const NOTE = 'generated/globex/: no spec generates this folder any more, and globex was never decommissioned: its tunnels and endpoints would stay up with nothing planning them. If you renamed globex to umbrella: a rename changes every resource name, so it is the decommission of the old name and the onboarding of the new one.';

  it('on the same network: generate refuses what collides with the old folder and says it is a rename, with the steps; so does --commit', async () => {
    const dir = await repo();
    git(dir, 'mv', 'customers/globex.yaml', 'customers/umbrella.yaml');
    writeFileSync(join(dir, 'customers', 'umbrella.yaml'), readFileSync(join(dir, 'customers', 'umbrella.yaml'), 'utf8').replace(/^name: globex$/m, 'name: umbrella'));
    const g = await privlink(dir, 'generate', '-q');
    expect(g.code).toBe(1);
    expect(g.stderr).toContain('is also held by tunnel a1 of globex (its folder\'s allocation.json)');
    expect(g.stderr).toContain(`privlink: note: ${NOTE}`);
    const c = await privlink(dir, 'generate', 'customers/umbrella.yaml', '--commit');
    expect(c.code).toBe(1);
    expect(c.stderr).toContain(`privlink: note: ${NOTE}`);
    expect(git(dir, 'branch', '--list', 'privlink/umbrella')).toBe('');
  });

  it('on another network: generate warns at once, --commit refuses, and check\'s advice is the offboarding', async () => {
    const dir = await repo();
    git(dir, 'mv', 'customers/globex.yaml', 'customers/umbrella.yaml');
    const moved = readFileSync(join(dir, 'customers', 'umbrella.yaml'), 'utf8').replace(/^name: globex$/m, 'name: umbrella').replace(/^( *network:) .*$/m, '$1 umbrella-vpc');
    writeFileSync(join(dir, 'customers', 'umbrella.yaml'), moved);
    git(dir, 'add', '-A');
    const g = await privlink(dir, 'generate', '-q');
    expect([g.code, g.stderr]).toEqual([0, expect.stringContaining(`privlink: warning: ${NOTE}`)]);
    git(dir, 'restore', '--staged', '.');
    const c = await privlink(dir, 'generate', 'customers/umbrella.yaml', '--commit');
    expect(c.code).toBe(1);
    expect(c.stderr).toContain(`privlink: --commit: ${NOTE}`);
    expect(c.stderr).toContain('nothing written, no branch created');
    expect(git(dir, 'branch', '--list', 'privlink/umbrella')).toBe('');
    const k = await privlink(dir, 'check');
    expect(k.code).toBe(1);
    // Only the orphan is out of line (generate already wrote umbrella and the CI config): the advice is the offboarding.
    expect(k.stderr).not.toContain('run `privlink generate` and commit the result');
    expect(k.stderr).toContain('privlink: 1 customer removed without being decommissioned; `privlink generate` cannot fix that: follow the steps above (docs/offboarding.md)');
  });
});

describe('a second --commit for one customer', () => {
  it('adds a commit to its branch when that branch is checked out, and says so', async () => {
    const dir = await repo();
    writeFileSync(join(dir, 'customers', 'globex.yaml'), readFileSync(join(dir, 'customers', 'globex.yaml'), 'utf8').replace('ports: [443, 22]', 'ports: [443, 22, 8443]'));
    const first = await privlink(dir, 'generate', 'customers/globex.yaml', '--commit');
    expect([first.code, first.stdout]).toEqual([0, expect.stringContaining('on new branch privlink/globex')]);
    writeFileSync(join(dir, 'customers', 'globex.yaml'), readFileSync(join(dir, 'customers', 'globex.yaml'), 'utf8').replace('ports: [443, 22, 8443]', 'ports: [443, 22, 8443, 9443]'));
    const second = await privlink(dir, 'generate', 'customers/globex.yaml', '--commit');
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('on existing branch privlink/globex');
    expect(git(dir, 'rev-list', '--count', 'main..privlink/globex').trim()).toBe('2');
    expect(await cleanCloneChecks(dir, 'privlink/globex')).toEqual({ code: 0, stderr: '' });
  });
});

describe('the lab on output that no longer matches its spec', () => {
  it('refuses (exit 1) before touching the machine, and says to run generate', async () => {
    const dir = tempDir('privlink-stale-lab-');
    cpSync(join(ROOT, 'customers'), join(dir, 'customers'), { recursive: true });
    cpSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
    expect((await privlink(dir, 'generate', '-q')).code).toBe(0);
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ 'endpoints.0.ports': [443] }));
    // The staleness check runs before the machine checks, so it needs no root.
    const r = spawnSync(process.execPath, [BIN, 'lab', 'acme', '--no-install'], { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('privlink: generated/acme/ is stale: customers/acme.yaml, privlink.yaml or privlink changed since generated/acme/ was generated; run `privlink generate` first, then the lab (or give --tf FILE to prove a file as it is)\n');
  });
});

describe('a Windows checkout', () => {
  it('a CRLF working copy of LF-committed specs and output passes check (line ends are not what a spec says)', async () => {
    const dir = tempDir('privlink-crlf-');
    cpSync(join(ROOT, 'customers'), join(dir, 'customers'), { recursive: true });
    cpSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
    expect((await privlink(dir, 'generate', '-q')).code).toBe(0);
    const crlf = (file: string) => writeFileSync(file, readFileSync(file, 'utf8').replace(/\r?\n/g, '\r\n'));
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
    const files = [...walk(join(dir, 'customers')), ...walk(join(dir, 'generated')), join(dir, 'privlink.yaml')];
    for (const f of files) crlf(f);
    expect(readFileSync(join(dir, 'customers', 'acme.yaml'), 'utf8')).toContain('\r\n');
    expect(await privlink(dir, 'check')).toMatchObject({ code: 0, stderr: '' });
    expect(await privlink(dir, 'check', '--full')).toMatchObject({ code: 0, stderr: '' });
    // A real change still shows through the line ends.
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ 'endpoints.0.ports': [443] }).replace(/\n/g, '\r\n'));
    expect((await privlink(dir, 'check')).code).toBe(1);
  });

  it('the repository keeps specs and output LF in every checkout (.gitattributes)', () => {
    const attrs = spawnSync('git', ['check-attr', 'eol', '--', 'customers/acme.yaml', 'generated/acme/operator/cdk.tf.json', 'privlink.yaml'], { cwd: ROOT, encoding: 'utf8' });
    expect(attrs.stdout).toBe('customers/acme.yaml: eol: lf\ngenerated/acme/operator/cdk.tf.json: eol: lf\nprivlink.yaml: eol: lf\n');
  });
});

describe('Ctrl-C early in a fleet run', () => {
  it('generate --full of 200 customers interrupted at 0.3–1.2 s: exit 130 with the interrupt line, never "internal error"', async () => {
    const dir = tempDir('privlink-ctrlc-');
    cpSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
    writeSyntheticFleet(join(dir, 'customers'), 200);
    for (const ms of [300, 600, 900, 1200]) {
      // A terminal's Ctrl-C signals the whole process group: privlink and its worker processes at once.
      // Timed from privlink's start (its interrupt handler in place), not Node's: a loaded machine stretches the latter.
      const child = spawn(process.execPath, [BIN, 'generate', '--full', '-j', '2'], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PRIVLINK_TEST_SAY_READY: '1' } });
      let stderr = '';
      let timer: NodeJS.Timeout | undefined;
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (timer === undefined && stderr.includes('privlink: test: interrupt handler installed\n')) timer = setTimeout(() => process.kill(-child.pid!, 'SIGINT'), ms);
      });
      const code = await new Promise<number | null>((resolve) => {
        child.on('close', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      expect([ms, stderr]).toEqual([ms, expect.stringContaining('privlink: test: interrupt handler installed')]);
      expect([ms, stderr]).toEqual([ms, expect.not.stringContaining('internal error')]);
      if (code !== 0) expect([ms, code, stderr]).toEqual([ms, 130, expect.stringMatching(/^privlink: interrupted by SIGINT; /m)]);
    }
  }, 60_000);
});

describe('changes that reach the customer say so', () => {
  /** main holds the examples as generated (acme's github endpoint connected). */
  async function examples(): Promise<string> {
    const dir = tempDir('privlink-reach-');
    cpSync(join(ROOT, 'customers'), join(dir, 'customers'), { recursive: true });
    cpSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'config', 'user.name', 'Ops Engineer');
    git(dir, 'config', 'user.email', 'ops@example.com');
    expect((await privlink(dir, 'generate', '-q')).code).toBe(0);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'onboard');
    return dir;
  }

  it("a connected endpoint's ports: the checklist says to send the customer the module, whose NLB listens on the old ports", async () => {
    const dir = await examples();
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ 'endpoints.0.ports': [443, 22, 7999] }));
    const r = await privlink(dir, 'generate', 'customers/acme.yaml', '--commit');
    expect(r.code).toBe(0);
    const message = git(dir, 'log', '-1', '--format=%B');
    expect(message).toContain('~ module.privlink_github (examples/github) (ports)');
    expect(message).toContain('[ ] github: its customer module changes (ports): send the customer the updated customer-module/ and examples/github, and agree when they apply it; until they do, their load balancer serves what it served before (now: ports 443, 22 and 7999)');
    expect(message).not.toContain('No onboarding step changes');
  });

  it('removing a connected endpoint: every address plan-guard will block, ready to paste into the allow file', async () => {
    const dir = await examples();
    const tf = JSON.parse(readFileSync(join(dir, 'generated', 'acme', 'operator', 'cdk.tf.json'), 'utf8'));
    // What plan-guard would block when github goes: every traffic-carrying resource of it in the operator stack.
    const { TRAFFIC_CARRYING } = await import('../src/domain/terraform-types');
    const githubs = Object.entries(tf.resource as Record<string, Record<string, unknown>>)
      .flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`))
      .filter((a) => TRAFFIC_CARRYING[a.split('.')[0]!] !== undefined && /github/.test(a))
      .sort();
    expect(githubs).toEqual(expect.arrayContaining(['aws_vpc_endpoint.endpoint_github']));
    expect(githubs.some((a) => a.startsWith('google_dns_'))).toBe(true);
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ 'endpoints.0': undefined })); // github, the connected one
    const r = await privlink(dir, 'generate', 'customers/acme.yaml', '--commit');
    expect([r.code, r.stderr]).toEqual([0, expect.stringContaining('privlink wrote it and no longer does')]);
    expect(r.stderr).not.toContain('hand-added');
    const message = git(dir, 'log', '-1', '--format=%B');
    const block = /plan-guard blocks these \d+ changes until customers\/acme\.plan-guard-allow lists them, one address per line:\n\n((?: {6,}\S+\n)+)/.exec(message);
    expect(block).not.toBeNull();
    expect(block![1]!.trim().split(/\s+/)).toEqual(expect.arrayContaining(githubs));
  });
});

describe('hostnames that would swallow others on one network', () => {
  /** acme and initech on one network (reusing acme's project and network). */
  function pair(initechHosts: string[]): string {
    const dir = tempDir('privlink-swallow-');
    cpSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
    cpSync(join(ROOT, 'customers', 'acme.yaml'), join(dir, 'customers', 'acme.yaml'));
    writeFileSync(
      join(dir, 'customers', 'initech.yaml'),
      acmeWith({ name: 'initech', 'aws.accountId': '777788889999', 'aws.vpcCidr': '10.251.0.0/24', 'endpoints.0.hostnames': initechHosts, 'endpoints.1.hostnames': ['artifacts.initech.example'] }),
    );
    return dir;
  }

  it('a parent of another customer\'s hostname is refused at file:line:col in both files, naming each other', async () => {
    const dir = pair(['internal.company.net']); // acme serves github.internal.company.net on the same network
    const r = await privlink(dir, 'validate');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^customers\/initech\.yaml:\d+:\d+: endpoints\[0\]\.hostnames\[0\]: "internal\.company\.net" is a parent of "github\.internal\.company\.net" of customers\/acme\.yaml \(acme\) on network projects\/acme-sg-cloud\/global\/networks\/sg-cloud-vpc: Cloud DNS answers from the private zone with the longest matching suffix/m);
    expect(r.stderr).toMatch(/^customers\/acme\.yaml:\d+:\d+: endpoints\[0\]\.hostnames\[0\]: "github\.internal\.company\.net" lies under "internal\.company\.net" of customers\/initech\.yaml \(initech\)/m);
  });

  it('a two-label hostname (a whole domain) is refused at its place', async () => {
    const dir = pair(['company.net']);
    const r = await privlink(dir, 'validate', 'customers/initech.yaml');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^customers\/initech\.yaml:\d+:\d+: endpoints\[0\]\.hostnames\[0\]: "company\.net" is a whole domain: its private zone would answer every name under company\.net on the GCP network/m);
  });

  it('a sibling hostname on the same network is fine', async () => {
    const dir = pair(['gitlab.internal.company.net']);
    expect((await privlink(dir, 'validate')).code).toBe(0);
  });
});

describe('privlink plan: what CI runs, on this machine', () => {
  const mirror = providerMirror();
  const itTf = terraformBinary() && mirror ? it : it.skip;
  if (!terraformBinary() || !mirror) skipNote('privlink plan with real terraform', 'terraform or the hashicorp/aws provider mirror is missing');

  itTf("plans acme's stack (its AWS half, offline) and runs plan-guard on it; the output folder stays as generated", async () => {
    const dir = tempDir('privlink-plan-');
    cpSync(join(ROOT, 'customers'), join(dir, 'customers'), { recursive: true });
    cpSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
    expect((await privlink(dir, 'generate', '-q')).code).toBe(0);
    // The AWS half with offline credentials (the mirror has no google provider): what a user with AWS access plans.
    writeFileSync(join(dir, 'generated', 'acme', 'operator', 'cdk.tf.json'), offlineConfig(readFileSync(join(dir, 'customers', 'acme.yaml'), 'utf8')));
    const r = spawnSync(process.execPath, [BIN, 'plan', 'acme'], { cwd: dir, encoding: 'utf8', env: terraformEnv(mirror!), timeout: 120_000 });
    expect(r.stdout).toMatch(/^plan-guard: ok: \d+ resource changes, nothing that carries traffic destroyed or replaced\n$/);
    expect(r.status).toBe(0);
    const planJson = /its JSON (\S+plan\.json)/.exec(r.stderr)![1]!;
    expect(JSON.parse(readFileSync(planJson, 'utf8')).resource_changes.length).toBeGreaterThan(20);
    // Nothing of the plan is left where check and generate would see it (Terraform's own files aside).
    expect(readdirSync(join(dir, 'generated', 'acme', 'operator')).filter((f) => !f.startsWith('.terraform')).sort()).toEqual(['cdk.tf.json']);
  });
});

describe("a newcomer's path", () => {
  it('the operator README says where onboarding stands per endpoint, in words that define themselves, and the --commit step', () => {
    const readme = readFileSync(join(ROOT, 'generated', 'acme', 'README.md'), 'utf8');
    expect(readme).toContain('**Onboarding:** github at step 2 of 2: its service name is in the spec, and it connects once the customer accepts the connection request; artifactory at step 1 of 2: the customer applies their module and sends back its service name');
    expect(readme).not.toMatch(/phase 2 for/);
    expect(readme).toContain('run `privlink generate customers/acme.yaml --commit` and open a pull request from the branch it makes');
  });

  it("the decommission pull request's topology draws the endpoints as going, not as ready", async () => {
    const { topologyMarkdown } = await import('../src/render/topology');
    const { modelOf } = await import('./helpers');
    const diagram = topologyMarkdown(modelOf(acmeWith({ decommission: true })));
    expect(diagram).toContain('destroyed by the next apply (decommissioning)');
    expect(diagram).not.toContain('ready to connect');
  });

  it('--pr-body inside the repository says the file is not committed', async () => {
    const dir = await repo();
    writeFileSync(join(dir, 'customers', 'globex.yaml'), readFileSync(join(dir, 'customers', 'globex.yaml'), 'utf8').replace('ports: [443, 22]', 'ports: [443, 22, 8443]'));
    const r = await privlink(dir, 'generate', 'customers/globex.yaml', '--commit', '--pr-body', 'pr.md');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('privlink: pr.md is inside the repository and not committed');
    expect(git(dir, 'show', '--name-only', '--format=', 'HEAD')).not.toContain('pr.md');
  });
});

describe('what a spec fuzzer found', () => {
  const specsOnly = () => {
    const dir = tempDir('privlink-fuzz-');
    cpSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
    cpSync(join(ROOT, 'customers', 'acme.yaml'), join(dir, 'customers', 'acme.yaml'));
    return dir;
  };

  it.each([['~'], ['null']])('a key written %s is named as a null key, not "a tagged value (undefined)"', async (key) => {
    const dir = specsOnly();
    writeFileSync(join(dir, 'customers', 'acme.yaml'), `${readFileSync(join(dir, 'customers', 'acme.yaml'), 'utf8')}${key}: 1\n`);
    const r = await privlink(dir, 'validate');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^customers/acme\\.yaml:\\d+:1: a key must be plain text, got a null key \\(\`${key === '~' ? '~' : 'null'}\`, \`null\` or nothing before the colon\\); write the field's name$`, 'm'));
    expect(r.stderr).not.toContain('undefined');
  });

  it('a 10,000-deep block sequence is refused at the nesting limit, not with a stack overflow', async () => {
    const dir = specsOnly();
    writeFileSync(join(dir, 'customers', 'deep.yaml'), `${'- '.repeat(10_000)}x\n`);
    const r = await privlink(dir, 'validate', 'customers/deep.yaml');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('customers/deep.yaml:1:1: nesting deeper than 64 levels; a spec is a few levels deep');
    expect(r.stderr).not.toMatch(/call stack/);
  });

  it('a file name with a control character reads the same, escaped, on stderr and in --json', async () => {
    const dir = specsOnly();
    const name = 'bad\u0007name.yaml';
    writeFileSync(join(dir, 'customers', name), 'name: [unclosed\n');
    const text = await privlink(dir, 'validate', `customers/${name}`);
    const json = await privlink(dir, 'validate', `customers/${name}`, '--json');
    const stderrFile = /^(customers\/\S+?):\d+:\d+:/m.exec(text.stderr)![1]!;
    expect(stderrFile).toBe('customers/bad\\u0007name.yaml');
    expect(JSON.parse(json.stdout).problems[0].file).toBe(stderrFile);
  });

  it('a spec and a symlink to it are one spec for validate and generate alike', async () => {
    const dir = specsOnly();
    execFileSync('ln', ['-s', 'acme.yaml', join(dir, 'customers', 'acme-link.yaml')]);
    const v = await privlink(dir, 'validate');
    const g = await privlink(dir, 'generate', '-q');
    expect([v.code, g.code, g.stderr]).toEqual([0, 0, '']);
    expect(readdirSync(join(dir, 'generated')).filter((f) => !f.startsWith('.')).sort()).toEqual(['acme', 'ci', 'fleet']);
    expect(await privlink(dir, 'check')).toMatchObject({ code: 0 });
  });
});
