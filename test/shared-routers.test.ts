/**
 * Customers on one GCP network and region (issue: shared Cloud Routers): the routers within Google's limits,
 * allocation that never asks and never moves, least privilege per peer, refusals at file:line:col, and what a
 * fleet does after onboarding (removal, conflicting pull requests, a single-tenant customer joined by others).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allocate, type Allocation } from '../src/model/allocation';
import { guardPlan } from '../src/gitops/plan-guard';
import { DEFAULT_FLEET } from '../src/fleet/schema';
import { parseSpec } from '../src/input/load';
import { syntheticName, syntheticSpec, writeSyntheticFleet } from '../src/tools/synthetic-fleet';
import { ROOT, acmeWith, privlinkHere, snapshot, tempDir } from './helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = Record<string, any>;

/** A repository with n synthetic customers on one network and region (HA unless `single` says otherwise). */
function sharedRepo(n: number, single: (i: number) => boolean = () => false): string {
  const dir = tempDir('privlink-shared-');
  copyFileSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
  writeSyntheticFleet(join(dir, 'customers'), n, true, (i) => !single(i));
  return dir;
}

const json = (dir: string, path: string): Json => JSON.parse(readFileSync(join(dir, 'generated', path), 'utf8'));
const hubFolders = (dir: string) => readdirSync(join(dir, 'generated', 'hubs')).filter((f) => !f.endsWith('.json'));

/** Every Terraform JSON stack privlink wrote: customers' operator stacks and the hubs' two stacks. */
function stacks(dir: string): { path: string; doc: Json }[] {
  const out: { path: string; doc: Json }[] = [];
  for (const folder of readdirSync(join(dir, 'generated'))) {
    if (folder === 'ci' || folder === 'fleet' || folder.startsWith('.')) continue;
    if (folder === 'hubs') {
      for (const hub of hubFolders(dir)) for (const s of ['routers', 'sessions']) out.push({ path: `hubs/${hub}/${s}`, doc: json(dir, `hubs/${hub}/${s}/cdk.tf.json`) });
    } else out.push({ path: folder, doc: json(dir, `${folder}/operator/cdk.tf.json`) });
  }
  return out;
}

const resources = (doc: Json, type: string): [string, Json][] => Object.entries(doc.resource?.[type] ?? {});

describe('44 customers on one network, nothing pinned (40 HA, 4 single-connection)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = sharedRepo(44, (i) => i >= 40);
    const r = await privlinkHere(['generate'], dir);
    expect([r.code, r.stderr]).toEqual([0, '']);
  });

  it('generate, check and lint pass', async () => {
    expect((await privlinkHere(['check'], dir)).code).toBe(0);
    const lint = await privlinkHere(['lint'], dir);
    expect([lint.code, lint.stdout]).toEqual([0, expect.stringContaining('no findings')]);
  });

  it('at most 5 routers per network and region, at most 128 BGP peers each, /30s unique on the network', () => {
    const all = stacks(dir);
    const routers = all.flatMap((s) => resources(s.doc, 'google_compute_router').map(([, r]) => `${r.network} ${r.region} ${r.name}`));
    const perNetworkRegion = new Map<string, number>();
    for (const r of routers) perNetworkRegion.set(r.split(' ').slice(0, 2).join(' '), (perNetworkRegion.get(r.split(' ').slice(0, 2).join(' ')) ?? 0) + 1);
    expect([...perNetworkRegion.values()].every((n) => n <= 5)).toBe(true);
    const peers = all.flatMap((s) => resources(s.doc, 'google_compute_router_peer').map(([, p]) => p.router as string));
    expect(peers.length).toBe(40 * 4 + 4 * 2);
    const perRouter = new Map<string, number>();
    for (const r of peers) perRouter.set(r, (perRouter.get(r) ?? 0) + 1);
    expect(Math.max(...perRouter.values())).toBeLessThanOrEqual(128);
    const ranges = all.flatMap((s) => resources(s.doc, 'google_compute_router_interface').map(([, i]) => i.ip_range as string));
    expect(ranges.length).toBe(168);
    expect(new Set(ranges).size).toBe(ranges.length);
    // No customer's stack holds a shared router: the hub's routers stack does, alone.
    for (const s of all.filter((x) => !x.path.startsWith('hubs/'))) expect(resources(s.doc, 'google_compute_router')).toEqual([]);
  });

  it("each peer advertises exactly its own customer's source ranges, and no router advertises any by default", () => {
    const sessions = stacks(dir).filter((s) => s.path.endsWith('/sessions'));
    for (const s of sessions) {
      for (const [address, p] of resources(s.doc, 'google_compute_router_peer')) {
        const customer = address.slice(0, address.lastIndexOf('_'));
        const spec = parseSpec('x.yaml', readFileSync(join(dir, 'customers', `${customer}.yaml`))).spec!;
        expect([address, p.advertise_mode, p.advertised_groups, p.advertised_ip_ranges.map((r: Json) => r.range)]).toEqual([address, 'CUSTOM', [], spec.gcp.sourceRanges]);
      }
    }
    for (const s of stacks(dir).filter((x) => x.path.endsWith('/routers'))) {
      for (const [, r] of resources(s.doc, 'google_compute_router')) expect([r.bgp.advertise_mode, r.bgp.advertised_groups, r.bgp.advertised_ip_ranges]).toEqual(['CUSTOM', [], undefined]);
    }
  });

  it("each customer's tunnels name the shared router its peers are on, and its gateways carry that router's ASN", () => {
    const sessions = json(dir, `hubs/${hubFolders(dir)[0]}/sessions/cdk.tf.json`);
    for (const i of [0, 33, 43]) {
      const name = syntheticName(i);
      const op = json(dir, `${name}/operator/cdk.tf.json`);
      const alloc = json(dir, `${name}/allocation.json`);
      for (const [id, t] of resources(op, 'google_compute_vpn_tunnel')) {
        const key = id.replace('tunnel_', '');
        expect(t.router).toBe(`projects/saas-project/regions/us-central1/routers/${alloc.router.name}`);
        expect(sessions.resource.google_compute_router_interface[`${name}_${key}`].router).toBe(alloc.router.name);
        expect(sessions.resource.google_compute_router_interface[`${name}_${key}`].vpn_tunnel).toBe(t.name);
      }
      for (const [, cgw] of resources(op, 'aws_customer_gateway')) expect(cgw.bgp_asn).toBe(String(alloc.router.asn));
    }
  });

  it('removing one customer and adding another leaves every other operator stack byte-identical', async () => {
    const before = snapshot(join(dir, 'generated'));
    rmSync(join(dir, 'customers', `${syntheticName(5)}.yaml`));
    rmSync(join(dir, 'generated', syntheticName(5)), { recursive: true });
    writeFileSync(join(dir, 'customers', `${syntheticName(44)}.yaml`), syntheticSpec(44, true, true));
    expect((await privlinkHere(['generate'], dir)).code).toBe(0);
    const after = snapshot(join(dir, 'generated'));
    for (const [path, text] of Object.entries(before)) {
      const customer = path.split('/')[0]!;
      // The fleet-wide folders follow the fleet (the cost summary counts every customer); the others must not move.
      if (customer === syntheticName(5) || customer === 'hubs' || customer === 'ci' || customer === 'fleet') continue;
      expect([path, after[path]]).toEqual([path, text]);
    }
    expect((await privlinkHere(['check'], dir)).code).toBe(0);
  });
});

describe('the limits of one network and region', () => {
  it('160 HA customers fit on 5 routers; the 161st is refused at its spec, naming the limit', async () => {
    const dir = sharedRepo(161);
    const r = await privlinkHere(['generate'], dir);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('customers/'));
    expect([lines.length, r.stderr]).toEqual([1, expect.anything()]);
    expect(lines[0]).toMatch(/^customers\/c00160\.yaml:8:\d+: gcp\.network: hub saas-project\.saas-vpc\.us-central1 is full: its 5 Cloud Routers hold 640 of 640 BGP peers .*Google allows 5 Cloud Routers per network and region .*Quotas and limits.*128 BGP peers per router/);
    rmSync(join(dir, 'customers', 'c00160.yaml'));
    expect((await privlinkHere(['generate'], dir)).code).toBe(0);
    const routers = resources(json(dir, `hubs/${hubFolders(dir)[0]}/routers/cdk.tf.json`), 'google_compute_router');
    expect(routers).toHaveLength(5);
  });

  it('170 HA customers: exit 1, the 10 that do not fit refused, each once, none naming dozens of files', async () => {
    const dir = sharedRepo(170);
    const r = await privlinkHere(['generate', '--json'], dir);
    expect(r.code).toBe(1);
    const problems = JSON.parse(r.stdout).problems as { file: string; line: number; col: number; message: string }[];
    expect(problems.map((p) => p.file).sort()).toEqual(Array.from({ length: 10 }, (_, k) => `customers/${syntheticName(160 + k)}.yaml`));
    for (const p of problems) {
      expect(p.line).toBe(8);
      expect(p.message).toContain('9 other new customers are refused for the same reason');
      expect(p.message.length).toBeLessThan(700);
    }
    // validate, which writes nothing, refuses the same fleet the same way.
    const v = await privlinkHere(['validate', '--json'], dir);
    expect([v.code, JSON.parse(v.stdout).problems.length]).toEqual([1, 10]);
  });

  it('more than 50 AWS tags on a resource is refused at the labels, naming the limit', async () => {
    const labels = Object.fromEntries(Array.from({ length: 48 }, (_, k) => [`team_${k}`, 'x']));
    const dir = tempDir('privlink-tags-');
    copyFileSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml')); // one fleet label, cost_center
    writeFileSync(join(tempDir(), 'unused'), '');
    execFileSync('mkdir', ['-p', join(dir, 'customers')]);
    writeFileSync(join(dir, 'customers', 'acme.yaml'), acmeWith({ labels }));
    const r = await privlinkHere(['generate'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/customers\/acme\.yaml:\d+:1: labels: every AWS resource would carry 52 tags: privlink\.yaml's 1, this spec's 48 and privlink's 2 .*AWS allows 50/);
  });
});

describe('allocation never moves what it gave', () => {
  /** Random add / remove / reorder steps over a pool of customers on one network, some pinning nothing, some HA. */
  it('over 200 random add, remove and reorder steps: no existing /30, router or offset moves; limits hold', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const specs = new Map<string, { file: string; spec: any }>();
    let prior = new Map<string, Allocation>();
    let next = 0;
    for (let step = 0; step < 200; step++) {
      const roll = random();
      if (roll < 0.55 || specs.size < 3) {
        const i = next++;
        const spec = parseSpec(`c${i}.yaml`, Buffer.from(syntheticSpec(i, true))).spec!;
        specs.set(spec.name, { file: `c${i}.yaml`, spec });
      } else if (roll < 0.85) {
        const names = [...specs.keys()];
        specs.delete(names[Math.floor(random() * names.length)]!);
      }
      const order = [...specs.values()].sort(() => random() - 0.5); // reorder: allocation must not care
      const r = allocate({ specs: order, prior, legacy: new Set(), fleet: DEFAULT_FLEET });
      expect(r.findings).toEqual([]);
      for (const [name, a] of r.allocations) {
        const was = prior.get(name);
        if (!was) continue;
        // Everything stays; a customer that was alone keeps its router's name when the hub adopts it.
        const same = (x: Allocation) => ({ ...x, router: x.router.name });
        expect([name, same(a)]).toEqual([name, same(was)]);
        if (was.router.placement === 'shared') expect([name, a.router]).toEqual([name, was.router]);
      }
      const cidrs = [...r.allocations.values()].flatMap((a) => Object.values(a.insideCidrs));
      expect(new Set(cidrs).size).toBe(cidrs.length);
      const peers = new Map<string, number>();
      for (const a of r.allocations.values()) peers.set(a.router.name, (peers.get(a.router.name) ?? 0) + Object.keys(a.insideCidrs).length);
      expect(peers.size).toBeLessThanOrEqual(5);
      expect(Math.max(...peers.values())).toBeLessThanOrEqual(128);
      prior = r.allocations;
    }
    expect(next).toBeGreaterThan(100);
  });

  it('adding an endpoint never needs an addressOffset and never moves another endpoint', () => {
    const base = parseSpec('acme.yaml', Buffer.from(acmeWith())).spec!;
    const first = allocate({ specs: [{ file: 'acme.yaml', spec: base }], prior: new Map(), legacy: new Set(), fleet: DEFAULT_FLEET }).allocations;
    const offsets = first.get('acme')!.endpointOffsets;
    // 40 new endpoints, one at a time: some hash onto taken offsets, none asks for a pin.
    let prior = first;
    let spec = base;
    for (let k = 0; k < 20; k++) {
      spec = { ...spec, endpoints: [...spec.endpoints, { ...spec.endpoints[1]!, name: `svc${k}`, hostnames: [`svc${k}.internal.company.net`] }] };
      const r = allocate({ specs: [{ file: 'acme.yaml', spec }], prior, legacy: new Set(), fleet: DEFAULT_FLEET });
      expect(r.findings).toEqual([]);
      const now = r.allocations.get('acme')!.endpointOffsets;
      for (const [name, offset] of Object.entries(prior.get('acme')!.endpointOffsets)) expect([name, now[name]]).toEqual([name, offset]);
      expect(new Set(Object.values(now)).size).toBe(Object.keys(now).length);
      prior = r.allocations;
    }
    expect(prior.get('acme')!.endpointOffsets.github).toBe(offsets.github);
  });
});

describe('after onboarding', () => {
  const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } });

  it('two pull requests that allocate the same /30 do not merge silently: check names both, and one command fixes it', async () => {
    const dir = sharedRepo(2);
    expect((await privlinkHere(['generate'], dir)).code).toBe(0);
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'config', 'user.name', 'CI');
    git(dir, 'config', 'user.email', 'ci@example.com');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'base');
    // Branch a adds c00002, branch b adds c00003, each from main: both take the same free /30s on router 1.
    for (const [branch, i] of [['a', 2], ['b', 3]] as const) {
      git(dir, 'checkout', '-q', '-b', branch, 'main');
      writeFileSync(join(dir, 'customers', `${syntheticName(i)}.yaml`), syntheticSpec(i, true, true));
      expect((await privlinkHere(['generate'], dir)).code).toBe(0);
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', `add ${syntheticName(i)}`);
    }
    expect(json(dir, 'c00003/allocation.json').insideCidrs).toEqual({ a1: '169.254.20.24/30', a2: '169.254.20.28/30', b1: '169.254.20.32/30', b2: '169.254.20.36/30' });
    git(dir, 'checkout', '-q', 'main');
    git(dir, 'merge', '-q', 'a');
    // The hubs folder both branches rewrote conflicts in git; a careless merge takes either side, and check sees it.
    try {
      git(dir, 'merge', '-q', '-X', 'theirs', 'b', '-m', 'merge b');
    } catch {
      git(dir, 'checkout', '--theirs', '.');
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', 'merge b');
    }
    const check = await privlinkHere(['check'], dir);
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/customers\/c00002\.yaml:\d+:\d+: name: allocation conflict: tunnel a1's inside \/30 "169\.254\.20\.24\/30" is also allocated to tunnel a1 of c00003/);
    expect(check.stderr).toMatch(/customers\/c00003\.yaml:\d+:\d+: name: allocation conflict: .*`privlink generate --reallocate c00002` or `privlink generate --reallocate c00003`/);
    expect((await privlinkHere(['generate', '--reallocate', 'c00003'], dir)).code).toBe(0);
    expect(json(dir, 'c00002/allocation.json').insideCidrs.a1).toBe('169.254.20.24/30');
    expect(json(dir, 'c00003/allocation.json').insideCidrs.a1).toBe('169.254.20.40/30');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'reallocate c00003');
    const clone = tempDir('privlink-clone-');
    execFileSync('git', ['clone', '-q', dir, clone]);
    expect((await privlinkHere(['check'], clone)).code).toBe(0);
  });

  it("a customer alone on its network keeps its own router; when a second joins, the hub adopts it without recreating anything", async () => {
    const dir = tempDir('privlink-adopt-');
    copyFileSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
    execFileSync('mkdir', ['-p', join(dir, 'customers')]);
    writeFileSync(join(dir, 'customers', 'acme.yaml'), readFileSync(join(ROOT, 'customers', 'acme.yaml')));
    expect((await privlinkHere(['generate'], dir)).code).toBe(0);
    // Alone: exactly the committed example (single-tenant model, as before shared routers).
    expect(readFileSync(join(dir, 'generated', 'acme', 'operator', 'cdk.tf.json'), 'utf8')).toBe(readFileSync(join(ROOT, 'generated', 'acme', 'operator', 'cdk.tf.json'), 'utf8'));
    const alone = json(dir, 'acme/operator/cdk.tf.json');
    writeFileSync(
      join(dir, 'customers', 'initech.yaml'),
      acmeWith({ name: 'initech', 'aws.accountId': '444455556666', 'aws.vpcCidr': '10.251.0.0/24', 'endpoints.0.hostnames': ['git.initech.example'], 'endpoints.1.hostnames': ['artifacts.initech.example'] }),
    );
    expect((await privlinkHere(['generate'], dir)).code).toBe(0);
    const joined = json(dir, 'acme/operator/cdk.tf.json');
    const hub = hubFolders(dir)[0]!;
    const routers = json(dir, `hubs/${hub}/routers/cdk.tf.json`);
    const sessions = json(dir, `hubs/${hub}/sessions/cdk.tf.json`);
    // The router, its interfaces and peers leave acme's state without a destroy, and the hub imports them.
    expect(joined.removed.map((r: Json) => [r.from, r.lifecycle.destroy])).toEqual([
      ['google_compute_router.router', false],
      ...['a1', 'a2', 'b1', 'b2'].flatMap((k) => [[`google_compute_router_interface.tunnel_${k}`, false], [`google_compute_router_peer.tunnel_${k}`, false]]),
    ]);
    expect(joined.terraform.required_version).toBe('>= 1.10.0'); // OpenTofu reads removed blocks with lifecycle from 1.10 (docs/providers.md)
    expect(routers.import).toEqual([{ to: 'google_compute_router.router_1', id: 'projects/acme-sg-cloud/regions/us-central1/routers/privlink-acme-router' }]);
    const oldRouter = alone.resource.google_compute_router.router;
    expect(routers.resource.google_compute_router.router_1).toEqual({ ...oldRouter, '//': routers.resource.google_compute_router.router_1['//'] });
    expect(sessions.import).toContainEqual({ to: 'google_compute_router_peer.acme_a1', id: 'projects/acme-sg-cloud/regions/us-central1/routers/privlink-acme-router/privlink-acme-bgp-a1' });
    expect(sessions.import).toContainEqual({ to: 'google_compute_router_interface.acme_a1', id: 'acme-sg-cloud/us-central1/privlink-acme-router/privlink-acme-if-a1' });
    // Same names and addresses on the wire: the interface's range and the peer's address are what AWS reported.
    const iface = sessions.resource.google_compute_router_interface.acme_a1;
    expect([iface.name, iface.ip_range, iface.router]).toEqual(['privlink-acme-if-a1', '169.254.20.2/30', 'privlink-acme-router']);
    // Everything else of acme's stack is what it was; the tunnels name the same router by its id.
    const strip = (doc: Json) => {
      const r = { ...doc.resource };
      delete r.google_compute_router;
      delete r.google_compute_router_interface;
      delete r.google_compute_router_peer;
      return r;
    };
    const tunnelRouters = Object.values(joined.resource.google_compute_vpn_tunnel).map((t: any) => t.router);
    expect(new Set(tunnelRouters)).toEqual(new Set(['projects/acme-sg-cloud/regions/us-central1/routers/privlink-acme-router']));
    const withoutRouterRefs = (r: Json) => JSON.parse(JSON.stringify(r).replace(/\$\{google_compute_router\.router\.id\}/g, 'projects/acme-sg-cloud/regions/us-central1/routers/privlink-acme-router').replace(/\$\{google_compute_router\.router\.bgp\[0\]\.asn\}/g, '65534').replace(/\$\{google_compute_router_peer\.tunnel_(\w\d)\.name\}/g, (_, k) => `privlink-acme-bgp-${k}`));
    expect(strip(joined)).toEqual(withoutRouterRefs(strip(alone)));
    expect((await privlinkHere(['check'], dir)).code).toBe(0);
    // acme leaves: its stack destroys its own resources, never the router the hub now owns; its sessions leave the hub.
    writeFileSync(join(dir, 'customers', 'acme.yaml'), `${readFileSync(join(ROOT, 'customers', 'acme.yaml'), 'utf8')}decommission: true\n`);
    expect((await privlinkHere(['generate'], dir)).code).toBe(0);
    const leaving = json(dir, 'acme/operator/cdk.tf.json');
    expect([leaving.resource, leaving.removed.length]).toEqual([undefined, 9]);
    const after = json(dir, `hubs/${hub}/sessions/cdk.tf.json`);
    expect(Object.keys(after.resource.google_compute_router_peer)).toEqual(['initech_a1', 'initech_a2', 'initech_b1', 'initech_b2']);
    expect(after.output.privlink_leaving.value).toEqual(['acme']);
    expect(Object.keys(json(dir, `hubs/${hub}/routers/cdk.tf.json`).resource.google_compute_router)).toEqual(['router_1']);
  });
});

describe('plan-guard on a hub sessions plan', () => {
  // The shape of `terraform show -json` (format 1.2): a hub's sessions plan that drops acme's sessions (acme is
  // decommissioning, listed in privlink_leaving) and, by mistake, one of initech's.
  const change = (address: string) => ({ address, mode: 'managed', type: address.split('.')[0], name: address.split('.')[1], change: { actions: ['delete'], before: {}, after: null } });
  const plan = {
    format_version: '1.2',
    planned_values: { outputs: { privlink_leaving: { sensitive: false, value: ['acme'] } }, root_module: {} },
    resource_changes: [change('google_compute_router_interface.acme_a1'), change('google_compute_router_peer.acme_a1'), change('google_compute_router_peer.initech_a1')],
  };

  it("lets exactly the leaving customers' interfaces and peers go, and blocks any other customer's", () => {
    const r = guardPlan(plan, []);
    expect(r.allowed.map((h) => [h.address, h.cause])).toEqual([
      ['google_compute_router_interface.acme_a1', 'acme is decommissioning'],
      ['google_compute_router_peer.acme_a1', 'acme is decommissioning'],
    ]);
    expect(r.blocked.map((h) => h.address)).toEqual(['google_compute_router_peer.initech_a1']);
  });
});
