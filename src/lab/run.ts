/**
 * privlink lab: bring up the VPN a generated `operator/cdk.tf.json` describes, on this machine, and prove it.
 *
 *   simulated apply (apply.ts) → each side's view (sides.ts) → daemon configs (daemons.ts) → bring-up
 *   (bringup.ts: namespaces, daemons, wait for tunnels and BGP) → checks (checks.ts: routes, traffic, failover,
 *   rekey; the hostname path in hostpath.ts) → teardown by PID (teardown.ts) → report (report.ts).
 *
 * This file prepares a run and orders its steps. What a run shares lives in state.ts, its report's shape in
 * types.ts, and why a tunnel or session did not come up in diagnose.ts.
 *
 * Namespaces, all named `privlink-lab-<pid>-…`: `gcp` (Cloud Router: BIRD, the GCP source-range addresses), `aws` (VPN
 * gateway: BIRD, an address in the VPC), and per tunnel one namespace per end (`g<i>`, `a<i>`), each with its own
 * charon, whose user-space ESP device `ipsec0` carries everything that arrives from the router side. The two ends
 * of a tunnel share a veth "internet" between their outside addresses. The end namespaces are forwarding hops
 * the clouds do not have, so they restore the TTL they take (direct eBGP sends TTL 1).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DECOMMISSION_OUTPUT } from '../domain/constants';
import { alarmCheck, alarmView, type AlarmView } from './alarms';
import { LabInputError, simulateApply, type SimulatedApply } from './apply';
import { BGP_TIMERS } from './daemons';
import { hostnameView, type HostnameView } from './hostnames';
import { withHubSessions } from './hub';
import { awsSide, gcpSide, pairTunnels, type AwsSide, type GcpSide, type Pair } from './sides';
import { LabFileError, LabInterrupted, type LabOptions, type LabReport } from './types';
import { LabState } from './state';
import { configs, network, startBirds, startCharons, startServices, waitUp } from './bringup';
import { converge, failoverCheck, hasFailover, preferredPaths, rekeyCheck, routeChecks, trafficCheck } from './checks';
import { regionCheck, regionFailover } from './regions';
import { cleanStale, tearDown } from './teardown';

export { LabFileError, LabInterrupted, NS_PREFIX, type Check, type LabOptions, type LabReport, type SessionRow, type TunnelRow } from './types';
export { parseProtocols, tunnelReason } from './diagnose';

export interface PreparedLab {
  readonly apply: SimulatedApply;
  readonly gcp: GcpSide;
  readonly aws: AwsSide;
  readonly pairs: Pair[];
  readonly view: HostnameView;
  readonly alarms: AlarmView;
}

/** Read the JSON and simulate its apply: everything that can be wrong with the file, before the machine is touched. */
/** A JSON file the lab reads, or a LabFileError that names it. */
function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new LabFileError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (run privlink generate first)`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new LabFileError(`${file}: not JSON: ${(err as Error).message}`);
  }
}

/**
 * `hubs`: the routers and sessions stacks of the customer's hubs, for a customer with a region on a shared Cloud
 * Router (lab/hub.ts merges what is this customer's into its JSON).
 */
export function prepareLab(tfFile: string, random: (n: number) => Buffer = randomBytes, hubs?: readonly { readonly routers: string; readonly sessions: string }[]): PreparedLab {
  const own = readJson(tfFile);
  // A customer's primary and failover regions may each sit on a hub: their sessions join the customer's JSON in turn.
  const json: unknown = (hubs ?? []).reduce((doc: unknown, hub) => withHubSessions(doc, readJson(hub.routers), readJson(hub.sessions)), own);
  const leaving = (json as { output?: Record<string, { value?: unknown }> } | null)?.output?.[DECOMMISSION_OUTPUT]?.value;
  if (typeof leaving === 'string') {
    throw new LabFileError(`${tfFile}: ${leaving} is decommissioning (decommission: true): its operator stack declares no tunnel to bring up`);
  }
  try {
    const apply = simulateApply(json, random);
    // The application runs in the google provider's region (the spec's gcp.region): the primary one.
    const region = (json as { provider?: { google?: { region?: unknown }[] } } | null)?.provider?.google?.[0]?.region;
    const gcp = gcpSide(apply, typeof region === 'string' ? region : undefined);
    const aws = awsSide(apply);
    return { apply, gcp, aws, pairs: pairTunnels(gcp, aws), view: hostnameView(apply), alarms: alarmView(apply) };
  } catch (err) {
    if (err instanceof LabInputError) throw new LabInputError(err.problems.map((p) => `${tfFile}: ${p}`));
    throw err;
  }
}

/** A run's report before anything ran. */
export function emptyReport(o: LabOptions, apply: SimulatedApply): LabReport {
  return {
    customer: o.customer,
    file: o.tfFile,
    ok: false,
    simulatedApply: { references: apply.references, unevaluated: [...apply.unevaluated] },
    tunnels: [],
    sessions: [],
    hostnames: [],
    checks: [],
    timers: BGP_TIMERS,
    ms: { setup: 0, total: 0 },
  };
}

/** Run the lab on a prepared file; returns the report, ok or not. Throws LabInterrupted on SIGINT/SIGTERM. */
export async function runLab(o: LabOptions, prepared: PreparedLab = prepareLab(o.tfFile, o.random)): Promise<LabReport> {
  const { apply, gcp, aws, pairs, view, alarms } = prepared;
  const lab = new LabState(o, gcp, aws, pairs, view, alarms, emptyReport(o, apply));
  await runGuarded([lab], () => runSteps(lab));
  return lab.report;
}

/**
 * Run `steps` on started runs, then tear every run down (the last one first: a shared router's first run owns the
 * namespace the others joined) and total each report. Throws LabInterrupted on SIGINT/SIGTERM, after the teardown.
 */
export async function runGuarded(labs: readonly LabState[], steps: () => Promise<void>): Promise<void> {
  const started = Date.now();
  const onSignal = (sig: NodeJS.Signals) => {
    for (const lab of labs) lab.interrupted = sig;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let failure: { error: unknown } | undefined;
  try {
    await steps();
  } catch (error) {
    failure = { error };
  }
  // Teardown always runs, and an interrupt is reported with what the teardown found (not what it hoped for).
  const teardowns = [];
  for (const lab of [...labs].reverse()) {
    const teardown = await tearDown(lab);
    lab.report.checks.push(teardown);
    teardowns.push(teardown);
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  const interrupted = labs[0]!.interrupted;
  if (interrupted) throw new LabInterrupted(interrupted, teardowns.find((t) => !t.ok) ?? teardowns[0]);
  if (failure) throw failure.error;
  for (const { report } of labs) {
    report.ms.total = Date.now() - started;
    report.ok = report.tunnels.every((t) => t.up) && report.sessions.every((s) => s.up) && report.checks.every((c) => c.ok);
  }
}

/**
 * From nothing to every tunnel and session up (or given up on), and routes settled: for one run, or for a shared
 * router's runs (the first one first; it starts the Cloud Router's BIRD and the resolver for all of them).
 */
export async function bringUp(labs: readonly LabState[]): Promise<void> {
  const t0 = Date.now();
  cleanStale();
  for (const lab of labs) {
    lab.o.log(`simulated apply: ${lab.report.simulatedApply.references} references resolved; ${lab.slots.length} tunnel slots`);
    mkdirSync(join(lab.work, 'gcp'));
    mkdirSync(join(lab.work, 'aws'));
    lab.hostPath.writeConfigs(lab.host ? undefined : lab.guests.map((g) => g.hostPath));
    network(lab);
  }
  // The Cloud Router's BIRD config (the first run's) holds every run's sessions: the others' are made first.
  for (const lab of [...labs.slice(1), labs[0]!]) configs(lab);
  for (const lab of labs) {
    lab.throwIfInterrupted();
    lab.report.ms.setup = Date.now() - t0;
    lab.bringUp = Date.now();
  }
  const services = Promise.all(labs.map((lab) => startServices(lab)));
  for (const lab of labs) await startCharons(lab);
  for (const lab of labs) startBirds(lab);
  await Promise.all(labs.map((lab) => waitUp(lab)));
  await services;
  for (const lab of labs) {
    lab.throwIfInterrupted();
    await converge(lab, preferredPaths(lab));
  }
}

/** Routes, traffic and the hostname path of a run that is up. */
export async function upChecks(lab: LabState): Promise<{ healthy: boolean }> {
  const routes = routeChecks(lab);
  const traffic = await trafficCheck(lab, 'traffic');
  lab.report.checks.push(...routes, traffic, ...(hasFailover(lab) ? [await regionCheck(lab, 'traffic prefers the primary region', 'primary')] : []), ...(await lab.hostPath.check('before')));
  return { healthy: lab.report.tunnels.some((t) => t.up) && lab.report.sessions.some((s) => s.up) && traffic.ok };
}

/** The alarms that fire for the tunnel a check killed: the killed tunnel's, and this customer's. */
export function killedAlarms(lab: LabState): void {
  if (!lab.killed?.pair.aws || !lab.killed.pair.gcp) return;
  const { aws, gcp } = lab.killed.pair;
  const peer = lab.gcp.peers.find((p) => lab.gcp.interfaces.find((i) => i.key === p.iface)?.tunnel === gcp.key);
  lab.report.checks.push(alarmCheck(lab.alarms, { aws, awsConnectionId: aws.connectionId, gcp, ...(peer ? { peer } : {}) }));
}

async function runSteps(lab: LabState): Promise<void> {
  await bringUp([lab]);
  const { healthy } = await upChecks(lab);
  if (!healthy) {
    lab.report.checks.push({ name: 'failover', ok: false, detail: 'not run: no working tunnel and session to fail over from' });
    lab.report.checks.push({ name: 'rekey', ok: false, detail: 'not run: no working tunnel' });
    for (const t of lab.report.tunnels) t.rekey = 'not run';
    return;
  }
  lab.throwIfInterrupted();
  const failover = await failoverCheck(lab);
  lab.report.checks.push(failover);
  killedAlarms(lab);
  if (failover.ok) lab.report.checks.push(...(await lab.hostPath.check('after')));
  lab.throwIfInterrupted();
  if (hasFailover(lab)) lab.report.checks.push(...(await regionFailover(lab)));
  lab.report.checks.push(await rekeyCheck(lab));
}
