// GitHub's own workflow parser (@actions/workflow-parser) on the files named on the command line; prints
// [{ file, errors: [...] }] as JSON. Its dist imports JSON without an import attribute, which Node 20 refuses, so a
// loader hook serves .json files as modules (reference §1.5b).
import { readFileSync } from 'node:fs';
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
      import { readFileSync } from 'node:fs';
      import { fileURLToPath } from 'node:url';
      export async function load(url, context, next) {
        if (!url.endsWith('.json')) return next(url, context);
        const text = readFileSync(fileURLToPath(url), 'utf8');
        return { format: 'module', source: 'export default ' + text + ';', shortCircuit: true };
      }
    `),
);

const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await import('@actions/workflow-parser');
const results = [];
for (const file of process.argv.slice(2)) {
  const parsed = parseWorkflow({ name: file, content: readFileSync(file, 'utf8') }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (parsed.value !== undefined && errors.length === 0) {
    // The conversion to a workflow model checks what the schema cannot: job needs, matrix, expressions in context.
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    errors.push(...(template.errors ?? []).map((e) => e.Message ?? e.message ?? String(e)));
  }
  results.push({ file, errors });
}
process.stdout.write(`${JSON.stringify(results)}\n`);
