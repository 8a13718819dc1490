/**
 * A customer with a failover region (spec gcp.failoverRegion): two Cloud Routers, one per region, on one BIRD that
 * stands for the GCP network as the application's region sees it. The lab proves the preference by what the
 * generated JSON sets and what the clouds document (domain/preference.ts):
 *
 *   AWS → GCP   each peer announces its advertised_route_priority as the MED; the VPN gateway's BIRD compares MEDs
 *               of routes from one neighbouring AS, as the VGW does, so it takes the primary's while any is up
 *   GCP → AWS   what the failover region's router learns costs LAB_INTER_REGION_COST more (Google's smallest
 *               region-to-region cost), as seen from the application's region
 *
 * and by what the tunnels carry: each tunnel end counts the packets it forwards into its tunnel (BGP left out), so a
 * check reads which region's tunnels carried a probe, in each direction.
 */
import { run, signal } from './host';
import { converge, peerRegion, preferredPaths, sessionsReach, slotRegion, trafficCheck } from './checks';
import { startCharons } from './bringup';
import { CARRIED, seconds, type Check, type End, type SessionEntry } from './types';
import type { LabState } from './state';

type Region = 'primary' | 'failover';

const sessionRegion = (lab: LabState, x: SessionEntry) => peerRegion(lab, x.g?.key);

/** Packets each slot's ends forwarded into their tunnel: `out` GCP → AWS, `back` AWS → GCP. */
function carried(lab: LabState): Map<number, { out: number; back: number }> {
  const count = (e: End | undefined) => {
    if (!e) return 0;
    const line = run('ip', ['netns', 'exec', e.ns, 'iptables', '-n', '-v', '-x', '-L', 'FORWARD']).stdout.split('\n').find((l) => l.includes(CARRIED));
    return Number(line?.trim().split(/\s+/)[0] ?? 0);
  };
  return new Map(lab.slots.map((s) => [s.index, { out: count(s.g), back: count(s.a) }]));
}

/** The devices a router namespace's kernel routes a prefix over (one per ECMP path). */
function routeDevices(ns: string, prefix: string): string[] {
  return [...run('ip', ['-n', ns, 'route', 'show', 'exact', prefix]).stdout.matchAll(/\bdev (\S+)/g)].map((m) => m[1]!);
}

/**
 * Traffic from every pod to the VPC and back, and the routes of both sides, go through `expect`'s tunnels only.
 * `name` is the check's name; the detail says which tunnels carried how many packets each way.
 */
export async function regionCheck(lab: LabState, name: string, expect: Region): Promise<Check> {
  const before = carried(lab);
  const t = await trafficCheck(lab, name);
  const after = carried(lab);
  const regionOf = new Map(lab.slots.map((s) => [s.device, slotRegion(lab, s)]));
  const tally = (r: Region) =>
    lab.slots
      .filter((s) => regionOf.get(s.device) === r)
      .reduce((n, s) => ({ out: n.out + after.get(s.index)!.out - before.get(s.index)!.out, back: n.back + after.get(s.index)!.back - before.get(s.index)!.back }), { out: 0, back: 0 });
  const [want, other] = expect === 'primary' ? [tally('primary'), tally('failover')] : [tally('failover'), tally('primary')];
  const wrong = (devices: string[]) => devices.filter((d) => regionOf.get(d) !== expect);
  const gcpRoute = routeDevices(lab.gcpNs, lab.aws.vpcCidr);
  const awsRoutes = lab.aws.sourceRanges.length ? lab.aws.sourceRanges : lab.gcp.advertised;
  const awsWrong = awsRoutes.flatMap((r) => wrong(routeDevices(lab.awsNs, r)).map((d) => `${r} via ${d}`));
  const region = (r: Region) => (r === 'primary' ? lab.gcp.appRegion : lab.gcp.routers.find((x) => x.region !== lab.gcp.appRegion)?.region ?? 'failover');
  const problems = [
    ...(t.ok ? [] : [t.detail]),
    ...(want.out === 0 || want.back === 0 ? [`${region(expect)}'s tunnels carried ${want.out} packets out and ${want.back} back`] : []),
    ...(other.out + other.back > 0 ? [`${region(expect === 'primary' ? 'failover' : 'primary')}'s tunnels carried ${other.out} packets out and ${other.back} back`] : []),
    ...(gcpRoute.length === 0 ? [`GCP has no route to ${lab.aws.vpcCidr}`] : wrong(gcpRoute).length ? [`GCP routes ${lab.aws.vpcCidr} via ${wrong(gcpRoute).join(', ')} too`] : []),
    ...(awsWrong.length ? [`AWS routes ${awsWrong.join(', ')}`] : []),
  ];
  return {
    name,
    ok: problems.length === 0,
    detail: problems.length
      ? problems.join('; ')
      : `${region(expect)}'s tunnels carried every packet (${want.out} out, ${want.back} back), the other region's none; both sides route over ${gcpRoute.length} of its paths`,
    ...(t.ms !== undefined ? { ms: t.ms } : {}),
  };
}

/**
 * The region outage: kill every tunnel of the application's region that is up; traffic and every hostname must go
 * through the failover region; then bring them back, and traffic must return to the primary.
 */
export async function regionFailover(lab: LabState): Promise<Check[]> {
  const live = lab.sessions.filter((x) => x.row.up && x.g && x.a && x.slot?.g?.daemon && !x.slot.g.daemon.exited && x.slot.a?.daemon && !x.slot.a.daemon.exited);
  const primary = live.filter((x) => sessionRegion(lab, x) === 'primary');
  const region = lab.gcp.appRegion;
  if (primary.length === 0) return [{ name: 'primary region down', ok: false, detail: `not run: no tunnel of ${region} is up` }];
  const t0 = Date.now();
  const ends = primary.flatMap((x) => [x.slot!.g!, x.slot!.a!]);
  for (const e of ends) signal(e.daemon!.pid, 'SIGKILL');
  for (const x of primary) x.slot!.row.rekey = 'killed (outage)';
  lab.o.log(`region failover: killed every tunnel of ${region} (${primary.map((x) => x.row.gcp).join(', ')})`);
  const dropped = await sessionsReach(lab, primary, false);
  const detectMs = Date.now() - t0;
  const checks: Check[] = [
    {
      name: 'primary region down',
      ok: dropped,
      detail: dropped ? `killed ${primary.length} tunnels of ${region}; their BGP sessions dropped after ${seconds(detectMs)}` : `killed ${primary.length} tunnels of ${region}, but a BGP session stayed up`,
      ms: detectMs,
    },
  ];
  if (!dropped) return checks;
  await converge(lab, preferredPaths(lab));
  checks.push(await regionCheck(lab, 'traffic through the failover region', 'failover'));
  checks.push(...(await lab.hostPath.check('after', { name: 'through the failover region', note: `every tunnel of ${region} down` })));
  // The primary comes back: the same tunnels, their charons started again.
  const t1 = Date.now();
  await startCharons(lab, ends);
  const back = await sessionsReach(lab, primary, true);
  for (const x of primary) x.slot!.row.rekey = undefined;
  checks.push({
    name: 'primary region back',
    ok: back,
    detail: back ? `${primary.length} tunnels of ${region} up again, their sessions Established after ${seconds(Date.now() - t1)}` : `the tunnels of ${region} did not come back within ${seconds(Date.now() - t1)}`,
  });
  if (!back) return checks;
  await converge(lab, preferredPaths(lab));
  checks.push(await regionCheck(lab, 'traffic returns to the primary region', 'primary'));
  return checks;
}
