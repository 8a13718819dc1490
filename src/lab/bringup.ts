/** Bring-up: namespaces and links, daemon configs, charons, the resolver and listener, BIRD, and the wait for tunnels and sessions. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { awsSessions, BGP_TIMERS, birdConf, gcpSessions, strongswanConf, swanctlConf, type BgpSession } from './daemons';
import { CHARON, must, run, sleep, startDaemon } from './host';
import { firstHost, validCidr, validIp } from './ip';
import { CARRIED, STARTUP_RACE_MS, seconds, type End, type SessionEntry } from './types';
import { LabState, lastLine, sysctl, tail } from './state';
import { parseProtocols, sessionReason, tunnelReason } from './diagnose';

/** This run's namespaces and links; a run that joined another's Cloud Router links its tunnels to that one's namespace. */
export function network(lab: LabState): void {
  const sh: string[] = ['set -e'];
  const all = [...(lab.host ? [] : [lab.gcpNs]), lab.awsNs, ...lab.slots.flatMap((s) => [s.g?.ns, s.a?.ns].filter((n): n is string => n !== undefined))];
  for (const ns of all) {
    sh.push(`ip netns add ${ns}`, `ip -n ${ns} link set lo up`);
    sh.push(`ip netns exec ${ns} sh -c '${sysctl(['ip_forward', 1], ['conf/all/rp_filter', 0], ['conf/default/rp_filter', 0])}'`);
  }
  for (const s of lab.slots) {
    const ends = [s.g, s.a].filter((e): e is End => e !== undefined);
    if (ends.length === 2) sh.push(`ip link add o0 netns ${s.g!.ns} type veth peer name o0 netns ${s.a!.ns}`);
    else sh.push(`ip link add o0 netns ${ends[0]!.ns} type veth peer name x0 netns ${ends[0]!.ns}`, `ip -n ${ends[0]!.ns} link set x0 up`);
    for (const e of ends) {
      if (validIp(e.end.localIp)) sh.push(`ip -n ${e.ns} addr add ${e.end.localIp}/32 dev o0`);
      sh.push(`ip -n ${e.ns} link set o0 up`, `ip -n ${e.ns} route add default dev o0`);
      const router = e === s.g ? lab.gcpNs : lab.awsNs;
      sh.push(`ip link add ${s.device} netns ${router} type veth peer name r0 netns ${e.ns}`);
      sh.push(`ip -n ${router} link set ${s.device} up`, `ip -n ${e.ns} link set r0 up`);
      // Traffic out of a tunnel is handed to the router by device, not by next hop: the Cloud Router's side
      // answers ARP for the pods behind it.
      if (router === lab.gcpNs) {
        sh.push(`ip netns exec ${router} sh -c '${sysctl([`conf/${s.device}/proxy_arp`, 1], [`neigh/${s.device}/proxy_delay`, 0])}'`);
      }
      sh.push(`ip -n ${e.ns} rule add iif r0 lookup 100 pref 100`, `ip -n ${e.ns} rule add iif ipsec0 lookup 101 pref 101`);
      sh.push(`ip -n ${e.ns} route add default dev r0 table 101`);
      sh.push(`ip netns exec ${e.ns} sh -c '${sysctl(['conf/r0/proxy_arp', 1], ['neigh/r0/proxy_delay', 0], ['conf/r0/rp_filter', 0])}'`);
      sh.push(`ip netns exec ${e.ns} iptables -t mangle -A PREROUTING -j TTL --ttl-inc 1`);
      // What the tunnel carries for the workloads, BGP left out: the region checks read which tunnels carried a probe.
      sh.push(`ip netns exec ${e.ns} iptables -A FORWARD -i r0 -p tcp --dport 179 -j ACCEPT`, `ip netns exec ${e.ns} iptables -A FORWARD -i r0 -p tcp --sport 179 -j ACCEPT`);
      sh.push(`ip netns exec ${e.ns} iptables -A FORWARD -i r0 -m comment --comment ${CARRIED} -j ACCEPT`);
    }
    const iface = s.pair.gcp && lab.gcp.interfaces.find((i) => i.tunnel === s.pair.gcp!.key);
    if (iface && validCidr(iface.ipRange)) sh.push(`ip -n ${lab.gcpNs} addr add ${iface.ipRange} dev ${s.device}`);
    const a = s.pair.aws;
    if (a && validIp(a.vgwInside) && validCidr(a.insideCidr)) sh.push(`ip -n ${lab.awsNs} addr add ${a.vgwInside}/${a.insideCidr.split('/')[1]} dev ${s.device}`);
  }
  sh.push(...lab.hostPath.network(sysctl, lab.router.some((l) => l.hostPath.pods.length > 0)));
  if (validCidr(lab.aws.vpcCidr)) {
    // The VPC's first address after the network: reserved by AWS in its subnet, so no endpoint ever holds it.
    lab.vpcHost = firstHost(lab.aws.vpcCidr, 1);
    sh.push(`ip -n ${lab.awsNs} addr add ${lab.vpcHost}/32 dev lo`);
  }
  const script = `${sh.join('\n')}\n`;
  writeFileSync(join(lab.work, 'network.sh'), script);
  must('sh', ['-e'], 'building the lab network', script);
}

export function configs(lab: LabState): void {
  for (const s of lab.slots) {
    for (const e of [s.g, s.a]) {
      if (!e) continue;
      mkdirSync(join(e.dir, 'run'), { recursive: true, mode: 0o700 });
      writeFileSync(join(e.dir, 'strongswan.conf'), strongswanConf(e.dir));
      writeFileSync(join(e.dir, 'swanctl.conf'), swanctlConf(e.end), { mode: 0o600 });
    }
  }
  const pairs = lab.slots.map((s) => s.pair);
  const devices = lab.slots.map((s) => s.device);
  lab.gcpSessions = gcpSessions(lab.gcp, pairs, devices);
  lab.awsSessions = awsSessions(lab.aws, pairs, devices);
  // One BIRD stands for the Cloud Router: a shared router's is configured by its first run, with every run's sessions
  // (so the other runs' configs come first).
  if (!lab.host) {
    const all = lab.router;
    const originate = [...new Set(all.flatMap((l) => l.gcp.advertised))];
    birdConfig(lab, 'gcp', all.flatMap((l) => l.gcpSessions), originate, lab.gcp.interfaces[0]?.ipRange.split('/')[0]);
  }
  birdConfig(lab, 'aws', lab.awsSessions, [lab.aws.vpcCidr], lab.aws.tunnels[0]?.vgwInside);
}

/** Write one side's BIRD config; a session BIRD refuses (equal ASNs…) is recorded and left out, one at a time. */
export function birdConfig(lab: LabState, side: 'gcp' | 'aws', sessions: readonly BgpSession[], originate: string[], routerId: string | undefined): void {
  const dir = lab.sideDir(side);
  const file = join(dir, 'bird.conf');
  const conf = birdConf({ logFile: join(dir, 'bird.log'), routerId: validIp(routerId) ? routerId : '192.0.2.1', originate: originate.filter(validCidr), sessions });
  const lines = conf.text.split('\n');
  for (let attempt = 0; attempt <= sessions.length; attempt++) {
    writeFileSync(file, lines.join('\n'));
    const r = run('bird', ['-p', '-c', file]);
    if (r.code === 0) return;
    const m = /:(\d+):\d+ (.*)$/m.exec(r.stderr);
    const key = m ? [...conf.lineOf].find(([, line]) => line === Number(m[1]))?.[0] : undefined;
    if (!m || key === undefined) throw new Error(`BIRD refused the lab's ${side} configuration: ${r.stderr.trim()}`);
    lab.refused.set(`${side}:${key}`, m[2]!.trim());
    lines[Number(m[1]) - 1] = `# refused by BIRD: ${m[2]!.trim()}`;
  }
}

export async function startCharons(lab: LabState, ends: readonly End[] = lab.slots.flatMap((s) => [s.a, s.g]).filter((e): e is End => e !== undefined)): Promise<void> {
  for (const e of ends) {
    e.daemon = startDaemon(`charon ${e.end.label}`, 'ip', ['netns', 'exec', e.ns, 'sh', '-c', `mount --bind "$0" /run && exec env STRONGSWAN_CONF="$1" ${CHARON}`, join(e.dir, 'run'), join(e.dir, 'strongswan.conf')], lab.logFd(join(e.dir, 'stdout.log')));
    lab.daemons.push(e.daemon);
  }
  const until = Date.now() + 10_000;
  for (const e of ends) {
    while (!(existsSync(join(e.dir, 'charon.vici')) && run('ip', ['-n', e.ns, 'link', 'show', 'ipsec0']).code === 0)) {
      if (e.daemon!.exited) throw new Error(`${e.daemon!.label} exited at start: ${tail(join(e.dir, 'stdout.log'))}`);
      if (Date.now() > until) throw new Error(`${e.daemon!.label} did not open its VICI socket and TUN device within 10 s`);
      await sleep(20);
    }
    must('ip', ['-n', e.ns, 'route', 'add', 'default', 'dev', 'ipsec0', 'table', '100'], `routing ${e.ns} into its tunnel`);
  }
  // Responders (AWS) first, so the GCP side's first IKE_SA_INIT finds its peer listening.
  for (const e of ends) {
    const r = run('swanctl', ['--load-all', '--noprompt', '--file', join(e.dir, 'swanctl.conf'), '--uri', lab.vici(e)], { env: { ...process.env, STRONGSWAN_CONF: join(e.dir, 'strongswan.conf') } });
    if (!/successfully loaded 1 connections/.test(r.stdout)) throw new Error(`charon ${e.end.label} refused its configuration: ${(r.stdout + r.stderr).trim().split('\n').slice(-3).join(' / ')}`);
  }
}

/**
 * The GCP network's resolver (started by a shared router's first run, for every run) and the endpoints' listener;
 * resolves once both serve (or throws why not).
 */
export async function startServices(lab: LabState): Promise<void> {
  const resolver = lab.router.some((l) => !l.hostPath.empty);
  if (!resolver && lab.hostPath.empty) return;
  const gcpDir = lab.gcpDir;
  const dns = resolver ? startDaemon('dnsmasq gcp', 'ip', ['netns', 'exec', lab.gcpNs, 'dnsmasq', '--keep-in-foreground', `--conf-file=${join(gcpDir, 'dnsmasq.conf')}`], lab.logFd(join(gcpDir, 'dnsmasq.stdout.log'))) : undefined;
  if (dns) lab.daemons.push(dns);
  const awsDir = join(lab.work, 'aws');
  const listenerLog = join(awsDir, 'listener.log');
  const listens = lab.hostPath.listens();
  const listener = listens.length === 0 ? undefined : startDaemon('listener aws', 'ip', ['netns', 'exec', lab.awsNs, process.execPath, join(__dirname, 'listener.js'), JSON.stringify(listens)], lab.logFd(listenerLog));
  if (listener) lab.daemons.push(listener);
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
  const until = Date.now() + 10_000;
  for (;;) {
    const dnsUp = !dns || /started, version/.test(read(join(gcpDir, 'dnsmasq.log')));
    const log = read(listenerLog);
    if (/^error /m.test(log) || listener?.exited) throw new Error(`the endpoints' listener could not start: ${lastLine(log) || 'exited'}`);
    if (dns?.exited) throw new Error(`dnsmasq exited at start: ${tail(join(gcpDir, 'dnsmasq.stdout.log'))}`);
    if (dnsUp && (!listener || /^ready$/m.test(log))) return;
    if (Date.now() > until) throw new Error('dnsmasq or the endpoints\' listener did not start within 10 s');
    await sleep(20);
  }
}

/** The Cloud Router's BIRD (unless this run joined another's) and the VPN gateway's. */
export function startBirds(lab: LabState): void {
  for (const side of lab.host ? (['aws'] as const) : (['gcp', 'aws'] as const)) {
    const dir = lab.sideDir(side);
    const ns = side === 'gcp' ? lab.gcpNs : lab.awsNs;
    lab.daemons.push(startDaemon(`bird ${side}`, 'ip', ['netns', 'exec', ns, 'bird', '-f', '-c', join(dir, 'bird.conf'), '-s', join(dir, 'bird.ctl'), '-P', join(dir, 'bird.pid')], lab.logFd(join(dir, 'stdout.log'))));
  }
}

/** Rows of the session table: every GCP peer, then every AWS session no GCP peer reaches. */
export function sessionRows(lab: LabState): SessionEntry[] {
  const rows: SessionEntry[] = [];
  const reached = new Set<string>();
  for (const p of lab.gcp.peers) {
    const iface = lab.gcp.interfaces.find((i) => i.key === p.iface);
    const slot = lab.slots.find((s) => s.pair.gcp !== undefined && s.pair.gcp.key === iface?.tunnel);
    const g = lab.gcpSessions.find((s) => s.key === p.key);
    const a = slot?.pair.aws ? lab.awsSessions.find((s) => s.key === slot.pair.aws!.key) : undefined;
    if (a) reached.add(a.key);
    rows.push({
      row: { gcp: p.key, aws: a?.key, gcpAddress: g ? `${g.localIp} AS${g.localAsn}` : undefined, awsAddress: a ? `${a.localIp} AS${a.localAsn}` : undefined, gcpState: '', awsState: '', up: false },
      g,
      a,
      slot,
    });
  }
  for (const a of lab.awsSessions) {
    if (reached.has(a.key)) continue;
    const slot = lab.slots.find((s) => s.pair.aws?.key === a.key);
    rows.push({ row: { aws: a.key, awsAddress: `${a.localIp} AS${a.localAsn}`, gcpState: '', awsState: '', up: false }, a, slot });
  }
  return rows;
}

export async function waitUp(lab: LabState): Promise<void> {
  const t0 = lab.bringUp;
  lab.report.tunnels.push(...lab.slots.map((s) => s.row));
  const sessions = (lab.sessions = sessionRows(lab));
  lab.report.sessions.push(...sessions.map((x) => x.row));
  let lastProgress = t0;
  let lastBgpPoll = 0;
  for (;;) {
    lab.throwIfInterrupted();
    const now = Date.now();
    for (const s of lab.slots) {
      const row = s.row;
      if (row.up || row.reason) continue;
      const gLog = lab.charonLog(s.g);
      const aLog = lab.charonLog(s.a);
      if (s.g && s.a && /CHILD_SA t\{\d+\} established/.test(gLog) && /CHILD_SA t\{\d+\} established/.test(aLog)) {
        row.up = true;
        row.upMs = now - t0;
        lastProgress = now;
        lab.o.log(`tunnel ${row.gcp} ⇄ ${row.aws} up after ${seconds(row.upMs)}`);
        continue;
      }
      // Both ends initiate (Cloud VPN always, AWS with startup action "start"), so the first attempt of the end
      // whose config loads first meets a peer that has none yet and is refused; a refusal counts once that
      // start-up race is over.
      const raceOver = now - t0 > STARTUP_RACE_MS;
      const definitive = !s.g || !s.a || (raceOver && /MAC mismatched|AUTHENTICATION_FAILED|NO_PROPOSAL_CHOSEN|no IKE config found|giving up after/.test(`${gLog}\n${aLog}`));
      if (definitive) row.reason = tunnelReason(s.pair, gLog, aLog, lab.aws);
    }
    if (now - lastBgpPoll >= 200) {
      lastBgpPoll = now;
      const gp = parseProtocols(lab.bird('gcp', 'show', 'protocols'));
      const ap = parseProtocols(lab.bird('aws', 'show', 'protocols'));
      for (const x of sessions) {
        const gs = x.g ? gp.get(x.g.protocol) : undefined;
        const as = x.a ? ap.get(x.a.protocol) : undefined;
        x.row.gcpState = gs?.info ?? (x.g ? 'not running' : 'no session');
        x.row.awsState = as?.info ?? (x.a ? 'not running' : 'no session');
        const up = gs?.up === true && gs.info.startsWith('Established') && as?.up === true && as.info.startsWith('Established');
        if (up && !x.row.up) {
          x.row.up = true;
          x.row.upMs = now - t0;
          lastProgress = now;
          lab.o.log(`BGP ${x.row.gcp} ⇄ ${x.row.aws} established after ${seconds(x.row.upMs)}`);
        }
      }
    }
    const tunnelsSettled = lab.slots.every(({ row }) => row.up || row.reason !== undefined);
    // A session is settled when it is up, or cannot come up: BIRD refused it, or its tunnel failed or is missing.
    const failedTunnel = (x: SessionEntry) => !x.slot || (!x.slot.row.up && x.slot.row.reason !== undefined);
    const refused = (x: SessionEntry) => lab.refused.has(`gcp:${x.row.gcp}`) || lab.refused.has(`aws:${x.row.aws}`);
    const sessionsSettled = sessions.every((x) => x.row.up || refused(x) || failedTunnel(x));
    if (tunnelsSettled && sessionsSettled) break;
    // Once the tunnels have settled, a session that is still down 3 hold times after the last progress will not come up.
    if (tunnelsSettled && now - lastProgress > BGP_TIMERS.hold * 3000) break;
    if (now - t0 > lab.o.timeoutMs) break;
    await sleep(100);
  }
  lab.report.ms.tunnels = Math.max(0, ...lab.slots.map(({ row }) => row.upMs ?? 0));
  lab.report.ms.bgp = Math.max(0, ...sessions.map((x) => x.row.upMs ?? 0));
  for (const s of lab.slots) {
    const row = s.row;
    if (!row.up && !row.reason) row.reason = tunnelReason(s.pair, lab.charonLog(s.g), lab.charonLog(s.a), lab.aws) ?? `not established within ${seconds(lab.o.timeoutMs)}: ${lastLine(lab.charonLog(s.g))}`;
  }
  for (const x of sessions) if (!x.row.up) x.row.reason = sessionReason(lab, x);
}
