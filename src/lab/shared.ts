/**
 * privlink lab on customers that share a Cloud Router. One BIRD stands for the router and holds every customer's
 * BGP sessions, each announcing only its own customer's ranges (the hub's CUSTOM peers); one resolver serves every
 * customer's private zones, as one network's resolver does; each customer has its own VPN gateway (its own BIRD),
 * tunnels, endpoints and security groups. The first customer's namespaces hold the router; the others join it.
 *
 * What it proves, beyond each customer's own checks (routes, traffic, hostnames): every VGW learns only its own
 * customer's ranges although the router originates all of them, and an outage of the first customer (every one of its
 * tunnels killed) leaves the other customers' sessions established, unflapped, and their traffic and hostnames
 * working, while the alarms that fire are the first customer's.
 */
import { BGP_TIMERS } from './daemons';
import { signal, sleep } from './host';
import { parseProtocols } from './diagnose';
import { nextHops, trafficCheck } from './checks';
import { bringUp, emptyReport, killedAlarms, runGuarded, upChecks, type PreparedLab } from './run';
import { LabState } from './state';
import { seconds, type Check, type LabOptions, type LabReport } from './types';

/**
 * The most BGP sessions one run holds on one routing daemon on a 2-core machine of this project's CI kind, as
 * measured on 2026-12-07 with the lab's compressed timers (hold 3 s): 16 HA customers (64 sessions, 128 charons) came
 * up and passed every check in 75 s (86 MB peak); 32 (a full Cloud Router, 128 sessions) did not hold their sessions
 * through the checks. Above it, run the customers in groups that share the router.
 */
export const LAB_MAX_SHARED_SESSIONS = 64;

export interface SharedRun {
  readonly o: LabOptions;
  readonly prepared: PreparedLab;
}

/** Run the lab for customers on one shared Cloud Router; returns their reports, in the order given. */
export async function runSharedLab(runs: readonly SharedRun[]): Promise<LabReport[]> {
  const labs: LabState[] = [];
  let offset = 0;
  for (const [i, { o, prepared }] of runs.entries()) {
    const { apply, gcp, aws, pairs, view, alarms } = prepared;
    const lab = new LabState(o, gcp, aws, pairs, view, alarms, emptyReport(o, apply), { tag: `c${i}-`, slotOffset: offset }, labs[0]);
    offset += lab.slots.length;
    labs.push(lab);
  }
  await runGuarded(labs, async () => {
    await bringUp(labs);
    const healthy = [];
    for (const lab of labs) healthy.push((await upChecks(lab)).healthy);
    const [first, ...others] = labs;
    if (!healthy.every(Boolean)) {
      for (const lab of labs) lab.report.checks.push({ name: 'outage', ok: false, detail: 'not run: not every customer on the router came up' });
      return;
    }
    await outage(first!, others);
  });
  return labs.map((l) => l.report);
}

/** The sessions of `labs` that are up, with BIRD's time of their last state change on the shared router. */
function sinceOf(host: LabState, labs: readonly LabState[]): Map<string, string> {
  const protocols = parseProtocols(host.bird('gcp', 'show', 'protocols'));
  const out = new Map<string, string>();
  for (const lab of labs) for (const x of lab.sessions) if (x.row.up && x.g) out.set(x.g.protocol, protocols.get(x.g.protocol)?.since ?? '');
  return out;
}

/**
 * Kill every tunnel of `first` (both charons of each), wait until the router drops its sessions, and check that the
 * others' sessions neither dropped nor flapped, and that their routes, traffic and hostnames still work.
 */
async function outage(first: LabState, others: readonly LabState[]): Promise<void> {
  const before = sinceOf(first, others);
  const t0 = Date.now();
  for (const s of first.slots) {
    for (const e of [s.g, s.a]) if (e?.daemon && !e.daemon.exited) signal(e.daemon.pid, 'SIGKILL');
    s.row.rekey = 'killed (outage)';
  }
  first.killed = first.sessions.find((x) => x.row.up && x.slot)?.slot;
  first.o.log(`outage: killed every charon of ${first.o.customer}'s ${first.slots.length} tunnels`);
  const own = first.sessions.filter((x) => x.row.up && x.g).map((x) => x.g!.protocol);
  let down = false;
  while (!down && Date.now() - t0 < BGP_TIMERS.hold * 3000) {
    first.throwIfInterrupted();
    const p = parseProtocols(first.bird('gcp', 'show', 'protocols'));
    down = own.every((name) => !p.get(name)?.info.startsWith('Established'));
    if (!down) await sleep(100);
  }
  const detectMs = Date.now() - t0;
  // One more hold time: a neighbour's session that the outage disturbed has had the time to drop.
  await sleep(BGP_TIMERS.hold * 1000);
  first.report.checks.push({
    name: 'outage',
    ok: down,
    detail: down
      ? `killed all ${first.slots.length} of ${first.o.customer}'s tunnels: its ${own.length} sessions on the shared router dropped after ${seconds(detectMs)} (hold ${BGP_TIMERS.hold} s)`
      : `killed all ${first.slots.length} of ${first.o.customer}'s tunnels, but its sessions stayed Established for ${seconds(detectMs)}`,
    ms: detectMs,
  });
  killedAlarms(first);
  const after = sinceOf(first, others);
  for (const lab of others) lab.report.checks.push(...(await undisturbed(lab, first, before, after)));
}

/**
 * Whether two readings of a session's "since" name the same state change. BIRD prints it as wall-clock time derived
 * from its monotonic clock, so one change reads a few microseconds apart between two `show protocols`; a flap moves
 * it by at least a hold time.
 */
function sameChange(a: string | undefined, b: string | undefined): boolean {
  const at = (t: string | undefined) => {
    const m = /^(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(t ?? '');
    return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : NaN;
  };
  return Math.abs(at(a) - at(b)) < 0.5;
}

/** A neighbour's view of `first`'s outage: its sessions and paths unchanged, its traffic and hostnames working. */
async function undisturbed(lab: LabState, first: LabState, before: Map<string, string>, after: Map<string, string>): Promise<Check[]> {
  const mine = lab.sessions.filter((x) => x.row.up && x.g);
  const flapped = mine.filter((x) => !sameChange(before.get(x.g!.protocol), after.get(x.g!.protocol)));
  const paths = nextHops(lab.gcpNs, lab.aws.vpcCidr);
  const whose = `${first.o.customer}'s outage`;
  const traffic = await trafficCheck(lab, `traffic during ${whose}`);
  const problems = [
    ...flapped.map((x) => `${x.row.gcp} changed state (since ${before.get(x.g!.protocol)} → ${after.get(x.g!.protocol) || 'gone'})`),
    ...(paths === mine.length ? [] : [`${lab.aws.vpcCidr} over ${paths} paths, not ${mine.length}`]),
  ];
  return [
    {
      name: `sessions during ${whose}`,
      ok: problems.length === 0 && mine.length > 0,
      detail: problems.length
        ? problems.join('; ')
        : `all ${mine.length} of ${lab.o.customer}'s sessions stayed Established on the shared router without a flap while ${first.o.customer}'s dropped; ${lab.aws.vpcCidr} over ${paths} paths`,
    },
    traffic,
    ...(await lab.hostPath.check('after', { name: `during ${whose}`, note: `${first.o.customer}'s tunnels down` })),
  ];
}
