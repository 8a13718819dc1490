/** `privlink lint [dir]`: the security rule pack over generated artifacts. */
import { existsSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { Refused, UsageError } from '../../input/problems';
import { plural } from '../../support/words';
import { enterRoot, setup } from '../context';
import { JSON_OPTION, pathOptions, type Command, type CommonArgs } from '../options';

export const lint: Command<CommonArgs & { dir?: string; json: boolean }> = {
  usage: 'lint [dir]',
  describe: 'Run the security rule pack over generated artifacts (operator JSON, customer modules and their examples): exit 1 on any finding the spec does not except in writing',
  positionals: { dir: { type: 'string', describe: 'Folder to scan (default: the output folder)' } },
  options: { ...pathOptions('config', 'out'), ...JSON_OPTION },
  examples: [
    ['$0 lint', 'Scan generated/'],
    ['$0 lint generated/acme', 'Scan one customer'],
  ],
  async run(a, io) {
    const [given] = enterRoot(a, io, [a.dir]);
    const dir = given ?? setup(a).outDir;
    if (!existsSync(dir)) throw new UsageError(`no folder "${dir}" to lint`);
    const { RULES, formatFinding, lintDocs, loadArtifacts } = await import('../../lint');
    const docs = await loadArtifacts(dir);
    // An empty scan proves nothing: a wrong folder, or output never generated, must not pass as "no findings".
    if (docs.length === 0) {
      throw new Refused(`no generated artifacts in "${dir}" (no operator/*.tf.json, no customer-module/*.tf): run \`privlink generate\` first, or name the output folder`);
    }
    // A folder inside the output folder is judged with the whole output's operator stacks around it (a hub's peers are
    // watched by policies in their customers' stacks); a folder elsewhere is judged on its own.
    const out = resolve(setup(a).outDir);
    const inside = resolve(dir) !== out && resolve(dir).startsWith(`${out}${sep}`);
    const context = inside ? [...docs, ...(await loadArtifacts(out, out, false))] : docs;
    const all = lintDocs(docs, RULES, context);
    const findings = all.filter((f) => f.excepted === undefined);
    const excepted = all.filter((f) => f.excepted !== undefined);
    const code = findings.length > 0 ? 1 : 0;
    if (a.json) {
      const asJson = (f: (typeof all)[number]) => ({ file: f.file, rule: f.rule.id, mirrors: f.rule.mirrors, message: f.message, ...(f.excepted ? { excepted: f.excepted } : {}) });
      io.out(`${JSON.stringify({ command: 'lint', ok: code === 0, artifacts: docs.length, rules: RULES.length, findings: findings.map(asJson), excepted: excepted.map(asJson) })}\n`);
      return code;
    }
    const exceptedNote = excepted.length ? `, ${excepted.length} excepted by the spec` : '';
    if (!a.quiet) for (const f of excepted) io.out(`${formatFinding(f)}\n`);
    for (const f of findings) io.err(`${formatFinding(f)}\n`);
    if (code === 1) {
      io.err(`privlink lint: ${plural(findings.length, 'finding')} in ${plural(new Set(findings.map((f) => f.file)).size, 'artifact')}${exceptedNote}\n`);
    } else if (!a.quiet) {
      io.out(`privlink lint: ${plural(docs.length, 'artifact')}, ${RULES.length} rules, no findings${exceptedNote}\n`);
    }
    return code;
  },
};
