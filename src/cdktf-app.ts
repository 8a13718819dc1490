/**
 * Entry point for the CDKTF CLI (`cdktf synth`, via cdktf.json): one stack per spec in customers/, the same
 * stacks (with privlink.yaml's settings) `privlink generate` writes to generated/<name>/operator/cdk.tf.json.
 */
import { App } from 'cdktf';
import { loadFleet } from './fleet/load';
import { discoverSpecs, displayPath } from './generate';
import { buildModel } from './model/model';
import { buildOperatorStack } from './render/operator';
import { loadSpecs } from './input/load';
import { InputError } from './input/problems';

const fleet = loadFleet().config;
const result = loadSpecs(discoverSpecs(process.env.PRIVLINK_SPECS_DIR ?? fleet.paths.specs).map((f) => displayPath(f)));
if (result.problems.length > 0) {
  process.stderr.write(`${new InputError(result.problems).message}\n`);
  process.exit(1);
}
const app = new App();
for (const { spec, file } of result.specs) buildOperatorStack(app, buildModel(spec, file, fleet));
app.synth();
