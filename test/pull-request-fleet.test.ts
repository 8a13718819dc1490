/**
 * A fleet-wide change fits where it goes (issue 28): a label in privlink.yaml over 42 and over 1,000 customers,
 * through `generate --commit` on a real git repository, gives a pull-request body within GitHub's 65,536 characters
 * and a subject within 72 that names the fleet setting, identical changes grouped; and a change that differs for every
 * customer is shortened with a note. Its own file: the 1,000-customer run is the suite's longest, and runs beside the rest.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PR_BODY_LIMIT, SUBJECT_LIMIT, pullRequestBody, subjectOf, commitMessage } from '../src/gitops/pull-request';
import type { ChangeSummary } from '../src/gitops/change-summary';
import { writeSyntheticFleet } from '../src/tools/synthetic-fleet';
import { ROOT, tempDir } from './helpers';

const BIN = join(ROOT, 'bin', 'privlink.js');
const ENV = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: ENV }).trim();

describe('a fleet-wide change fits where it goes', () => {
  /** A synthetic fleet of n customers, committed; then one label added to privlink.yaml and --commit. */
  async function labelChange(n: number) {
    const dir = tempDir('privlink-prfleet-');
    writeSyntheticFleet(join(dir, 'customers'), n);
    writeFileSync(join(dir, 'privlink.yaml'), readFileSync(join(ROOT, 'privlink.yaml'), 'utf8'));
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'config', 'user.name', 'Ops Engineer');
    git(dir, 'config', 'user.email', 'ops@example.com');
    expect(spawnSync(process.execPath, [BIN, 'generate', '-q'], { cwd: dir, env: ENV }).status).toBe(0); // worker processes
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'fleet');
    const fleet = readFileSync(join(dir, 'privlink.yaml'), 'utf8');
    writeFileSync(join(dir, 'privlink.yaml'), fleet.replace(/^labels:\n/m, 'labels:\n  owner: platform-team\n'));
    const pr = join(tempDir(), 'pr.md');
    const r = spawnSync(process.execPath, [BIN, 'generate', '--commit', '--pr-body', pr], { cwd: dir, encoding: 'utf8', env: ENV });
    expect([r.status, r.stderr]).toEqual([0, '']);
    return { dir, body: readFileSync(pr, 'utf8'), message: git(dir, 'log', '-1', '--format=%B'), subject: git(dir, 'log', '-1', '--format=%s'), stdout: r.stdout };
  }

  for (const n of [42, 1000]) {
    it(`a label in privlink.yaml over ${n} customers: body ≤ 65,536, subject ≤ 72 naming the fleet setting, no topology`, async () => {
      const { dir, body, message, subject, stdout } = await labelChange(n);
      expect(body.length).toBeLessThanOrEqual(PR_BODY_LIMIT);
      expect(message.length).toBeLessThanOrEqual(PR_BODY_LIMIT);
      expect(subject).toBe(`privlink: fleet settings: labels (${n} customers)`);
      expect(subject.length).toBeLessThanOrEqual(SUBJECT_LIMIT);
      expect(body).not.toContain('```mermaid'); // only tags change: no topology changed
      // Identical changes are grouped; the groups together name every customer once.
      const groups = [...body.matchAll(/^## (\d+) customers, one change: fleet settings: tags, labels \((\d+) changed\)$/gm)];
      expect(groups.length).toBeGreaterThan(0);
      expect(groups.reduce((sum, g) => sum + Number(g[1]), 0)).toBe(n);
      // What is claimed is what takes default tags and labels: no Cloud Router, peer, record set or policy "in place".
      expect(body).toMatch(/the tags of the \d+ AWS resources that take default tags change in place/);
      expect(body).not.toMatch(/every (AWS|GCP) resource/);
      // Every customer's output is in the commit, and its clean clone passes check.
      expect(git(dir, 'show', '--name-only', '--format=', 'HEAD').split('\n').filter((f) => f.endsWith('/operator/cdk.tf.json'))).toHaveLength(n);
      expect(stdout).toContain('on new branch privlink/fleet-labels');
      // The PR says what CI will run, within GitHub's matrix limits: shards, and no lab for a tags-only change.
      expect(body).toMatch(new RegExp(`customers \\(20 shards, ${n} customers\\)`));
      expect(body).toMatch(new RegExp(`none for ${n} customers whose change is tags, labels or documentation only`));
      if (n <= 100) {
        // The branch's clean clone passes check (once: the clone of 1,000 folders proves nothing more).
        const clone = tempDir('privlink-prclone-');
        execFileSync('git', ['clone', '-q', '-b', 'privlink/fleet-labels', dir, clone], { env: ENV });
        expect(spawnSync(process.execPath, [BIN, 'check', '-q'], { cwd: clone, env: ENV }).status).toBe(0);
      }
    }, 240_000);
  }

  it('a change that differs for every customer still fits: sections beyond the limit are shortened or left out, and it says where to look', () => {
    const summaries: ChangeSummary[] = Array.from({ length: 1000 }, (_, i) => ({
      customer: `c${String(i).padStart(5, '0')}`,
      isNew: false,
      stacks: [{ title: 'operator stack: AWS', diff: { added: Array.from({ length: 1 + (i % 40) }, (_, k) => `aws_vpc_security_group_ingress_rule.rule_${i}_${k}`), changed: [], removed: [] } }],
      settings: [],
      transitions: [],
      cost: { before: 249.6, after: 249.6 + (i % 40) * 0.1, customerBefore: 32.85, customerAfter: 32.85 },
      hostnames: [],
      checklist: [`rule set ${i} matches what customer ${i} asked for`],
      causes: ['spec'],
      topologyChanged: false,
      unchanged: false,
    }));
    const set = { summaries, removed: [], removedPaths: [], fleetKeys: [], hubs: [], ci: [], topology: () => '' };
    const body = pullRequestBody(set);
    expect(body.length).toBeLessThanOrEqual(PR_BODY_LIMIT);
    expect(body).toMatch(/\*\*Shortened to fit GitHub's 65,536-character limit:\*\* .*sections? left out; the committed files .* and `privlink generate --json` list every change\./);
    expect(commitMessage(set).length).toBeLessThanOrEqual(PR_BODY_LIMIT);
    expect(subjectOf(set)).toBe('privlink: 1000 customers: spec change');
  });
});

