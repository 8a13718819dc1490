/** The checks of a running lab: routes learned, traffic, failover and rekey. */
import { join } from 'node:path';
import { BGP_TIMERS } from './daemons';
import { run, runAsync, signal, sleep } from './host';
import { validCidr } from './ip';
import { seconds, type Check, type SessionEntry, type Slot } from './types';
import { LabState, lastLine } from './state';
import { parseProtocols } from './diagnose';

/** Next hops of `prefix` in a router namespace's kernel table (what forwarding uses). */
export function nextHops(ns: string, prefix: string): number {
  const out = run('ip', ['-n', ns, 'route', 'show', 'exact', prefix]).stdout;
  if (!out.trim()) return 0;
  const hops = out.split('\n').filter((l) => /^\s*nexthop /.test(l)).length;
  return hops || 1;
}

/**
 * The ranges AWS must route back to: what the endpoint security groups admit; before any endpoint exists, the
 * Cloud Router's advertised ranges are all there is to check.
 */
export function returnRanges(lab: LabState): { ranges: readonly string[]; fromSecurityGroups: boolean } {
  const fromSecurityGroups = lab.aws.sourceRanges.length > 0;
  return { ranges: fromSecurityGroups ? lab.aws.sourceRanges : lab.gcp.advertised, fromSecurityGroups };
}

/** The customer has a failover region: two routers in two regions (lab/regions.ts). */
export const hasFailover = (lab: LabState) => lab.gcp.routers.length > 1;

/** The region of a GCP BGP peer: the application's (primary) or the other one. */
export function peerRegion(lab: LabState, peerKey: string | undefined): 'primary' | 'failover' | undefined {
  const p = lab.gcp.peers.find((x) => x.key === peerKey);
  return p ? (p.region === lab.gcp.appRegion ? 'primary' : 'failover') : undefined;
}

/** The region of a tunnel slot: its GCP tunnel's peer's. */
export function slotRegion(lab: LabState, slot: Slot): 'primary' | 'failover' | undefined {
  const iface = lab.gcp.interfaces.find((i) => i.tunnel !== undefined && i.tunnel === slot.pair.gcp?.key);
  return peerRegion(lab, lab.gcp.peers.find((p) => p.iface === iface?.key)?.key);
}

/**
 * Each session's state as both BIRDs report it now: `up` when Established on both sides, `down` when on neither,
 * else `partial` (and `down` for a session that lacks a side).
 */
export function sessionStates(lab: LabState): (x: SessionEntry) => 'up' | 'down' | 'partial' {
  const g = parseProtocols(lab.bird('gcp', 'show', 'protocols'));
  const a = parseProtocols(lab.bird('aws', 'show', 'protocols'));
  return (x) => {
    if (!x.g || !x.a) return 'down';
    const [gu, au] = [g.get(x.g.protocol)?.info.startsWith('Established') === true, a.get(x.a.protocol)?.info.startsWith('Established') === true];
    return gu && au ? 'up' : !gu && !au ? 'down' : 'partial';
  };
}

/**
 * How many paths each side should route over: the Established sessions of the application's region while any is,
 * else the failover region's (every Established session, without a failover region).
 */
export function preferredPaths(lab: LabState): number {
  const state = sessionStates(lab);
  const up = lab.sessions.filter((x) => state(x) === 'up');
  if (!hasFailover(lab)) return up.length;
  const primary = up.filter((x) => peerRegion(lab, x.g?.key) === 'primary').length;
  return primary > 0 ? primary : up.length;
}

/** Routes follow an established session by an UPDATE or two: wait (a few seconds at most) until both tables show `paths`. */
export async function converge(lab: LabState, paths: number): Promise<void> {
  const expected = returnRanges(lab).ranges;
  const until = Date.now() + BGP_TIMERS.hold * 2000;
  while (Date.now() < until) {
    lab.throwIfInterrupted();
    if (nextHops(lab.gcpNs, lab.aws.vpcCidr) === paths && expected.every((r) => nextHops(lab.awsNs, r) === paths)) return;
    await sleep(100);
  }
}

export function routeChecks(lab: LabState): Check[] {
  // With a failover region, only the application's region's sessions carry the routes (lab/regions.ts).
  const up = preferredPaths(lab);
  const vpc = lab.aws.vpcCidr;
  const paths = nextHops(lab.gcpNs, vpc);
  const gcpCheck: Check = {
    name: 'GCP learns the AWS VPC',
    ok: paths > 0 && paths === up,
    detail: paths ? `${vpc} over ${paths} path${paths === 1 ? '' : 's'}${paths > 1 ? ' (ECMP)' : ''}${paths !== up ? `, but ${up} ${hasFailover(lab) ? `sessions of ${lab.gcp.appRegion}` : 'sessions'} are up` : ''}` : `no route to ${vpc} in the Cloud Router's table`,
  };
  const { ranges: expected, fromSecurityGroups: fromSg } = returnRanges(lab);
  const hops = expected.map((r) => nextHops(lab.awsNs, r));
  const missing = expected.filter((_, i) => hops[i] === 0);
  // Least privilege: AWS learns exactly those ranges, nothing more of the GCP network.
  const learned = run('ip', ['-n', lab.awsNs, 'route', 'show', 'proto', 'bird']).stdout.split('\n').map((l) => l.trim().split(' ')[0]!).filter(validCidr);
  const extra = learned.filter((r) => !expected.includes(r));
  const groups = lab.gcp.advertisedGroups.filter((g) => g !== '');
  const whence = fromSg ? 'admitted by the endpoint security groups' : 'advertised by the Cloud Router; no endpoint security group yet';
  const problems = [
    ...(missing.length ? [`no route to ${missing.join(', ')} (${whence}; the Cloud Router advertises ${lab.gcp.advertised.join(', ') || 'nothing'})`] : []),
    ...(extra.length ? [`AWS also learns ${extra.join(', ')}, which no endpoint security group admits`] : []),
    ...(lab.gcp.advertiseMode !== 'CUSTOM' ? [`the Cloud Router's advertise_mode is ${lab.gcp.advertiseMode}: it advertises the network's subnets, not just the source ranges`] : []),
    ...(groups.length ? [`the Cloud Router also advertises ${groups.join(', ')}: every subnet of the network reaches the customer's operator account, more than the security groups admit`] : []),
  ];
  const awsCheck: Check = {
    name: 'AWS learns exactly the source ranges',
    ok: problems.length === 0 && expected.length > 0,
    detail: problems.length
      ? problems.join('; ')
      : `${expected.join(', ')} (${whence}) over ${Math.min(...hops)} path${Math.min(...hops) === 1 ? '' : 's'} each, nothing else`,
  };
  return [gcpCheck, awsCheck];
}

/** ping from a pod in every source range to an address of the VPC; ok when every one answers. */
export async function trafficCheck(lab: LabState, name: string): Promise<Check> {
  const t0 = Date.now();
  const pods = lab.hostPath.inRange;
  if (!lab.vpcHost || pods.length === 0) return { name, ok: false, detail: 'no source or destination address' };
  const results = await Promise.all(
    pods.map((p) => runAsync('ip', ['netns', 'exec', p.ns, 'ping', '-n', '-q', '-c', '3', '-i', '0.2', '-W', '1', lab.vpcHost], { timeoutMs: 10_000 })),
  );
  const failed = pods.flatMap((p, i) => {
    const got = /(\d+) received/.exec(results[i]!.stdout)?.[1];
    return got === '3' ? [] : [`${p.address} → ${lab.vpcHost}: ${got ?? 0}/3 answered`];
  });
  const ms = Date.now() - t0;
  return failed.length
    ? { name, ok: false, detail: failed.join('; '), ms }
    : { name, ok: true, detail: `${pods.map((p) => `${p.address} → ${lab.vpcHost}`).join(', ')}: 3/3 answered each`, ms };
}

/** Wait (3 hold times at most) until every listed session is (or is no longer) Established on both sides. */
export async function sessionsReach(lab: LabState, xs: readonly SessionEntry[], up: boolean): Promise<boolean> {
  const until = Date.now() + BGP_TIMERS.hold * 3000 + (up ? 10_000 : 0);
  while (Date.now() < until) {
    lab.throwIfInterrupted();
    const state = sessionStates(lab);
    if (xs.every((x) => (up ? state(x) === 'up' : state(x) === 'down'))) return true;
    await sleep(100);
  }
  return false;
}

export async function failoverCheck(lab: LabState): Promise<Check> {
  const x = lab.sessions.find((r) => r.row.up && r.slot?.g?.daemon && r.slot.a?.daemon);
  if (!x || !x.slot) return { name: 'failover', ok: false, detail: 'not run: no tunnel with an established session' };
  const before = nextHops(lab.gcpNs, lab.aws.vpcCidr);
  const t0 = Date.now();
  for (const e of [x.slot.g!, x.slot.a!]) signal(e.daemon!.pid, 'SIGKILL');
  x.slot.row.rekey = 'killed (failover)';
  lab.killed = x.slot;
  lab.o.log(`failover: killed both charons of ${x.slot.pair.gcp?.key} ⇄ ${x.slot.pair.aws?.key}`);
  const down = await sessionsReach(lab, [x], false);
  const detectMs = Date.now() - t0;
  const name = `failover`;
  if (!down) return { name, ok: false, detail: `killed ${x.slot.pair.gcp?.key}, but its BGP session stayed Established for ${seconds(detectMs)}` };
  await converge(lab, before - 1);
  const after = nextHops(lab.gcpNs, lab.aws.vpcCidr);
  const t = await trafficCheck(lab, name);
  const detail = `killed tunnel ${x.slot.pair.gcp?.key} ⇄ ${x.slot.pair.aws?.key}; its BGP session dropped after ${seconds(detectMs)} (hold ${BGP_TIMERS.hold} s); ${lab.aws.vpcCidr} over ${before} → ${after} paths; ${t.ok ? 'traffic continues' : `traffic stopped: ${t.detail}`}`;
  return { name, ok: t.ok && after === before - 1, detail, ms: detectMs };
}

export async function rekeyCheck(lab: LabState): Promise<Check> {
  const results: string[] = [];
  let n = 0;
  for (const s of lab.slots) {
    const row = s.row;
    if (!row.up || !s.g?.daemon || s.g.daemon.exited || !s.a?.daemon || s.a.daemon.exited) {
      if (row.rekey === undefined) row.rekey = 'not run';
      continue;
    }
    lab.throwIfInterrupted();
    const t0 = Date.now();
    const before = lab.charonLog(s.g).length;
    const env = { ...process.env, STRONGSWAN_CONF: join(s.g.dir, 'strongswan.conf') };
    const child = run('swanctl', ['--rekey', '--child', 't', '--uri', lab.vici(s.g)], { env, timeoutMs: 15_000 });
    const ike = run('swanctl', ['--rekey', '--ike', 't', '--uri', lab.vici(s.g)], { env, timeoutMs: 15_000 });
    row.rekeyMs = Date.now() - t0;
    const fine = /rekey completed successfully/.test(child.stdout) && /rekey completed successfully/.test(ike.stdout);
    // A rekeyed CHILD_SA with PFS logs its new SAs; a rejected PFS group shows up as a notify here.
    const log = lab.charonLog(s.g).slice(before);
    const childOk = fine && !/NO_PROPOSAL_CHOSEN|INVALID_KE_PAYLOAD|failed to establish CHILD_SA/.test(log);
    row.rekey = childOk ? 'ok' : 'failed';
    n++;
    if (!childOk) {
      const why = /NO_PROPOSAL_CHOSEN|INVALID_KE_PAYLOAD/.exec(log)?.[0];
      const groups = (p: readonly string[]) => [...new Set(p.flatMap((x) => x.split('-')).filter((t) => /^(modp|ecp)/.test(t)))].join(', ');
      row.reason = why
        ? `rekey failed (${why}): no common PFS group: GCP ${s.pair.gcp!.key} offers ${groups(s.pair.gcp!.proposals.esp)}; AWS ${s.pair.aws!.key} accepts ${groups(s.pair.aws!.proposals.esp)}`
        : `rekey failed: ${lastLine(log || child.stderr || ike.stderr)}`;
      results.push(`${row.gcp}: ${row.reason}`);
    }
  }
  const t = await trafficCheck(lab, 'rekey');
  const good = n - results.length;
  const count = results.length ? `${good} of ${n} tunnels` : `${n} tunnel${n === 1 ? '' : 's'}`;
  return { name: 'rekey', ok: results.length === 0 && n > 0 && t.ok, detail: `${count} rekeyed (CHILD_SA with PFS, then IKE_SA)${results.length ? `: ${results.join('; ')}` : ''}; ${t.ok ? 'traffic continues' : t.detail}` };
}
