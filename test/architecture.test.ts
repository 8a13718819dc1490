/**
 * The shape of src/: no import cycles, every folder imports only from the layers below it (or from itself), and no
 * function is longer than 120 lines.
 * Type-only imports count: a layer that needs another's types depends on it. Imports are read with the TypeScript
 * compiler's own pre-processor, dynamic `import()` included.
 *
 *   domain, support  facts with their sources; small helpers (words, processes, reading Terraform documents)
 *   input            the customer spec: YAML with positions, schema, rules
 *   fleet            privlink.yaml
 *   model            every name, address and tunnel decided once
 *   render           cdktf stack, Handlebars module, Markdown, CI config, manifest
 *   lint, lab        the rule pack over generated artifacts; the lab over generated JSON
 *   pipeline         spec files → models → rendered files, in memory (specs, allocations, generate, fingerprint…)
 *   run              the fleet run: incremental, parallel, atomic (engine, pool, worker, writer, check, interrupt)
 *   gitops           what the review and apply loop reads and writes (commit, change summary, plan-guard, status)
 *   cli, tools       the command line (one module per command); schema writer, bench, synthetic fleet
 *
 * No .ts file sits at the top level of src/: every file belongs to a stage, so `ls src` reads as the data flow.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { ROOT } from './helpers';

const SRC = join(ROOT, 'src');
const MAX_FUNCTION_LINES = 120;
const LAYERS: readonly (readonly string[])[] = [['domain', 'support'], ['input'], ['fleet'], ['model'], ['render'], ['lint', 'lab'], ['pipeline'], ['run'], ['gitops'], ['cli', 'tools']];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** file → the src/ files it imports (relative specifiers only; packages are not layers). */
function importGraph(): Map<string, string[]> {
  const files = sources(SRC);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const deps = info.importedFiles
      .map((f) => f.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => {
        const base = resolve(dirname(file), name);
        return [`${base}.ts`, join(base, 'index.ts')].find((c) => known.has(c)) ?? `${base} (unresolved)`;
      });
    graph.set(file, deps);
  }
  return graph;
}

const rel = (f: string) => relative(SRC, f).split(sep).join('/');
const folderOf = (f: string) => (rel(f).includes('/') ? rel(f).split('/')[0]! : '(top)');
const rankOf = (folder: string) => LAYERS.findIndex((l) => l.includes(folder));

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.map(rel).sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe('the architecture of src/', () => {
  const graph = importGraph();

  it('resolves every relative import to a file of src/', () => {
    const unresolved = [...graph].flatMap(([f, deps]) => deps.filter((d) => d.endsWith('(unresolved)')).map((d) => `${rel(f)} → ${d}`));
    expect(unresolved).toEqual([]);
  });

  it('keeps no source file loose at the top level of src/ (each belongs to a stage folder)', () => {
    const loose = readdirSync(SRC, { withFileTypes: true }).filter((e) => !e.isDirectory()).map((e) => e.name);
    expect(loose).toEqual([]);
  });

  it('names only files that exist wherever a file outside src/ points into dist/ (bin, cdktf.json, npm scripts)', () => {
    const pointers = ['bin/privlink.js', 'cdktf.json', 'package.json'].flatMap((file) =>
      [...readFileSync(join(ROOT, file), 'utf8').matchAll(/(?:\.\.\/)?dist\/[\w./-]+\.js/g)].map((m) => ({ file, path: m[0].replace(/^\.\.\//, '') })),
    );
    expect(pointers.map((p) => p.path)).toEqual(expect.arrayContaining(['dist/run/interrupt.js', 'dist/cli/index.js', 'dist/pipeline/cdktf-app.js', 'dist/tools/bench.js']));
    expect(pointers.filter((p) => !existsSync(join(ROOT, p.path))).map((p) => `${p.file}: ${p.path}`)).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('lets every folder import only from layers below it, or from itself', () => {
    const folders = new Set([...graph.keys()].map(folderOf));
    expect([...folders].filter((f) => rankOf(f) < 0)).toEqual([]); // a new folder must be given its layer here
    const upward = [...graph].flatMap(([file, deps]) =>
      deps
        .filter((dep) => {
          const [from, to] = [folderOf(file), folderOf(dep)];
          return from !== to && rankOf(to) >= rankOf(from);
        })
        .map((dep) => `${rel(file)} → ${rel(dep)}`),
    );
    expect(upward).toEqual([]);
  });

  it('has no function longer than 120 lines', () => {
    const long: string[] = [];
    for (const file of graph.keys()) {
      const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (n: ts.Node) => {
        if (ts.isFunctionLike(n) && 'body' in n && n.body) {
          const lines = sf.getLineAndCharacterOfPosition(n.getEnd()).line - sf.getLineAndCharacterOfPosition(n.getStart()).line + 1;
          if (lines > MAX_FUNCTION_LINES) long.push(`${rel(file)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1} (${lines} lines)`);
        }
        ts.forEachChild(n, visit);
      };
      visit(sf);
    }
    expect(long).toEqual([]);
  });

  it('finds a cycle and an upward import when there is one (the checks above can fail)', () => {
    const a = join(SRC, 'model', 'a.ts');
    const b = join(SRC, 'render', 'b.ts');
    const fake = new Map([
      [a, [b]],
      [b, [a]],
    ]);
    expect(cycles(fake)).toEqual([['model/a.ts', 'render/b.ts']]);
    expect(rankOf(folderOf(b)) >= rankOf(folderOf(a))).toBe(true); // model → render is upward
    expect(rankOf(folderOf(join(SRC, 'run', 'x.ts'))) > rankOf(folderOf(join(SRC, 'pipeline', 'y.ts')))).toBe(true); // pipeline → run is upward
    expect(rankOf(folderOf(join(SRC, 'loose.ts')))).toBe(-1); // a file at the top has no layer, so the layer check names it too
  });
});
