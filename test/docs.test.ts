/**
 * The docs a user reads: every relative link and anchor in README.md, ARCHITECTURE.md and docs/ resolves, and the
 * README stays a front page (what, quick start, the spec at a glance, commands, links), with the rest in docs/.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT, tempDir } from './helpers';

/** GitHub's heading anchor (github-slugger): lower case, punctuation dropped, each space a hyphen, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fence = !fence;
    const m = !fence && /^#{1,6} (.*)$/.exec(line);
    if (!m) continue;
    const base = m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Every `[text](target)` outside code, with its line. */
function linksOf(markdown: string): { line: number; target: string }[] {
  const out: { line: number; target: string }[] = [];
  let fence = false;
  markdown.split('\n').forEach((text, i) => {
    if (text.startsWith('```')) fence = !fence;
    if (fence) return;
    const prose = text.replace(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) out.push({ line: i + 1, target: m[1]! });
  });
  return out;
}

/** The broken links of the given files, as `file:line: target: why`. */
function brokenLinks(files: readonly string[]): string[] {
  const broken: string[] = [];
  for (const file of files) {
    for (const { line, target } of linksOf(readFileSync(file, 'utf8'))) {
      if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:: not ours to check offline
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const dest = path === '' ? file : resolve(dirname(file), path);
      const where = `${relative(ROOT, file)}:${line}: ${target}`;
      if (!existsSync(dest)) broken.push(`${where}: no such file`);
      else if (anchor !== undefined && (statSync(dest).isDirectory() || !anchorsOf(readFileSync(dest, 'utf8')).has(anchor))) broken.push(`${where}: no heading #${anchor} in ${relative(ROOT, dest)}`);
    }
  }
  return broken;
}

const DOCS = join(ROOT, 'docs');
const guides = () => readdirSync(DOCS).filter((f) => f.endsWith('.md')).map((f) => join(DOCS, f));

describe('the docs', () => {
  it('resolve every relative link and anchor in README.md, ARCHITECTURE.md and docs/', () => {
    expect(guides().length).toBeGreaterThanOrEqual(10);
    expect(brokenLinks([join(ROOT, 'README.md'), join(ROOT, 'ARCHITECTURE.md'), ...guides()])).toEqual([]);
  });

  it('link every guide from the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const linked = new Set(linksOf(readme).map((l) => l.target.split('#')[0]));
    expect(guides().map((g) => relative(ROOT, g)).filter((g) => !linked.has(g))).toEqual([]);
  });

  it('keep the README a front page of at most 300 lines', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(300);
  });

  it('find a missing file and a missing anchor (the check above can fail)', () => {
    expect(anchorsOf('# The spec\n## `privlink plan-guard PLAN.json`\n## A, b\n## A, b\n')).toEqual(new Set(['the-spec', 'privlink-plan-guard-planjson', 'a-b', 'a-b-1']));
    const dir = tempDir('privlink-docs-');
    const page = join(dir, 'page.md');
    writeFileSync(join(dir, 'other.md'), '# Other\n## Known gaps\n');
    writeFileSync(page, '# Page\nsee [x](nowhere.md), [g](other.md#known-gaps) and `[y](code.md)`\n```\n[z](fenced.md)\n```\n[w](other.md#no-such-heading) [self](#page) [web](https://example.com/x)\n');
    expect(brokenLinks([page])).toEqual([
      `${relative(ROOT, page)}:2: nowhere.md: no such file`,
      `${relative(ROOT, page)}:6: other.md#no-such-heading: no heading #no-such-heading in ${relative(ROOT, join(dir, 'other.md'))}`,
    ]);
  });
});
