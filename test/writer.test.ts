/**
 * Crash safety and locking of the writer, with real processes killed with SIGKILL at every step of a run that
 * changes two customers (fault injection: PRIVLINK_TEST_KILL_AT_STEP): the writer in a process of its own at every
 * step, `privlink generate` at both ends and at the commit point. After each kill the output, once recovered, must
 * be entirely the old or entirely the new — with Terraform's state intact.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCK_FILE, acquireLock, recoverOutput, releaseLock } from '../src/run/writer';
import { ROOT, acmeWith, interruptWhen, tempDir, snapshot, SECOND_SERVICE_NAME } from './helpers';

const BIN = join(ROOT, 'bin', 'privlink.js');

/** `node bin/privlink.js ARGS` (runNode below). */
function run(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return runNode(cwd, [BIN, ...args], env);
}

/** A workspace with generated output, Terraform state beside a stack, and both specs then changed. */
function base(): string {
  const dir = tempDir('privlink-kill-');
  cpSync(join(ROOT, 'customers'), join(dir, 'customers'), { recursive: true });
  cpSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
  expect(spawnSync(process.execPath, [BIN, 'generate', '-q'], { cwd: dir }).status).toBe(0);
  const op = join(dir, 'generated', 'acme', 'operator');
  writeFileSync(join(op, 'terraform.tfstate'), '{"version": 4, "serial": 7}');
  writeFileSync(join(op, '.terraform.lock.hcl'), '# lock');
  mkdirSync(join(op, '.terraform', 'providers'), { recursive: true });
  writeFileSync(join(op, '.terraform', 'providers', 'marker'), 'plugin');
  return dir;
}

function changeSpecs(dir: string): void {
  writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ 'endpoints.1.serviceName': SECOND_SERVICE_NAME }));
  const globex = readFileSync(join(dir, 'customers', 'globex.yaml'), 'utf8');
  writeFileSync(join(dir, 'customers', 'globex.yaml'), globex.replace('ports: [443]', 'ports: [443, 8443]'));
  // And privlink.yaml, so generated/ci/ (whose manifest records it) is part of the run too.
  appendFileSync(join(dir, 'privlink.yaml'), '# reviewed\n');
}

/**
 * The writer alone, in a process of its own: stages and commits the given folders with the same calls, in the same
 * order, as `generate` (engine.ts: open the output, stage each changed customer, then ci/, commit). It skips the
 * rendering, which every kill would otherwise repeat; the test checks that it has exactly generate's kill points.
 */
function writerDriver(dir: string, folders: [string, Record<string, string>][]): string[] {
  const input = join(dir, 'folders.json');
  writeFileSync(input, JSON.stringify(folders));
  const script =
    `const { writeCustomers } = require(${JSON.stringify(join(ROOT, 'dist', 'run', 'writer.js'))});` +
    `const folders = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(input)}, 'utf8'));` +
    `writeCustomers('generated', new Map(folders.map(([n, f]) => [n, new Map(Object.entries(f))])));`;
  return ['-e', script];
}

/** node with ARGS in cwd: its exit code, the signal that killed it, and its stderr. */
function runNode(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('kill -9 at every step of generate', () => {
  it('leaves, after recovery, exactly the old or exactly the new output, state files kept', async () => {
    const template = base();
    const old = snapshot(join(template, 'generated'));
    const fresh = tempDir('privlink-kill-new-');
    cpSync(template, fresh, { recursive: true });
    changeSpecs(fresh);
    expect((await run(fresh, ['generate', '-q'])).code).toBe(0);
    const expectedNew = snapshot(join(fresh, 'generated'));
    expect(expectedNew).not.toEqual(old);
    expect(expectedNew['acme/operator/terraform.tfstate']).toBe('{"version": 4, "serial": 7}');
    // What generate staged: the changed folders, privlink's own files only (their manifests list them).
    const folders: [string, Record<string, string>][] = ['acme', 'globex', 'ci', 'fleet'].map((name) => {
      const manifest = JSON.parse(expectedNew[`${name}/privlink-manifest.json`]!) as { files: Record<string, string> };
      const files = [...Object.keys(manifest.files), 'privlink-manifest.json'];
      return [name, Object.fromEntries(files.map((f) => [f, expectedNew[`${name}/${f}`]!]))];
    });

    /** A copy of the old output with the specs changed, the writer killed at step n, then recovered. */
    const killAt = async (n: number, how: 'generate' | 'writer'): Promise<string> => {
      const dir = tempDir('privlink-kill-at-');
      cpSync(template, dir, { recursive: true });
      changeSpecs(dir);
      const env = { PRIVLINK_TEST_KILL_AT_STEP: String(n) };
      const r = how === 'generate' ? await run(dir, ['generate', '-q'], env) : await runNode(dir, writerDriver(dir, folders), env);
      const out = join(dir, 'generated');
      if (r.signal !== 'SIGKILL') {
        expect([how, n, r.code, r.stderr]).toEqual([how, n, 0, '']);
        return 'finished';
      }
      expect(existsSync(join(out, LOCK_FILE))).toBe(true); // the killed run's lock is left behind
      expect(acquireLock(out)).toMatch(/stale lock/);
      try {
        recoverOutput(out);
      } finally {
        releaseLock(out);
      }
      const after = snapshot(out);
      if (JSON.stringify(after) === JSON.stringify(old)) return 'old';
      expect(after).toEqual(expectedNew);
      return 'new';
    };

    const outcomes: string[] = [];
    for (let at = 1; ; at += 2) {
      // Two runs at a time (a 2-core machine): steps at and at + 1.
      const results = await Promise.all([at, at + 1].map((n) => killAt(n, 'writer')));
      outcomes.push(...results);
      if (results.includes('finished')) break;
    }
    const killed = outcomes.slice(0, outcomes.indexOf('finished'));
    expect(killed.length).toBeGreaterThanOrEqual(20);
    expect(killed).toContain('old');
    expect(killed).toContain('new');
    // Before the commit point every kill leaves the old output, after it every kill the new: one switch only.
    expect(killed.join(' ')).toMatch(/^(old )*(new ?)*$/);
    // generate itself has exactly these kill points, with the same outcome at each end and at the switch.
    const last = killed.length;
    const firstNew = killed.indexOf('new') + 1;
    const real = await Promise.all([1, firstNew - 1, firstNew, last, last + 1].map((n) => killAt(n, 'generate')));
    expect(real).toEqual(['old', 'old', 'new', 'new', 'finished']);
  }, 180000);
});

describe('an interrupted run is never silent', () => {
  it('after kill -9, check reports the interrupted run, git ignores its files, and generate finishes it', async () => {
    const dir = base();
    changeSpecs(dir);
    const killed = await run(dir, ['generate', '-q'], { PRIVLINK_TEST_KILL_AT_STEP: '3' });
    expect(killed.signal).toBe('SIGKILL');
    const out = join(dir, 'generated');
    expect(existsSync(join(out, LOCK_FILE))).toBe(true);
    const check = await run(dir, ['check']);
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/^generated\/\.privlink\.lock: interrupted: left by an interrupted privlink run: run `privlink generate`/m);
    expect(check.stderr).toMatch(/^generated\/\.privlink-staging\/: interrupted: /m);
    // The run's files stay out of commits: generated/.gitignore lists them.
    const git = (...args: string[]) => spawnSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } });
    expect(git('init', '-q').status).toBe(0);
    const untracked = git('status', '--porcelain', '--untracked-files=all', '--', 'generated').stdout;
    expect(untracked).toContain('generated/acme/');
    expect(untracked).not.toMatch(/\.privlink(\.lock|-staging|-old|-journal)/);
    const again = await run(dir, ['generate', '-q']);
    expect(again.code).toBe(0);
    expect((await run(dir, ['check'])).code).toBe(0);
  });

  it('Ctrl-C while staging: exit 130, it says nothing was written, and the lock and staging are gone', async () => {
    const dir = base();
    const before = snapshot(join(dir, 'generated'));
    changeSpecs(dir);
    const { code, stderr } = await interruptWhen(['generate', '-q'], dir, /test pause: staged/, { ...process.env, PRIVLINK_TEST_PAUSE_MS: '30000' });
    expect(code).toBe(130);
    expect(stderr).toContain('privlink: interrupted by SIGINT; nothing was written: generated/ is as it was before this run\n');
    expect(snapshot(join(dir, 'generated'))).toEqual(before);
    expect(existsSync(join(dir, 'generated', LOCK_FILE))).toBe(false);
    expect(existsSync(join(dir, 'generated', '.privlink-staging'))).toBe(false);
  });
});

describe('lock', () => {
  it('refuses a second run while the first is alive, and names it', async () => {
    const dir = base();
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(join(dir, 'generated', LOCK_FILE), JSON.stringify({ pid: sleeper.pid, host: require('node:os').hostname() }));
      const before = snapshot(join(dir, 'generated'));
      changeSpecs(dir);
      const r = await run(dir, ['generate']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`another privlink run (pid ${sleeper.pid}) is writing generated/`);
      expect(snapshot(join(dir, 'generated'))).toEqual(before);
    } finally {
      sleeper.kill();
    }
  });

  it('replaces a stale lock of a dead process and says so', async () => {
    const dir = base();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(dir, 'generated', LOCK_FILE), JSON.stringify({ pid: Number(dead), host: require('node:os').hostname() }));
    changeSpecs(dir);
    const r = await run(dir, ['generate', '-q']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`removed a stale lock of pid ${dead}, which is no longer running`);
    expect(existsSync(join(dir, 'generated', LOCK_FILE))).toBe(false);
  });
});
