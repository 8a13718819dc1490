/** `privlink lab [customer]`: prove a customer's connection on this machine (see src/lab/). */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { HUB_ROUTERS_DIR, HUB_SESSIONS_DIR, HUBS_FOLDER } from '../../domain/constants';
import { Refused, UsageError } from '../../input/problems';
import { ALLOCATION_FILE, parseAllocation } from '../../model/allocation';
import { readIfExists } from '../../support/files';
import { onInterrupt } from '../../interrupt';
import { enterRoot, setup } from '../context';
import type { Io } from '../io';
import { pathOptions, type Command, type CommonArgs } from '../options';

interface LabArgs extends CommonArgs {
  customer?: string;
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

/** A customer on a shared Cloud Router: its hub's routers and sessions stacks (its allocation.json names the hub). */
function hubFilesOf(outDir: string, customer: string): { routers: string; sessions: string } | undefined {
  const a = parseAllocation(readIfExists(join(outDir, customer, ALLOCATION_FILE)));
  if (a?.router.placement !== 'shared') return undefined;
  const hub = join(outDir, HUBS_FOLDER, a.router.hub);
  return { routers: join(hub, HUB_ROUTERS_DIR, 'cdk.tf.json'), sessions: join(hub, HUB_SESSIONS_DIR, 'cdk.tf.json') };
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
  usage: 'lab [customer]',
  describe:
    "Prove a customer's connection on this machine: simulate the apply of its generated operator/cdk.tf.json, bring up every tunnel (strongSwan) and BGP session (BIRD) in network namespaces, resolve every customer hostname from a pod in each source range (dnsmasq serving the generated Cloud DNS zones) and connect to it through the tunnels and the endpoint's security group, check routes, failover and rekey, then tear everything down (needs root; exit 3 when the machine cannot run it)",
  positionals: { customer: { type: 'string', describe: 'Customer name: reads <out>/<customer>/operator/cdk.tf.json' } },
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
  ],
  async run(a, io) {
    if (a.customer === undefined && a.tf === undefined) throw new UsageError('name a customer (privlink lab acme) or give --tf FILE');
    if (!(a.timeout > 0)) throw new UsageError(`--timeout must be a positive number of seconds, got ${a.timeout}`);
    const [tf] = enterRoot(a, io, [a.tf]);
    const customer = a.customer ?? basename(tf!).replace(/\.tf\.json$|\.json$/, '');
    const tfFile = tf ?? tfFileOf(setup(a).outDir, customer);
    const log = (line: string) => {
      if (!a.quiet && !a.json) io.err(`lab: ${line}\n`);
    };
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
