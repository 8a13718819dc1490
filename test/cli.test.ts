/**
 * The command line in a scratch copy of the repository layout: as a user runs it (`node bin/privlink.js`) where
 * the process matters (exit status, the whole binary), and through the same exec() in this process elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, acmeWith, privlinkHere, tempDir, snapshot, SECOND_SERVICE_NAME } from './helpers';

const BIN = join(ROOT, 'bin', 'privlink.js');

/** `node bin/privlink.js` as a user runs it. */
function spawned(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same command line in this process (helpers.privlinkHere). */
const run = (args: string[], cwd: string) => privlinkHere(args, cwd);

/** A folder with customers/ holding the two examples. */
function workspace(): string {
  const dir = tempDir('privlink-cli-');
  cpSync(join(ROOT, 'customers'), join(dir, 'customers'), { recursive: true });
  cpSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
  return dir;
}

describe('privlink generate', () => {
  it('writes every customer from customers/ and exits 0', async () => {
    const dir = workspace();
    const r = spawned(['generate'], dir); // as a user runs it
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 customers');
    for (const name of ['acme', 'globex']) {
      for (const f of ['README.md', 'operator/cdk.tf.json', 'customer-module/main.tf', 'customer-module/README.md']) {
        expect(existsSync(join(dir, 'generated', name, f))).toBe(true);
      }
    }
    expect(snapshot(join(dir, 'generated'))).toEqual(snapshot(join(ROOT, 'generated')));
  });

  it('rejects a bad spec with file:line:col, exit 1, and leaves the previous output untouched', async () => {
    const dir = workspace();
    expect((await run(['generate'], dir)).code).toBe(0);
    const before = snapshot(join(dir, 'generated'));
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ 'aws.vpcCidr': '10.4.0.0/24', 'endpoints.0.ports': [443, 0] }));
    const r = await run(['generate'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^customers\/acme\.yaml:\d+:\d+: aws\.vpcCidr: .*overlaps/m);
    expect(r.stderr).toMatch(/^customers\/acme\.yaml:\d+:\d+: endpoints\[0\]\.ports\[1\]: /m);
    expect(r.stderr).toContain('nothing was written');
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
    expect(snapshot(join(dir, 'generated'))).toEqual(before);
  });

  it('regenerates one named spec, still checking it against the others', async () => {
    const dir = workspace();
    writeFileSync(join(dir, 'customers', 'copy.yaml'), acmeWith({ name: 'copy', 'gcp.project': 'copy-project' }));
    const r = await run(['generate', 'customers/copy.yaml'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/customers\/copy\.yaml:\d+:\d+: aws\.accountId: "111122223333" is also used by customers\/acme\.yaml/);
    expect(existsSync(join(dir, 'generated'))).toBe(false);
  });

  it('names every file it removes', async () => {
    const dir = workspace();
    expect((await run(['generate'], dir)).code).toBe(0);
    // Terraform would apply a hand-added override too; generate replaces the folder, so it goes, and says so.
    writeFileSync(join(dir, 'generated', 'acme', 'operator', 'override.tf.json'), '{"locals": {"x": 1}}');
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ 'endpoints.1.serviceName': SECOND_SERVICE_NAME }));
    const r = await run(['generate', '--quiet'], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('privlink: removed generated/acme/operator/override.tf.json: privlink does not write it (a hand-added file, or one an older privlink wrote without recording it)\n');
    expect(existsSync(join(dir, 'generated', 'acme', 'operator', 'override.tf.json'))).toBe(false);
    const json = JSON.parse((await run(['generate', '--full', '--json'], dir)).stdout);
    expect(json.filesRemoved).toEqual([]);
  });

  it('keeps Terraform state and lock files in a customer folder across regeneration', async () => {
    const dir = workspace();
    expect((await run(['generate'], dir)).code).toBe(0);
    const op = join(dir, 'generated', 'acme', 'operator');
    writeFileSync(join(op, 'terraform.tfstate'), '{"version": 4}');
    writeFileSync(join(op, '.terraform.lock.hcl'), '# lock');
    mkdirSync(join(op, '.terraform'));
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ 'endpoints.1.serviceName': SECOND_SERVICE_NAME }));
    expect((await run(['generate'], dir)).code).toBe(0);
    expect(readFileSync(join(op, 'terraform.tfstate'), 'utf8')).toBe('{"version": 4}');
    expect(readFileSync(join(op, '.terraform.lock.hcl'), 'utf8')).toBe('# lock');
    expect(existsSync(join(op, '.terraform'))).toBe(true);
    expect(readFileSync(join(op, 'cdk.tf.json'), 'utf8')).toContain('endpoint_artifactory');
    expect(readdirSync(join(dir, 'generated')).sort()).toEqual(['.gitignore', 'acme', 'ci', 'fleet', 'globex']); // no staging leftovers
  });
});

describe('where privlink runs and which specs it reads', () => {
  /** A new customer, valid on its own and against the examples. */
  const initech = () => acmeWith({ name: 'initech', 'aws.accountId': '777788889999', 'aws.vpcCidr': '10.251.0.0/24', 'gcp.network': 'initech-vpc' });

  it('from a subfolder, works at the repository root: privlink.yaml read, the fleet checked, one output tree', async () => {
    const dir = workspace();
    const sub = join(dir, 'customers');
    // A duplicate AWS account is refused from customers/ just as from the root, by validate and by generate.
    writeFileSync(join(sub, 'initech.yaml'), acmeWith({ name: 'initech', 'gcp.network': 'initech-vpc', 'aws.vpcCidr': '10.251.0.0/24' }));
    for (const cmd of ['validate', 'generate']) {
      const r = await run([cmd, 'initech.yaml'], sub);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^customers\/initech\.yaml:\d+:\d+: aws\.accountId: "111122223333" is also used by customers\/acme\.yaml/m);
    }
    writeFileSync(join(sub, 'initech.yaml'), initech());
    const r = await run(['generate', 'initech.yaml'], sub);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('privlink: working in ../, the repository root (it holds privlink.yaml)');
    expect(r.stdout).toContain('generated/initech/ written');
    // privlink.yaml's labels reach the stack, the manifest names the spec from the root, and nothing is written under customers/.
    const tf = JSON.parse(readFileSync(join(dir, 'generated', 'initech', 'operator', 'cdk.tf.json'), 'utf8'));
    expect(tf.provider.google[0].default_labels.cost_center).toBe('saas-connectivity');
    expect(readFileSync(join(dir, 'generated', 'initech', 'privlink-manifest.json'), 'utf8')).toContain('"file": "customers/initech.yaml"');
    expect(readdirSync(sub).sort()).toEqual(['acme.yaml', 'globex.yaml', 'initech.yaml']);
    expect(existsSync(join(dir, 'cdktf.out'))).toBe(false);
    expect((await run(['generate', '-q'], sub)).code).toBe(0);
    const check = await run(['check'], sub);
    expect(check.stderr).toBe('privlink: working in ../, the repository root (it holds privlink.yaml)\n');
    expect(check.code).toBe(0);
  });

  it('reads a spec named twice, or spelled two ways, once', async () => {
    const dir = workspace();
    const r = await run(['generate', 'customers/acme.yaml', './customers/acme.yaml', 'customers//acme.yaml', 'customers/../customers/acme.yaml'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 customer (0 up to date, 1 rendered)');
    // A symlink to a spec is that spec (compared by real path), not a second customer with the same name.
    symlinkSync(join(dir, 'customers', 'globex.yaml'), join(dir, 'globex-link.yaml'));
    const link = await run(['generate', 'globex-link.yaml'], dir);
    expect(link.stderr).toBe('');
    expect(link.code).toBe(0);
    expect(readFileSync(join(dir, 'generated', 'globex', 'privlink-manifest.json'), 'utf8')).toContain('"file": "customers/globex.yaml"');
  });

  it('refuses to generate a spec outside the specs folder, which check and CI would never read; validate still checks it', async () => {
    const dir = workspace();
    writeFileSync(join(dir, 'initech.yaml'), initech());
    const r = await run(['generate', 'initech.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"initech.yaml" is not in the specs folder "customers/"');
    expect(existsSync(join(dir, 'generated'))).toBe(false);
    expect((await run(['validate', 'initech.yaml'], dir)).code).toBe(0);
  });
});

describe('hostile input through the command line', () => {
  it('validate and generate agree on a reserved name (exit 1, never 70); a file name with a line break is refused on one line', async () => {
    const dir = workspace();
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ name: 'constructor' }));
    for (const cmd of ['validate', 'generate']) {
      const r = await run([cmd], dir);
      expect([cmd, r.code]).toEqual([cmd, 1]);
      expect(r.stderr).toMatch(/^customers\/acme\.yaml:\d+:\d+: name: is a name JavaScript reserves on every object/m);
    }
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith());
    writeFileSync(join(dir, 'customers', 'evil\nname.yaml'), acmeWith({ name: 'evil' }));
    const r = await run(['generate'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe('customers/evil\\nname.yaml:1:1: file name contains a line break or control character; rename the file');
    expect(existsSync(join(dir, 'generated'))).toBe(false);
  });
});

describe('privlink validate', () => {
  it('checks without writing', async () => {
    const dir = workspace();
    const r = await run(['validate'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 specs valid');
    expect(existsSync(join(dir, 'generated'))).toBe(false);
  });

  it('names a missing file', async () => {
    const r = await run(['validate', 'customers/nope.yaml'], workspace());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('customers/nope.yaml:1:1: file not found');
  });
});

describe('usage', () => {
  it('prints help for the tool and each command, exit 0', async () => {
    const dir = workspace();
    for (const args of [['--help'], ['generate', '--help'], ['validate', '--help']]) {
      const r = await run(args, dir);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/privlink (generate|validate|<command>)/);
    }
  });

  it('prints its version, and names an unknown command as a command', async () => {
    const dir = workspace();
    const version = spawned(['--version'], dir);
    expect(version.code).toBe(0);
    expect(version.stdout).toBe(`${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`);
    const unknown = await run(['frobnicate'], dir);
    expect(unknown.stderr).toContain('privlink: unknown command "frobnicate"; the commands are generate, validate, check, status, plan, plan-guard, lint, lab');
    expect((await run(['--config', 'privlink.yaml', 'frobnicate'], dir)).stderr).toContain('unknown command "frobnicate"');
  });

  it('stops quietly when the reader has closed the pipe (privlink check | true)', async () => {
    // `true` exits without reading, so every write of privlink meets a closed pipe (EPIPE).
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${join(ROOT, 'bin', 'privlink.js')}" check | true`], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe(''); // before: an unhandled 'error' event and Node's stack trace
  });

  it('shows each command only the options it uses, and examples whole', async () => {
    const dir = workspace();
    const help = async (cmd: string) => (await run([cmd, '--help'], dir)).stdout;
    for (const cmd of ['plan-guard', 'lint']) expect(await help(cmd)).not.toContain('--specs-dir');
    expect(await help('plan-guard')).not.toMatch(/--out|--config/);
    for (const cmd of ['generate', 'check']) expect(await help(cmd)).toMatch(/--specs-dir[\s\S]*--out/);
    expect(await help('plan-guard')).toMatch(/^ {2}privlink plan-guard --allow aws_vpn_connection\.vpn_a plan\.json$/m);
  });

  it('--json: every command prints one JSON document on stdout, problems included', async () => {
    const dir = workspace();
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ 'endpoints.0.ports': [443, 0] }));
    for (const cmd of ['generate', 'validate']) {
      const r = await run([cmd, '--json'], dir);
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout);
      expect(doc).toMatchObject({ command: cmd, ok: false, exitCode: 1 });
      expect(doc.problems).toEqual([expect.objectContaining({ file: 'customers/acme.yaml', path: 'endpoints[0].ports[1]' })]);
    }
    const lint = await run(['lint', '--json'], dir);
    expect(lint.code).toBe(2);
    expect(JSON.parse(lint.stdout)).toMatchObject({ command: 'lint', ok: false, exitCode: 2, error: 'no folder "generated" to lint' });
    const usage = await run(['validate', '--json', '--no-such-option'], dir);
    expect(JSON.parse(usage.stdout)).toMatchObject({ command: 'validate', ok: false, exitCode: 2 });
  });

  it('exits 2 on an unknown command, an unknown option or no command', async () => {
    const dir = workspace();
    for (const args of [['frobnicate'], ['generate', '--no-such-option'], []]) {
      const r = spawned(args, dir); // the process's own exit status
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('privlink --help');
    }
  });
});

describe('privlink check', () => {
  /** A workspace whose generated/ is fresh. */
  async function generated(): Promise<string> {
    const dir = workspace();
    expect((await run(['generate', '-q'], dir)).code).toBe(0);
    return dir;
  }

  it('passes on freshly generated output', async () => {
    const r = await run(['check'], await generated());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('generated/ matches 2 specs');
  });

  it('fails on a hand edit, naming the file and showing the diff', async () => {
    const dir = await generated();
    const main = join(dir, 'generated', 'acme', 'customer-module', 'main.tf');
    writeFileSync(main, readFileSync(main, 'utf8').replace('enable_cross_zone_load_balancing', 'enable_cross_zone_load_balancing_x'));
    const r = await run(['check'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^generated\/acme\/customer-module\/main\.tf: hand-edited: /m);
    expect(r.stderr).toMatch(/^ {4}-.*enable_cross_zone_load_balancing_x/m);
    expect(r.stderr).toMatch(/^ {4}\+.*enable_cross_zone_load_balancing\b(?!_x)/m);
  });

  it('fails when a spec changed without regenerating: the stale files, not "hand-edited"', async () => {
    const dir = await generated();
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ 'gcp.sourceRanges': ['10.0.0.0/20'] }));
    const r = await run(['check'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^generated\/acme\/operator\/cdk\.tf\.json: stale: /m);
    expect(r.stderr).toMatch(/^generated\/acme\/privlink-manifest\.json: stale: /m);
    expect(r.stderr).not.toContain('hand-edited');
    expect(r.stderr).not.toContain('generated/globex/');
  });

  it('fails on missing and extra files and on a folder no spec generates', async () => {
    const dir = await generated();
    rmSync(join(dir, 'generated', 'globex', 'README.md'));
    writeFileSync(join(dir, 'generated', 'acme', 'operator', 'override.tf'), 'resource "aws_vpc" "x" {}\n');
    cpSync(join(dir, 'generated', 'globex'), join(dir, 'generated', 'initech'), { recursive: true });
    writeFileSync(join(dir, 'generated', 'notes.txt'), 'loose file');
    const r = await run(['check'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^generated\/globex\/README\.md: missing: /m);
    expect(r.stderr).toMatch(/^generated\/acme\/operator\/override\.tf: extra: not written by privlink/m);
    expect(r.stderr).toMatch(/^generated\/initech\/: extra: no spec generates this folder/m);
    expect(r.stderr).toMatch(/^generated\/notes\.txt: extra: not written by privlink/m);
  });

  it('ignores Terraform\'s own files beside a stack', async () => {
    const dir = await generated();
    const op = join(dir, 'generated', 'acme', 'operator');
    writeFileSync(join(op, 'terraform.tfstate'), '{}');
    mkdirSync(join(op, '.terraform'));
    writeFileSync(join(op, '.terraform.lock.hcl'), '# lock');
    expect((await run(['check'], dir)).code).toBe(0);
  });

  it('reports an invalid spec like generate does', async () => {
    const dir = await generated();
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ 'aws.vpcCidr': '10.250.0.0/33' }));
    const r = await run(['check'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^customers\/acme\.yaml:\d+:\d+: aws\.vpcCidr: /m);
  });
});
