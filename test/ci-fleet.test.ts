/**
 * The generated GitHub Actions workflows at fleet scale, as GitHub and a runner see them:
 * - GitHub's own parser (@actions/workflow-parser) accepts both workflows, for the examples and for 1,000 customers;
 * - every `run:` script passes shellcheck at severity error;
 * - the check job's script, run with bash against a git history in which a fleet-wide change touched all 1,000
 *   customers, deals them into matrices of at most 256 (ci.maxParallel) shards that name each customer exactly once,
 *   with the canaries apart; on main it diffs from the last successful run, so a cancelled run loses nothing;
 * - a shard's lab and plan scripts run their stacks one after another, each reported on its own summary row, a
 *   failed lab blocking exactly that customer; the drift script reports the drifted stacks with their changes.
 *
 * The fleet-scale history is a synthetic tree with the generated layout (generated/<name>/operator/cdk.tf.json and
 * privlink-manifest.json): the scripts read nothing else, and generating 1,000 real customers twice would take a
 * third of the suite's budget. Terraform and privlink are stand-ins on PATH in the script tests: what is tested is
 * the scripts' control flow; the real commands are tested in terraform.test.ts and plan-guard.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { fleetSchema, type FleetConfig } from '../src/fleet/schema';
import { GITHUB_MATRIX_JOBS } from '../src/domain/limits';
import type { CiInput } from '../src/render/ci';
import { changedScript, renderGithubActions, renderGithubDrift } from '../src/render/github';
import { ROOT, privlinkHere, skipNote, tempDir } from './helpers';

const fleetOf = (extra: Record<string, unknown> = {}): FleetConfig => fleetSchema.parse({ apiVersion: 'privlink/v1', kind: 'Fleet', ...extra });
const names = (n: number) => Array.from({ length: n }, (_, i) => `fleet${String(i + 1).padStart(4, '0')}`);
const inputOf = (customers: string[], fleet: FleetConfig): CiInput => ({ customers, hubs: [], leaving: [], canaryHubs: [], specsDir: 'customers', outDir: 'generated', fleet });

type Step = { id?: string; name?: string; run?: string; env?: Record<string, string>; if?: string };
type Job = { name?: string; needs?: string[]; if?: string; steps: Step[]; strategy?: { 'max-parallel'?: number; matrix: Record<string, string> } };

/** Run a workflow script as a runner's bash step runs it: bash --noprofile --norc -eo pipefail. */
function runStep(script: string, cwd: string, env: Record<string, string>) {
  const temp = tempDir('privlink-runner-');
  const output = join(temp, 'output');
  const summary = join(temp, 'summary');
  writeFileSync(output, '');
  writeFileSync(summary, '');
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, RUNNER_TEMP: temp, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, ...env },
  });
  const outputs = Object.fromEntries(readFileSync(output, 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, outputs, summary: readFileSync(summary, 'utf8'), temp };
}

/** A git repository with the generated layout for `customers`, then a commit that changes every one of them. */
function fleetHistory(customers: string[]): { dir: string; base: string; head: string } {
  const dir = tempDir('privlink-fleetci-');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'CI');
  git('config', 'user.email', 'ci@example.com');
  const write = (label: string) => {
    writeFileSync(join(dir, 'privlink.yaml'), `apiVersion: privlink/v1\nkind: Fleet\nlabels: { ${label} }\n`);
    for (const c of customers) {
      mkdirSync(join(dir, 'generated', c, 'operator'), { recursive: true });
      writeFileSync(join(dir, 'generated', c, 'operator', 'cdk.tf.json'), JSON.stringify({ resource: { aws_vpc: { vpc: { tags: { [label]: 'x' } } } } }));
      writeFileSync(join(dir, 'generated', c, 'privlink-manifest.json'), JSON.stringify({ decommission: false }));
    }
  };
  write('cost_center');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  const base = git('rev-parse', 'HEAD');
  write('team'); // a new label in privlink.yaml: every operator stack changes
  git('add', '-A');
  git('commit', '-q', '-m', 'a label for everyone');
  return { dir, base, head: git('rev-parse', 'HEAD') };
}

type Shard = { shard: number; of: number; stacks: string };

describe('GitHub Actions at fleet scale: the changed set in shards', () => {
  const all = names(1000);
  let history: { dir: string; base: string; head: string };
  beforeAll(() => {
    history = fleetHistory(all);
  });
  const checkEnv = (fleet: FleetConfig) => {
    const step = (parse(renderGithubActions(inputOf(all, fleet))).jobs.check as Job).steps.find((s) => s.id === 'changed')!;
    return { script: step.run!, env: step.env! };
  };

  it.each([
    ['the default (20)', {}, 20],
    ['ci.maxParallel 256', { ci: { maxParallel: 256 } }, 256],
  ])('a new label for 1,000 customers, %s: every customer in exactly one shard, no matrix over 256', (_, extra, shards) => {
    const fleet = fleetOf({ ...extra, rollout: { canary: ['fleet0001', 'fleet0002'] } });
    const { script, env } = checkEnv(fleet);
    const r = runStep(script, history.dir, { GITHUB_EVENT_NAME: 'pull_request', PR_BASE: history.base, MAX_PARALLEL: env.MAX_PARALLEL!, CANARIES: env.CANARIES! });
    expect([r.status, r.stderr]).toEqual([0, '']);
    const lists = Object.fromEntries(['hubs', 'canaries', 'customers', 'leaving'].map((k) => [k, JSON.parse(r.outputs[k]!) as Shard[]]));
    for (const [k, list] of Object.entries(lists)) expect([k, list.length <= GITHUB_MATRIX_JOBS]).toEqual([k, true]);
    expect(lists.customers!).toHaveLength(shards);
    // Each canary its own job (up to ci.maxParallel at once), before every other customer's.
    expect(lists.canaries!.map((s) => s.stacks)).toEqual(['fleet0001', 'fleet0002']);
    const named = [...lists.canaries!, ...lists.customers!].flatMap((s) => s.stacks.split(' '));
    expect(named).toHaveLength(1000);
    expect(new Set(named)).toEqual(new Set(all));
    // Shards are even: a job's share differs from another's by one customer at most.
    const sizes = lists.customers!.map((s) => s.stacks.split(' ').length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(lists.hubs).toEqual([]);
    expect(lists.leaving).toEqual([]);
  });

  it('on main it diffs from the last successful run, so a run GitHub cancelled while pending loses nothing', () => {
    const { script, env } = checkEnv(fleetOf());
    // The push's own `before` is HEAD (this push changed nothing else); the last successful run was at the base.
    const bin = tempDir('privlink-bin-');
    writeFileSync(join(bin, 'gh'), `#!/bin/sh\n[ "$1 $2" = "run list" ] && echo ${history.base}\n`);
    chmodSync(join(bin, 'gh'), 0o755);
    const r = runStep(script, history.dir, { GITHUB_EVENT_NAME: 'push', BEFORE: history.head, MAX_PARALLEL: env.MAX_PARALLEL!, CANARIES: '', PATH: `${bin}:${process.env.PATH}` });
    expect(r.status).toBe(0);
    expect((JSON.parse(r.outputs.customers!) as Shard[]).flatMap((s) => s.stacks.split(' '))).toHaveLength(1000);
    // Without gh's answer (no successful run yet) the push's own `before` is the base: here nothing changed since it.
    const alone = runStep(script, history.dir, { GITHUB_EVENT_NAME: 'push', BEFORE: history.head, MAX_PARALLEL: env.MAX_PARALLEL!, CANARIES: '', PATH: `${tempDir('privlink-nogh-')}:${process.env.PATH}` });
    expect(alone.outputs.customers).toBe('[]');
  });

  it('a base that is not in the history (a first push, a force push) counts every stack as changed', () => {
    const { script, env } = checkEnv(fleetOf());
    const r = runStep(script, history.dir, { GITHUB_EVENT_NAME: 'push', BEFORE: '0000000000000000000000000000000000000000', MAX_PARALLEL: env.MAX_PARALLEL!, CANARIES: '' });
    expect(r.stdout).toContain('is not in this history: every stack counts as changed');
    expect((JSON.parse(r.outputs.customers!) as Shard[]).flatMap((s) => s.stacks.split(' ')).sort()).toEqual(all);
  });

  it('the script is the one the workflow runs', () => {
    expect(checkEnv(fleetOf()).script).toBe(changedScript(inputOf(all, fleetOf())));
  });
});

describe('GitHub Actions: canaries first', () => {
  const w = parse(renderGithubActions(inputOf(names(2), fleetOf({ rollout: { canary: ['fleet0001'] } }))));
  const jobs = w.jobs as Record<string, Job>;

  it('the canaries apply in a job of their own; every other apply job needs it, and stops when it failed', () => {
    expect(jobs.canary!.needs).toEqual(['check', 'canary_hub_routers']);
    for (const j of ['terraform', 'hub_sessions', 'decommission']) {
      expect([j, jobs[j]!.needs]).toEqual([j, expect.arrayContaining(['canary'])]);
      expect([j, jobs[j]!.if]).toEqual([j, expect.stringContaining("needs.canary.result != 'failure'")]);
    }
    // A change that touches no canary: the canary job is skipped (its list is empty), and skipped is not failure.
    expect(jobs.canary!.if).toBe("${{ !cancelled() && needs.check.outputs.canaries != '[]' && needs.canary_hub_routers.result != 'failure' }}");
    // The first wave says so in the GitHub UI: the canaries' hub routers and the canaries.
    expect([jobs.canary_hub_routers!.name, jobs.canary!.name]).toEqual(['canary hub routers ${{ matrix.shard.shard }}/${{ matrix.shard.of }}', 'canary ${{ matrix.shard.shard }}/${{ matrix.shard.of }}']);
  });

  it('every matrix is a list of shards, at most ci.maxParallel jobs at once', () => {
    for (const [name, job] of Object.entries(jobs)) {
      if (!job.strategy) continue;
      expect([name, job.strategy['max-parallel'], Object.keys(job.strategy.matrix)]).toEqual([name, 20, ['shard']]);
    }
  });

  it('a pull request runs privlink lab per changed customer before its plan, not for hub stacks', () => {
    for (const j of ['canary', 'terraform']) {
      const steps = jobs[j]!.steps.map((s) => s.name ?? '');
      const lab = steps.findIndex((n) => n.startsWith('Lab (pull requests)'));
      expect([j, lab >= 0, lab < steps.findIndex((n) => n.startsWith('Plan, plan-guard'))]).toEqual([j, true, true]);
      expect(jobs[j]!.steps[lab]!.if).toBe("github.event_name == 'pull_request'");
    }
    for (const j of ['canary_hub_routers', 'hub_routers', 'hub_sessions', 'decommission']) expect([j, jobs[j]!.steps.some((s) => (s.name ?? '').startsWith('Lab'))]).toEqual([j, false]);
  });
});

/** Stand-ins for terraform, npx (privlink) and sudo: each logs its call; `FAIL_<what>` names a stack to fail. */
function standIns(): string {
  const bin = tempDir('privlink-bin-');
  const tool = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  tool('terraform', [
    'stack=$(basename "$(dirname "$PWD")"); for a in "$@"; do case $a in -chdir=*) stack=$(basename "$(dirname "${a#-chdir=}")");; esac; done',
    'echo "terraform $* @ $stack" >> "$CALLS"',
    'cmd=$1; if [[ $cmd == -chdir=* ]]; then cmd=$2; fi',
    'case "$cmd" in',
    '  plan) if [ "$stack" = "$FAIL_PLAN" ]; then exit 1; fi; if [ "$stack" = "$DRIFTED" ]; then [[ " $* " == *" -detailed-exitcode "* ]] && exit 2; fi; exit 0;;',
    '  show) if [[ " $* " == *" tfplan "* ]] && [ "$stack" = "$DRIFTED" ]; then echo \'{"resource_changes":[{"address":"aws_vpn_connection.vpn_a","change":{"actions":["update"]}},{"address":"aws_vpc.vpc","change":{"actions":["no-op"]}}]}\';',
    '        else echo \'{"resource_changes":[{"address":"aws_vpc_endpoint.endpoint_a","change":{"actions":["create"]}},{"address":"aws_vpn_connection.vpn_a","change":{"actions":["update"]}},{"address":"aws_vpn_connection.vpn_b","change":{"actions":["delete","create"]}},{"address":"google_compute_router.router","change":{"actions":["forget"]}},{"address":"aws_vpc.vpc","change":{"actions":["no-op"]}}]}\'; fi;;',
    'esac',
  ].join('\n'));
  tool('npx', ['echo "npx $*" >> "$CALLS"', 'for a in "$@"; do if [ "$a" = "$FAIL_LAB" ] && [ "$3" = lab ]; then exit 1; fi; done', 'exit 0'].join('\n'));
  tool('sudo', '"$@"');
  return bin;
}

/** What the stand-in plan (one create, one update, one replacement, one forget, one no-op) counts as. */
const COUNTS = '1 to add, 1 to change, 1 to replace, 0 to destroy, 1 to forget';

describe('GitHub Actions: a shard runs its stacks one after another', () => {
  const w = parse(renderGithubActions(inputOf(names(3), fleetOf())));
  const steps = (w.jobs.terraform as Job).steps;
  const lab = steps.find((s) => (s.name ?? '').startsWith('Lab'))!.run!;
  const plan = steps.find((s) => (s.name ?? '').startsWith('Plan, plan-guard'))!.run!;

  function shardRepo(): string {
    const dir = tempDir('privlink-shard-');
    for (const c of names(3)) mkdirSync(join(dir, 'generated', c, 'operator'), { recursive: true });
    mkdirSync(join(dir, 'customers'));
    writeFileSync(join(dir, 'customers', 'fleet0002.plan-guard-allow'), 'aws_vpn_connection.vpn_a\n');
    return dir;
  }

  it('a failed lab blocks exactly its customer; a failed plan fails the job but not the others; each has a summary row', () => {
    const dir = shardRepo();
    const bin = standIns();
    const env = { PATH: `${bin}:${process.env.PATH}`, STACKS: 'fleet0001 fleet0002 fleet0003', LAB: 'fleet0001 fleet0002 fleet0003', CALLS: join(dir, 'calls'), FAIL_LAB: 'fleet0001', FAIL_PLAN: 'fleet0003', GITHUB_EVENT_NAME: 'pull_request' };
    const labRun = runStep(lab, dir, env);
    expect(labRun.status).toBe(0); // the lab step records; the plan step decides
    const r = runStep(plan, dir, { ...env, RUNNER_TEMP: labRun.temp });
    expect(r.status).toBe(1);
    expect(labRun.summary).toBe('| fleet0001 | lab FAILED (exit 1): its plan is blocked |\n| fleet0002 | lab passed |\n| fleet0003 | lab passed |\n');
    // Each stack's row has its plan's resource counts, as terraform show -json gives them.
    expect(r.summary).toBe(`| stack | result |\n| --- | --- |\n| fleet0001 | blocked: its lab failed |\n| fleet0002 | planned: ${COUNTS} |\n| fleet0003 | plan failed |\n`);
    const calls = readFileSync(env.CALLS, 'utf8');
    expect(calls).not.toMatch(/terraform plan .* @ fleet0001/);
    expect(calls).toMatch(/terraform plan .* @ fleet0003/);
    // plan-guard reads the customer's allowance when it has one.
    expect(calls).toContain('npx --no-install privlink plan-guard generated/fleet0002/operator/plan.json --allow-file customers/fleet0002.plan-guard-allow');
    expect(calls).not.toContain('apply');
  });

  it('runs the lab only for the customers whose wiring changed ($LAB), and says why it skipped the others', () => {
    const dir = shardRepo();
    const env = { PATH: `${standIns()}:${process.env.PATH}`, STACKS: 'fleet0001 fleet0002 fleet0003', LAB: 'fleet0002', CALLS: join(dir, 'calls'), GITHUB_EVENT_NAME: 'pull_request' };
    const labRun = runStep(lab, dir, env);
    expect(labRun.status).toBe(0);
    expect(labRun.summary).toBe(
      '| fleet0001 | lab skipped: its wiring did not change (tags, labels or documentation only) |\n| fleet0002 | lab passed |\n| fleet0003 | lab skipped: its wiring did not change (tags, labels or documentation only) |\n',
    );
    expect(readFileSync(env.CALLS, 'utf8').split('\n').filter((l) => l.includes(' lab '))).toEqual(['npx --no-install privlink lab fleet0002']);
  });

  it('on main the same script applies, one stack after another', () => {
    const dir = shardRepo();
    const env = { PATH: `${standIns()}:${process.env.PATH}`, STACKS: 'fleet0001 fleet0002', CALLS: join(dir, 'calls'), GITHUB_EVENT_NAME: 'push' };
    const r = runStep(plan, dir, env);
    expect([r.status, r.summary]).toEqual([0, `| stack | result |\n| --- | --- |\n| fleet0001 | applied: ${COUNTS} |\n| fleet0002 | applied: ${COUNTS} |\n`]);
    const applies = readFileSync(env.CALLS, 'utf8').split('\n').filter((l) => l.includes(' apply '));
    expect(applies).toEqual(['terraform -chdir=generated/fleet0001/operator apply -input=false -lock-timeout=30m tfplan @ fleet0001', 'terraform -chdir=generated/fleet0002/operator apply -input=false -lock-timeout=30m tfplan @ fleet0002']);
  });
});

describe('GitHub Actions: drift', () => {
  const fleet = fleetOf({ ci: { driftCron: '7 4 * * 1-5' } });
  const w = parse(renderGithubDrift(inputOf(names(2), fleet)));

  it('runs on the schedule from privlink.yaml, plans every stack with -detailed-exitcode, and never applies', () => {
    expect(w.on.schedule).toEqual([{ cron: '7 4 * * 1-5' }]);
    const script = (w.jobs.plan as Job).steps.at(-1)!.run!;
    expect(script).toContain('terraform plan -input=false -lock-timeout=30m -detailed-exitcode -out=tfplan');
    expect(JSON.stringify(w)).not.toMatch(/terraform[^"]* apply/);
  });

  it('lists the drifted stacks with their changed resources in the summary, and fails when any drifted', () => {
    const dir = tempDir('privlink-drift-');
    for (const c of names(2)) mkdirSync(join(dir, 'generated', c, 'operator'), { recursive: true });
    mkdirSync(join(dir, 'generated', 'hubs', 'saas.vpc.us-central1', 'routers'), { recursive: true });
    const list = runStep((w.jobs.list as Job).steps.at(-1)!.run!, dir, { MAX_PARALLEL: '20' });
    const shards = JSON.parse(list.outputs.stacks!) as Shard[];
    expect(shards.flatMap((s) => s.stacks.split(' ')).sort()).toEqual(['fleet0001/operator', 'fleet0002/operator', 'hubs/saas.vpc.us-central1/routers']);
    const env = { PATH: `${standIns()}:${process.env.PATH}`, STACKS: 'fleet0001/operator fleet0002/operator', CALLS: join(dir, 'calls'), DRIFTED: 'fleet0002' };
    const r = runStep((w.jobs.plan as Job).steps.at(-1)!.run!, dir, env);
    expect(r.status).toBe(1);
    expect(r.summary).toBe('| stack | drift |\n| --- | --- |\n| fleet0001/operator | none |\n| fleet0002/operator | **drifted**: update `aws_vpn_connection.vpn_a` |\n');
    expect(readFileSync(env.CALLS, 'utf8')).not.toContain('apply');
  });
});

describe('the generated workflows as GitHub and a runner read them', () => {
  const files = (n: number) => {
    const input = inputOf(names(n), fleetOf({ rollout: { canary: n > 1 ? ['fleet0001'] : [] } }));
    return [renderGithubActions(input), renderGithubDrift(input)];
  };
  const cases = [
    ['the examples', [readFileSync(join(ROOT, 'generated', 'ci', 'github-actions.yml'), 'utf8'), readFileSync(join(ROOT, 'generated', 'ci', 'github-drift.yml'), 'utf8')]],
    ['1,000 customers', files(1000)],
  ] as const;

  it.each(cases)('GitHub\'s workflow parser reports no error: %s', (_, texts) => {
    const dir = tempDir('privlink-wf-');
    const paths = texts.map((t, i) => {
      const f = join(dir, `workflow-${i}.yml`);
      writeFileSync(f, t);
      return f;
    });
    const r = spawnSync(process.execPath, [join(ROOT, 'test', 'support', 'workflow-parser.mjs'), ...paths], { cwd: ROOT, encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(r.stdout)).toEqual(paths.map((file) => ({ file, errors: [] })));
  });

  it('the parser does report a broken workflow (so a pass above means something)', () => {
    const f = join(tempDir('privlink-wf-'), 'broken.yml');
    writeFileSync(f, files(2)[0]!.replace('runs-on: ubuntu-latest', 'runs-on: ubuntu-latest\n    bogus: 1'));
    const r = spawnSync(process.execPath, [join(ROOT, 'test', 'support', 'workflow-parser.mjs'), f], { cwd: ROOT, encoding: 'utf8' });
    expect(JSON.parse(r.stdout)[0].errors).toEqual([expect.stringMatching(/Unexpected value 'bogus'/)]);
  });

  const shellcheck = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
  const itShellcheck = shellcheck.status === 0 ? it : it.skip;
  if (shellcheck.status !== 0) skipNote('shellcheck of the generated run: scripts', 'shellcheck is not installed (Debian package shellcheck; .ci/run installs it)');

  itShellcheck.each(cases)('every run: script passes shellcheck at severity error: %s', (_, texts) => {
    const dir = tempDir('privlink-sc-');
    const scripts: string[] = [];
    texts.forEach((t, i) => {
      for (const [job, j] of Object.entries(parse(t).jobs as Record<string, Job>)) {
        j.steps.forEach((s, k) => {
          if (!s.run) return;
          const f = join(dir, `${i}-${job}-${k}.sh`);
          writeFileSync(f, `#!/usr/bin/env bash\n${s.run}\n`);
          scripts.push(f);
        });
      }
    });
    expect(scripts.length).toBeGreaterThan(8);
    const r = spawnSync('shellcheck', ['--shell=bash', '--severity=error', '--format=gcc', ...scripts], { encoding: 'utf8' });
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  it('shellcheck does find an error in a broken script (so a pass above means something)', () => {
    if (shellcheck.status !== 0) return;
    const f = join(tempDir('privlink-sc-'), 'broken.sh');
    writeFileSync(f, '#!/usr/bin/env bash\nfor s in $STACKS; do\n  echo "$s"\n');
    expect(spawnSync('shellcheck', ['--shell=bash', '--severity=error', f], { encoding: 'utf8' }).status).not.toBe(0);
  });
});

describe('rollout.canary in privlink.yaml', () => {
  it('a canary that names no customer is refused at its place; a real one applies first in Atlantis too', async () => {
    const dir = tempDir('privlink-canary-');
    cpSync(join(ROOT, 'customers'), join(dir, 'customers'), { recursive: true });
    const fleet = readFileSync(join(ROOT, 'privlink.yaml'), 'utf8');
    writeFileSync(join(dir, 'privlink.yaml'), `${fleet}rollout:\n  canary: [globex, nobody]\n`);
    const bad = await privlinkHere(['generate'], dir);
    const line = fleet.split('\n').length + 1;
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`privlink.yaml:${line}:20: rollout.canary[1]: "nobody" is not a customer of this fleet (customers: acme, globex); a canary must name one`);
    writeFileSync(join(dir, 'privlink.yaml'), `${fleet}rollout:\n  canary: [globex]\n`);
    expect((await privlinkHere(['generate'], dir)).code).toBe(0);
    const a = parse(readFileSync(join(dir, 'generated', 'ci', 'atlantis.yaml'), 'utf8'));
    expect(Object.fromEntries(a.projects.map((p: { name: string; execution_order_group: number }) => [p.name, p.execution_order_group]))).toEqual({ globex: 1, acme: 3 });
    expect(a.abort_on_execution_order_fail).toBe(true);
  });
});
