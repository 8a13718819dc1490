/**
 * `privlink lab [customers..]`: prove a customer's connection on this machine (see src/lab/); several customers on
 * one shared Cloud Router together, on one routing daemon (lab/shared.ts).
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { HUB_ROUTERS_DIR, HUB_SESSIONS_DIR, HUBS_FOLDER } from '../../domain/constants';
import { Refused, UsageError } from '../../input/problems';
import { ALLOCATION_FILE, parseAllocation } from '../../model/allocation';
import { readIfExists } from '../../support/files';
import { onInterrupt } from '../../run/interrupt';
import { enterRoot, setup } from '../context';
import type { Io } from '../io';
import { pathOptions, type Command, type CommonArgs } from '../options';

interface LabArgs extends CommonArgs {
  customers: string[];
  tf?: string;
  json: boolean;
  timeout: number;
  keep: boolean;
  install: boolean;
}

/** The generated JSON of a customer, or a refusal that names the folder and the customers it holds. */
function tfFileOf(outDir: string, customer: string): string {
  if (!existsSync(join(outDir, customer))) {
    const known = existsSync(outDir) ? readdirSync(outDir).filter((f) => existsSync(join(outDir, f, 'operator', 'cdk.tf.json'))).sort() : [];
    throw new Refused(
      `no customer "${customer}" in ${outDir}/ (${known.length ? `customers there: ${known.join(', ')}` : 'it holds no generated customer'}); ` +
        'check the name, or run `privlink generate` first',
    );
  }
  return join(outDir, customer, 'operator', 'cdk.tf.json');
}

/** Refuses a customer whose folder is not what its spec generates now: the lab would prove yesterday's output. */
async function refuseStale(a: LabArgs, customer: string): Promise<void> {
  const { customerStale } = await import('../../run/engine');
  const { outDir, fleet } = setup(a);
  const why = customerStale(outDir, customer, fleet.bytes);
  if (why !== undefined) {
    throw new Refused(`${outDir}/${customer}/ is stale: ${why}; run \`privlink generate\` first, then the lab (or give --tf FILE to prove a file as it is)`);
  }
}

/**
 * A customer with a region on a shared Cloud Router: each such hub's routers and sessions stacks (its allocation.json
 * names the hubs: its primary region's, and its failover region's).
 */
function hubFilesOf(outDir: string, customer: string): { routers: string; sessions: string }[] | undefined {
  const a = parseAllocation(readIfExists(join(outDir, customer, ALLOCATION_FILE)));
  const hubs = [a?.router, a?.failover?.router].flatMap((r) => (r?.placement === 'shared' ? [join(outDir, HUBS_FOLDER, r.hub)] : []));
  return hubs.length ? hubs.map((hub) => ({ routers: join(hub, HUB_ROUTERS_DIR, 'cdk.tf.json'), sessions: join(hub, HUB_SESSIONS_DIR, 'cdk.tf.json') })) : undefined;
}

/** The shared router several customers' allocation.json names, or a refusal that says where each one is. */
function sharedRouterOf(outDir: string, customers: readonly string[]): string {
  const where = customers.map((c) => {
    tfFileOf(outDir, c);
    const r = parseAllocation(readIfExists(join(outDir, c, ALLOCATION_FILE)))?.router;
    return { c, r, at: r?.placement === 'shared' ? `${r.hub}/${r.name}` : undefined };
  });
  const dup = customers.find((c, i) => customers.indexOf(c) !== i);
  if (dup) throw new UsageError(`${dup} is named twice; name each customer on the router once`);
  if (where.every((w) => w.at !== undefined && w.at === where[0]!.at)) return where[0]!.at!;
  const say = (w: (typeof where)[number]) => `${w.c}: ${w.at ? `shared router ${w.r!.name} of hub ${w.r!.placement === 'shared' ? w.r!.hub : ''}` : `a Cloud Router of its own${w.r ? ` (${w.r.name})` : ''}`}`;
  throw new Refused(`the customers do not share one Cloud Router (${where.map(say).join('; ')}); \`privlink lab\` runs several customers together only when their allocation.json names the same shared router: run them one at a time`);
}

/** The machine checks; false (after saying why) when this machine cannot run the lab. */
async function machineReady(a: LabArgs, io: Io, customer: string, log: (line: string) => void): Promise<boolean> {
  const { preflight, LabUnavailable } = await import('../../lab/host');
  // Until runLab takes over the signal (and tears down what it started), an interrupt has nothing to undo.
  const closeInterrupt = onInterrupt(() => 'the lab had not started any namespace or daemon yet');
  try {
    log('checking the machine: root, /dev/net/tun, network namespaces, packages');
    const pre = preflight({ install: a.install, log });
    if (pre.installed.length) log(`installed ${pre.installed.join(' ')}`);
    await new Promise((r) => setImmediate(r)); // a Ctrl-C during the checks is handled here, before anything starts
    return true;
  } catch (err) {
    if (!(err instanceof LabUnavailable)) throw err;
    if (a.json) io.out(`${JSON.stringify({ command: 'lab', customer, skipped: true, reason: err.message })}\n`);
    io.err(`privlink lab: this machine cannot run the lab: ${err.message}\n`);
    return false;
  } finally {
    closeInterrupt();
  }
}

export const lab: Command<LabArgs> = {
  usage: 'lab [customers..]',
  describe:
    "Prove a customer's connection on this machine: simulate the apply of its generated operator/cdk.tf.json, bring up every tunnel (strongSwan) and BGP session (BIRD) in network namespaces, resolve every customer hostname from a pod in each source range (dnsmasq serving the generated Cloud DNS zones) and connect to it through the tunnels and the endpoint's security group, check routes, failover and rekey, then tear everything down (needs root; exit 3 when the machine cannot run it). " +
    "Several customers on one shared Cloud Router run together on one BGP daemon standing for the router: each comes up whole, each VPN gateway learns only its own customer's ranges, and killing the first customer's tunnels leaves the others' sessions, traffic and hostnames alone",
  positionals: {
    customers: { type: 'string', array: true, default: [] as string[], describe: 'Customer name: reads <out>/<customer>/operator/cdk.tf.json (and its hub\'s stacks on a shared router); several names: customers on one shared router' },
  },
  options: {
    ...pathOptions('config', 'out'),
    tf: { type: 'string', requiresArg: true, describe: 'A cdk.tf.json to use instead (a hand-edited copy, say)' },
    json: { type: 'boolean', default: false, describe: 'Print the report as JSON on stdout' },
    timeout: { type: 'number', default: 20, describe: 'Seconds to wait for tunnels and BGP sessions' },
    keep: { type: 'boolean', default: false, describe: 'Keep the daemon configs and logs (the folder is printed); keys included, so delete it after' },
    install: { type: 'boolean', default: true, describe: 'Install missing Debian packages with apt-get (--no-install: name them and stop)' },
  },
  examples: [
    ['sudo $0 lab acme', '4 tunnels and 4 BGP sessions for an HA customer, its hostnames resolved and connected, failover and rekey'],
    ['$0 lab acme --json', 'The same, as JSON for CI'],
    ['$0 lab --tf /tmp/miswired.tf.json', 'Try a hand-edited copy of the generated JSON'],
    ['sudo $0 lab acme initech contoso', 'Customers on one shared Cloud Router (up to 64 BGP sessions: 16 HA customers): all come up, and acme\'s outage leaves the others alone'],
  ],
  async run(a, io) {
    const names = a.customers;
    if (names.length === 0 && a.tf === undefined) throw new UsageError('name a customer (privlink lab acme) or give --tf FILE');
    if (names.length > 1 && a.tf !== undefined) throw new UsageError('--tf takes one file for one customer; several customers are read from the out folder');
    if (!(a.timeout > 0)) throw new UsageError(`--timeout must be a positive number of seconds, got ${a.timeout}`);
    const [tf] = enterRoot(a, io, [a.tf]);
    const log = (line: string) => {
      if (!a.quiet && !a.json) io.err(`lab: ${line}\n`);
    };
    if (names.length > 1) return runShared(a, io, names, log);
    const customer = names[0] ?? basename(tf!).replace(/\.tf\.json$|\.json$/, '');
    const tfFile = tf ?? tfFileOf(setup(a).outDir, customer);
    if (tf === undefined) await refuseStale(a, customer);
    const { prepareLab, runLab } = await import('../../lab/run');
    const prepared = prepareLab(tfFile, undefined, tf === undefined ? hubFilesOf(setup(a).outDir, customer) : undefined);
    if (!(await machineReady(a, io, customer, log))) return 3;
    const { formatReport } = await import('../../lab/report');
    const report = await runLab({ customer, tfFile, timeoutMs: a.timeout * 1000, keep: a.keep, log }, prepared);
    if (a.json) io.out(`${JSON.stringify({ command: 'lab', ...report }, null, 2)}\n`);
    else io.out(formatReport(report));
    return report.ok ? 0 : 1;
  },
};

/** Several customers on one shared router, on one routing daemon: a report each, exit 0 when every one passed. */
async function runShared(a: LabArgs, io: Io, names: readonly string[], log: (line: string) => void): Promise<number> {
  const { outDir } = setup(a);
  const router = sharedRouterOf(outDir, names);
  const { prepareLab } = await import('../../lab/run');
  for (const customer of names) await refuseStale(a, customer);
  const runs = names.map((customer) => {
    const tfFile = tfFileOf(outDir, customer);
    return { o: { customer, tfFile, timeoutMs: a.timeout * 1000, keep: a.keep, log }, prepared: prepareLab(tfFile, undefined, hubFilesOf(outDir, customer)) };
  });
  const { LAB_MAX_SHARED_SESSIONS, runSharedLab } = await import('../../lab/shared');
  const sessions = runs.reduce((n, r) => n + r.prepared.pairs.length, 0);
  if (sessions > LAB_MAX_SHARED_SESSIONS) {
    throw new UsageError(
      `${names.length} customers hold ${sessions} BGP sessions on the shared router; one lab run holds at most ${LAB_MAX_SHARED_SESSIONS} on one routing daemon ` +
        `(16 HA customers, or 32 with one connection: measured on a 2-core machine, docs/lab.md): run them in groups of at most that many, each group on the same router`,
    );
  }
  if (!(await machineReady(a, io, names.join(' '), log))) return 3;
  const { formatReport } = await import('../../lab/report');
  const reports = await runSharedLab(runs);
  const ok = reports.every((r) => r.ok);
  if (a.json) io.out(`${JSON.stringify({ command: 'lab', router, ok, reports }, null, 2)}\n`);
  else {
    const failed = reports.filter((r) => !r.ok).map((r) => r.customer);
    io.out(`${reports.map(formatReport).join('\n')}\nprivlink lab ${names.join(', ')} on shared router ${router}: ${failed.length ? `FAILED (${failed.join(', ')})` : 'all checks passed'}\n`);
  }
  return ok ? 0 : 1;
}
