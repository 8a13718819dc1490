/**
 * A failover GCP region (issue: a second HA VPN per customer in another region, preferred never while the first is
 * up): the second region's gateway, router, connections and tunnels on the same VGW; the preference both clouds
 * document, as values in the JSON; the alerts, status, cost and review of it; allocation at fleet scale within
 * Google's limits; and a real terraform plan of the AWS half. The lab's proof is in lab.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { AWS_RESERVED_TUNNEL_INSIDE_CIDRS } from '../src/domain/constants';
import { DEFAULT_FLEET } from '../src/fleet/schema';
import { customerStatus } from '../src/gitops/status';
import { parseSpec } from '../src/input/load';
import type { CustomerSpec } from '../src/input/schema';
import { simulateApply } from '../src/lab/apply';
import { allocate, allocationJson, parseAllocation, type Allocation } from '../src/model/allocation';
import { renderOperatorJson } from '../src/render/operator';
import { ROOT, acmeWith, modelOf, offlineConfig, plan, privlinkHere, providerMirror, skipNote, tempDir, terraform, terraformBinary, terraformEnv } from './helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = Record<string, any>;

const FAILOVER = 'us-east4';
const withFailover = (edits: Record<string, unknown> = {}) => acmeWith({ 'gcp.failoverRegion': FAILOVER, ...edits });
const operatorOf = (text: string): Json => JSON.parse(renderOperatorJson(modelOf(text)));
const specOf = (text: string, file = 'customers/acme.yaml'): CustomerSpec => {
  const r = parseSpec(file, Buffer.from(text));
  if (!r.spec) throw new Error(r.problems.map((p) => p.message).join('; '));
  return r.spec;
};

describe('the operator stack of a customer with a failover region', () => {
  const tf = operatorOf(withFailover());
  const r = tf.resource;

  it("adds the failover region's HA VPN gateway, Cloud Router and external gateway, and connections c and d on the same VGW", () => {
    expect([r.google_compute_ha_vpn_gateway.ha_vpn.region, r.google_compute_ha_vpn_gateway.ha_vpn_failover.region]).toEqual(['us-central1', FAILOVER]);
    expect([r.google_compute_router.router.region, r.google_compute_router.router_failover.region]).toEqual(['us-central1', FAILOVER]);
    expect(Object.keys(r.aws_vpn_connection).sort()).toEqual(['vpn_a', 'vpn_b', 'vpn_c', 'vpn_d']);
    expect(Object.values(r.aws_vpn_connection).map((c: any) => c.vpn_gateway_id)).toEqual(Array(4).fill('${aws_vpn_gateway.vgw.id}'));
    expect(Object.keys(r.aws_vpn_gateway)).toEqual(['vgw']);
    // Each customer gateway points at its own region's HA VPN interface.
    expect(r.aws_customer_gateway.gcp_c.ip_address).toBe('${google_compute_ha_vpn_gateway.ha_vpn_failover.vpn_interfaces[0].ip_address}');
    expect(r.aws_customer_gateway.gcp_d.ip_address).toBe('${google_compute_ha_vpn_gateway.ha_vpn_failover.vpn_interfaces[1].ip_address}');
    expect(r.google_compute_vpn_tunnel.tunnel_d2).toMatchObject({
      region: FAILOVER,
      vpn_gateway: '${google_compute_ha_vpn_gateway.ha_vpn_failover.id}',
      vpn_gateway_interface: 1,
      peer_external_gateway: '${google_compute_external_vpn_gateway.aws_failover.id}',
      peer_external_gateway_interface: 3,
      router: '${google_compute_router.router_failover.id}',
      shared_secret: '${aws_vpn_connection.vpn_d.tunnel2_preshared_key}',
    });
    expect(r.google_compute_external_vpn_gateway.aws_failover.interface.map((i: any) => [i.id, i.ip_address])).toEqual([
      [0, '${aws_vpn_connection.vpn_c.tunnel1_address}'],
      [1, '${aws_vpn_connection.vpn_c.tunnel2_address}'],
      [2, '${aws_vpn_connection.vpn_d.tunnel1_address}'],
      [3, '${aws_vpn_connection.vpn_d.tunnel2_address}'],
    ]);
  });

  it('gives the eight tunnels eight distinct /30s, none of them AWS-reserved', () => {
    const cidrs = Object.values(r.aws_vpn_connection).flatMap((c: any) => [c.tunnel1_inside_cidr, c.tunnel2_inside_cidr]);
    expect(new Set(cidrs).size).toBe(8);
    expect(cidrs.filter((c) => AWS_RESERVED_TUNNEL_INSIDE_CIDRS.includes(c))).toEqual([]);
  });

  it("leaves every resource of the primary region as it was, but the no-path alarms, which now count both regions", () => {
    const before = operatorOf(acmeWith()).resource;
    const changed: string[] = [];
    for (const [type, byName] of Object.entries(before)) {
      for (const [name, body] of Object.entries(byName as Json)) {
        if (JSON.stringify(body) !== JSON.stringify(r[type]?.[name])) changed.push(`${type}.${name}`);
      }
    }
    expect(changed.sort()).toEqual(['aws_cloudwatch_metric_alarm.no_path', 'google_monitoring_alert_policy.no_path']);
  });

  it('prefers the primary region on both clouds by the values the clouds document', () => {
    // AWS compares MEDs of routes whose first AS is the same ("Route tables and AWS Site-to-Site VPN route
    // priority"): both regions' Cloud Routers speak one ASN, and each customer gateway takes its own router's.
    expect([r.google_compute_router.router.bgp.asn, r.google_compute_router.router_failover.bgp.asn]).toEqual([65534, 65534]);
    expect([r.aws_customer_gateway.gcp_a.bgp_asn, r.aws_customer_gateway.gcp_c.bgp_asn]).toEqual(['${google_compute_router.router.bgp[0].asn}', '${google_compute_router.router_failover.bgp[0].asn}']);
    // A Cloud Router advertises the base priority as the MED; Google: 100 is the default, and a base of 10200 or more
    // stays worse than any base of 200 or less plus a region-to-region cost (201 to 9999).
    const priorities = Object.fromEntries(Object.entries(r.google_compute_router_peer).map(([k, p]: [string, any]) => [k, p.advertised_route_priority]));
    expect(priorities).toEqual({ tunnel_a1: 100, tunnel_a2: 100, tunnel_b1: 100, tunnel_b2: 100, tunnel_c1: 10200, tunnel_c2: 10200, tunnel_d1: 10200, tunnel_d2: 10200 });
    expect(priorities.tunnel_c1).toBeGreaterThan(200 + 9999);
  });

  it('alerts on every failover tunnel and session in its own region; the no-path alarms count all eight tunnels in both regions', () => {
    expect(r.aws_cloudwatch_metric_alarm.tunnel_c1.dimensions.VpnId).toBe('${aws_vpn_connection.vpn_c.id}');
    expect(r.google_monitoring_alert_policy.tunnel_c1.conditions[0].condition_threshold.filter).toContain(`resource.label.region = "${FAILOVER}"`);
    expect(r.google_monitoring_alert_policy.bgp_d2.conditions[0].condition_threshold.filter).toContain('${google_compute_router_peer.tunnel_d2.name}');
    expect(r.google_monitoring_alert_policy.tunnel_a1.conditions[0].condition_threshold.filter).toContain('resource.label.region = "us-central1"');
    const noPath = r.aws_cloudwatch_metric_alarm.no_path.metric_query;
    expect(noPath.filter((q: any) => q.metric).length).toBe(8);
    expect(noPath.find((q: any) => q.expression).expression).toBe(['a1', 'a2', 'b1', 'b2', 'c1', 'c2', 'd1', 'd2'].map((k) => `FILL(m_${k}, 0)`).join(' + '));
    for (const c of r.google_monitoring_alert_policy.no_path.conditions) {
      expect(c.condition_threshold.filter).toContain(`resource.label.region = one_of("us-central1", "${FAILOVER}")`);
      expect(c.condition_threshold.filter.match(/tunnel_[a-d][12]/g).length).toBe(8);
    }
  });

  it('the AWS half plans with real terraform: four VPN connections and four customer gateways on one VGW', () => {
    const tfBin = terraformBinary();
    const mirror = providerMirror();
    if (!tfBin || !mirror) return skipNote('terraform plan of the failover region', 'terraform or the provider mirror is missing');
    const dir = tempDir('privlink-failover-plan-');
    writeFileSync(join(dir, 'main.tf.json'), offlineConfig(withFailover()));
    const env = terraformEnv(mirror);
    const init = terraform(['init', '-backend=false', '-input=false', '-no-color'], dir, env);
    expect(init.status).toBe(0);
    const p = plan(dir, env);
    const created = (type: string) => p.resource_changes.filter((c: any) => c.type === type && c.change.actions.includes('create')).map((c: any) => c.name).sort();
    expect(created('aws_vpn_connection')).toEqual(['vpn_a', 'vpn_b', 'vpn_c', 'vpn_d']);
    expect(created('aws_customer_gateway')).toEqual(['gcp_a', 'gcp_b', 'gcp_c', 'gcp_d']);
    expect(created('aws_vpn_gateway')).toEqual(['vgw']);
    expect(created('aws_cloudwatch_metric_alarm')).toHaveLength(9);
  }, 120_000);
});

describe('allocation with failover regions', () => {
  /** A copy of acme named `name`, on acme's network, in `region`, failing over to `failover` (none when undefined). */
  const customer = (i: number, region: string, failover?: string, edits: Record<string, unknown> = {}) => {
    const name = `c${String(i).padStart(4, '0')}`;
    const file = `customers/${name}.yaml`;
    return { file, spec: specOf(acmeWith({ name, 'gcp.region': region, 'gcp.failoverRegion': failover, 'aws.accountId': String(100000000000 + i), ...edits }), file) };
  };
  const run = (specs: { file: string; spec: CustomerSpec }[], prior = new Map<string, Allocation>()) => allocate({ specs, prior, legacy: new Set(), fleet: DEFAULT_FLEET });

  it("seats a failover region on that region's hub, beside another customer's primary, with /30s unique on the network", () => {
    const r = run([customer(1, 'us-central1', FAILOVER), customer(2, FAILOVER)]);
    expect(r.findings).toEqual([]);
    const a = r.allocations.get('c0001')!;
    const b = r.allocations.get('c0002')!;
    expect(a.router).toEqual({ placement: 'own', name: 'privlink-c0001-router' });
    expect(a.failover).toEqual({ region: FAILOVER, router: { placement: 'shared', hub: `acme-sg-cloud.sg-cloud-vpc.${FAILOVER}`, index: 1, name: `privlink-sg-cloud-vpc-${FAILOVER}-1`, asn: 65534 } });
    expect(b.router).toEqual(a.failover!.router);
    const all = [...Object.values(a.insideCidrs), ...Object.values(b.insideCidrs)];
    expect([Object.keys(a.insideCidrs).length, new Set(all).size]).toEqual([8, 12]);
    // allocation.json holds the failover placement and reads back the same.
    expect(parseAllocation(allocationJson(a, 'test'))).toEqual(a);
  });

  it("keeps the primary's router and /30s when a failover region is added, and gives the new tunnels their own", () => {
    const first = run([customer(1, 'us-central1')]).allocations.get('c0001')!;
    const then = run([customer(1, 'us-central1', FAILOVER)], new Map([['c0001', first]])).allocations.get('c0001')!;
    expect(then.router).toEqual(first.router);
    expect(Object.fromEntries(Object.entries(then.insideCidrs).filter(([k]) => k < 'c'))).toEqual(first.insideCidrs);
    expect(Object.keys(then.insideCidrs)).toEqual(['a1', 'a2', 'b1', 'b2', 'c1', 'c2', 'd1', 'd2']);
  });

  it("counts failover seats against Google's limits: 160 HA customers fill both regions' five routers, the 161st is refused in each", () => {
    const specs = Array.from({ length: 161 }, (_, i) => customer(i, 'us-central1', FAILOVER));
    const r = run(specs);
    const failover = [...r.allocations.values()].map((a) => a.failover!.router);
    expect(r.allocations.size).toBe(160);
    const perRouter = new Map<number, number>();
    for (const p of failover) if (p.placement === 'shared') perRouter.set(p.index, (perRouter.get(p.index) ?? 0) + 4);
    expect([...perRouter.entries()].sort()).toEqual([[1, 128], [2, 128], [3, 128], [4, 128], [5, 128]]);
    const refused = r.findings.filter((f) => f.file === 'customers/c0160.yaml').map((f) => `${f.finding.path.join('.')}: ${f.finding.message.split(':')[0]}`);
    expect(refused).toEqual([`gcp.network: hub acme-sg-cloud.sg-cloud-vpc.us-central1 is full`, `gcp.failoverRegion: hub acme-sg-cloud.sg-cloud-vpc.${FAILOVER} is full`]);
  });

  it("refuses, at gcp.failoverRegion, a failover region whose shared routers speak another ASN than the customer's primary router", async () => {
    const dir = tempDir('privlink-failover-asn-');
    copyFileSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
    mkdirSync(join(dir, 'customers'));
    writeFileSync(join(dir, 'customers', 'acme.yaml'), withFailover({ 'gcp.routerAsn': 65001 }));
    writeFileSync(
      join(dir, 'customers', 'initech.yaml'),
      acmeWith({ name: 'initech', 'gcp.region': FAILOVER, 'aws.accountId': '222233334444', 'aws.vpcCidr': '10.252.0.0/24', 'endpoints.0.hostnames': ['github.initech.example'], 'endpoints.1.hostnames': ['artifactory.initech.example'] }),
    );
    const r = await privlinkHere(['generate'], dir);
    expect(r.code).toBe(1);
    const line = readFileSync(join(dir, 'customers', 'acme.yaml'), 'utf8').split('\n').findIndex((l) => l.includes('failoverRegion')) + 1;
    expect(r.stderr).toContain(
      `customers/acme.yaml:${line}:19: gcp.failoverRegion: no shared Cloud Router of network sg-cloud-vpc in ${FAILOVER} (project acme-sg-cloud) with room speaks ASN 65001, the ASN of this customer's primary Cloud Router`,
    );
  });
});

describe('a failover region on a hub of its own region', () => {
  const initech = () =>
    acmeWith({ name: 'initech', 'gcp.region': FAILOVER, 'aws.accountId': '222233334444', 'aws.vpcCidr': '10.252.0.0/24', 'endpoints.0.hostnames': ['github.initech.example'], 'endpoints.1.hostnames': ['artifactory.initech.example'] });
  const hooli = () =>
    acmeWith({ name: 'hooli', 'gcp.region': 'us-west1', 'gcp.failoverRegion': FAILOVER, 'aws.accountId': '333344445555', 'aws.vpcCidr': '10.253.0.0/24', 'endpoints.0.hostnames': ['github.hooli.example'], 'endpoints.1.hostnames': ['artifactory.hooli.example'] });

  it("is a hub of failover seats only when no customer's primary is there: its stacks exist and CI applies them", async () => {
    const dir = tempDir('privlink-failover-hub-');
    copyFileSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
    mkdirSync(join(dir, 'customers'));
    writeFileSync(join(dir, 'customers', 'acme.yaml'), withFailover());
    writeFileSync(join(dir, 'customers', 'hooli.yaml'), hooli());
    expect((await privlinkHere(['generate'], dir)).code).toBe(0);
    const hub = `acme-sg-cloud.sg-cloud-vpc.${FAILOVER}`;
    const sessions = JSON.parse(readFileSync(join(dir, 'generated', 'hubs', hub, 'sessions', 'cdk.tf.json'), 'utf8'));
    expect(Object.keys(sessions.resource.google_compute_router_peer).sort()).toEqual(['acme', 'hooli'].flatMap((c) => ['c1', 'c2', 'd1', 'd2'].map((k) => `${c}_${k}`)));
    expect(Object.values(sessions.resource.google_compute_router_peer).map((p: any) => p.advertised_route_priority)).toEqual(Array(8).fill(10200));
    expect(readFileSync(join(dir, 'generated', 'ci', 'atlantis.yaml'), 'utf8')).toContain(`generated/hubs/${hub}/routers`);
    expect((await privlinkHere(['check'], dir)).code).toBe(0);
  });

  it("a failover region alone on its region keeps a router of its own; when another customer's primary joins, the hub adopts it: same name, description and ranges, imported, nothing recreated", async () => {
    const dir = tempDir('privlink-failover-adopt-');
    copyFileSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
    mkdirSync(join(dir, 'customers'));
    writeFileSync(join(dir, 'customers', 'acme.yaml'), withFailover());
    expect((await privlinkHere(['generate'], dir)).code).toBe(0);
    const own = JSON.parse(readFileSync(join(dir, 'generated', 'acme', 'operator', 'cdk.tf.json'), 'utf8')).resource.google_compute_router.router_failover;
    expect(own.name).toBe('privlink-acme-router-fo');

    writeFileSync(join(dir, 'customers', 'initech.yaml'), initech());
    expect((await privlinkHere(['generate'], dir)).code).toBe(0);
    const acme = JSON.parse(readFileSync(join(dir, 'generated', 'acme', 'operator', 'cdk.tf.json'), 'utf8'));
    expect(acme.resource.google_compute_router.router_failover).toBeUndefined();
    expect(acme.resource.google_compute_router.router.name).toBe('privlink-acme-router');
    expect(acme.removed.map((r: any) => r.from)).toEqual(['google_compute_router.router_failover', ...['c1', 'c2', 'd1', 'd2'].flatMap((k) => [`google_compute_router_interface.tunnel_${k}`, `google_compute_router_peer.tunnel_${k}`])]);
    expect(acme.terraform.required_version).toBe('>= 1.10.0');
    const hub = join(dir, 'generated', 'hubs', `acme-sg-cloud.sg-cloud-vpc.${FAILOVER}`);
    const routers = JSON.parse(readFileSync(join(hub, 'routers', 'cdk.tf.json'), 'utf8'));
    const adopted = routers.resource.google_compute_router.router_1;
    expect([adopted.name, adopted.description, adopted.bgp.asn, adopted.bgp.advertised_ip_ranges]).toEqual([own.name, own.description, own.bgp.asn, own.bgp.advertised_ip_ranges]);
    expect(routers.import).toEqual([{ to: 'google_compute_router.router_1', id: `projects/acme-sg-cloud/regions/${FAILOVER}/routers/privlink-acme-router-fo` }]);
    const sessions = JSON.parse(readFileSync(join(hub, 'sessions', 'cdk.tf.json'), 'utf8'));
    expect(sessions.import.map((i: any) => i.to)).toContain('google_compute_router_peer.acme_c1');
    expect(sessions.resource.google_compute_router_peer.acme_c1.advertised_route_priority).toBe(10200);
    expect(sessions.resource.google_compute_router_peer.initech_a1.advertised_route_priority).toBe(100);
  });
});

describe("status of a customer with a failover region", () => {
  /** The customer's state after an apply, with `down` tunnels DOWN in vgw_telemetry (AWS CLI describe-vpn-connections example values). */
  function state(down: string[]): unknown {
    const sim = simulateApply(operatorOf(withFailover()), (n) => Buffer.alloc(n, 7));
    const resources = sim.resources.map((res) => {
      const values: Json = { ...res.args, ...res.computed };
      if (res.type === 'aws_vpn_connection') {
        const conn = res.name.replace(/^vpn_/, '');
        values.vgw_telemetry = [1, 2].map((n) => ({ outside_ip_address: values[`tunnel${n}_address`], status: down.includes(`${conn}${n}`) ? 'DOWN' : 'UP', accepted_route_count: 2, last_status_change: '2013-02-04T20:19:34.000Z', status_message: '' }));
      }
      if (res.type === 'aws_vpc_endpoint') values.state = 'available';
      return { address: res.address, mode: 'managed', type: res.type, name: res.name, values };
    });
    return { format_version: '1.0', values: { root_module: { resources } } };
  }
  const model = modelOf(withFailover());

  it('names each tunnel\'s region, and says which region carries the traffic', () => {
    const primaryDown = customerStatus(model, state(['a1', 'a2', 'b1', 'b2']));
    expect(primaryDown.phase).toBe('degraded');
    expect(primaryDown.reason).toBe(`4 of 8 tunnels up (a1 DOWN, a2 DOWN, b1 DOWN, b2 DOWN): traffic runs through the failover region (primary us-central1 0 of 4 up, failover ${FAILOVER} 4 of 4 up)`);
    expect(primaryDown.tunnels.map((t) => `${t.tunnel} ${t.region}`)).toContain(`c1 ${FAILOVER}`);
    const failoverDown = customerStatus(model, state(['c1']));
    expect(failoverDown.reason).toBe(`7 of 8 tunnels up (c1 DOWN): redundancy lost; traffic runs through the primary region (primary us-central1 4 of 4 up, failover ${FAILOVER} 3 of 4 up)`);
    expect(customerStatus(model, state([])).phase).toBe('connected');
    expect(customerStatus(model, state(['a1', 'a2', 'b1', 'b2', 'c1', 'c2', 'd1', 'd2'])).phase).toBe('down');
  });
});

describe("what a failover region costs", () => {
  it("its tunnels at its region's rate, two more connections, and their alarms and conditions, by hand from the table", () => {
    const raw = parse(readFileSync(join(ROOT, 'pricing', 'prices.yaml'), 'utf8'));
    const price = (id: string, region?: string) => raw.entries[id].byRegion?.[region ?? ''] ?? raw.entries[id].price;
    const h = raw.hoursPerMonth as number;
    const byHand =
      4 * price('gcp.vpnTunnel', FAILOVER) * h + // four tunnels in us-east4
      2 * price('aws.vpnConnection', 'us-east-1') * h + // connections c and d
      8 * price('aws.alarmMetric', 'us-east-1') + // 4 tunnel alarms + 4 more metrics in the no-path alarm
      8 * price('gcp.alertCondition'); // 4 tunnels × (tunnel, session)
    expect(modelOf(withFailover()).cost.monthly - modelOf(acmeWith()).cost.monthly).toBeCloseTo(byHand, 2);
  });
});

describe('adding and removing a failover region, as a pull request', () => {
  it('reads as its own kind of change with its checklist; nothing of the customer module but a sentence of its README changes; removing it needs no window', async () => {
    const dir = tempDir('privlink-failover-pr-');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'ci@example.com');
    git('config', 'user.name', 'CI');
    copyFileSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
    mkdirSync(join(dir, 'customers'));
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith());
    expect((await privlinkHere(['generate'], dir)).code).toBe(0);
    git('add', '-A');
    git('commit', '-qm', 'acme');
    const moduleBefore = git('ls-tree', '-r', 'HEAD', 'generated/acme/customer-module');

    writeFileSync(join(dir, 'customers', 'acme.yaml'), withFailover());
    const body = join(tempDir('privlink-failover-body-'), 'pr.md');
    expect((await privlinkHere(['generate', 'customers/acme.yaml', '--commit', '--pr-body', body], dir)).code).toBe(0);
    const added = git('log', '-1', '--format=%B');
    expect(added.split('\n')[0]).toBe(`privlink: acme: failover region ${FAILOVER} added (31 added, 2 changed)`);
    expect(added).toContain('network sg-cloud-vpc uses GLOBAL dynamic routing');
    expect(added).toContain('Nothing changes for the customer');
    const changedInModule = git('diff', '--name-only', 'HEAD~1', 'HEAD', '--', 'generated/acme/customer-module').trim().split('\n');
    expect(changedInModule).toEqual(['generated/acme/customer-module/README.md']);
    expect(git('show', 'HEAD:generated/acme/customer-module/README.md')).toContain('Nothing changes for you');
    // The topology draws the failover region's router and gateway, and each tunnel's priority.
    const readme = git('show', 'HEAD:generated/acme/README.md');
    expect(readme).toContain(`subgraph gcp_fo["failover region ${FAILOVER}"]`);
    expect(readme).toContain('haf1 ---|"tunnel d2: 169.254.23.6 ⇄ 169.254.23.5<br/>BGP 65534 ⇄ 64512<br/>priority 10200 (failover)"| vgw');
    // The pull request's body shows the new topology.
    expect(readFileSync(body, 'utf8')).toContain(`subgraph gcp_fo["failover region ${FAILOVER}"]`);
    expect(moduleBefore).toContain('main.tf');
    expect(await privlinkHere(['check'], dir)).toMatchObject({ code: 0 });

    git('checkout', '-q', 'main');
    git('merge', '-q', 'privlink/acme');
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith());
    expect((await privlinkHere(['generate', 'customers/acme.yaml', '--commit'], dir)).code).toBe(0);
    const removed = git('log', '-1', '--format=%B');
    expect(removed.split('\n')[0]).toBe(`privlink: acme: failover region ${FAILOVER} removed (2 changed, 31 removed)`);
    expect(removed).toContain('its tunnels carried nothing while us-central1 was up, so removing them needs no window');
    expect(removed).not.toContain('schedule a window');
    // plan-guard still blocks the removal of what carries traffic until the allow file lists it.
    expect(removed).toMatch(/plan-guard blocks these \d+ changes[\s\S]*aws_vpn_connection\.vpn_c/);
  }, 60_000);
});
