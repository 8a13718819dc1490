/**
 * Entry point for the CDKTF CLI (`cdktf synth`, via cdktf.json): one stack per spec in customers/, the same
 * stacks (with privlink.yaml's settings) `privlink generate` writes to generated/<name>/operator/cdk.tf.json.
 */
import { App } from 'cdktf';
import { allocateRun } from './allocations';
import { loadFleet } from '../fleet/load';
import { validateRun } from './generate';
import { buildModel } from '../model/model';
import { buildOperatorStack } from '../render/operator';
import { InputError } from '../input/problems';

const fleet = loadFleet().config;
try {
  const run = validateRun({ specs: [], specsDir: process.env.PRIVLINK_SPECS_DIR ?? fleet.paths.specs });
  const allocations = allocateRun(run, { outDir: fleet.paths.output, fleet });
  const app = new App();
  for (const { spec, file } of run.requested) buildOperatorStack(app, buildModel(spec, file, fleet, allocations.get(spec.name)!));
  app.synth();
} catch (err) {
  if (!(err instanceof InputError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}
