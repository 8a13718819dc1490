/**
 * `privlink plan <customer>`: what CI runs for one customer, on this machine: `init`, `plan` into a plan file,
 * `show -json` of it, and plan-guard with the customer's allowance, with the engine privlink.yaml's `ci.engine` names
 * (`terraform`, or `tofu` for OpenTofu). Nothing is applied.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Refused, UsageError } from '../../input/problems';
import { ENGINE_COMMAND, type Engine } from '../../domain/constants';
import { ALLOW_FILE_SUFFIX } from '../../render/ci';
import { enterRoot, setup } from '../context';
import type { Io } from '../io';
import { JSON_OPTION, pathOptions, type Command, type CommonArgs } from '../options';
import { planGuard } from './plan-guard';

interface PlanArgs extends CommonArgs {
  customer: string;
  json: boolean;
}

/** Runs one step of the engine in `dir` with its output on stderr (people read it; stdout stays plan-guard's). */
function step(engine: Engine, dir: string, args: readonly string[], io: Io, capture = false): string {
  const cmd = ENGINE_COMMAND[engine];
  const r = spawnSync(cmd, [...args], { cwd: dir, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, env: { ...process.env, TF_IN_AUTOMATION: '1' } });
  if (r.error) {
    const what = engine === 'opentofu' ? 'OpenTofu (`tofu`)' : 'Terraform';
    throw new Refused(`cannot run ${cmd} (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}): install ${what} and put it on the PATH (privlink.yaml ci.engine: ${engine})`);
  }
  if (!capture && r.stdout) io.err(r.stdout);
  if (r.stderr) io.err(r.stderr);
  if (r.status !== 0) throw new Refused(`${cmd} ${args[0]} failed in ${dir} (exit ${r.status}); see its output above`);
  return r.stdout;
}

export const plan: Command<PlanArgs> = {
  usage: 'plan <customer>',
  describe:
    "Plan one customer's operator stack as CI does, on this machine, with privlink.yaml's ci.engine (terraform, or tofu for OpenTofu): init, plan -lock-timeout=30m into a plan file in a temporary folder (named on stderr), show -json of it, then plan-guard with customers/<name>.plan-guard-allow when it exists. Needs that engine and the clouds' credentials (or a provider configuration that plans offline); applies nothing. Exit: plan-guard's (0 passes, 1 blocked), 1 when terraform fails",
  positionals: { customer: { type: 'string', describe: 'Customer name: plans <out>/<customer>/operator' } },
  options: { ...pathOptions('config', 'specs-dir', 'out'), ...JSON_OPTION },
  examples: [
    ['$0 plan acme', "acme's plan and plan-guard's verdict, before pushing a change"],
    ['$0 plan acme --json', "plan-guard's verdict as JSON (the engine's output goes to stderr)"],
  ],
  async run(a, io) {
    if (!a.customer) throw new UsageError('name a customer: privlink plan acme');
    enterRoot(a, io, []);
    const { fleet, specsDir, outDir } = setup(a);
    const engine = fleet.config.ci.engine;
    const dir = join(outDir, a.customer, 'operator');
    if (!existsSync(join(dir, 'cdk.tf.json'))) throw new Refused(`no ${dir}/cdk.tf.json: check the name, or run \`privlink generate\` first`);
    // The plan files go outside the output folder: left in operator/, check would report them and generate remove them.
    const work = mkdtempSync(join(tmpdir(), `privlink-plan-${a.customer}-`));
    const planFile = join(work, 'tfplan');
    step(engine, dir, ['init', '-input=false', '-no-color'], io);
    step(engine, dir, ['plan', '-input=false', '-no-color', '-lock-timeout=30m', `-out=${planFile}`], io);
    writeFileSync(join(work, 'plan.json'), step(engine, dir, ['show', '-json', planFile], io, true));
    if (!a.json) io.err(`privlink plan: the plan is ${planFile}, its JSON ${join(work, 'plan.json')} (the plan holds the VPN keys: delete the folder when done)\n`);
    const allow = join(specsDir, `${a.customer}${ALLOW_FILE_SUFFIX}`);
    return planGuard.run({ ...a, plan: join(work, 'plan.json'), ...(existsSync(allow) ? { 'allow-file': allow } : {}) }, io);
  },
};
