/**
 * The lab's hostname path: a pod in GCP resolves a customer hostname and connects through the tunnels, the
 * endpoint's security group and the endpoint itself. Everything comes from the generated JSON (hostnames.ts):
 *
 * - GCP: one pod namespace per source range (`p<i>`, an address in that range) and one outside every source range
 *   (`px`), behind the Cloud Router's namespace. The network's resolver is dnsmasq on 169.254.169.254 (where GCP's
 *   metadata server answers DNS), serving only the A records of the private zones bound to the Cloud Router's
 *   network; each pod's resolv.conf points at it (`ip netns exec` bind-mounts /etc/netns/<ns>/resolv.conf).
 * - AWS: each endpoint's fixed addresses on the AWS namespace, its security groups' ingress rules enforced in front
 *   of them by iptables (default deny, stateful like a security group), and a TCP listener on every address and
 *   declared port (plus one port the endpoint does not list) standing in for PrivateLink → NLB → service.
 *
 * The pods resolve with getaddrinfo and connect with real TCP (probe.ts); the listener names what was reached
 * (listener.ts), so a hostname that resolves to another endpoint's address shows too.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addressProblems, admits, dnsAnswers, whyUnresolved, type DeclaredEndpoint, type EndpointView, type HostnameView, type IngressRule } from './hostnames';
import { runAsync } from './host';
import { firstHost, inCidr, validCidr, validIp } from './ip';
import type { Listen } from './listener';
import type { ProbeConnect, ProbeInput, ProbeResult } from './probe';

/** Where GCP's metadata server answers DNS for VMs and pods; the lab's resolver listens here. */
export const RESOLVER_ADDRESS = '169.254.169.254';
/** Connections that must succeed get this long; connections a security group must drop, this long. */
export const CONNECT_TIMEOUT_MS = 3000;
export const REFUSED_TIMEOUT_MS = 700;
/** Candidate ports for "a port the endpoint does not list": the first one not listed is used. */
const UNLISTED_PORTS = [8080, 8081, 9000, 9999] as const;
/**
 * Candidate sources outside every source range (the first outside all ranges, the VPC and every address another
 * customer on the same router already uses). Customers on one shared router share its namespace, so each needs its own.
 */
const OUTSIDE_SOURCES: readonly string[] = ['10.255.255.254', '172.31.255.254', '192.168.255.254', ...Array.from({ length: 256 }, (_, k) => `100.64.${255 - k}.254`)];

export interface Pod {
  readonly ns: string;
  /** Device in the Cloud Router's namespace that leads to the pod. */
  readonly device: string;
  readonly address: string;
  /** The source range it stands for; undefined for the pod outside every range. */
  readonly range?: string;
}

export interface HostnameRow {
  readonly hostname: string;
  readonly endpoint: string;
  readonly address: string;
  readonly port: number;
  readonly from: string;
  /** What must happen: a connection, or a refusal by the security group. */
  readonly expect: 'connect' | 'refused';
  result: string;
  ms?: number;
  afterFailover?: string;
  reason?: string;
}

/** A pod's probe, answered. */
type Probed = { pod: Pod; result: ProbeResult };

export interface HostCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly ms?: number;
}

/** "TCP 443 from 10.0.0.0/20, 10.4.0.0/14; TCP 22 from …" */
export function ruleSummary(rules: readonly IngressRule[]): string {
  if (rules.length === 0) return 'no ingress rule';
  const byPorts = new Map<string, string[]>();
  for (const r of rules) {
    const ports = r.protocol === '-1' ? 'all traffic' : `TCP ${r.fromPort === r.toPort ? r.fromPort : `${r.fromPort}-${r.toPort}`}`;
    byPorts.set(ports, [...(byPorts.get(ports) ?? []), r.cidr]);
  }
  return [...byPorts].map(([p, cidrs]) => `${p} from ${cidrs.join(', ')}`).join('; ');
}

export class HostPath {
  readonly pods: Pod[];
  readonly rows: HostnameRow[] = [];
  private readonly ready: DeclaredEndpoint[];
  private readonly waiting: DeclaredEndpoint[];
  private readonly unlisted = new Map<string, number>();
  private readonly outside?: Pod;

  /** The pods this run created (on a shared router, a source range another customer shares has that one's pod). */
  private readonly own: Pod[];

  constructor(
    private readonly view: HostnameView,
    private readonly o: {
      prefix: string;
      /** Prefix of this run's pod devices in the Cloud Router's namespace ('' alone, `c1` on a shared router). */
      devicePrefix: string;
      work: string;
      gcpNs: string;
      awsNs: string;
      sources: readonly string[];
      vpcCidr: string;
      /**
       * On a shared router, the paths of the customers set up before this one (the first one's first): their pods
       * are reused for the ranges this one names too, and their addresses are taken.
       */
      neighbours?: readonly HostPath[];
    },
  ) {
    this.ready = view.declared.filter((d) => d.ready && d.endpoint);
    this.waiting = view.declared.filter((d) => !d.ready);
    for (const d of this.ready) this.unlisted.set(d.name, UNLISTED_PORTS.find((p) => !d.ports.includes(p))!);
    const dev = o.devicePrefix;
    const before = (o.neighbours ?? []).flatMap((n) => n.pods);
    const shared = new Map<string, Pod>();
    for (const p of before) if (p.range !== undefined && !shared.has(p.range)) shared.set(p.range, p);
    this.pods = o.sources.map((range, i) => shared.get(range) ?? { ns: `${o.prefix}p${i}`, device: `${dev}p${i}`, address: firstHost(range, 1), range });
    const taken = [...o.sources, o.vpcCidr, ...before.flatMap((p) => (p.range ? [p.range] : []))];
    const used = new Set(before.map((p) => p.address));
    const outside = OUTSIDE_SOURCES.find((a) => !taken.some((c) => inCidr(a, c)) && !used.has(a));
    if (outside && this.ready.length > 0) this.outside = { ns: `${o.prefix}px`, device: `${dev}px`, address: outside };
    if (this.outside) this.pods.push(this.outside);
    this.own = this.pods.filter((p) => !shared.has(p.range ?? ''));
  }

  /** Nothing to check: the file declares no endpoint (or predates the `endpoints` output). */
  get empty(): boolean {
    return this.view.declared.length === 0;
  }

  /** The pods inside a source range (not the one outside them all). */
  get inRange(): Pod[] {
    return this.pods.filter((p) => p.range !== undefined);
  }

  /** Unique fixed addresses of every endpoint, valid ones only. */
  private endpointAddresses(): string[] {
    return [...new Set(this.view.endpoints.flatMap((e) => e.interfaces.map((i) => i.ipv4)).filter(validIp))].sort();
  }

  /** Shell lines for the network: pods, the resolver's address, the endpoints' addresses, the security groups. */
  network(sysctl: (...settings: [string, number][]) => string, resolver: boolean): string[] {
    const { gcpNs, awsNs } = this.o;
    const sh: string[] = [];
    for (const p of this.own) {
      sh.push(`ip netns add ${p.ns}`, `ip -n ${p.ns} link set lo up`);
      sh.push(`ip netns exec ${p.ns} sh -c '${sysctl(['conf/all/rp_filter', 0], ['conf/default/rp_filter', 0])}'`);
      sh.push(`ip link add ${p.device} netns ${gcpNs} type veth peer name eth0 netns ${p.ns}`);
      sh.push(`ip -n ${gcpNs} link set ${p.device} up`, `ip -n ${p.ns} link set eth0 up`);
      sh.push(`ip -n ${p.ns} addr add ${p.address}/32 dev eth0`, `ip -n ${p.ns} route add default dev eth0`);
      sh.push(`ip -n ${gcpNs} route add ${p.address}/32 dev ${p.device}`);
      sh.push(`ip netns exec ${gcpNs} sh -c '${sysctl([`conf/${p.device}/proxy_arp`, 1], [`neigh/${p.device}/proxy_delay`, 0], [`conf/${p.device}/rp_filter`, 0])}'`);
    }
    if (resolver) sh.push(`ip -n ${gcpNs} addr add ${RESOLVER_ADDRESS}/32 dev lo`);
    for (const a of this.endpointAddresses()) sh.push(`ip -n ${awsNs} addr add ${a}/32 dev lo`);
    sh.push(`ip netns exec ${awsNs} iptables-restore ${join(this.o.work, 'aws', 'security-groups.rules')}`);
    return sh;
  }

  /** The security groups as iptables rules in front of the endpoint addresses: stateful, default deny. */
  securityGroupRules(): string {
    const lines = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]'];
    const chains: string[] = [];
    const rules: string[] = ['-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT'];
    this.view.endpoints.forEach((e, i) => {
      const chain = `sg_${i}`;
      chains.push(`:${chain} - [0:0]`);
      for (const a of new Set(e.interfaces.map((x) => x.ipv4).filter(validIp))) rules.push(`-A INPUT -d ${a}/32 -j ${chain}`);
      for (const r of e.rules) {
        if (!validCidr(r.cidr)) continue;
        if (r.protocol === '-1') rules.push(`-A ${chain} -s ${r.cidr} -j ACCEPT`);
        else if (r.protocol === 'tcp') rules.push(`-A ${chain} -p tcp -s ${r.cidr} --dport ${r.fromPort}:${r.toPort} -j ACCEPT`);
      }
      rules.push(`-A ${chain} -j DROP`);
    });
    return `${[...lines, ...chains, ...rules, 'COMMIT'].join('\n')}\n`;
  }

  /**
   * Security-group rules, the resolver's answers and the pods' resolv.conf; and, unless `resolves` is undefined (a
   * customer that joined another's Cloud Router, whose resolver serves it), the resolver's config for this path and
   * `resolves` (the network's other customers on a shared router).
   */
  writeConfigs(resolves: readonly HostPath[] | undefined): void {
    writeFileSync(this.hostsFile, [...dnsAnswers(this.view)].flatMap(([name, ips]) => ips.map((ip) => `${ip} ${name}`)).join('\n') + '\n');
    if (resolves) {
      const dir = join(this.o.work, 'gcp');
      const all = [this, ...resolves];
      writeFileSync(
        join(dir, 'dnsmasq.conf'),
        [
          '# privlink lab: the GCP network\'s resolver, from the private zones bound to the Cloud Router\'s network',
          'no-resolv',
          'no-hosts',
          'no-poll',
          'bind-interfaces',
          `listen-address=${RESOLVER_ADDRESS}`,
          'user=root',
          'pid-file=',
          `log-facility=${join(dir, 'dnsmasq.log')}`,
          'log-queries',
          ...all.map((p) => `addn-hosts=${p.hostsFile}`),
          ...[...new Set(all.flatMap((p) => p.view.zones.filter((z) => z.visible).map((z) => `local=/${z.dnsName}/`)))],
          '',
        ].join('\n'),
      );
    }
    writeFileSync(join(this.o.work, 'aws', 'security-groups.rules'), this.securityGroupRules());
    for (const p of this.own) {
      mkdirSync(`/etc/netns/${p.ns}`, { recursive: true });
      writeFileSync(`/etc/netns/${p.ns}/resolv.conf`, `# privlink lab pod ${p.address}\nnameserver ${RESOLVER_ADDRESS}\noptions timeout:1 attempts:1\n`);
    }
  }

  private get hostsFile(): string {
    return join(this.o.work, 'gcp', 'hosts');
  }

  /** What the listener serves: every address of every declared endpoint, on its ports and one unlisted port. */
  listens(): Listen[] {
    const out: Listen[] = [];
    for (const d of this.ready) {
      const e = d.endpoint!;
      for (const a of new Set(e.interfaces.map((i) => i.ipv4).filter(validIp))) {
        for (const port of [...d.ports, this.unlisted.get(d.name)!]) out.push({ address: a, port, banner: `${e.address} ${a}:${port}` });
      }
    }
    return out;
  }

  /** Remove the pods' /etc/netns folders (ip netns del leaves them). */
  cleanup(): void {
    for (const p of this.own) rmSync(`/etc/netns/${p.ns}`, { recursive: true, force: true });
  }

  private async probe(pod: Pod, input: ProbeInput): Promise<ProbeResult | string> {
    const r = await runAsync('ip', ['netns', 'exec', pod.ns, process.execPath, join(__dirname, 'probe.js'), JSON.stringify(input)], { timeoutMs: 20_000 });
    try {
      return JSON.parse(r.stdout) as ProbeResult;
    } catch {
      return `the probe in ${pod.ns} failed: ${(r.stderr || r.stdout).trim() || `exit ${r.code}`}`;
    }
  }

  /** A connection the security group must drop: its report row, whether it was dropped, and the rules that would admit it. */
  private refusal(d: DeclaredEndpoint, from: string, c: ProbeResult['connects'][number]): { ok: boolean; admittedBy: string } {
    const admitted = admits(d.endpoint!.rules, from, c.port);
    this.rows.push({ hostname: c.hostname!, endpoint: d.name, address: c.address, port: c.port, from, expect: 'refused', result: c.ok ? 'CONNECTED' : 'refused' });
    const admittedBy = admitted.length ? `${admitted.map((r) => r.address).join(', ')} admit${admitted.length === 1 ? 's' : ''} it` : '';
    return { ok: !c.ok && admitted.length === 0, admittedBy };
  }

  /** The record sets that list an address. */
  private listing(address: string): string[] {
    return this.view.records.filter((r) => r.rrdatas.includes(address)).map((r) => r.address);
  }

  /** Why a connection that must succeed did not, from the resources. */
  private reason(d: DeclaredEndpoint, address: string, port: number, from: string, error: string | undefined): string {
    const holder = this.view.endpoints.find((e) => e.interfaces.some((i) => i.ipv4 === address));
    const own = d.endpoint!;
    const holds = (e: EndpointView) => e.interfaces.map((i) => i.ipv4).join(', ');
    if (!holder) {
      const lists = this.listing(address);
      return `no endpoint holds ${address}${lists.length ? ` (${lists.join(', ')} lists it)` : ''}; ${own.address} holds ${holds(own)}`;
    }
    if (holder !== own) return `${address} belongs to ${holder.address}, not to ${own.address} (which holds ${holds(own)})`;
    if (admits(holder.rules, from, port).length === 0) {
      return `dropped by the security group: ${holder.securityGroups.join(', ') || 'no security group'} admit${holder.securityGroups.length === 1 ? 's' : ''} no TCP ${port} from ${from} (${ruleSummary(holder.rules)})`;
    }
    return error ?? 'failed';
  }

  /**
   * Resolve every declared hostname from every pod and connect to what it resolves to, on every port; before the
   * failover also the refusals (an unlisted port, a source outside the ranges). Returns the checks. `during` names
   * what the 'after' checks ran through (a failover; on a shared router, a neighbour's outage).
   */
  async check(phase: 'before' | 'after', during = { name: 'after failover', note: 'one tunnel down' }): Promise<HostCheck[]> {
    const t0 = Date.now();
    if (this.view.missing) return phase === 'before' ? [{ name: 'hostnames', ok: false, detail: `not checked: ${this.view.missing}` }] : [];
    if (this.empty) return [];
    const after = phase === 'after';
    const results = await Promise.all(this.probes(after));
    const ms = Date.now() - t0;
    const failedProbe = results.find((r) => typeof r.result === 'string');
    if (failedProbe) return [{ name: after ? `hostnames ${during.name}` : 'hostnames', ok: false, detail: failedProbe.result as string, ms }];
    const done = results as Probed[];
    const inRange = done.filter((r) => r.pod.range !== undefined);
    return [
      ...(after ? [] : this.dnsChecks(inRange)),
      ...this.connectChecks(inRange, after ? during : undefined, ms),
      ...(after ? [] : this.refusalChecks(done, inRange)),
    ];
  }

  /** What each pod looks up and connects to: everything from the pods in range, one refusal each from the others. */
  private probes(after: boolean): Promise<{ pod: Pod; result: ProbeResult | string }>[] {
    return (after ? this.inRange : this.pods).map((pod) => {
      const connects: ProbeConnect[] = [];
      const lookups = new Set<string>();
      if (pod.range !== undefined) {
        for (const d of after ? this.ready : this.view.declared) for (const h of d.hostnames) lookups.add(h);
        for (const d of this.ready) for (const h of d.hostnames) for (const port of d.ports) connects.push({ hostname: h, port, timeoutMs: CONNECT_TIMEOUT_MS });
        if (!after && pod === this.inRange[0]) {
          for (const d of this.ready) connects.push({ hostname: d.hostnames[0]!, port: this.unlisted.get(d.name)!, timeoutMs: REFUSED_TIMEOUT_MS });
        }
      } else {
        for (const d of this.ready) {
          lookups.add(d.hostnames[0]!);
          connects.push({ hostname: d.hostnames[0]!, port: d.ports[0]!, timeoutMs: REFUSED_TIMEOUT_MS });
        }
      }
      return this.probe(pod, { lookups: [...lookups], connects }).then((result) => ({ pod, result }));
    });
  }

  /** Endpoint addresses, and what every declared hostname resolves to from every source range. */
  private dnsChecks(inRange: readonly Probed[]): HostCheck[] {
    const checks: HostCheck[] = [];
    const problems = addressProblems(this.view.endpoints);
    const all = this.view.endpoints.flatMap((e) => e.interfaces.map((i) => i.ipv4));
    if (all.length > 0) checks.push({
      name: 'endpoint addresses',
      ok: problems.length === 0,
      detail: problems.length ? problems.join('; ') : `${all.length} fixed addresses, each inside its subnet, none reserved by AWS, none shared`,
    });
    // Every hostname of a connected endpoint resolves to exactly that endpoint's addresses, from every range.
    for (const d of this.ready) {
      const expected = [...new Set(d.endpoint!.interfaces.map((i) => i.ipv4))].sort();
      for (const h of d.hostnames) {
        const bad: string[] = [];
        for (const { pod, result } of inRange) {
          const got = result.lookups[h];
          if (!got?.addresses) {
            bad.push(`does not resolve from ${pod.address} (${got?.error ?? 'no answer'}): ${whyUnresolved(this.view, h) ?? 'the resolver did not answer'}`);
          } else if (got.addresses.join() !== expected.join()) {
            const strangers = got.addresses.filter((a) => !this.view.endpoints.some((e) => e.interfaces.some((i) => i.ipv4 === a)));
            bad.push(
              `resolves to ${got.addresses.join(', ')} from ${pod.address}; ${d.endpoint!.address} holds ${expected.join(', ')}` +
                strangers.map((a) => `; ${a} is held by no endpoint (${this.listing(a).join(', ') || 'no record'} lists it)`).join(''),
            );
          }
        }
        checks.push({
          name: `DNS ${h}`,
          ok: bad.length === 0,
          detail: bad.length ? bad.join('; ') : `→ ${expected.join(', ')} (the addresses of ${d.endpoint!.address}) from ${inRange.map((r) => r.pod.address).join(', ')}`,
        });
      }
    }
    // Hostnames of endpoints still awaiting the customer must not resolve.
    for (const d of this.waiting) {
      for (const h of d.hostnames) {
        const resolved = inRange.filter(({ result }) => result.lookups[h]?.addresses?.length);
        checks.push({
          name: `DNS ${h} (awaiting customer)`,
          ok: resolved.length === 0,
          detail: resolved.length
            ? `resolves to ${resolved[0]!.result.lookups[h]!.addresses!.join(', ')} from ${resolved[0]!.pod.address} although ${d.name} is ${d.status}`
            : `does not resolve (${d.name} is ${d.status}): ${whyUnresolved(this.view, h) ?? 'no record'}`,
        });
      }
    }
    return checks;
  }

  /** Connections that must succeed: every hostname's addresses on every port, from every source range. */
  private connectChecks(inRange: readonly Probed[], after: { name: string; note: string } | undefined, ms: number): HostCheck[] {
    const checks: HostCheck[] = [];
    for (const d of this.ready) {
      const e = d.endpoint!;
      for (const h of d.hostnames) {
        const bad: string[] = [];
        let n = 0;
        for (const { pod, result } of inRange) {
          if (!result.lookups[h]?.addresses?.length) {
            bad.push(`not connected from ${pod.address}: ${h} did not resolve`);
            continue;
          }
          for (const c of result.connects.filter((x) => x.hostname === h && d.ports.includes(x.port))) {
            n++;
            const want = `${e.address} ${c.address}:${c.port}`;
            const ok = c.ok && c.banner === want;
            const why = ok ? undefined : c.ok ? `reached ${c.banner?.split(' ')[0] || 'something that did not answer'} instead of ${e.address}` : this.reason(d, c.address, c.port, pod.address, c.error);
            const result = ok ? 'connected' : 'FAILED';
            let row = this.rows.find((r) => r.hostname === h && r.address === c.address && r.port === c.port && r.from === pod.address && r.expect === 'connect');
            if (after && row) row.afterFailover = ok ? `connected ${c.ms} ms` : 'FAILED';
            if (!row) {
              row = { hostname: h, endpoint: d.name, address: c.address, port: c.port, from: pod.address, expect: 'connect', result: ok ? `connected ${c.ms} ms` : result, ms: c.ms };
              if (!after) this.rows.push(row);
            }
            if (why) {
              row.reason = why;
              bad.push(`${h} → ${c.address}:${c.port} from ${pod.address}: ${why}`);
            }
          }
        }
        const ports = d.ports.join(', ');
        checks.push({
          name: `TCP ${h}${after ? ` ${after.name}` : ''}`,
          ok: bad.length === 0 && n > 0,
          detail: bad.length
            ? `${bad.length} of ${Math.max(n, bad.length)} failed: ${bad[0]}${bad.length > 1 ? ` (and ${bad.length - 1} more, listed under the table)` : ''}`
            : n === 0
              ? 'no connection was made'
              : `port${d.ports.length === 1 ? '' : 's'} ${ports} from ${inRange.map((r) => r.pod.address).join(', ')}: ${n}/${n} connected to ${e.address}${after ? ` (${after.note})` : ''}`,
          ms,
        });
      }
    }
    return checks;
  }

  /** Refusals: a port the endpoint does not list, and a source outside every range. */
  private refusalChecks(done: readonly Probed[], inRange: readonly Probed[]): HostCheck[] {
    const checks: HostCheck[] = [];
    for (const d of this.ready) {
      const e = d.endpoint!;
      const h = d.hostnames[0]!;
      const port = this.unlisted.get(d.name)!;
      const first = inRange[0];
      const c = first?.result.connects.find((x) => x.hostname === h && x.port === port);
      if (first && c) {
        const { ok, admittedBy } = this.refusal(d, first.pod.address, c);
        checks.push({
          name: `refused: ${h} port ${port}`,
          ok,
          detail: ok
            ? `${c.address}:${port} (not a port of ${d.name}, a listener waits there) from ${first.pod.address}: dropped by ${e.securityGroups.join(', ')} (${ruleSummary(e.rules)})`
            : `${c.address}:${port} from ${first.pod.address} ${c.ok ? 'connected' : 'failed'} although ${d.name} lists only ${d.ports.join(', ')}${admittedBy ? `: ${admittedBy}` : ''}`,
        });
      }
      const out = done.find((r) => r.pod === this.outside);
      const oc = out?.result.connects.find((x) => x.hostname === h);
      if (out && oc) {
        const { ok, admittedBy } = this.refusal(d, out.pod.address, oc);
        checks.push({
          name: `refused: ${h} from ${out.pod.address}`,
          ok,
          detail: ok
            ? `${out.pod.address} is outside every source range: ${oc.address}:${oc.port} dropped by ${e.securityGroups.join(', ')}`
            : `${out.pod.address} (outside every source range) → ${oc.address}:${oc.port} ${oc.ok ? 'connected' : 'failed'}${admittedBy ? `, and ${admittedBy}` : ''}`,
        });
      } else if (out && !out.result.lookups[h]?.addresses) {
        checks.push({ name: `refused: ${h} from ${out.pod.address}`, ok: false, detail: `not run: ${h} did not resolve from ${out.pod.address}` });
      }
    }
    return checks;
  }
}
