/**
 * privlink lab: bring up the VPN a generated `operator/cdk.tf.json` describes, on this machine, and prove it.
 *
 *   simulated apply (apply.ts) → each side's view (sides.ts) → daemon configs (daemons.ts) → namespaces and
 *   daemons (this file) → wait for tunnels and BGP → routes, traffic, failover, rekey → teardown by PID.
 *
 * Namespaces, all named `privlink-lab-<pid>-…`: `gcp` (Cloud Router: BIRD, the GCP source-range addresses), `aws` (VPN
 * gateway: BIRD, an address in the VPC), and per tunnel one namespace per end (`g<i>`, `a<i>`), each with its own
 * charon, whose user-space ESP device `ipsec0` carries everything that arrives from the router side. The two ends
 * of a tunnel share a veth "internet" between their outside addresses. The end namespaces are forwarding hops
 * the clouds do not have, so they restore the TTL they take (direct eBGP sends TTL 1).
 */
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import { LabInputError, simulateApply, type SimulatedApply } from './apply';
import { awsEnd, awsSessions, BGP_TIMERS, birdConf, gcpEnd, gcpSessions, routerDevice, strongswanConf, swanctlConf, type BgpSession, type CharonEnd } from './daemons';
import { CHARON, must, namespaces, removeNamespace, run, runAsync, signal, sleep, startDaemon, stopDaemons, type Daemon } from './host';
import { hostnameView, type HostnameView } from './hostnames';
import { firstHost, validCidr, validIp } from './ip';
import { HostPath, type HostnameRow } from './hostpath';
import { isRunning } from '../support/process';
import { awsSide, gcpSide, pairTunnels, type AwsSide, type GcpSide, type Pair } from './sides';

export interface LabOptions {
  readonly customer: string;
  readonly tfFile: string;
  /** Bring-up budget (tunnels and BGP), ms. */
  readonly timeoutMs: number;
  /** Keep the work folder (configs and daemon logs) after teardown. */
  readonly keep: boolean;
  /** Progress lines for people (stderr). */
  readonly log: (line: string) => void;
  readonly random?: (n: number) => Buffer;
}

export interface TunnelRow {
  readonly gcp?: string;
  readonly aws?: string;
  readonly gcpAddress?: string;
  readonly awsAddress?: string;
  up: boolean;
  upMs?: number;
  rekey?: 'ok' | 'failed' | 'not run' | 'killed (failover)';
  rekeyMs?: number;
  reason?: string;
}

export interface SessionRow {
  readonly gcp?: string;
  readonly aws?: string;
  readonly gcpAddress?: string;
  readonly awsAddress?: string;
  gcpState: string;
  awsState: string;
  up: boolean;
  upMs?: number;
  reason?: string;
}

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly ms?: number;
}

export interface LabReport {
  readonly customer: string;
  readonly file: string;
  ok: boolean;
  readonly simulatedApply: { references: number; unevaluated: { address: string; argument: string; expression: string }[] };
  readonly tunnels: TunnelRow[];
  readonly sessions: SessionRow[];
  /** Each hostname → address:port connection from each source, before and after the failover. */
  readonly hostnames: HostnameRow[];
  readonly checks: Check[];
  readonly timers: typeof BGP_TIMERS;
  readonly ms: { setup: number; tunnels?: number; bgp?: number; total: number };
  workDir?: string;
}

interface End {
  readonly ns: string;
  readonly dir: string;
  readonly end: CharonEnd;
  daemon?: Daemon;
}

interface Slot {
  readonly index: number;
  readonly pair: Pair;
  readonly g?: End;
  readonly a?: End;
  /** This tunnel's row of the report. */
  readonly row: TunnelRow;
}

/** A row of the session table with the BIRD sessions and the tunnel behind it. */
interface SessionEntry {
  readonly row: SessionRow;
  readonly g?: BgpSession;
  readonly a?: BgpSession;
  readonly slot?: Slot;
}

/** How long after the daemons start a refused IKE attempt may still be the start-up race (see waitUp). */
const STARTUP_RACE_MS = 1500;

/** Every namespace the lab creates is named `privlink-lab-<pid>-…`. */
export const NS_PREFIX = 'privlink-lab-';

const seconds = (ms: number | undefined) => (ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`);

/** Parse `birdc show protocols`: protocol name → state and info ("Established", "Active", "Idle Socket: …"). */
export function parseProtocols(text: string): Map<string, { up: boolean; info: string }> {
  const out = new Map<string, { up: boolean; info: string }>();
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+BGP\s+\S+\s+(\S+)\s+\S+\s+(.*)$/.exec(line.trim());
    if (m) out.set(m[1]!, { up: m[2] === 'up', info: m[3]!.trim() });
  }
  return out;
}

/** Why a tunnel did not come up, from both charons' logs, explained with the values each side was given. */
export function tunnelReason(pair: Pair, gLog: string, aLog: string, aws: AwsSide): string | undefined {
  const g = pair.gcp;
  const a = pair.aws;
  if (g && !a) {
    const owner = aws.tunnels.find((t) => t.localIp === g.remoteIp);
    return owner
      ? `GCP ${g.key} peers with ${g.remoteIp}, the outside address of AWS ${owner.key}, which another GCP tunnel already reaches`
      : `GCP ${g.key} peers with ${g.remoteIp || '(no address)'}, which is no AWS tunnel's outside address`;
  }
  if (a && !g) return `no GCP tunnel peers with AWS ${a.key} (${a.localIp})`;
  if (!g || !a) return undefined;
  const logs = `${gLog}\n${aLog}`;
  if (/MAC mismatched|AUTHENTICATION_FAILED|authentication of .* failed/.test(logs)) {
    const other = aws.tunnels.find((t) => t.psk === g.psk);
    const whose = other && other.key !== a.key ? `, the key of AWS ${other.key}` : '';
    return g.psk !== a.psk
      ? `IKE authentication failed: pre-shared keys differ: GCP ${g.key} uses ${g.pskSource}${whose}; AWS ${a.key} uses its own key`
      : 'IKE authentication failed (AUTHENTICATION_FAILED)';
  }
  const noConfig = /no IKE config found for (\S+)/.exec(aLog);
  if (noConfig) return `AWS ${a.key} expects IKE from its customer gateway ${a.remoteIp}, but GCP ${g.key} sends from ${g.localIp}`;
  if (/NO_PROPOSAL_CHOSEN/.test(logs)) {
    return `no common proposal: GCP ${g.key} offers IKE ${g.proposals.ike.join(',')} ESP ${g.proposals.esp.join(',')}; AWS ${a.key} accepts IKE ${a.proposals.ike.join(',')} ESP ${a.proposals.esp.join(',')}`;
  }
  if (/giving up after|retransmit/.test(gLog)) return `no answer from ${g.remoteIp} (IKE retransmits timed out)`;
  return undefined;
}

export interface PreparedLab {
  readonly apply: SimulatedApply;
  readonly gcp: GcpSide;
  readonly aws: AwsSide;
  readonly pairs: Pair[];
  readonly view: HostnameView;
}

/** Read the JSON and simulate its apply: everything that can be wrong with the file, before the machine is touched. */
export function prepareLab(tfFile: string, random: (n: number) => Buffer = randomBytes): PreparedLab {
  let text: string;
  try {
    text = readFileSync(tfFile, 'utf8');
  } catch (err) {
    throw new LabFileError(`${tfFile}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (run privlink generate first)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new LabFileError(`${tfFile}: not JSON: ${(err as Error).message}`);
  }
  try {
    const apply = simulateApply(json, random);
    const gcp = gcpSide(apply);
    const aws = awsSide(apply);
    return { apply, gcp, aws, pairs: pairTunnels(gcp, aws), view: hostnameView(apply) };
  } catch (err) {
    if (err instanceof LabInputError) throw new LabInputError(err.problems.map((p) => `${tfFile}: ${p}`));
    throw err;
  }
}

/** Run the lab on a prepared file; returns the report, ok or not. Throws LabInterrupted on SIGINT/SIGTERM. */
export async function runLab(o: LabOptions, prepared: PreparedLab = prepareLab(o.tfFile, o.random)): Promise<LabReport> {
  const started = Date.now();
  const { apply, gcp, aws, pairs, view } = prepared;
  const report: LabReport = {
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
  const lab = new Lab(o, gcp, aws, pairs, view, report);
  const onSignal = (sig: NodeJS.Signals) => {
    lab.interrupted = sig;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let failure: { error: unknown } | undefined;
  try {
    await lab.run();
  } catch (error) {
    failure = { error };
  }
  // Teardown always runs, and an interrupt is reported with what the teardown found (not what it hoped for).
  const teardown = await lab.teardown();
  report.checks.push(teardown);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  report.ms.total = Date.now() - started;
  if (lab.interrupted) throw new LabInterrupted(lab.interrupted, teardown);
  if (failure) throw failure.error;
  report.ok = report.tunnels.every((t) => t.up) && report.sessions.every((s) => s.up) && report.checks.every((c) => c.ok);
  return report;
}

export class LabFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabFileError';
  }
}

/** The lab was stopped by a signal; the message says what its teardown achieved, as its teardown check found it. */
export class LabInterrupted extends Error {
  constructor(
    readonly sig: NodeJS.Signals,
    readonly teardown?: Check,
  ) {
    super(
      teardown === undefined || teardown.ok
        ? `interrupted by ${sig}; everything the lab started was stopped and removed`
        : `interrupted by ${sig}; the teardown was incomplete, ${teardown.detail} (the next \`privlink lab\` removes what this run left)`,
    );
    this.name = 'LabInterrupted';
  }
}

class Lab {
  interrupted: NodeJS.Signals | undefined;
  private readonly prefix = `${NS_PREFIX}${process.pid}-`;
  private readonly work: string;
  private readonly gcpNs: string;
  private readonly awsNs: string;
  private readonly slots: Slot[];
  private readonly daemons: Daemon[] = [];
  private readonly logFds: number[] = [];
  private gcpSessions: BgpSession[] = [];
  private awsSessions: BgpSession[] = [];
  private sessions: SessionEntry[] = [];
  private readonly refused = new Map<string, string>();
  private readonly hostPath: HostPath;
  /** When the first daemon started: "up after" counts from here. */
  private bringUp = 0;
  private vpcHost = '';

  constructor(
    private readonly o: LabOptions,
    private readonly gcp: GcpSide,
    private readonly aws: AwsSide,
    pairs: Pair[],
    view: HostnameView,
    private readonly report: LabReport,
  ) {
    this.work = mkdtempSync(join(tmpdir(), `${NS_PREFIX}${process.pid}-`));
    this.gcpNs = `${this.prefix}gcp`;
    this.awsNs = `${this.prefix}aws`;
    this.slots = pairs.map((pair, index) => ({
      index,
      pair,
      g: pair.gcp ? { ns: `${this.prefix}g${index}`, dir: join(this.work, `g${index}`), end: gcpEnd(pair.gcp) } : undefined,
      a: pair.aws ? { ns: `${this.prefix}a${index}`, dir: join(this.work, `a${index}`), end: awsEnd(pair.aws) } : undefined,
      row: { gcp: pair.gcp?.key, aws: pair.aws?.key, gcpAddress: pair.gcp?.localIp, awsAddress: pair.aws?.localIp, up: false },
    }));
    this.hostPath = new HostPath(view, {
      prefix: this.prefix,
      work: this.work,
      gcpNs: this.gcpNs,
      awsNs: this.awsNs,
      sources: gcp.advertised.filter(validCidr),
      vpcCidr: validCidr(aws.vpcCidr) ? aws.vpcCidr : '0.0.0.0/32',
    });
  }

  private throwIfInterrupted(): void {
    if (this.interrupted) throw new LabInterrupted(this.interrupted); // runLab's finally tears down and reports it
  }

  async run(): Promise<void> {
    const t0 = Date.now();
    cleanStale();
    this.o.log(`simulated apply: ${this.report.simulatedApply.references} references resolved; ${this.slots.length} tunnel slots`);
    mkdirSync(join(this.work, 'gcp'));
    mkdirSync(join(this.work, 'aws'));
    this.hostPath.writeConfigs();
    this.network();
    this.configs();
    this.throwIfInterrupted();
    this.report.ms.setup = Date.now() - t0;
    this.bringUp = Date.now();
    const services = this.startServices();
    await this.startCharons();
    this.startBirds();
    await this.waitUp();
    await services;
    this.throwIfInterrupted();
    await this.converge(this.report.sessions.filter((x) => x.up).length);
    const routes = this.routeChecks();
    const traffic = await this.traffic('traffic');
    this.report.checks.push(...routes, traffic, ...(await this.hostPath.check('before')));
    const healthy = this.report.tunnels.some((t) => t.up) && this.report.sessions.some((s) => s.up);
    if (!healthy || !traffic.ok) {
      this.report.checks.push({ name: 'failover', ok: false, detail: 'not run: no working tunnel and session to fail over from' });
      this.report.checks.push({ name: 'rekey', ok: false, detail: 'not run: no working tunnel' });
      for (const t of this.report.tunnels) t.rekey = 'not run';
      return;
    }
    this.throwIfInterrupted();
    const failover = await this.failover();
    this.report.checks.push(failover);
    if (failover.ok) this.report.checks.push(...(await this.hostPath.check('after')));
    this.throwIfInterrupted();
    this.report.checks.push(await this.rekey());
  }

  // ---------------------------------------------------------------- network

  private network(): void {
    const sh: string[] = ['set -e'];
    const all = [this.gcpNs, this.awsNs, ...this.slots.flatMap((s) => [s.g?.ns, s.a?.ns].filter((n): n is string => n !== undefined))];
    for (const ns of all) {
      sh.push(`ip netns add ${ns}`, `ip -n ${ns} link set lo up`);
      sh.push(`ip netns exec ${ns} sh -c '${sysctl(['ip_forward', 1], ['conf/all/rp_filter', 0], ['conf/default/rp_filter', 0])}'`);
    }
    for (const s of this.slots) {
      const ends = [s.g, s.a].filter((e): e is End => e !== undefined);
      if (ends.length === 2) sh.push(`ip link add o0 netns ${s.g!.ns} type veth peer name o0 netns ${s.a!.ns}`);
      else sh.push(`ip link add o0 netns ${ends[0]!.ns} type veth peer name x0 netns ${ends[0]!.ns}`, `ip -n ${ends[0]!.ns} link set x0 up`);
      for (const e of ends) {
        if (validIp(e.end.localIp)) sh.push(`ip -n ${e.ns} addr add ${e.end.localIp}/32 dev o0`);
        sh.push(`ip -n ${e.ns} link set o0 up`, `ip -n ${e.ns} route add default dev o0`);
        const router = e === s.g ? this.gcpNs : this.awsNs;
        sh.push(`ip link add ${routerDevice(s.index)} netns ${router} type veth peer name r0 netns ${e.ns}`);
        sh.push(`ip -n ${router} link set ${routerDevice(s.index)} up`, `ip -n ${e.ns} link set r0 up`);
        // Traffic out of a tunnel is handed to the router by device, not by next hop: the Cloud Router's side
        // answers ARP for the pods behind it.
        if (router === this.gcpNs) {
          sh.push(`ip netns exec ${router} sh -c '${sysctl([`conf/${routerDevice(s.index)}/proxy_arp`, 1], [`neigh/${routerDevice(s.index)}/proxy_delay`, 0])}'`);
        }
        sh.push(`ip -n ${e.ns} rule add iif r0 lookup 100 pref 100`, `ip -n ${e.ns} rule add iif ipsec0 lookup 101 pref 101`);
        sh.push(`ip -n ${e.ns} route add default dev r0 table 101`);
        sh.push(`ip netns exec ${e.ns} sh -c '${sysctl(['conf/r0/proxy_arp', 1], ['neigh/r0/proxy_delay', 0], ['conf/r0/rp_filter', 0])}'`);
        sh.push(`ip netns exec ${e.ns} iptables -t mangle -A PREROUTING -j TTL --ttl-inc 1`);
      }
      const iface = s.pair.gcp && this.gcp.interfaces.find((i) => i.tunnel === s.pair.gcp!.key);
      if (iface && validCidr(iface.ipRange)) sh.push(`ip -n ${this.gcpNs} addr add ${iface.ipRange} dev ${routerDevice(s.index)}`);
      const a = s.pair.aws;
      if (a && validIp(a.vgwInside) && validCidr(a.insideCidr)) sh.push(`ip -n ${this.awsNs} addr add ${a.vgwInside}/${a.insideCidr.split('/')[1]} dev ${routerDevice(s.index)}`);
    }
    sh.push(...this.hostPath.network(sysctl));
    if (validCidr(this.aws.vpcCidr)) {
      // The VPC's first address after the network: reserved by AWS in its subnet, so no endpoint ever holds it.
      this.vpcHost = firstHost(this.aws.vpcCidr, 1);
      sh.push(`ip -n ${this.awsNs} addr add ${this.vpcHost}/32 dev lo`);
    }
    const script = `${sh.join('\n')}\n`;
    writeFileSync(join(this.work, 'network.sh'), script);
    must('sh', ['-e'], 'building the lab network', script);
  }

  // ---------------------------------------------------------------- configs

  private configs(): void {
    for (const s of this.slots) {
      for (const e of [s.g, s.a]) {
        if (!e) continue;
        mkdirSync(join(e.dir, 'run'), { recursive: true, mode: 0o700 });
        writeFileSync(join(e.dir, 'strongswan.conf'), strongswanConf(e.dir));
        writeFileSync(join(e.dir, 'swanctl.conf'), swanctlConf(e.end), { mode: 0o600 });
      }
    }
    const pairs = this.slots.map((s) => s.pair);
    this.gcpSessions = gcpSessions(this.gcp, pairs);
    this.awsSessions = awsSessions(this.aws, pairs);
    this.birdConfig('gcp', this.gcpSessions, [...this.gcp.advertised], this.gcp.interfaces[0]?.ipRange.split('/')[0]);
    this.birdConfig('aws', this.awsSessions, [this.aws.vpcCidr], this.aws.tunnels[0]?.vgwInside);
  }

  /** Write one side's BIRD config; a session BIRD refuses (equal ASNs…) is recorded and left out, one at a time. */
  private birdConfig(side: 'gcp' | 'aws', sessions: readonly BgpSession[], originate: string[], routerId: string | undefined): void {
    const file = join(this.work, side, 'bird.conf');
    const conf = birdConf({ logFile: join(this.work, side, 'bird.log'), routerId: validIp(routerId) ? routerId : '192.0.2.1', originate: originate.filter(validCidr), sessions });
    const lines = conf.text.split('\n');
    for (let attempt = 0; attempt <= sessions.length; attempt++) {
      writeFileSync(file, lines.join('\n'));
      const r = run('bird', ['-p', '-c', file]);
      if (r.code === 0) return;
      const m = /:(\d+):\d+ (.*)$/m.exec(r.stderr);
      const key = m ? [...conf.lineOf].find(([, line]) => line === Number(m[1]))?.[0] : undefined;
      if (!m || key === undefined) throw new Error(`BIRD refused the lab's ${side} configuration: ${r.stderr.trim()}`);
      this.refused.set(`${side}:${key}`, m[2]!.trim());
      lines[Number(m[1]) - 1] = `# refused by BIRD: ${m[2]!.trim()}`;
    }
  }

  // ---------------------------------------------------------------- daemons

  private logFd(file: string): number {
    const fd = openSync(file, 'a');
    this.logFds.push(fd);
    return fd;
  }

  private vici(e: End): string {
    return `unix://${e.dir}/charon.vici`;
  }

  private async startCharons(): Promise<void> {
    const ends = this.slots.flatMap((s) => [s.a, s.g]).filter((e): e is End => e !== undefined);
    for (const e of ends) {
      e.daemon = startDaemon(`charon ${e.end.label}`, 'ip', ['netns', 'exec', e.ns, 'sh', '-c', `mount --bind "$0" /run && exec env STRONGSWAN_CONF="$1" ${CHARON}`, join(e.dir, 'run'), join(e.dir, 'strongswan.conf')], this.logFd(join(e.dir, 'stdout.log')));
      this.daemons.push(e.daemon);
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
      const r = run('swanctl', ['--load-all', '--noprompt', '--file', join(e.dir, 'swanctl.conf'), '--uri', this.vici(e)], { env: { ...process.env, STRONGSWAN_CONF: join(e.dir, 'strongswan.conf') } });
      if (!/successfully loaded 1 connections/.test(r.stdout)) throw new Error(`charon ${e.end.label} refused its configuration: ${(r.stdout + r.stderr).trim().split('\n').slice(-3).join(' / ')}`);
    }
  }

  /** The GCP network's resolver and the endpoints' listener; resolves once both serve (or throws why not). */
  private async startServices(): Promise<void> {
    if (this.hostPath.empty) return;
    const gcpDir = join(this.work, 'gcp');
    const dns = startDaemon('dnsmasq gcp', 'ip', ['netns', 'exec', this.gcpNs, 'dnsmasq', '--keep-in-foreground', `--conf-file=${join(gcpDir, 'dnsmasq.conf')}`], this.logFd(join(gcpDir, 'dnsmasq.stdout.log')));
    this.daemons.push(dns);
    const awsDir = join(this.work, 'aws');
    const listenerLog = join(awsDir, 'listener.log');
    const listens = this.hostPath.listens();
    const listener = listens.length === 0 ? undefined : startDaemon('listener aws', 'ip', ['netns', 'exec', this.awsNs, process.execPath, join(__dirname, 'listener.js'), JSON.stringify(listens)], this.logFd(listenerLog));
    if (listener) this.daemons.push(listener);
    const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
    const until = Date.now() + 10_000;
    for (;;) {
      const dnsUp = /started, version/.test(read(join(gcpDir, 'dnsmasq.log')));
      const log = read(listenerLog);
      if (/^error /m.test(log) || listener?.exited) throw new Error(`the endpoints' listener could not start: ${lastLine(log) || 'exited'}`);
      if (dns.exited) throw new Error(`dnsmasq exited at start: ${tail(join(gcpDir, 'dnsmasq.stdout.log'))}`);
      if (dnsUp && (!listener || /^ready$/m.test(log))) return;
      if (Date.now() > until) throw new Error('dnsmasq or the endpoints\' listener did not start within 10 s');
      await sleep(20);
    }
  }

  private startBirds(): void {
    for (const side of ['gcp', 'aws'] as const) {
      const dir = join(this.work, side);
      const ns = side === 'gcp' ? this.gcpNs : this.awsNs;
      this.daemons.push(startDaemon(`bird ${side}`, 'ip', ['netns', 'exec', ns, 'bird', '-f', '-c', join(dir, 'bird.conf'), '-s', join(dir, 'bird.ctl'), '-P', join(dir, 'bird.pid')], this.logFd(join(dir, 'stdout.log'))));
    }
  }

  private bird(side: 'gcp' | 'aws', ...cmd: string[]): string {
    return run('birdc', ['-s', join(this.work, side, 'bird.ctl'), ...cmd]).stdout;
  }

  // ---------------------------------------------------------------- bring-up

  private charonLog(e: End | undefined): string {
    if (!e) return '';
    try {
      return readFileSync(join(e.dir, 'charon.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** Rows of the session table: every GCP peer, then every AWS session no GCP peer reaches. */
  private sessionRows(): SessionEntry[] {
    const rows: SessionEntry[] = [];
    const reached = new Set<string>();
    for (const p of this.gcp.peers) {
      const iface = this.gcp.interfaces.find((i) => i.key === p.iface);
      const slot = this.slots.find((s) => s.pair.gcp !== undefined && s.pair.gcp.key === iface?.tunnel);
      const g = this.gcpSessions.find((s) => s.key === p.key);
      const a = slot?.pair.aws ? this.awsSessions.find((s) => s.key === slot.pair.aws!.key) : undefined;
      if (a) reached.add(a.key);
      rows.push({
        row: { gcp: p.key, aws: a?.key, gcpAddress: g ? `${g.localIp} AS${g.localAsn}` : undefined, awsAddress: a ? `${a.localIp} AS${a.localAsn}` : undefined, gcpState: '', awsState: '', up: false },
        g,
        a,
        slot,
      });
    }
    for (const a of this.awsSessions) {
      if (reached.has(a.key)) continue;
      const slot = this.slots.find((s) => s.pair.aws?.key === a.key);
      rows.push({ row: { aws: a.key, awsAddress: `${a.localIp} AS${a.localAsn}`, gcpState: '', awsState: '', up: false }, a, slot });
    }
    return rows;
  }

  private async waitUp(): Promise<void> {
    const t0 = this.bringUp;
    this.report.tunnels.push(...this.slots.map((s) => s.row));
    const sessions = (this.sessions = this.sessionRows());
    this.report.sessions.push(...sessions.map((x) => x.row));
    let lastProgress = t0;
    let lastBgpPoll = 0;
    for (;;) {
      this.throwIfInterrupted();
      const now = Date.now();
      for (const s of this.slots) {
        const row = s.row;
        if (row.up || row.reason) continue;
        const gLog = this.charonLog(s.g);
        const aLog = this.charonLog(s.a);
        if (s.g && s.a && /CHILD_SA t\{\d+\} established/.test(gLog) && /CHILD_SA t\{\d+\} established/.test(aLog)) {
          row.up = true;
          row.upMs = now - t0;
          lastProgress = now;
          this.o.log(`tunnel ${row.gcp} ⇄ ${row.aws} up after ${seconds(row.upMs)}`);
          continue;
        }
        // Both ends initiate (Cloud VPN always, AWS with startup action "start"), so the first attempt of the end
        // whose config loads first meets a peer that has none yet and is refused; a refusal counts once that
        // start-up race is over.
        const raceOver = now - t0 > STARTUP_RACE_MS;
        const definitive = !s.g || !s.a || (raceOver && /MAC mismatched|AUTHENTICATION_FAILED|NO_PROPOSAL_CHOSEN|no IKE config found|giving up after/.test(`${gLog}\n${aLog}`));
        if (definitive) row.reason = tunnelReason(s.pair, gLog, aLog, this.aws);
      }
      if (now - lastBgpPoll >= 200) {
        lastBgpPoll = now;
        const gp = parseProtocols(this.bird('gcp', 'show', 'protocols'));
        const ap = parseProtocols(this.bird('aws', 'show', 'protocols'));
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
            this.o.log(`BGP ${x.row.gcp} ⇄ ${x.row.aws} established after ${seconds(x.row.upMs)}`);
          }
        }
      }
      const tunnelsSettled = this.slots.every(({ row }) => row.up || row.reason !== undefined);
      // A session is settled when it is up, or cannot come up: BIRD refused it, or its tunnel failed or is missing.
      const failedTunnel = (x: SessionEntry) => !x.slot || (!x.slot.row.up && x.slot.row.reason !== undefined);
      const refused = (x: SessionEntry) => this.refused.has(`gcp:${x.row.gcp}`) || this.refused.has(`aws:${x.row.aws}`);
      const sessionsSettled = sessions.every((x) => x.row.up || refused(x) || failedTunnel(x));
      if (tunnelsSettled && sessionsSettled) break;
      // Once the tunnels have settled, a session that is still down 3 hold times after the last progress will not come up.
      if (tunnelsSettled && now - lastProgress > BGP_TIMERS.hold * 3000) break;
      if (now - t0 > this.o.timeoutMs) break;
      await sleep(100);
    }
    this.report.ms.tunnels = Math.max(0, ...this.slots.map(({ row }) => row.upMs ?? 0));
    this.report.ms.bgp = Math.max(0, ...sessions.map((x) => x.row.upMs ?? 0));
    for (const s of this.slots) {
      const row = s.row;
      if (!row.up && !row.reason) row.reason = tunnelReason(s.pair, this.charonLog(s.g), this.charonLog(s.a), this.aws) ?? `not established within ${seconds(this.o.timeoutMs)}: ${lastLine(this.charonLog(s.g))}`;
    }
    for (const x of sessions) if (!x.row.up) x.row.reason = this.sessionReason(x);
  }

  private sessionReason(x: SessionEntry): string {
    const p = this.gcp.peers.find((q) => q.key === x.row.gcp);
    const refusedG = p ? this.refused.get(`gcp:${p.key}`) : undefined;
    const refusedA = x.a ? this.refused.get(`aws:${x.a.key}`) : undefined;
    const reasons: string[] = [];
    if (refusedG && p) reasons.push(`GCP: BIRD refused the session: ${refusedG} (router ASN ${this.gcp.asn}, peer_asn ${p.peerAsn} from ${p.peerAsnSource})`);
    if (refusedA && x.a) reasons.push(`AWS: BIRD refused the session: ${refusedA} (VPN gateway ASN ${this.aws.asn}, customer gateway bgp_asn ${x.a.neighborAsn} from ${x.slot?.pair.aws?.peerAsnSource})`);
    if (reasons.length) return reasons.join('; ');
    if (!p) return `no GCP router peer for AWS ${x.a?.key} (AWS expects the Cloud Router at ${x.a?.neighborIp})`;
    if (!p.iface) return `GCP peer ${p.name} names interface "${p.interfaceName}", which no router interface has`;
    if (!x.slot) return `GCP peer ${p.name}'s interface leads to no tunnel`;
    const tunnel = x.slot.row;
    if (!tunnel.up) return `its tunnel ${tunnel.gcp} ⇄ ${tunnel.aws ?? '(none)'} is down`;
    const iface = this.gcp.interfaces.find((i) => i.key === p.iface)!;
    const a = x.slot?.pair.aws;
    if (validCidr(iface.ipRange) && validIp(p.peerIp)) {
      const [net, len] = ipaddr.parseCIDR(iface.ipRange);
      if (!ipaddr.parse(p.peerIp).match(net, len)) {
        return `GCP peer ${p.name} peers with ${p.peerIp} (${p.peerIpSource}), outside its interface ${iface.name} ${iface.ipRange}${a ? `; AWS ${a.key} is at ${a.vgwInside}` : ''}`;
      }
    }
    if (a && p.peerIp !== a.vgwInside) return `GCP peer ${p.name} peers with ${p.peerIp} (${p.peerIpSource}); AWS ${a.key} is at ${a.vgwInside}`;
    if (a && iface.ipRange.split('/')[0] !== a.cgwInside) return `AWS ${a.key} expects the Cloud Router at ${a.cgwInside}; GCP interface ${iface.name} is ${iface.ipRange} (${iface.ipRangeSource})`;
    if (a && p.peerAsn !== this.aws.asn) return `GCP peer ${p.name} expects AS${p.peerAsn} (${p.peerAsnSource}); the AWS VPN gateway is AS${this.aws.asn}`;
    if (a && a.peerAsn !== this.gcp.asn) return `AWS ${a.key} expects AS${a.peerAsn} (${a.peerAsnSource}); the Cloud Router is AS${this.gcp.asn}`;
    const lastErr = (side: 'gcp' | 'aws', proto: string | undefined) => (proto ? /Last error:\s*(.*)/.exec(this.bird(side, 'show', 'protocols', 'all', proto))?.[1]?.trim() : undefined);
    const ge = lastErr('gcp', x.g?.protocol);
    const ae = lastErr('aws', x.a?.protocol);
    return `not established (GCP: ${x.row.gcpState}${ge ? `, last error ${ge}` : ''}; AWS: ${x.row.awsState}${ae ? `, last error ${ae}` : ''})`;
  }

  // ---------------------------------------------------------------- checks

  /** Next hops of `prefix` in a router namespace's kernel table (what forwarding uses). */
  private nextHops(ns: string, prefix: string): number {
    const out = run('ip', ['-n', ns, 'route', 'show', 'exact', prefix]).stdout;
    if (!out.trim()) return 0;
    const hops = out.split('\n').filter((l) => /^\s*nexthop /.test(l)).length;
    return hops || 1;
  }

  /**
   * The ranges AWS must route back to: what the endpoint security groups admit; before any endpoint exists, the
   * Cloud Router's advertised ranges are all there is to check.
   */
  private returnRanges(): { ranges: readonly string[]; fromSecurityGroups: boolean } {
    const fromSecurityGroups = this.aws.sourceRanges.length > 0;
    return { ranges: fromSecurityGroups ? this.aws.sourceRanges : this.gcp.advertised, fromSecurityGroups };
  }

  /** Routes follow an established session by an UPDATE or two: wait (a few seconds at most) until both tables show `paths`. */
  private async converge(paths: number): Promise<void> {
    const expected = this.returnRanges().ranges;
    const until = Date.now() + BGP_TIMERS.hold * 2000;
    while (Date.now() < until) {
      this.throwIfInterrupted();
      if (this.nextHops(this.gcpNs, this.aws.vpcCidr) === paths && expected.every((r) => this.nextHops(this.awsNs, r) === paths)) return;
      await sleep(100);
    }
  }

  private routeChecks(): Check[] {
    const up = this.report.sessions.filter((s) => s.up).length;
    const vpc = this.aws.vpcCidr;
    const paths = this.nextHops(this.gcpNs, vpc);
    const gcpCheck: Check = {
      name: 'GCP learns the AWS VPC',
      ok: paths > 0 && paths === up,
      detail: paths ? `${vpc} over ${paths} path${paths === 1 ? '' : 's'}${paths > 1 ? ' (ECMP)' : ''}${paths !== up ? `, but ${up} sessions are up` : ''}` : `no route to ${vpc} in the Cloud Router's table`,
    };
    const { ranges: expected, fromSecurityGroups: fromSg } = this.returnRanges();
    const hops = expected.map((r) => this.nextHops(this.awsNs, r));
    const missing = expected.filter((_, i) => hops[i] === 0);
    // Least privilege: AWS learns exactly those ranges, nothing more of the GCP network.
    const learned = run('ip', ['-n', this.awsNs, 'route', 'show', 'proto', 'bird']).stdout.split('\n').map((l) => l.trim().split(' ')[0]!).filter(validCidr);
    const extra = learned.filter((r) => !expected.includes(r));
    const groups = this.gcp.advertisedGroups.filter((g) => g !== '');
    const whence = fromSg ? 'admitted by the endpoint security groups' : 'advertised by the Cloud Router; no endpoint security group yet';
    const problems = [
      ...(missing.length ? [`no route to ${missing.join(', ')} (${whence}; the Cloud Router advertises ${this.gcp.advertised.join(', ') || 'nothing'})`] : []),
      ...(extra.length ? [`AWS also learns ${extra.join(', ')}, which no endpoint security group admits`] : []),
      ...(this.gcp.advertiseMode !== 'CUSTOM' ? [`the Cloud Router's advertise_mode is ${this.gcp.advertiseMode}: it advertises the network's subnets, not just the source ranges`] : []),
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
  private async traffic(name: string): Promise<Check> {
    const t0 = Date.now();
    const pods = this.hostPath.inRange;
    if (!this.vpcHost || pods.length === 0) return { name, ok: false, detail: 'no source or destination address' };
    const results = await Promise.all(
      pods.map((p) => runAsync('ip', ['netns', 'exec', p.ns, 'ping', '-n', '-q', '-c', '3', '-i', '0.2', '-W', '1', this.vpcHost], { timeoutMs: 10_000 })),
    );
    const failed = pods.flatMap((p, i) => {
      const got = /(\d+) received/.exec(results[i]!.stdout)?.[1];
      return got === '3' ? [] : [`${p.address} → ${this.vpcHost}: ${got ?? 0}/3 answered`];
    });
    const ms = Date.now() - t0;
    return failed.length
      ? { name, ok: false, detail: failed.join('; '), ms }
      : { name, ok: true, detail: `${pods.map((p) => `${p.address} → ${this.vpcHost}`).join(', ')}: 3/3 answered each`, ms };
  }

  private async failover(): Promise<Check> {
    const x = this.sessions.find((r) => r.row.up && r.slot?.g?.daemon && r.slot.a?.daemon);
    if (!x || !x.slot) return { name: 'failover', ok: false, detail: 'not run: no tunnel with an established session' };
    const before = this.nextHops(this.gcpNs, this.aws.vpcCidr);
    const t0 = Date.now();
    for (const e of [x.slot.g!, x.slot.a!]) signal(e.daemon!.pid, 'SIGKILL');
    x.slot.row.rekey = 'killed (failover)';
    this.o.log(`failover: killed both charons of ${x.slot.pair.gcp?.key} ⇄ ${x.slot.pair.aws?.key}`);
    let down = false;
    while (Date.now() - t0 < BGP_TIMERS.hold * 3000) {
      this.throwIfInterrupted();
      const g = parseProtocols(this.bird('gcp', 'show', 'protocols')).get(x.g!.protocol);
      const a = parseProtocols(this.bird('aws', 'show', 'protocols')).get(x.a!.protocol);
      if (!g?.info.startsWith('Established') && !a?.info.startsWith('Established')) {
        down = true;
        break;
      }
      await sleep(100);
    }
    const detectMs = Date.now() - t0;
    const name = `failover`;
    if (!down) return { name, ok: false, detail: `killed ${x.slot.pair.gcp?.key}, but its BGP session stayed Established for ${seconds(detectMs)}` };
    await this.converge(before - 1);
    const after = this.nextHops(this.gcpNs, this.aws.vpcCidr);
    const t = await this.traffic(name);
    const detail = `killed tunnel ${x.slot.pair.gcp?.key} ⇄ ${x.slot.pair.aws?.key}; its BGP session dropped after ${seconds(detectMs)} (hold ${BGP_TIMERS.hold} s); ${this.aws.vpcCidr} over ${before} → ${after} paths; ${t.ok ? 'traffic continues' : `traffic stopped: ${t.detail}`}`;
    return { name, ok: t.ok && after === before - 1, detail, ms: detectMs };
  }

  private async rekey(): Promise<Check> {
    const results: string[] = [];
    let n = 0;
    for (const s of this.slots) {
      const row = s.row;
      if (!row.up || !s.g?.daemon || s.g.daemon.exited || !s.a?.daemon || s.a.daemon.exited) {
        if (row.rekey === undefined) row.rekey = 'not run';
        continue;
      }
      this.throwIfInterrupted();
      const t0 = Date.now();
      const before = this.charonLog(s.g).length;
      const env = { ...process.env, STRONGSWAN_CONF: join(s.g.dir, 'strongswan.conf') };
      const child = run('swanctl', ['--rekey', '--child', 't', '--uri', this.vici(s.g)], { env, timeoutMs: 15_000 });
      const ike = run('swanctl', ['--rekey', '--ike', 't', '--uri', this.vici(s.g)], { env, timeoutMs: 15_000 });
      row.rekeyMs = Date.now() - t0;
      const fine = /rekey completed successfully/.test(child.stdout) && /rekey completed successfully/.test(ike.stdout);
      // A rekeyed CHILD_SA with PFS logs its new SAs; a rejected PFS group shows up as a notify here.
      const log = this.charonLog(s.g).slice(before);
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
    const t = await this.traffic('rekey');
    const good = n - results.length;
    const count = results.length ? `${good} of ${n} tunnels` : `${n} tunnel${n === 1 ? '' : 's'}`;
    return { name: 'rekey', ok: results.length === 0 && n > 0 && t.ok, detail: `${count} rekeyed (CHILD_SA with PFS, then IKE_SA)${results.length ? `: ${results.join('; ')}` : ''}; ${t.ok ? 'traffic continues' : t.detail}` };
  }

  // ---------------------------------------------------------------- teardown

  async teardown(): Promise<Check> {
    const stopped = await stopDaemons(this.daemons);
    for (const fd of this.logFds) closeSync(fd);
    const all = namespaces(this.prefix);
    for (const ns of all) removeNamespace(ns);
    this.hostPath.cleanup();
    this.report.hostnames.push(...this.hostPath.rows);
    const left = namespaces(this.prefix);
    const running = this.daemons.filter((d) => !d.exited).map((d) => d.label);
    if (this.o.keep) this.report.workDir = this.work;
    else rmSync(this.work, { recursive: true, force: true });
    const ok = left.length === 0 && running.length === 0;
    return {
      name: 'teardown',
      ok,
      detail: ok
        ? `${stopped} daemons stopped by PID${this.daemons.length > stopped ? ` (${this.daemons.length - stopped} killed earlier)` : ''}, ${all.length} namespaces removed${this.o.keep ? `; configs and logs kept in ${this.work}` : ''}`
        : `left behind: ${[...left, ...running].join(', ')}`,
    };
  }
}

/** Remove namespaces of lab runs whose process is gone (a run killed with SIGKILL cannot clean up after itself). */
function cleanStale(): void {
  for (const ns of namespaces(NS_PREFIX)) {
    const m = new RegExp(`^${NS_PREFIX}(\\d+)-`).exec(ns);
    if (!m) continue;
    const alive = isRunning(Number(m[1]));
    if (!alive || Number(m[1]) === process.pid) removeNamespace(ns);
  }
  // Their pods' resolv.conf folders.
  if (existsSync('/etc/netns')) {
    for (const dir of readdirSync('/etc/netns')) {
      const m = new RegExp(`^${NS_PREFIX}(\\d+)-`).exec(dir);
      if (m && !isRunning(Number(m[1]))) rmSync(join('/etc/netns', dir), { recursive: true, force: true });
    }
  }
  // Work folders of dead runs hold daemon configs, pre-shared keys included.
  for (const dir of readdirSync(tmpdir())) {
    const m = new RegExp(`^${NS_PREFIX}(\\d+)-`).exec(dir);
    if (m && !isRunning(Number(m[1]))) rmSync(join(tmpdir(), dir), { recursive: true, force: true });
  }
}

/** Shell that sets net.ipv4 sysctls of the current namespace through /proc (no procps needed). */
function sysctl(...settings: [string, number][]): string {
  return settings.map(([k, v]) => `echo ${v} > /proc/sys/net/ipv4/${k}`).join('; ');
}

function tail(file: string): string {
  try {
    return lastLine(readFileSync(file, 'utf8'));
  } catch {
    return '(no output)';
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').slice(-1)[0] ?? '';
}
