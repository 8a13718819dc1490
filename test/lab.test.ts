/**
 * privlink lab as a user runs it (`node bin/privlink.js lab …`), on this machine: real network namespaces, real
 * strongSwan and BIRD. The example customers come up whole; deliberately miswired copies of acme's JSON fail with
 * the tunnel or session named and the reason given; Ctrl-C and a non-root user are handled.
 *
 * Needs root, /dev/net/tun and network namespaces; missing Debian packages are installed by the lab itself.
 * Where the machine cannot run it, these tests skip and say why.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabUnavailable, preflight } from '../src/lab/host';
import { NS_PREFIX, type LabReport } from '../src/lab/run';
import { renderOperatorJson } from '../src/render/operator';
import { ROOT, acmeWith, interruptWhen, modelOf, skipNote, tempDir } from './helpers';

const BIN = join(ROOT, 'bin', 'privlink.js');

function machine(): string | undefined {
  try {
    preflight({ install: true, log: (l) => process.stderr.write(`lab: ${l}\n`) });
    return undefined;
  } catch (err) {
    if (err instanceof LabUnavailable) return err.message;
    throw err;
  }
}

const unavailable = machine();
const itLab = unavailable === undefined ? it : it.skip;
/** A lab run, started with the others (see lab()). */
const itLabRun = unavailable === undefined ? it.concurrent : it.skip;
if (unavailable !== undefined) skipNote('lab tests (tunnels and BGP in network namespaces)', unavailable);

jest.setTimeout(120_000);

/**
 * Lab runs side by side, three at a time: each lives in its own namespaces (privlink-lab-<pid>-…), so running them
 * concurrently also proves they do not interfere, and the suite waits for their timers once instead of nine times.
 */
const LAB_CONCURRENCY = 3;
let running = 0;
const waiting: (() => void)[] = [];

async function lab(args: string[], cwd = ROOT): Promise<{ code: number | null; report: LabReport; stderr: string; pid: number }> {
  if (running >= LAB_CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    const child = spawn(process.execPath, [BIN, 'lab', ...args, '--json'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    clearTimeout(timer);
    let report: LabReport;
    try {
      report = JSON.parse(stdout) as LabReport;
    } catch {
      throw new Error(`no JSON report (exit ${code}): ${stdout}\n${stderr}`);
    }
    return { code, report, stderr, pid: child.pid! };
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/**
 * Namespaces and daemons the lab run of process `pid` left behind. Only that run's: its namespaces and work
 * folder carry its PID (privlink-lab-<pid>-…), and each daemon names its work folder in its command line
 * (bird, dnsmasq) or environment (charon's STRONGSWAN_CONF). Counting every lab on the machine made this test
 * fail whenever another checkout's lab ran at the same time.
 */
function leftovers(pid: number): string[] {
  const mine = `${NS_PREFIX}${pid}-`;
  const ns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.startsWith(mine));
  const procs: string[] = [];
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // comm is in parentheses, the state follows; Z (zombie) is already dead.
      const m = /\((charon|bird|dnsmasq)\) (\S)/.exec(stat);
      if (!m || m[2] === 'Z') continue;
      const where = `${readFileSync(`/proc/${p}/cmdline`, 'utf8')}\0${readFileSync(`/proc/${p}/environ`, 'utf8')}`;
      if (where.includes(mine)) procs.push(`${p} ${m[1]}`);
    } catch {
      // exited while we looked
    }
  }
  return [...ns, ...procs];
}

/** acme's generated JSON with one edit, written to a scratch file. */
function miswired(edit: (tf: any) => void): string {
  const tf = JSON.parse(readFileSync(join(ROOT, 'generated', 'acme', 'operator', 'cdk.tf.json'), 'utf8'));
  edit(tf);
  const file = join(tempDir('privlink-miswired-'), 'cdk.tf.json');
  writeFileSync(file, JSON.stringify(tf));
  return file;
}

/** The fixed addresses an endpoint holds in a customer's generated JSON. */
function endpointAddresses(customer: string, endpoint: string): string[] {
  const tf = JSON.parse(readFileSync(join(ROOT, 'generated', customer, 'operator', 'cdk.tf.json'), 'utf8'));
  return (tf.resource.aws_vpc_endpoint[endpoint].subnet_configuration as { ipv4: string }[]).map((c) => c.ipv4).sort();
}

const byGcp = (rows: { gcp?: string }[], key: string) => rows.find((r) => r.gcp === key) as any;
const check = (r: LabReport, name: string) => r.checks.find((c) => c.name === name)!;

describe('privlink lab on the example customers', () => {
  itLabRun('acme (HA): 4/4 tunnels, 4/4 BGP sessions, ECMP routes both ways, traffic, failover, rekey, clean teardown', async () => {
    const { code, report, pid } = await lab(['acme']);
    expect(report.tunnels.map((t) => [t.gcp, t.aws, t.up])).toEqual([
      ['tunnel_a1', 'vpn_a.tunnel1', true],
      ['tunnel_a2', 'vpn_a.tunnel2', true],
      ['tunnel_b1', 'vpn_b.tunnel1', true],
      ['tunnel_b2', 'vpn_b.tunnel2', true],
    ]);
    expect(report.sessions.map((s) => s.up)).toEqual([true, true, true, true]);
    expect(check(report, 'GCP learns the AWS VPC').detail).toBe('10.250.0.0/24 over 4 paths (ECMP)');
    expect(check(report, 'AWS learns exactly the source ranges').detail).toMatch(/^10\.0\.0\.0\/20, 10\.4\.0\.0\/14 \(admitted by the endpoint security groups\) over 4 paths each, nothing else$/);
    expect(check(report, 'failover').detail).toMatch(/over 4 → 3 paths; traffic continues/);
    // The killed tunnel's alarms: the CloudWatch alarm whose dimensions resolve to its address, and both GCP policies.
    expect(check(report, 'alarms').detail).toBe(
      'killed vpn_a.tunnel1 (198.51.100.10) ⇄ tunnel_a1: fires privlink-acme-tunnel-a1-down (CloudWatch, TunnelIpAddress 198.51.100.10), ' +
        'privlink-acme-tunnel-a1-down (Cloud Monitoring, WARNING), privlink-acme-bgp-a1-down (Cloud Monitoring, WARNING)',
    );
    // The hostname path: github resolves to exactly its endpoint's addresses and answers on 443 and 22 from both
    // source ranges, before and after the failover; artifactory (awaiting the customer) does not resolve.
    const addresses = endpointAddresses('acme', 'endpoint_github');
    expect(check(report, 'DNS github.internal.company.net').detail).toBe(`→ ${addresses.join(', ')} (the addresses of aws_vpc_endpoint.endpoint_github) from 10.0.0.1, 10.4.0.1`);
    expect(check(report, 'DNS artifactory.internal.company.net (awaiting customer)').ok).toBe(true);
    const connects = report.hostnames.filter((h) => h.expect === 'connect');
    expect(connects.map((h) => `${h.hostname} ${h.address}:${h.port} ${h.from}`).sort()).toEqual(
      addresses.flatMap((a) => [22, 443].flatMap((port) => ['10.0.0.1', '10.4.0.1'].map((from) => `github.internal.company.net ${a}:${port} ${from}`))).sort(),
    );
    for (const h of connects) expect([h.address, h.port, h.from, h.result, h.afterFailover]).toEqual([h.address, h.port, h.from, expect.stringMatching(/^connected/), expect.stringMatching(/^connected/)]);
    expect(check(report, 'TCP github.internal.company.net').ok).toBe(true);
    expect(check(report, 'TCP github.internal.company.net after failover').ok).toBe(true);
    expect(check(report, 'refused: github.internal.company.net port 8080').ok).toBe(true);
    expect(check(report, 'refused: github.internal.company.net from 10.255.255.254').ok).toBe(true);
    expect(check(report, 'rekey').detail).toMatch(/^3 tunnels rekeyed .*traffic continues$/);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
    expect(leftovers(pid)).toEqual([]);
  });

  itLabRun('globex (one connection): 2/2 tunnels and 2/2 sessions', async () => {
    const { code, report } = await lab(['globex']);
    expect(report.tunnels.filter((t) => t.up)).toHaveLength(2);
    expect(report.tunnels).toHaveLength(2);
    expect(report.sessions.map((s) => s.up)).toEqual([true, true]);
    // No endpoint is active yet, so no security group admits anything: the advertised ranges are checked instead.
    expect(check(report, 'AWS learns exactly the source ranges').detail).toMatch(/^10\.16\.0\.0\/20, 10\.20\.0\.0\/14 \(advertised by the Cloud Router/);
    for (const h of ['gitlab.corp.globex.example', 'registry.corp.globex.example', 'nexus.corp.globex.example']) expect(check(report, `DNS ${h} (awaiting customer)`).ok).toBe(true);
    expect(check(report, 'failover').detail).toMatch(/over 2 → 1 paths; traffic continues/);
    expect(check(report, 'alarms').detail).toMatch(/: fires privlink-globex-tunnel-a1-down \(CloudWatch, TunnelIpAddress 198\.51\.100\.10\), privlink-globex-tunnel-a1-down \(Cloud Monitoring, WARNING\), privlink-globex-bgp-a1-down/);
    expect(code).toBe(0);
  });
});

describe('privlink lab on customers that share a Cloud Router', () => {
  /** acme, initech and contoso on one network: acme's own router adopted by the hub, the others on it too, each with its own source ranges. */
  let dir = '';
  const shared = async () => {
    if (dir) return dir;
    dir = tempDir('privlink-lab-hub-');
    cpSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
    cpSync(join(ROOT, 'customers', 'acme.yaml'), join(dir, 'customers', 'acme.yaml'));
    const alone = spawnSync(process.execPath, [BIN, 'generate'], { cwd: dir, encoding: 'utf8' });
    if (alone.status !== 0) throw new Error(alone.stderr);
    writeFileSync(
      join(dir, 'customers', 'initech.yaml'),
      acmeWith({
        name: 'initech',
        'aws.accountId': '777788889999',
        'aws.vpcCidr': '10.251.0.0/24',
        'gcp.sourceRanges': ['10.32.0.0/20'],
        'endpoints.0.hostnames': ['git.initech.example'],
        'endpoints.1.hostnames': ['artifacts.initech.example'],
      }),
    );
    writeFileSync(
      join(dir, 'customers', 'contoso.yaml'),
      acmeWith({
        name: 'contoso',
        'aws.accountId': '555566667777',
        'aws.vpcCidr': '10.252.0.0/24',
        'gcp.sourceRanges': ['10.48.0.0/20'],
        'endpoints.0.hostnames': ['git.contoso.example'],
        'endpoints.1.hostnames': ['artifacts.contoso.example'],
      }),
    );
    const r = spawnSync(process.execPath, [BIN, 'generate'], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return dir;
  };

  itLabRun('three customers on one routing daemon: each comes up whole and learns only its own ranges; acme\'s outage leaves the others\' sessions and traffic alone', async () => {
    const repo = await shared();
    const router = JSON.parse(readFileSync(join(repo, 'generated', 'initech', 'allocation.json'), 'utf8')).router;
    expect([router.placement, router.name]).toEqual(['shared', 'privlink-acme-router']);
    const { code, report, pid } = await lab(['acme', 'initech', 'contoso'], repo);
    const run = report as unknown as { router: string; ok: boolean; reports: LabReport[] };
    expect(run.router).toBe(`${router.hub}/privlink-acme-router`);
    const [acme, initech, contoso] = run.reports;
    const each = [['acme', acme!, '10\\.0\\.0\\.0\\/20, 10\\.4\\.0\\.0\\/14'], ['initech', initech!, '10\\.32\\.0\\.0\\/20'], ['contoso', contoso!, '10\\.48\\.0\\.0\\/20']] as const;
    for (const [name, r, ranges] of each) {
      expect([name, r.sessions.map((s) => [s.gcp, s.up])]).toEqual([name, ['a1', 'a2', 'b1', 'b2'].map((k) => [`${name}_${k}`, true])]);
      // The one router originates both customers' ranges; each VGW hears only its own customer's.
      expect([name, check(r, 'AWS learns exactly the source ranges').detail]).toEqual([name, expect.stringMatching(new RegExp(`^${ranges} \\(admitted by the endpoint security groups\\) over 4 paths each, nothing else$`))]);
      expect([name, r.checks.filter((c) => !c.ok)]).toEqual([name, []]);
    }
    expect(check(acme!, 'outage').detail).toMatch(/^killed all 4 of acme's tunnels: its 4 sessions on the shared router dropped after \d/);
    // The alarms that fire are acme's, not its neighbour's.
    expect(check(acme!, 'alarms').detail).toMatch(/fires privlink-acme-tunnel-a1-down .*privlink-acme-bgp-a1-down/);
    expect(check(acme!, 'alarms').detail).not.toMatch(/initech|contoso/);
    for (const [name, r, vpc, source] of [['initech', initech!, '10\\.251', '10\\.32'], ['contoso', contoso!, '10\\.252', '10\\.48']] as const) {
      expect(check(r, "sessions during acme's outage").detail).toMatch(new RegExp(`^all 4 of ${name}'s sessions stayed Established on the shared router without a flap while acme's dropped; ${vpc}\\.0\\.0/24 over 4 paths$`));
      expect(check(r, "traffic during acme's outage").ok).toBe(true);
      // git is each one's connected endpoint (artifacts awaits the customer, so nothing connects to it).
      expect(check(r, `TCP git.${name}.example during acme's outage`).detail).toMatch(new RegExp(`^ports 22, 443 from ${source}\\.0\\.1: 4/4 connected to aws_vpc_endpoint\\.endpoint_github \\(acme's tunnels down\\)$`));
    }
    // Each customer's source outside every range is its own address on the one router (three runs once collided).
    const outsides = run.reports.map((r) => /(?:^|\n)(\S+) is outside every source range/.exec(r.checks.map((c) => c.detail).join('\n'))?.[1]);
    expect(outsides.every(Boolean) && new Set(outsides).size === 3).toBe(true);
    expect(code).toBe(0);
    expect(leftovers(pid)).toEqual([]);
  });

  itLabRun("a peer that also advertises its neighbour's range: that customer's VGW learns it, and the lab names it", async () => {
    const repo = tempDir('privlink-lab-hub-leak-');
    cpSync(await shared(), repo, { recursive: true });
    const hub = readdirSync(join(repo, 'generated', 'hubs'))[0]!;
    const file = join(repo, 'generated', 'hubs', hub, 'sessions', 'cdk.tf.json');
    const tf = JSON.parse(readFileSync(file, 'utf8'));
    tf.resource.google_compute_router_peer.acme_a1.advertised_ip_ranges.push({ range: '10.32.0.0/20' });
    writeFileSync(file, JSON.stringify(tf));
    const { code, report } = await lab(['acme', 'initech'], repo);
    const [acme, initech] = (report as unknown as { reports: LabReport[] }).reports;
    expect(check(acme!, 'AWS learns exactly the source ranges')).toMatchObject({ ok: false, detail: 'AWS also learns 10.32.0.0/20, which no endpoint security group admits' });
    expect(check(initech!, 'AWS learns exactly the source ranges').ok).toBe(true);
    expect(code).toBe(1);
  });

  it('refuses, before bringing anything up, more customers than one run holds on one routing daemon, with the limit', () => {
    const repo = tempDir('privlink-lab-full-');
    cpSync(join(ROOT, 'privlink.yaml'), join(repo, 'privlink.yaml'));
    mkdirSync(join(repo, 'customers'));
    const names = Array.from({ length: 17 }, (_, i) => `cust${i + 1}`);
    for (const [i, name] of names.entries()) {
      const spec = acmeWith({
        name,
        'aws.accountId': String(100000000001 + i),
        'aws.vpcCidr': `10.${101 + i}.0.0/24`,
        'gcp.sourceRanges': [`172.${16 + Math.floor((i + 1) / 16)}.${16 * ((i + 1) % 16)}.0/20`],
        'endpoints.0.hostnames': [`git.${name}.example`],
        'endpoints.1.hostnames': [`artifacts.${name}.example`],
      });
      writeFileSync(join(repo, 'customers', `${name}.yaml`), spec);
    }
    expect(spawnSync(process.execPath, [BIN, 'generate', '-q'], { cwd: repo, encoding: 'utf8' }).status).toBe(0);
    const r = spawnSync(process.execPath, [BIN, 'lab', ...names, '--no-install'], { cwd: repo, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'privlink: 17 customers hold 68 BGP sessions on the shared router; one lab run holds at most 64 on one routing daemon (16 HA customers, or 32 with one connection: measured on a 2-core machine, docs/lab.md): run them in groups of at most that many, each group on the same router\nprivlink: see privlink --help\n',
    );
  });

  it('refuses customers that do not share one router, naming where each one is', () => {
    const r = spawnSync(process.execPath, [BIN, 'lab', 'acme', 'globex'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('privlink: the customers do not share one Cloud Router (acme: a Cloud Router of its own (privlink-acme-router); globex: a Cloud Router of its own (privlink-globex-router)); `privlink lab` runs several customers together only when their allocation.json names the same shared router: run them one at a time\n');
  });
});

/**
 * acme with a failover region (us-east4), generated in a repository of its own: the preference both clouds document
 * (MEDs the VGW compares, Google's region-to-region cost) carries every packet through us-central1 while any of its
 * tunnels is up, through us-east4 while none is, and back.
 */
describe('privlink lab on a customer with a failover region', () => {
  const REGION_CHECKS = ['traffic prefers the primary region', 'primary region down', 'traffic through the failover region', 'TCP github.internal.company.net through the failover region', 'primary region back', 'traffic returns to the primary region'];

  itLabRun('8/8 tunnels and sessions; traffic through the primary, through the failover region with every hostname connecting while the primary is down, and back', async () => {
    const dir = tempDir('privlink-lab-failover-');
    cpSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
    mkdirSync(join(dir, 'customers'));
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ 'gcp.failoverRegion': 'us-east4' }));
    expect(spawnSync(process.execPath, [BIN, 'generate', '-q'], { cwd: dir, encoding: 'utf8' }).status).toBe(0);
    const { code, report } = await lab(['acme'], dir);
    expect([report.tunnels.filter((t) => t.up).length, report.sessions.filter((s) => s.up).length]).toEqual([8, 8]);
    expect(REGION_CHECKS.map((n) => [n, check(report, n)?.ok])).toEqual(REGION_CHECKS.map((n) => [n, true]));
    expect(check(report, 'traffic prefers the primary region').detail).toMatch(/^us-central1's tunnels carried every packet \(\d+ out, \d+ back\), the other region's none; both sides route over 4 of its paths$/);
    expect(check(report, 'traffic through the failover region').detail).toMatch(/^us-east4's tunnels carried every packet/);
    expect(check(report, 'TCP github.internal.company.net through the failover region').detail).toMatch(/8\/8 connected to aws_vpc_endpoint\.endpoint_github \(every tunnel of us-central1 down\)$/);
    expect([code, report.ok]).toEqual([0, true]);
  });

  itLabRun('the control: with equal priorities in both regions, AWS spreads the answers over both, and the preference check fails', async () => {
    const tf = JSON.parse(renderOperatorJson(modelOf(acmeWith({ 'gcp.failoverRegion': 'us-east4' }))));
    for (const key of ['tunnel_c1', 'tunnel_c2', 'tunnel_d1', 'tunnel_d2']) tf.resource.google_compute_router_peer[key].advertised_route_priority = 100;
    const file = join(tempDir('privlink-lab-equal-'), 'cdk.tf.json');
    writeFileSync(file, JSON.stringify(tf));
    const { code, report } = await lab(['--tf', file]);
    expect(code).toBe(1);
    expect(check(report, 'traffic prefers the primary region').ok).toBe(false);
    expect(check(report, 'traffic prefers the primary region').detail).toMatch(/AWS routes 10\.0\.0\.0\/20 via t\d/);
    // Failover itself still works: with the primary down, only the failover region is left.
    expect(check(report, 'traffic through the failover region').ok).toBe(true);
  });
});

describe('privlink lab on miswired copies of acme', () => {
  itLabRun('pre-shared keys swapped between tunnels a1 and a2: those two tunnels fail authentication, the other two carry traffic', async () => {
    const file = miswired((tf) => {
      tf.resource.google_compute_vpn_tunnel.tunnel_a1.shared_secret = '${aws_vpn_connection.vpn_a.tunnel2_preshared_key}';
      tf.resource.google_compute_vpn_tunnel.tunnel_a2.shared_secret = '${aws_vpn_connection.vpn_a.tunnel1_preshared_key}';
    });
    const { code, report, pid } = await lab(['--tf', file]);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.tunnels.map((t) => [t.gcp, t.up])).toEqual([
      ['tunnel_a1', false],
      ['tunnel_a2', false],
      ['tunnel_b1', true],
      ['tunnel_b2', true],
    ]);
    expect(byGcp(report.tunnels, 'tunnel_a1').reason).toBe(
      'IKE authentication failed: pre-shared keys differ: GCP tunnel_a1 uses ${aws_vpn_connection.vpn_a.tunnel2_preshared_key}, the key of AWS vpn_a.tunnel2; AWS vpn_a.tunnel1 uses its own key',
    );
    expect(byGcp(report.tunnels, 'tunnel_a2').reason).toMatch(/^IKE authentication failed: pre-shared keys differ: GCP tunnel_a2 uses \$\{aws_vpn_connection\.vpn_a\.tunnel1_preshared_key\}, the key of AWS vpn_a\.tunnel1/);
    expect(byGcp(report.sessions, 'tunnel_a1').reason).toBe('its tunnel tunnel_a1 ⇄ vpn_a.tunnel1 is down');
    expect(report.sessions.map((s) => s.up)).toEqual([false, false, true, true]);
    expect(check(report, 'GCP learns the AWS VPC').detail).toBe('10.250.0.0/24 over 2 paths (ECMP)');
    expect(leftovers(pid)).toEqual([]);
  });

  itLabRun('a router peer pointing at the wrong inside address: only that session fails, and the lab says where it points', async () => {
    const file = miswired((tf) => {
      tf.resource.google_compute_router_peer.tunnel_b1.peer_ip_address = '${aws_vpn_connection.vpn_b.tunnel2_vgw_inside_address}';
    });
    const { code, report } = await lab(['--tf', file]);
    expect(code).toBe(1);
    expect(report.tunnels.every((t) => t.up)).toBe(true);
    expect(report.sessions.map((s) => [s.gcp, s.up])).toEqual([
      ['tunnel_a1', true],
      ['tunnel_a2', true],
      ['tunnel_b1', false],
      ['tunnel_b2', true],
    ]);
    expect(byGcp(report.sessions, 'tunnel_b1').reason).toBe(
      'GCP peer privlink-acme-bgp-b1 peers with 169.254.21.5 (${aws_vpn_connection.vpn_b.tunnel2_vgw_inside_address}), outside its interface privlink-acme-if-b1 169.254.21.2/30; AWS vpn_b.tunnel1 is at 169.254.21.1',
    );
  });

  itLabRun('equal ASNs on both sides: every session is refused as eBGP with equal ASNs, on both sides, the tunnels stay up', async () => {
    const file = miswired((tf) => {
      tf.resource.google_compute_router.router.bgp.asn = 64512;
    });
    const { code, report } = await lab(['--tf', file]);
    expect(code).toBe(1);
    expect(report.tunnels.every((t) => t.up)).toBe(true);
    expect(report.sessions.map((s) => s.up)).toEqual([false, false, false, false]);
    for (const s of report.sessions) {
      expect(s.reason).toBe(
        'GCP: BIRD refused the session: EBGP cannot have the same ASNs (router ASN 64512, peer_asn 64512 from ${aws_vpn_gateway.vgw.amazon_side_asn}); ' +
          'AWS: BIRD refused the session: EBGP cannot have the same ASNs (VPN gateway ASN 64512, customer gateway bgp_asn 64512 from ${google_compute_router.router.bgp[0].asn})',
      );
    }
    expect(check(report, 'traffic').ok).toBe(false);
  });
});

describe('privlink lab on copies of acme miswired on the hostname path', () => {
  itLabRun('an A record on an address no endpoint holds: DNS and TCP fail, naming the hostname and the stray address', async () => {
    const stray = '10.250.0.99';
    const file = miswired((tf) => {
      tf.resource.google_dns_record_set.host_github_internal_company_net.rrdatas[0] = stray;
    });
    const { code, report } = await lab(['--tf', file]);
    expect(code).toBe(1);
    expect(report.tunnels.every((t) => t.up)).toBe(true);
    const dns = check(report, 'DNS github.internal.company.net');
    expect(dns.ok).toBe(false);
    expect(dns.detail).toContain(`${stray} is held by no endpoint (google_dns_record_set.host_github_internal_company_net lists it)`);
    const tcp = check(report, 'TCP github.internal.company.net');
    expect(tcp.ok).toBe(false);
    expect(tcp.detail).toMatch(new RegExp(`github\\.internal\\.company\\.net → ${stray.replace(/\./g, '\\.')}:(22|443) from 10\\.[04]\\.0\\.1: no endpoint holds ${stray.replace(/\./g, '\\.')}`));
    expect(report.hostnames.filter((h) => h.address === stray).every((h) => h.result === 'FAILED')).toBe(true);
  });

  // Two independent faults in one run (the lab costs seconds per run): each is reported on its own.
  itLabRun('a security group missing port 22, and tunnel a1\'s alarm on tunnel a2\'s address: port 22 fails, dropped by that group, 443 connects; killing a1 fires no alarm, and the lab names what each alarm watches', async () => {
    const file = miswired((tf) => {
      for (const k of Object.keys(tf.resource.aws_vpc_security_group_ingress_rule)) if (k.startsWith('github_22_')) delete tf.resource.aws_vpc_security_group_ingress_rule[k];
      tf.resource.aws_cloudwatch_metric_alarm.tunnel_a1.dimensions.TunnelIpAddress = '${aws_vpn_connection.vpn_a.tunnel2_address}';
    });
    const { code, report } = await lab(['--tf', file]);
    expect(code).toBe(1);
    const rows = report.hostnames.filter((h) => h.expect === 'connect');
    expect(rows.filter((h) => h.port === 22).every((h) => h.result === 'FAILED' && /dropped by the security group: aws_security_group\.endpoint_github admits no TCP 22 from 10\.[04]\.0\.1/.test(h.reason ?? ''))).toBe(true);
    expect(rows.filter((h) => h.port === 443).every((h) => h.result.startsWith('connected'))).toBe(true);
    expect(check(report, 'TCP github.internal.company.net').detail).toMatch(/^4 of 8 failed: github\.internal\.company\.net → [\d.]+:22 from 10\.0\.0\.1: dropped by the security group/);
    expect(check(report, 'alarms')).toEqual({
      name: 'alarms',
      ok: false,
      detail:
        'killed vpn_a.tunnel1 (198.51.100.10) ⇄ tunnel_a1: no CloudWatch alarm watches vpn_a.tunnel1: none has VpnId = sim:aws_vpn_connection.vpn_a and TunnelIpAddress = 198.51.100.10 ' +
        '(on that connection: privlink-acme-tunnel-a1-down watches 198.51.100.11, privlink-acme-tunnel-a2-down watches 198.51.100.11)',
    });
  });

  itLabRun('a zone bound to another network: the hostname does not resolve, and the lab says which network the zone is bound to', async () => {
    const file = miswired((tf) => {
      tf.resource.google_dns_managed_zone.host_github_internal_company_net.private_visibility_config.networks[0].network_url = 'projects/acme-sg-cloud/global/networks/other-vpc';
    });
    const { code, report } = await lab(['--tf', file]);
    expect(code).toBe(1);
    const dns = check(report, 'DNS github.internal.company.net');
    expect(dns.ok).toBe(false);
    expect(dns.detail).toMatch(/^does not resolve from 10\.0\.0\.1 \(\w+\): its zone privlink-acme-github-internal-company-net-\w+ \(google_dns_managed_zone\.host_github_internal_company_net\) is bound to projects\/acme-sg-cloud\/global\/networks\/other-vpc, not to projects\/acme-sg-cloud\/global\/networks\/sg-cloud-vpc/);
    expect(check(report, 'TCP github.internal.company.net').detail).toContain('github.internal.company.net did not resolve');
  });
});

describe('privlink lab on a PFS group mismatch', () => {
  itLabRun('comes up, carries traffic, and fails only when the rekey is forced, naming the tunnel and both sides\' groups', async () => {
    const file = miswired((tf) => {
      // MODP-2048 with a 256-bit subgroup: AWS accepts it, Cloud VPN does not offer it.
      tf.resource.aws_vpn_connection.vpn_b.tunnel2_phase2_dh_group_numbers = [24];
    });
    const { code, report } = await lab(['--tf', file]);
    expect(code).toBe(1);
    expect(report.tunnels.every((t) => t.up)).toBe(true);
    expect(report.sessions.every((s) => s.up)).toBe(true);
    expect(check(report, 'traffic').ok).toBe(true);
    expect(byGcp(report.tunnels, 'tunnel_b2').rekey).toBe('failed');
    expect(byGcp(report.tunnels, 'tunnel_b2').reason).toMatch(/^rekey failed \(NO_PROPOSAL_CHOSEN\): no common PFS group: GCP tunnel_b2 offers modp2048, .*; AWS vpn_b\.tunnel2 accepts modp2048s256$/);
    expect(check(report, 'rekey').detail).toMatch(/^2 of 3 tunnels rekeyed/);
    expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['rekey']);
  });
});

describe('privlink lab when it cannot or may not finish', () => {
  itLab('Ctrl-C stops every daemon by PID and removes every namespace, then exits 130', async () => {
    const { code, pid, stderr } = await interruptWhen(['lab', 'acme'], ROOT, /tunnel .* up after/);
    expect(code).toBe(130);
    // The message is the teardown check's verdict; the test confirms it on the machine.
    expect(stderr).toContain('interrupted by SIGINT; everything the lab started was stopped and removed');
    expect(leftovers(pid)).toEqual([]);
  });

  itLab('Ctrl-C during the machine checks, before anything starts: exit 130 with a word, nothing left', async () => {
    const { code, pid, stderr } = await interruptWhen(['lab', 'acme'], ROOT, /lab: checking the machine/);
    expect(code).toBe(130);
    // Handled either before the lab starts anything or by the lab's own teardown; never silently.
    expect(stderr).toMatch(/interrupted by SIGINT; (the lab had not started any namespace or daemon yet|everything the lab started was stopped and removed)\n/);
    expect(leftovers(pid)).toEqual([]);
  });

  itLab('as an ordinary user it explains that it needs root and exits 3', () => {
    // uid 65534 must be able to reach this checkout; one under a private folder (a 0700 home, mktemp -d) is not.
    // Ask the file system (test -r walks every parent), not node: node reports an untraversable path as
    // "Cannot find module", which looks like a missing build.
    const cli = join(ROOT, 'dist', 'cli', 'index.js');
    const reachable = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'test', '-r', cli], { encoding: 'utf8' });
    if (reachable.error) throw reachable.error;
    if (reachable.status !== 0) {
      return skipNote('lab as an ordinary user', `uid 65534 cannot reach this checkout (${ROOT}): it lives under a folder that user may not enter`);
    }
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'lab', 'acme', '--json'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ command: 'lab', customer: 'acme', skipped: true });
    expect(r.stderr).toMatch(/^privlink lab: this machine cannot run the lab: the lab needs root/);
  });

  it('names a missing file and tells how to make it', () => {
    const r = spawnSync(process.execPath, [BIN, 'lab', 'nobody', '--no-install'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status === 3) return skipNote('lab missing-file message', r.stderr.trim());
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('privlink: no customer "nobody" in generated/ (customers there: acme, globex); check the name, or run `privlink generate` first\n');
  });
});
