/**
 * `privlink generate --commit`: turn a spec change into a reviewable branch with real git.
 *
 *   1. before anything is written: inside a git work tree, HEAD exists, the index holds nothing else, a branch named
 *      with --branch is new, checked out (the commit goes on top of it) or merged into HEAD (reused);
 *   2. read the customer's previous files from HEAD (for the change summary);
 *   3. (the caller generates and writes the output)
 *   4. stage the spec, the customer's folder and generated/ci/; if nothing differs from HEAD, say so and stop;
 *   5. without --branch, name the branch after the change (branchFor): the first of `<base>`, `<base>-2`, … that is
 *      free, checked out or merged into HEAD, so a second change never fails on a name;
 *   6. create the branch from HEAD, carrying the staged change, and commit with the summary as the message.
 *
 * git runs as a child process with arguments (never a shell); its own message is shown when it fails.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { RESERVED_CUSTOMER_NAMES } from '../domain/constants';
import { Refused, UsageError } from '../input/problems';
import { MANIFEST_FILE, parseManifest } from '../render/manifest';

export class Git {
  constructor(readonly cwd: string) {}

  run(args: readonly string[], input?: string): string {
    try {
      return execFileSync('git', [...args], { cwd: this.cwd, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    } catch (err) {
      const e = err as { code?: string; stderr?: string; status?: number };
      if (e.code === 'ENOENT') throw new UsageError('--commit needs git, and `git` is not on the PATH');
      throw new Refused(`git ${args[0]} failed: ${(e.stderr ?? '').trim() || `exit ${e.status}`}`);
    }
  }

  /** Exit status of a git command that answers yes/no (0 / 1). */
  test(args: readonly string[]): boolean {
    try {
      execFileSync('git', [...args], { cwd: this.cwd, stdio: 'ignore' });
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') throw new UsageError('--commit needs git, and `git` is not on the PATH');
      return false;
    }
  }

  /** A file's content at `ref` (path relative to the repository root), or undefined. */
  show(path: string, ref = 'HEAD'): string | undefined {
    try {
      return execFileSync('git', ['show', `${ref}:${path}`], { cwd: this.cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
    } catch {
      return undefined;
    }
  }

  /**
   * Every file `ref` has under `folder` (relative to the root), path → content, read with two git processes however
   * many files there are (ls-tree, then one cat-file --batch), not one per file: a fleet-wide change reads thousands.
   */
  readTree(folder: string, ref = 'HEAD'): Map<string, string> {
    const entries = this.run(['ls-tree', '-r', '-z', ref, '--', folder])
      .split('\0')
      .filter(Boolean)
      .map((line) => /^\d+ blob ([0-9a-f]+)\t(.*)$/s.exec(line))
      .filter((m): m is RegExpExecArray => m !== null);
    const out = new Map<string, string>();
    if (entries.length === 0) return out;
    const batch = execFileSync('git', ['cat-file', '--batch'], { cwd: this.cwd, input: `${entries.map((m) => m[1]).join('\n')}\n`, maxBuffer: 1024 * 1024 * 1024 });
    let at = 0;
    for (const m of entries) {
      const eol = batch.indexOf(0x0a, at);
      const size = Number(batch.subarray(at, eol).toString('latin1').split(' ')[2]);
      out.set(m[2]!, batch.subarray(eol + 1, eol + 1 + size).toString('utf8'));
      at = eol + 1 + size + 1;
    }
    return out;
  }

  /** Paths (relative to the root) of the files `ref` has under a folder. */
  listHead(folder: string, ref = 'HEAD'): string[] {
    return this.run(['ls-tree', '-r', '--name-only', '-z', ref, '--', folder]).split('\0').filter(Boolean);
  }
}

export interface CommitTarget {
  readonly git: Git;
  /** Repository root, absolute. */
  readonly root: string;
  /** The branch named with --branch; undefined: branchFor names it once the change is known. */
  readonly branch?: string;
  /** The branch exists and is checked out: the commit goes on top of it (a second change for one customer). */
  readonly existing: boolean;
  /** The branch exists, is not checked out, and is merged into HEAD: it is moved to HEAD and reused. */
  readonly reuse?: boolean;
  /** Why this branch, when it is not simply a new one (said on stdout). */
  readonly why?: string;
}

/** How a branch name stands in a repository: free, checked out, merged into HEAD (reusable), or in use. */
function branchState(git: Git, name: string): 'free' | 'current' | 'merged' | 'taken' {
  if (!git.test(['rev-parse', '--verify', '--quiet', `refs/heads/${name}`])) return 'free';
  if (git.run(['branch', '--show-current']).trim() === name) return 'current';
  return git.test(['merge-base', '--is-ancestor', `refs/heads/${name}`, 'HEAD']) ? 'merged' : 'taken';
}

/**
 * The branch for a change without --branch: `base` when it is free, checked out (the commit goes on top) or merged
 * into HEAD (reused); else the first free or reusable `base-2`, `base-3`…, saying why.
 */
export function branchFor(target: CommitTarget, base: string): CommitTarget {
  if (target.branch !== undefined) return target;
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    const state = branchState(target.git, name);
    const taken = i === 1 ? '' : `${i === 2 ? base : `${base} to ${base}-${i - 1}`} exist${i === 2 ? 's' : ''} and ${i === 2 ? 'is' : 'are'} not merged into HEAD`;
    if (state === 'current') return { ...target, branch: name, existing: true, why: 'checked out: the commit goes on top of it' };
    if (state === 'free') return { ...target, branch: name, existing: false, ...(taken ? { why: `${taken}: the next free name` } : {}) };
    if (state === 'merged') return { ...target, branch: name, existing: false, reuse: true, why: `${name} is merged into HEAD: reused, moved to HEAD${taken ? ` (${taken})` : ''}` };
  }
}

/** `generated/acme` (relative to cwd) → path relative to the repository root, forward slashes. */
export function repoPath(root: string, path: string): string {
  return relative(root, resolve(path)).split(sep).join('/');
}

/**
 * Checks everything --commit needs before a single file is written. `stagedOk` names staged changes that are the
 * user's part of this change (the deletion of a removed customer's spec and folder, `git rm`); any other staged change
 * is refused, so the commit holds only this change.
 */
export function prepareCommit(branch: string | undefined, cwd = process.cwd(), stagedOk: (status: string, path: string, root: string) => boolean = () => false): CommitTarget {
  const probe = new Git(cwd);
  if (!probe.test(['rev-parse', '--is-inside-work-tree'])) throw new Refused('--commit: not inside a git repository');
  const root = probe.run(['rev-parse', '--show-toplevel']).trim();
  const git = new Git(root);
  if (!git.test(['rev-parse', '--verify', '--quiet', 'HEAD'])) throw new Refused('--commit: the repository has no commit yet; commit the specs first');
  if (branch !== undefined && !git.test(['check-ref-format', '--branch', branch])) throw new Refused(`--commit: "${branch}" is not a valid branch name`);
  const staged = git
    .run(['diff', '--cached', '--name-status', '-z', '--no-renames'])
    .split('\0')
    .filter(Boolean)
    .reduce<[string, string][]>((pairs, field, i, all) => (i % 2 === 0 ? [...pairs, [field, all[i + 1] ?? '']] : pairs), []);
  const foreign = staged.filter(([status, path]) => !stagedOk(status, path, root));
  if (foreign.length > 0) {
    throw new Refused(
      `--commit: the index has staged changes (${foreign.slice(0, 3).map(([st, p]) => `${st} ${p}`).join(', ')}${foreign.length > 3 ? ', …' : ''}); ` +
        'commit or unstage them first (git restore --staged .), so the commit holds only this change',
    );
  }
  if (branch === undefined) return { git, root, existing: false };
  const state = branchState(git, branch);
  if (state === 'taken') {
    throw new Refused(
      `--commit: branch "${branch}" already exists, is not checked out and is not merged into HEAD; to add this change to it, \`git switch ${branch}\` and run again; ` +
        'or leave out --branch, and privlink names a free branch',
    );
  }
  return { git, root, branch, existing: state === 'current', ...(state === 'merged' ? { reuse: true, why: `${branch} is merged into HEAD: reused, moved to HEAD` } : {}) };
}

/** Pathspecs that keep Terraform's own files (state, plugins, lock file) out of the commit. */
const EXCLUDES = [':(exclude,glob)**/.terraform/**', ':(exclude,glob)**/.terraform.lock.hcl', ':(exclude,glob)**/terraform.tfstate*', ':(exclude,glob)**/*.tfplan'];

/**
 * Stages `paths` (relative to the root) and, when anything differs from HEAD, commits it on a new branch (or on top
 * of the checked-out branch of that name). Returns the new commit's id, or undefined when there was nothing to commit
 * (no branch is created then).
 */
export function commitOnBranch(target: CommitTarget, paths: readonly string[], message: string): string | undefined {
  const { git, branch } = target;
  if (branch === undefined) throw new Error('commitOnBranch: no branch chosen (branchFor)');
  git.run(['add', '-A', '--', ...paths, ...EXCLUDES]);
  if (git.test(['diff', '--cached', '--quiet'])) return undefined;
  if (!target.existing) git.run(['switch', '--quiet', target.reuse ? '-C' : '-c', branch]);
  git.run(['commit', '--quiet', '-F', '-'], message);
  return git.run(['rev-parse', 'HEAD']).trim();
}

/** A customer folder a commit has and the working tree has not, and whether its manifest there was decommissioning. */
export interface GoneFolder {
  readonly name: string;
  /** Its manifest, relative to the repository root. */
  readonly manifest: string;
  readonly decommissioned: boolean;
}

/** The customer folders (ci/ and hubs/ aside) that `ref` has under `outDir` and the working tree has not. */
export function foldersGone(git: Git, root: string, ref: string, outDir: string): GoneFolder[] {
  const out = repoPath(root, outDir);
  return git
    .listHead(out, ref)
    .map((p) => p.slice(out.length + 1).split('/'))
    .filter((parts) => parts.length === 2 && parts[1] === MANIFEST_FILE && !RESERVED_CUSTOMER_NAMES.includes(parts[0]!))
    .map((parts) => parts[0]!)
    .filter((name) => !existsSync(resolve(root, out, name)))
    .map((name) => {
      const manifest = `${out}/${name}/${MANIFEST_FILE}`;
      return { name, manifest, decommissioned: parseManifest(git.show(manifest, ref))?.decommission === true };
    });
}

/**
 * The customers a change deletes while they were live at `base` (a pull request's base commit): their folder is in
 * `base` and not in the working tree, and their manifest at `base` has no `"decommission": true`. Nothing would plan
 * their resources any more.
 */
export function liveDeletions(base: string, outDir: string, cwd = process.cwd()): GoneFolder[] {
  const probe = new Git(cwd);
  if (!probe.test(['rev-parse', '--is-inside-work-tree'])) throw new UsageError('--base: not inside a git repository');
  const root = probe.run(['rev-parse', '--show-toplevel']).trim();
  const git = new Git(root);
  if (!git.test(['rev-parse', '--verify', '--quiet', `${base}^{commit}`])) throw new UsageError(`--base: "${base}" is no commit of this repository (fetch it first: actions/checkout with fetch-depth: 0)`);
  return foldersGone(git, root, base, outDir).filter((f) => !f.decommissioned);
}
