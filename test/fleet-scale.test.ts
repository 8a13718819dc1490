/**
 * Fleet runs: content addressing (a customer is rendered again exactly when its spec, privlink.yaml, privlink
 * itself or one of its generated files changed), worker processes that give the same bytes as one process,
 * --full, --json and the progress display. Timing belongs to `npm run bench`, not here.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../src/cli';
import { generatorFingerprint } from '../src/pipeline/fingerprint';
import { TASKS_PER_WORKER_MIN } from '../src/run/pool';
import { loadSpecs } from '../src/input/load';
import { writeSyntheticFleet } from '../src/tools/synthetic-fleet';
import { ROOT, privlinkHere, snapshot, tempDir } from './helpers';

const BIN = join(ROOT, 'bin', 'privlink.js');

function privlink(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

/** The same command line in this process (helpers.privlinkHere): for the many small runs of one test. */
async function here(cwd: string, ...args: string[]) {
  const r = await privlinkHere(args, cwd);
  return { status: r.code, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

/** A repository with the two examples (or n synthetic customers) and the project's privlink.yaml. */
function repo(n?: number): string {
  const dir = tempDir('privlink-fleet-');
  copyFileSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
  if (n === undefined) cpSync(join(ROOT, 'customers'), join(dir, 'customers'), { recursive: true });
  else writeSyntheticFleet(join(dir, 'customers'), n);
  return dir;
}

describe('content addressing', () => {
  it('renders a customer again exactly when its spec, privlink.yaml or a generated file changed', async () => {
    const dir = repo();
    expect((await here(dir, 'generate', '--json')).json()).toMatchObject({ customers: 2, upToDate: 0, rendered: 2, foldersWritten: ['acme', 'globex', 'ci', 'fleet'] });
    expect((await here(dir, 'generate', '--json')).json()).toMatchObject({ upToDate: 2, rendered: 0, foldersWritten: [], filesWritten: 0 });
    expect((await here(dir, 'check', '--json')).json()).toMatchObject({ upToDate: 2, compared: 0, drift: [] });

    // A comment in one spec: that customer is rendered again; only its manifest changes (it records the spec's hash).
    appendFileSync(join(dir, 'customers', 'acme.yaml'), '# reviewed\n');
    const stale = await here(dir, 'check', '--json');
    expect(stale.status).toBe(1);
    expect(stale.json()).toMatchObject({ upToDate: 1, compared: 1, drift: [{ kind: 'stale', path: 'acme/privlink-manifest.json' }] });
    expect((await here(dir, 'generate', '--json')).json()).toMatchObject({ upToDate: 1, rendered: 1, foldersWritten: ['acme'], filesWritten: 1 });

    // privlink.yaml changed: every customer.
    appendFileSync(join(dir, 'privlink.yaml'), '# reviewed\n');
    expect((await here(dir, 'check', '--json')).json()).toMatchObject({ upToDate: 0, compared: 2 });
    expect((await here(dir, 'generate', '--json')).json()).toMatchObject({ upToDate: 0, rendered: 2 });

    // A generated file edited by hand: the fast path notices from the hashes, and the full comparison names it.
    const readme = join(dir, 'generated', 'globex', 'README.md');
    writeFileSync(readme, readFileSync(readme, 'utf8').replace('private connectivity', 'private connectivity (edited)'));
    const edited = await here(dir, 'check', '--json');
    expect(edited.json()).toMatchObject({ upToDate: 1, compared: 1, drift: [{ kind: 'hand-edited', path: 'globex/README.md' }] });
    expect((await here(dir, 'generate', '--json')).json()).toMatchObject({ rendered: 1, foldersWritten: ['globex'] });
    expect((await here(dir, 'check')).status).toBe(0);

    // A customer folder deleted, and a stray one added: both found without rendering anything else.
    mkdirSync(join(dir, 'generated', 'initech'));
    const extra = await here(dir, 'check', '--json');
    expect(extra.json()).toMatchObject({ upToDate: 2, compared: 0, drift: [{ kind: 'extra', path: 'initech/' }] });
  });

  it('--full renders everything and rewrites nothing that is already right', async () => {
    const dir = repo();
    await here(dir, 'generate', '-q');
    const files = Object.keys(snapshot(join(dir, 'generated'))).filter((f) => !f.startsWith('.')).length; // every file of every folder
    expect((await here(dir, 'generate', '--full', '--json')).json()).toMatchObject({ upToDate: 0, rendered: 2, foldersWritten: [], filesWritten: 0, filesUnchanged: files });
    expect((await here(dir, 'check', '--full', '--json')).json()).toMatchObject({ upToDate: 0, compared: 2, drift: [] });
  });

  it('fingerprints privlink itself: any change to its code, templates or lockfile changes the key', () => {
    const root = tempDir('privlink-fp-');
    mkdirSync(join(root, 'dist'));
    mkdirSync(join(root, 'templates'));
    writeFileSync(join(root, 'package.json'), '{"version":"1.0.0"}');
    writeFileSync(join(root, 'dist', 'a.js'), 'a');
    writeFileSync(join(root, 'templates', 't.hbs'), 't');
    const before = generatorFingerprint(root);
    expect(generatorFingerprint(root)).toBe(before);
    for (const [file, text] of [['templates/t.hbs', 't2'], ['dist/a.js', 'a2'], ['package-lock.json', '{}'], ['package.json', '{"version":"1.0.1"}']]) {
      const previous = generatorFingerprint(root);
      writeFileSync(join(root, file!), text!);
      expect(generatorFingerprint(root)).not.toBe(previous);
    }
    expect(generatorFingerprint(root)).not.toBe(before);
  });
});

describe('worker processes', () => {
  const n = 2 * TASKS_PER_WORKER_MIN + 3;

  it(`write the same bytes as one process (${n} customers, 2 workers)`, () => {
    const dir = repo(n);
    const one = privlink(dir, 'generate', '--json', '-j', '1', '--out', 'one');
    const two = privlink(dir, 'generate', '--json', '-j', '2', '--out', 'two');
    expect(one.json()).toMatchObject({ customers: n, rendered: n, workers: 0 });
    expect(two.json()).toMatchObject({ customers: n, rendered: n, workers: 2 });
    const a = snapshot(join(dir, 'one'));
    const b = snapshot(join(dir, 'two'));
    expect(Object.keys(a).length).toBeGreaterThan(n * 8);
    // generated/ci/ names the output folder; everything else is identical.
    const named = { 'ci/atlantis.yaml': '', 'ci/github-actions.yml': '', 'ci/github-drift.yml': '', 'ci/privlink-manifest.json': '' };
    expect({ ...b, ...named }).toEqual({ ...a, ...named });
    expect(privlink(dir, 'check', '--full', '--json', '-j', '2', '--out', 'two').json()).toMatchObject({ compared: n, workers: 2, drift: [] });
  });

  it('still report every problem of every file, and write nothing', () => {
    const dir = repo(n);
    const bad = join(dir, 'customers', 'c00001.yaml');
    writeFileSync(bad, readFileSync(bad, 'utf8').replace('ports: [443]', 'ports: [443, 70000]'));
    const other = join(dir, 'customers', 'c00007.yaml');
    writeFileSync(other, readFileSync(other, 'utf8').replace(/vpcCidr: .*/, 'vpcCidr: 10.0.0.0/24'));
    const r = privlink(dir, 'generate', '-j', '2');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^customers\/c00001\.yaml:\d+:\d+: endpoints\[1\]\.ports\[1\]: must be between 1 and 65535/m);
    expect(r.stderr).toMatch(/^customers\/c00007\.yaml:\d+:\d+: aws\.vpcCidr: "10\.0\.0\.0\/24" overlaps gcp\.sourceRanges\[0\]/m);
    expect(snapshot(join(dir, 'generated'))).toEqual({});
  });
});

describe('output of a fleet run', () => {
  it('shows progress on a terminal, and prints nothing but the summary without one', async () => {
    const dir = repo(3);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      let err = '';
      const out: string[] = [];
      expect(await exec(['generate'], { out: (t) => out.push(t), err: (t) => (err += t), progress: true })).toBe(0);
      expect(err).toMatch(/\r\x1b\[Kprivlink: rendering 3\/3 customers, \d+\/s, ETA 0 s/);
      const summary = /privlink: 3 customers \(0 up to date, 3 rendered\), (\d+) files written, 0 unchanged/.exec(out.join(''));
      // The count is every file of every folder the run wrote (a first run writes them all; the .gitignore at the
      // top of generated/ belongs to no folder).
      expect(Number(summary?.[1])).toBe(Object.keys(snapshot(join(dir, 'generated'))).filter((f) => f.includes('/')).length);
    } finally {
      process.chdir(cwd);
    }
    const plain = privlink(dir, 'generate', '--full');
    expect(plain.stderr).toBe('');
    const quiet = privlink(dir, 'check', '-q');
    expect(quiet.stdout + quiet.stderr).toBe('');
  });

  it('refuses a --jobs that is not a positive whole number', () => {
    const r = privlink(repo(), 'generate', '-j', '0');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--jobs must be a whole number of at least 1, got 0');
  });
});

describe('many customers on one GCP network', () => {
  it('validate together, and one hostname taken by a second customer is refused in exactly those two files', () => {
    const dir = tempDir('privlink-shared-');
    const files = writeSyntheticFleet(join(dir, 'customers'), 300, true);
    expect(loadSpecs(files).problems).toEqual([]);
    // Customer 7 also claims customer 3's first hostname.
    const taken = /hostnames: \[([^\]]+)\]/.exec(readFileSync(files[3]!, 'utf8'))![1]!;
    writeFileSync(files[7]!, readFileSync(files[7]!, 'utf8').replace(/hostnames: \[[^\]]+\]/, `hostnames: [${taken}]`));
    const { problems } = loadSpecs(files);
    expect(problems.map((p) => [p.file, p.path])).toEqual([
      [files[3], 'endpoints[0].hostnames[0]'],
      [files[7], 'endpoints[0].hostnames[0]'],
    ]);
  });
});

describe('the installed package', () => {
  /**
   * privlink as npm installs it (package.json "files": bin, dist, templates, schema; no src/, no lockfile), in
   * node_modules/privlink of a fresh folder. The fingerprint must hash the dist/ of this installation whatever the
   * folder of the module that computes it: a module moved one level down once hashed a tree with no dist/ at all.
   */
  function installed(): string {
    const top = tempDir('privlink-installed-');
    const pkg = join(top, 'node_modules', 'privlink');
    // What npm installs: package.json and what its `files` list names.
    const files = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] }).files;
    for (const part of [...files, 'package.json']) cpSync(join(ROOT, part), join(pkg, part), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
    return pkg;
  }

  it('reports the output stale when any file of its dist/ changes, in any stage folder', () => {
    const pkg = installed();
    const dir = repo();
    const run = (...args: string[]) => {
      const r = spawnSync(process.execPath, [join(pkg, 'bin', 'privlink.js'), ...args], { cwd: dir, encoding: 'utf8' });
      return { status: r.status, stderr: r.stderr, json: () => JSON.parse(r.stdout) as { ok: boolean; drift: { path: string }[] } };
    };
    expect(run('generate', '-q').status).toBe(0);
    expect(run('check', '-q').status).toBe(0);
    const compiled = readdirSync(join(pkg, 'dist'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(compiled).toEqual(expect.arrayContaining(['pipeline', 'run', 'gitops', 'render', 'domain']));
    for (const file of ['dist/render/operator/vpn.js', 'dist/pipeline/fingerprint.js', 'dist/gitops/plan-guard.js']) {
      appendFileSync(join(pkg, file), '\n// a code change without a version bump\n');
      const stale = run('check', '--json');
      expect({ file, status: stale.status }).toEqual({ file, status: 1 });
      expect(stale.json().drift.map((d) => d.path)).toEqual(expect.arrayContaining(['globex/privlink-manifest.json', 'acme/privlink-manifest.json']));
      expect(run('generate', '-q').status).toBe(0);
      expect(run('check', '-q').status).toBe(0);
    }
  });
});
