/** `privlink status [customers..]`: where each customer's connection stands, from its operator stack's state. */
import { allocateRun } from '../../pipeline/allocations';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildModel, type CustomerModel } from '../../model/model';
import { UsageError } from '../../input/problems';
import { validateRun } from '../../pipeline/specs';
import { customerStatus, StateError, type CustomerStatus } from '../../gitops/status';
import { plural } from '../../support/words';
import { ENGINE_COMMAND, type Engine } from '../../domain/constants';
import { enterRoot, setup } from '../context';
import { JSON_OPTION, pathOptions, type Command, type CommonArgs } from '../options';

interface StatusArgs extends CommonArgs {
  customers: string[];
  state?: string;
  json: boolean;
}

/** The state document: --state FILE, or `terraform show -json` in the customer's operator folder. */
function readState(model: CustomerModel, outDir: string, stateFile: string | undefined, engine: Engine): unknown {
  const cmd = ENGINE_COMMAND[engine];
  let text: string;
  let where: string;
  if (stateFile !== undefined) {
    where = stateFile;
    try {
      text = readFileSync(stateFile, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read state "${stateFile}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  } else {
    const dir = join(outDir, model.name, 'operator');
    where = `${cmd} show -json in ${dir}/`;
    if (!existsSync(join(dir, 'cdk.tf.json'))) throw new StateError(`${dir}/cdk.tf.json does not exist: run \`privlink generate\` first`);
    const r = spawnSync(cmd, ['show', '-json', '-no-color'], { cwd: dir, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
    if (r.error) throw new StateError(`cannot run ${cmd} in ${dir}/ (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}): install ${engine === 'opentofu' ? 'OpenTofu' : 'Terraform'} (privlink.yaml ci.engine), or pass --state FILE`);
    if (r.status !== 0) throw new StateError(`${where} failed: ${(r.stderr.trim().split('\n').find((l) => /Error/.test(l)) ?? r.stderr.trim().split('\n')[0] ?? '').replace(/^[│╷╵\s]+/, '')} (run \`${cmd} init\` there, or pass --state FILE)`);
    text = r.stdout;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new StateError(`${where} is not JSON: expected the output of \`${cmd} show -json\``);
  }
}

/** The people's report of one customer. */
function formatStatus(s: CustomerStatus): string {
  const lines = [`${s.customer}: ${s.phase}: ${s.reason}`];
  // With a failover region, each tunnel says which region it is in.
  const regions = s.tunnels.some((t) => t.site === 'failover');
  for (const t of s.tunnels) {
    const aws = [t.aws, t.lastStatusChange ? `since ${t.lastStatusChange}` : '', t.acceptedRoutes !== undefined ? plural(t.acceptedRoutes, 'accepted route') : '', t.statusMessage ?? '']
      .filter(Boolean)
      .join(', ');
    const where = regions ? ` in ${t.region}${t.site === 'failover' ? ' (failover)' : ''}` : '';
    lines.push(`  tunnel ${t.tunnel}${where}${t.outsideAddress ? ` (${t.outsideAddress})` : ''}: AWS ${aws}${t.gcp ? `; GCP ${t.gcp}` : ''}`);
  }
  for (const e of s.endpoints) lines.push(`  endpoint ${e.endpoint}: ${e.state}${e.endpointId ? ` (${e.endpointId})` : ''}`);
  return `${lines.join('\n')}\n`;
}

export const status: Command<StatusArgs> = {
  usage: 'status [customers..]',
  describe:
    "Where each customer's connection stands, from its operator stack's Terraform state: each AWS tunnel UP or DOWN, each GCP tunnel's status, each endpoint's state, and a phase: awaiting-customer (no endpoint has a service name yet), awaiting-acceptance (an endpoint waits for the customer to accept it), connected, degraded (a tunnel or an endpoint down), down (no tunnel up), unknown (the state holds no tunnel telemetry yet), decommissioning (the spec says decommission: true). Exit 1 when any customer is degraded or down; 2 when a state cannot be read or is another customer's",
  positionals: { customers: { type: 'string', array: true, default: [] as string[], describe: 'Customer names (none: every customer)' } },
  options: {
    ...pathOptions('config', 'specs-dir', 'out'),
    state: { type: 'string', requiresArg: true, describe: 'Read this `terraform show -json` output instead of running terraform (one customer)' },
    ...JSON_OPTION,
  },
  examples: [
    ['$0 status', 'Every customer, from `terraform show -json` in each generated/<name>/operator/'],
    ['$0 status acme --state state.json --json', 'One customer from a saved state, as JSON for cron or CI'],
  ],
  async run(a, io) {
    const [stateFile] = enterRoot(a, io, [a.state]);
    const { fleet, specsDir, outDir } = setup(a);
    if (stateFile !== undefined && a.customers.length !== 1) throw new UsageError('--state holds one customer\'s state: name exactly that customer (privlink status acme --state FILE)');
    const run = validateRun({ specs: [], specsDir });
    const allocations = allocateRun(run, { outDir, fleet: fleet.config });
    const models = run.requested.map((s) => buildModel(s.spec, s.file, fleet.config, allocations.get(s.spec.name)!));
    const unknown = a.customers.filter((c) => !models.some((m) => m.name === c));
    if (unknown.length > 0) {
      throw new UsageError(`no customer ${unknown.map((c) => `"${c}"`).join(', ')} in ${specsDir}/ (customers there: ${models.map((m) => m.name).join(', ') || 'none'})`);
    }
    const chosen = a.customers.length > 0 ? models.filter((m) => a.customers.includes(m.name)) : models;
    const results: CustomerStatus[] = [];
    const failures: { customer: string; error: string }[] = [];
    for (const model of chosen) {
      try {
        results.push(customerStatus(model, readState(model, outDir, stateFile, fleet.config.ci.engine)));
      } catch (err) {
        if (!(err instanceof StateError)) throw err;
        failures.push({ customer: model.name, error: err.message });
      }
    }
    const code = failures.length > 0 ? 2 : results.some((r) => r.alert) ? 1 : 0;
    if (a.json) io.out(`${JSON.stringify({ command: 'status', ok: code === 0, customers: results, ...(failures.length ? { failures } : {}) })}\n`);
    else for (const r of results) io.out(formatStatus(r));
    for (const f of failures) io.err(`privlink status: ${f.customer}: ${f.error}\n`);
    return code;
  },
};
