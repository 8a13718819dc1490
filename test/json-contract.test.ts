/**
 * One `--json` contract for every command, as README.md states it: stdout carries exactly one JSON document with
 * `"ok": true` exactly when the process exits 0, and on failure `exitCode` equal to the process's exit status, with
 * `problems` or `error` (or the command's own result, such as check's drift). Each command runs as a user runs it
 * (a process), on success and on each kind of failure it has.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withJsonContract } from '../src/cli';
import { ROOT, tempDir } from './helpers';

const BIN = join(ROOT, 'bin', 'privlink.js');

/** A copy of the examples with their committed output. */
function repo(): string {
  const dir = tempDir('privlink-json-');
  for (const part of ['customers', 'generated', 'privlink.yaml']) cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  return dir;
}

function run(dir: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--json'], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The contract, for one run: one document, ok iff exit 0, exitCode = exit status otherwise, and a reason. */
function contract(r: { status: number | null; stdout: string }): Record<string, unknown> {
  const lines = r.stdout.trim().split('\n');
  const doc = JSON.parse(r.stdout) as Record<string, unknown>; // one document (pretty or not), nothing else
  expect(lines.length === 1 || r.stdout.trim().startsWith('{\n')).toBe(true);
  expect(doc.ok).toBe(r.status === 0);
  if (r.status === 0) expect(doc).not.toHaveProperty('exitCode');
  else {
    expect(doc.exitCode).toBe(r.status);
    expect(['problems', 'error', 'drift', 'findings', 'blocked', 'customers', 'failures'].some((k) => k in doc)).toBe(true);
  }
  return doc;
}

/** `terraform show -json` of a plan, format 1.2, with the given resource changes. */
const plan = (changes: { address: string; actions: string[] }[]) =>
  JSON.stringify({
    format_version: '1.2',
    resource_changes: changes.map((c) => ({ address: c.address, mode: 'managed', type: c.address.split('.')[0], name: c.address.split('.')[1], change: { actions: c.actions, before: {}, after: {} } })),
    configuration: { root_module: {} },
  });

describe('every command follows one --json contract', () => {
  const dir = repo();

  it('validate, generate and check: success, invalid input, a usage error, drift', () => {
    expect(contract(run(dir, 'validate'))).toMatchObject({ command: 'validate', ok: true });
    expect(contract(run(dir, 'generate'))).toMatchObject({ command: 'generate', ok: true });
    expect(contract(run(dir, 'check'))).toMatchObject({ command: 'check', ok: true, drift: [] });
    const bad = repo();
    writeFileSync(join(bad, 'customers', 'globex.yaml'), readFileSync(join(bad, 'customers', 'globex.yaml'), 'utf8').replace('ports: [443, 22]', 'ports: [443, 0]'));
    expect(contract(run(bad, 'validate'))).toMatchObject({ ok: false, exitCode: 1, problems: [expect.objectContaining({ path: 'endpoints[0].ports[1]' })] });
    expect(contract(run(bad, 'generate', '--pr-body', 'x.md'))).toMatchObject({ ok: false, exitCode: 2, error: '--branch and --pr-body go with --commit' });
    const drift = repo();
    writeFileSync(join(drift, 'generated', 'globex', 'README.md'), 'edited by hand\n');
    expect(contract(run(drift, 'check'))).toMatchObject({ command: 'check', ok: false, exitCode: 1, drift: [expect.objectContaining({ kind: 'hand-edited', path: 'globex/README.md' })] });
  });

  it('lint: nothing found, and findings', () => {
    expect(contract(run(dir, 'lint'))).toMatchObject({ command: 'lint', ok: true, findings: [] });
    const weak = repo();
    const vars = join(weak, 'generated', 'globex', 'customer-module', 'variables.tf');
    writeFileSync(vars, readFileSync(vars, 'utf8').replace(/(variable "acceptance_required" \{[\s\S]*?default\s+=\s+)true/, '$1false'));
    const found = contract(run(weak, 'lint'));
    expect(found).toMatchObject({ command: 'lint', ok: false, exitCode: 1 });
    expect(JSON.stringify(found.findings)).toContain('CKV_AWS_123');
  });

  it('plan-guard: a plan that passes, one it blocks, one it cannot read', () => {
    const files = tempDir('privlink-json-plans-');
    writeFileSync(join(files, 'ok.json'), plan([{ address: 'aws_vpc_endpoint.endpoint_github', actions: ['update'] }]));
    writeFileSync(join(files, 'blocked.json'), plan([{ address: 'aws_vpn_connection.vpn_a', actions: ['delete', 'create'] }]));
    expect(contract(run(dir, 'plan-guard', join(files, 'ok.json')))).toMatchObject({ ok: true });
    expect(contract(run(dir, 'plan-guard', join(files, 'blocked.json')))).toMatchObject({ ok: false, exitCode: 1 });
    expect(contract(run(dir, 'plan-guard', join(files, 'missing.json')))).toMatchObject({ ok: false, exitCode: 2 });
  });

  it('status, lab and the command line itself: usage mistakes are 2, a lab that cannot start is 1', () => {
    expect(contract(run(dir, 'status', 'nosuch'))).toMatchObject({ command: 'status', ok: false, exitCode: 2 });
    expect(contract(run(dir, 'status', 'acme', '--state', join(dir, 'missing.json')))).toMatchObject({ ok: false, exitCode: 2 });
    expect(contract(run(dir, 'lab', 'nosuch', '--no-install'))).toMatchObject({ command: 'lab', ok: false, exitCode: 1 });
    expect(contract(run(dir, 'nosuch'))).toMatchObject({ ok: false, exitCode: 2 });
  });

  it('is applied once, to whatever document a command printed', () => {
    expect(withJsonContract('{"command":"check","ok":true,"drift":[1]}\n', 1)).toBe('{"command":"check","ok":false,"exitCode":1,"drift":[1]}\n');
    expect(withJsonContract('{"command":"status","customers":[]}\n', 0)).toBe('{"command":"status","ok":true,"customers":[]}\n');
    expect(withJsonContract('Usage: privlink …\n', 0)).toBe('Usage: privlink …\n');
  });
});
