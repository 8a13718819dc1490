/**
 * plan-guard against plans produced by real `terraform plan` (hashicorp/aws from the local mirror, offline with
 * dummy credentials), plus the GCP and customer-module resource types on hand-written plan documents (their
 * providers are not on this machine / their data sources need AWS).
 *
 * A real "change" plan needs prior state. It is built from the first plan's planned values, with the ids AWS
 * would assign replaced by placeholders and every reference resolved against them, then planned with
 * -refresh=false: the baseline plan of the same spec must destroy and replace nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { summarizeChange } from '../src/gitops/change-summary';
import { guardPlan } from '../src/gitops/plan-guard';
import { renderOperatorJson } from '../src/render/operator';
import { loadFleet } from '../src/fleet/load';
import { parseSpec } from '../src/input/load';
import { buildModel, soloAllocation } from '../src/model/model';
import { ROOT, acmeWith, modelOf, offlineConfig, offlineJson, plan, providerMirror, skipNote, tempDir, terraform, terraformBinary, terraformEnv, SECOND_SERVICE_NAME } from './helpers';

const BIN = join(ROOT, 'bin', 'privlink.js');
const mirror = terraformBinary() && providerMirror();
if (!mirror) skipNote('plan-guard tests on real plans', 'needs terraform and a provider mirror with hashicorp/aws');
const itMirror = mirror ? it : it.skip;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One module of a plan: its planned resources and their configuration (root: moduleAddress ''). */
interface PlanUnit {
  readonly moduleAddress: string;
  readonly planned: Json[];
  readonly configured: Json[];
}

function planUnits(p: Json): PlanUnit[] {
  const units: PlanUnit[] = [];
  if (p.planned_values.root_module.resources) {
    units.push({ moduleAddress: '', planned: p.planned_values.root_module.resources, configured: p.configuration.root_module.resources ?? [] });
  }
  for (const child of p.planned_values.root_module.child_modules ?? []) {
    const call = (child.address as string).replace(/^module\./, '');
    units.push({ moduleAddress: child.address, planned: child.resources, configured: p.configuration.root_module.module_calls[call].module.resources });
  }
  return units;
}

/**
 * State as if `apply` had run: planned values, placeholder ids/ARNs, references resolved against them. Works for a
 * root module and for a plan whose cases are modules (each module with its own provider configuration).
 */
function stateFromPlan(p: Json): Json {
  const unknown = new Map<string, Json>(p.resource_changes.map((r: Json) => [r.address, r.change.after_unknown ?? {}]));
  const resources: Json[] = [];
  for (const unit of planUnits(p)) {
    const prefix = unit.moduleAddress ? `${unit.moduleAddress}.` : '';
    const exprs = new Map<string, Json>(unit.configured.map((r: Json) => [r.address, r.expressions ?? {}]));
    const values = new Map<string, Json>();
    for (const r of unit.planned) {
      const local = (r.address as string).slice(prefix.length);
      const v = { ...r.values };
      if (unknown.get(r.address)!.id === true) v.id = `placeholder-${r.type}-${r.name}`;
      if (unknown.get(r.address)!.arn === true) v.arn = `arn:aws:placeholder:us-east-1:111122223333:${r.type}/${r.name}`;
      values.set(local, v);
    }
    const REF = /\$\{([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\}/g;
    const resolve = (x: unknown): unknown => {
      if (typeof x === 'string') {
        const whole = new RegExp(`^${REF.source}$`).exec(x);
        if (whole) return values.get(`${whole[1]}.${whole[2]}`)?.[whole[3]!];
        let ok = true;
        const out = x.replace(REF, (m, t, n, a) => {
          const v = values.get(`${t}.${n}`)?.[a];
          if (v === undefined) ok = false;
          return v === undefined ? m : String(v);
        });
        return ok ? out : undefined;
      }
      if (Array.isArray(x)) {
        const a = x.map(resolve);
        return a.includes(undefined) ? undefined : a;
      }
      return x;
    };
    for (let pass = 0; pass < 3; pass++) {
      for (const r of unit.planned) {
        const local = (r.address as string).slice(prefix.length);
        const v = values.get(local)!;
        for (const [k, isUnknown] of Object.entries(unknown.get(r.address)!)) {
          const e = exprs.get(local)![k];
          if (isUnknown !== true || v[k] !== undefined || e?.constant_value === undefined) continue;
          const resolved = resolve(e.constant_value);
          if (resolved !== undefined) v[k] = resolved;
        }
      }
    }
    for (const r of unit.planned) {
      resources.push({
        ...(unit.moduleAddress ? { module: unit.moduleAddress } : {}),
        mode: r.mode,
        type: r.type,
        name: r.name,
        provider: `${prefix}provider["${r.provider_name}"]`,
        instances: [{ schema_version: r.schema_version, attributes: values.get((r.address as string).slice(prefix.length)), sensitive_attributes: [] }],
      });
    }
  }
  return { version: 4, terraform_version: p.terraform_version, serial: 1, lineage: '00000000-0000-4000-8000-000000000000', outputs: {}, resources };
}

/**
 * A case's view of a plan whose cases are modules: the resource changes of module `name`, with addresses relative
 * to it (as they are when the stack is the root module, which is how CI plans it).
 */
function caseView(p: Json, name: string): Json {
  const prefix = `module.${name}.`;
  return {
    ...p,
    // A module's outputs are not planned values of the root: plan-guard reads them from the configuration.
    planned_values: { root_module: {} },
    configuration: { root_module: structuredClone(p.configuration.root_module.module_calls[name].module) },
    resource_changes: p.resource_changes
      .filter((r: Json) => r.module_address === `module.${name}`)
      .map((r: Json) => ({ ...r, address: (r.address as string).slice(prefix.length), module_address: undefined })),
  };
}

function guardCli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, 'plan-guard', ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('plan-guard on real terraform plans of the acme operator stack (AWS half)', () => {
  /**
   * Every case is a module of one configuration, each with acme's AWS half as its own stack: terraform loads the AWS
   * provider for two plans (the unchanged spec everywhere, then each case's change) instead of two per case.
   */
  const CASES: Record<string, Record<string, unknown>> = {
    same: {},
    port: { 'endpoints.0.ports': [443, 22, 7999] }, // a port: new rules only, the security group stays
    inside_cidr: { 'vpn.insideCidrs': { a1: '169.254.30.0/30' } },
    asn: { 'aws.amazonSideAsn': 64700 },
    vpc_cidr: { 'aws.vpcCidr': '10.251.0.0/24' },
    azs: { 'aws.availabilityZoneIds': ['use1-az1', 'use1-az4'] },
    add_az: { 'aws.availabilityZoneIds': ['use1-az1', 'use1-az2', 'use1-az4'] }, // a third AZ: the endpoint's subnets change in place
    no_service_name: { 'endpoints.0.serviceName': undefined },
    new_service_name: { 'endpoints.1.serviceName': SECOND_SERVICE_NAME },
    decommission: { decommission: true }, // offboarding: providers, backend and the marker output, no resource
  };

  let dir = '';
  let changed: Json = {};

  /** What privlink 0.1.0 generated for customers/acme.yaml (the service name as the spec has it now), and this privlink's output. */
  const UPGRADE = 'upgrade_from_0_1_0';
  const upgradeFrom = () => offlineJson(readFileSync(join(__dirname, 'fixtures', 'upgrade', 'acme-0.1.0.cdk.tf.json'), 'utf8'));
  const upgradeTo = () => offlineJson(readFileSync(join(ROOT, 'generated', 'acme', 'operator', 'cdk.tf.json'), 'utf8'));
  /**
   * privlink 0.4.0's acme (test/fixtures/upgrade/acme-0.4.0.cdk.tf.json, from the 0.4.0 release commit), and acme
   * now that another customer shares its network: its own router adopted by the hub (model/allocation.ts).
   */
  const ADOPT = 'upgrade_from_0_4_0_adopted';
  const adoptFrom = () => offlineJson(readFileSync(join(__dirname, 'fixtures', 'upgrade', 'acme-0.4.0.cdk.tf.json'), 'utf8'));
  const adoptTo = () => {
    const spec = parseSpec('customers/acme.yaml', Buffer.from(acmeWith())).spec!;
    const fleet = loadFleet(join(ROOT, 'privlink.yaml')).config; // the fleet the committed 0.4.0 output was made with
    const own = soloAllocation(spec, 'customers/acme.yaml', fleet);
    const adopted = { ...own, router: { placement: 'shared' as const, hub: 'acme-sg-cloud.sg-cloud-vpc.us-central1', index: 1, name: own.router.name, asn: 65534, adoptedFrom: 'acme' } };
    return offlineJson(renderOperatorJson(buildModel(spec, 'customers/acme.yaml', fleet, adopted)));
  };

  /** The root configuration calling one module per case, each module an offline AWS half (`configOf(case)`). */
  const writeCases = (configOf: (name: string) => string) => {
    const names = [...Object.keys(CASES), UPGRADE, ADOPT];
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ module: Object.fromEntries(names.map((n) => [n, { source: `./${n}` }])) }, null, 2));
    for (const name of names) {
      mkdirSync(join(dir, name), { recursive: true });
      const config = JSON.parse(configOf(name));
      delete config.terraform.backend; // a backend belongs to the root module only
      writeFileSync(join(dir, name, 'main.tf.json'), JSON.stringify(config, null, 2));
    }
  };

  /** A case's plan as plan-guard reads it from CI, written to a file. */
  const planFile = (name: string) => {
    writeFileSync(join(dir, `${name}.plan.json`), JSON.stringify(caseView(changed, name)));
    return `${name}.plan.json`;
  };

  beforeAll(() => {
    if (!mirror) return;
    dir = tempDir('privlink-plan-');
    const env = terraformEnv(mirror);
    writeCases((name) => (name === UPGRADE ? upgradeFrom() : name === ADOPT ? adoptFrom() : offlineConfig(acmeWith())));

    const init = terraform(['init', '-input=false', '-no-color'], dir, env);
    if (init.status !== 0) throw new Error(init.out);
    // Every case starts from the same prior state (acme applied as it is), so only one case and the upgrade's 0.1.0
    // stack are planned for it; the state of the one is copied to every other case's module.
    const baseline = stateFromPlan(plan(dir, env, ['-target=module.same', `-target=module.${UPGRADE}`, `-target=module.${ADOPT}`]));
    const same = baseline.resources.filter((r: Json) => r.module === 'module.same');
    for (const name of Object.keys(CASES).filter((n) => n !== 'same')) {
      baseline.resources.push(...same.map((r: Json) => ({ ...structuredClone(r), module: `module.${name}`, provider: String(r.provider).replace('module.same.', `module.${name}.`) })));
    }
    writeFileSync(join(dir, 'terraform.tfstate'), JSON.stringify(baseline));
    writeCases((name) => (name === UPGRADE ? upgradeTo() : name === ADOPT ? adoptTo() : offlineConfig(acmeWith(CASES[name]))));
    changed = plan(dir, env);
  }, 180000);

  // The change summary of `generate --commit` marks replacements before any plan exists, from the same list
  // plan-guard reads (domain/terraform-types.ts). Real plans of real changes must agree with it, resource by resource.
  itMirror('the change summary predicts exactly the replacements Terraform plans (AWS half)', async () => {
    const baseJson = renderOperatorJson(modelOf(acmeWith()));
    const byCase = new Map<string, string[]>();
    for (const name of ['port', 'inside_cidr', 'asn', 'vpc_cidr', 'azs']) {
      const spec = acmeWith(CASES[name]);
      const planned = caseView(changed, name)
        .resource_changes.filter((r: Json) => r.change.actions.includes('delete') && r.change.actions.includes('create'))
        .map((r: Json) => r.address)
        .sort();
      const summary = await summarizeChange(modelOf(spec), new Map([['operator/cdk.tf.json', baseJson]]), new Map([['operator/cdk.tf.json', renderOperatorJson(modelOf(spec))]]), 'customers');
      const predicted = summary.stacks.filter((st) => st.title === 'operator stack: AWS').flatMap((st) => st.diff.changed.filter((c) => c.replacedBy).map((c) => c.address)).sort();
      expect([name, predicted]).toEqual([name, planned]);
      byCase.set(name, planned);
    }
    // Not vacuous: the plans do replace what a reviewer must hear of.
    expect(byCase.get('port')).toEqual([]);
    expect(byCase.get('inside_cidr')).toEqual(['aws_vpn_connection.vpn_a']);
    expect(byCase.get('asn')).toEqual(['aws_vpn_gateway.vgw', 'aws_vpn_gateway_route_propagation.private']); // the connections move in place
    expect(byCase.get('vpc_cidr')).toEqual(expect.arrayContaining(['aws_vpc.vpc', 'aws_vpc_endpoint.endpoint_github']));
  });

  itMirror('the same spec again: nothing destroyed or replaced, plan-guard passes', () => {
    const p = caseView(changed, 'same');
    expect(p.resource_changes.length).toBeGreaterThan(20);
    expect(p.resource_changes.filter((r: Json) => r.change.actions.includes('delete'))).toEqual([]);
    const r = guardCli([planFile('same')], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^plan-guard: ok: \d+ resource changes/m);
  });

  itMirror('a new inside CIDR for tunnel a1 replaces VPN connection a: blocked with the cause; --allow lets it through', () => {
    expect(guardPlan(caseView(changed, 'inside_cidr'), []).blocked.map((h) => [h.address, h.action, h.cause])).toEqual([
      ['aws_vpn_connection.vpn_a', 'replace', 'tunnel1_inside_cidr forces replacement'],
    ]);
    const file = planFile('inside_cidr');
    const blocked = guardCli([file], dir);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/^plan-guard: blocked: aws_vpn_connection\.vpn_a would be replaced \(tunnel1_inside_cidr forces replacement\): both of its tunnels/m);
    expect(blocked.stderr).toContain('rerun with --allow aws_vpn_connection.vpn_a');
    expect(blocked.stderr).toContain('1 resource that carries traffic would go');
    const allowed = guardCli([file, '--allow', 'aws_vpn_connection.vpn_a'], dir);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/^plan-guard: allowed: aws_vpn_connection\.vpn_a would be replaced/m);
    // The flag before the plan takes one value, so the plan stays the positional; --json says the same for machines.
    const before = guardCli(['--allow', 'aws_vpn_connection.vpn_a', file, '--json'], dir);
    expect(before.code).toBe(0);
    const doc = JSON.parse(before.stdout);
    expect(doc).toMatchObject({ command: 'plan-guard', ok: true, blocked: [], unused: [] });
    expect(doc.allowed.map((h: Json) => [h.address, h.action, h.cause])).toEqual([['aws_vpn_connection.vpn_a', 'replace', 'tunnel1_inside_cidr forces replacement']]);
    const json = JSON.parse(guardCli([file, '--json'], dir).stdout);
    expect(json).toMatchObject({ command: 'plan-guard', ok: false });
    expect(json.blocked.map((h: Json) => h.address)).toEqual(['aws_vpn_connection.vpn_a']);
  });

  itMirror('dropping an endpoint\'s service name destroys its interface endpoint: blocked', () => {
    const hits = guardPlan(caseView(changed, 'no_service_name'), []).blocked;
    expect(hits.map((h) => [h.address, h.action])).toEqual([['aws_vpc_endpoint.endpoint_github', 'delete']]);
    expect(hits[0]!.cause).toBe('it is no longer in the configuration');
  });

  itMirror('adding an AZ updates the endpoint in place, which AWS does by replacing its interfaces: blocked as disruptive, and the checklist says so', async () => {
    const ep = caseView(changed, 'add_az').resource_changes.find((r: Json) => r.address === 'aws_vpc_endpoint.endpoint_github');
    expect(ep.change.actions).toEqual(['update']);
    const r = guardCli([planFile('add_az'), '--json'], dir);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).blocked.map((h: Json) => [h.address, h.action])).toEqual([['aws_vpc_endpoint.endpoint_github', 'disrupt']]);
    const summary = await summarizeChange(modelOf(acmeWith(CASES.add_az)), new Map([['operator/cdk.tf.json', renderOperatorJson(modelOf(acmeWith()))]]), new Map([['operator/cdk.tf.json', renderOperatorJson(modelOf(acmeWith(CASES.add_az)))]]), 'customers');
    expect(summary.checklist).toContainEqual(expect.stringMatching(/^`aws_vpc_endpoint\.endpoint_github` changes subnet_configuration, subnet_ids in place, but AWS replaces the endpoint's network interface in every subnet it is given/));
    expect(summary.checklist).toContainEqual(expect.stringMatching(/^plan-guard blocks this change until `customers\/acme\.plan-guard-allow` lists it, one address per line:\n\n {6}aws_vpc_endpoint\.endpoint_github\n$/));
  });

  itMirror('adding a service name only creates resources: passes', () => {
    expect(caseView(changed, 'new_service_name').resource_changes.some((r: Json) => r.address === 'aws_vpc_endpoint.endpoint_artifactory' && r.change.actions.join() === 'create')).toBe(true);
    expect(guardCli([planFile('new_service_name')], dir).code).toBe(0);
  });

  itMirror('upgrading acme from privlink 0.1.0 (CHANGELOG.md) changes the endpoint and both VPN connections in place and destroys nothing', () => {
    const p = caseView(changed, UPGRADE);
    const changes = p.resource_changes.filter((r: Json) => !r.change.actions.includes('no-op')).map((r: Json) => [r.address, r.change.actions.join('+')]);
    // 0.4.0 adds the alarms (CHANGELOG.md); everything else changes in place.
    const alarms = modelOf(acmeWith()).tunnels.map((t) => [`aws_cloudwatch_metric_alarm.${t.id}`, 'create']);
    expect(changes.filter(([, action]: string[]) => action !== 'update').sort()).toEqual([...alarms, ['aws_cloudwatch_metric_alarm.no_path', 'create']].sort());
    const change = (address: string) => p.resource_changes.find((r: Json) => r.address === address).change;
    for (const conn of ['aws_vpn_connection.vpn_a', 'aws_vpn_connection.vpn_b']) {
      const c = change(conn);
      expect([conn, c.actions]).toEqual([conn, ['update']]);
      expect([c.before.tunnel1_startup_action, c.after.tunnel1_startup_action, c.after.tunnel2_dpd_timeout_action]).toEqual([null, 'start', 'restart']);
    }
    const ep = change('aws_vpc_endpoint.endpoint_github');
    expect(ep.actions).toEqual(['update']);
    expect(ep.after.subnet_configuration.map((c: Json) => c.ipv4).sort()).toEqual(modelOf(acmeWith()).endpoints.find((e) => e.name === 'github')!.addresses.map((a) => a.address).sort());
    // Fixed addresses arrive in place, but AWS gives each subnet a new interface for them, disconnecting it for a
    // moment: plan-guard blocks that as disruptive, with the cause, until the reviewer allows it.
    const guarded = guardCli([planFile(UPGRADE)], dir);
    expect(guarded.code).toBe(1);
    expect(guarded.stderr).toContain('plan-guard: blocked: aws_vpc_endpoint.endpoint_github would be updated disruptively (subnet_configuration changes in place, but AWS replaces the endpoint\'s network interface in every subnet it is given ("this process temporarily disconnects the subnet"): every AZ may drop at once, since the provider sends every subnet)');
    expect(guardCli([planFile(UPGRADE), '--allow', 'aws_vpc_endpoint.endpoint_github'], dir).code).toBe(0);
  });

  itMirror('upgrading from 0.4.0, also when another customer joins the network and the hub adopts the router, plans no change to the AWS half', () => {
    const p = caseView(changed, ADOPT);
    const awsResources = Object.values(JSON.parse(adoptFrom()).resource as Record<string, object>).reduce((n, byName) => n + Object.keys(byName).length, 0);
    expect(p.resource_changes.length).toBe(awsResources); // every resource planned, none added or dropped
    // The prior state is built from a plan (stateFromPlan), so computed attributes show as in-place updates even for
    // the unchanged spec ('same'): the adopted stack must plan exactly what the unchanged one plans, and create,
    // destroy or replace nothing.
    const actions = (c: Json) => Object.fromEntries(c.resource_changes.map((r: Json) => [r.address, r.change.actions.join('+')]));
    expect(Object.values(actions(p)).filter((a) => a !== 'no-op' && a !== 'update')).toEqual([]);
    expect(actions(p)).toEqual(actions(caseView(changed, 'same')));
    expect(guardCli([planFile(ADOPT)], dir).code).toBe(0);
    // Alone on its network, acme's 0.4.0 stack is what privlink writes now, byte for byte (the notice aside), except
    // the GCP alert filters this version fixes (CHANGELOG): the project, and the session metric's bgp_peer_name label;
    // and the provider ranges it widens (docs/providers.md).
    const body = (t: string) => t.split('\n').filter((l) => !l.includes('Generated by privlink')).join('\n');
    const fixed = (t: string) =>
      t
        .split('\n')
        .map((l) => (l.includes('"filter":') ? l.replace('resource.label.region', 'resource.label.project_id = \\"acme-sg-cloud\\" AND resource.label.region').replace('bgp_target_ip', 'bgp_peer_name').replace(/\.peer_ip_address\}/g, '.name}') : l))
        .map((l) => l.replace('"version": ">= 5.100.0, < 7.0.0"', '"version": ">= 5.100.0, != 6.42.0, < 7.0.0"').replace('"version": ">= 6.50.0, < 7.0.0"', '"version": ">= 6.50.0, < 9.0.0"'))
        .join('\n');
    expect(body(readFileSync(join(ROOT, 'generated', 'acme', 'operator', 'cdk.tf.json'), 'utf8'))).toBe(fixed(body(readFileSync(join(__dirname, 'fixtures', 'upgrade', 'acme-0.4.0.cdk.tf.json'), 'utf8'))));
  });

  itMirror('a decommissioned acme plans destroys only, and plan-guard lets exactly those through', () => {
    const p = caseView(changed, 'decommission');
    const actions = new Set(p.resource_changes.map((r: Json) => r.change.actions.join('+')));
    expect([...actions]).toEqual(['delete']);
    const same = caseView(changed, 'same').resource_changes.map((r: Json) => r.address).sort();
    expect(p.resource_changes.map((r: Json) => r.address).sort()).toEqual(same); // every resource of the stack
    const r = guardPlan(p, []);
    expect(r.decommission).toBe('acme');
    expect(r.blocked).toEqual([]);
    expect(r.allowed.map((h) => h.address)).toEqual(expect.arrayContaining(['aws_vpn_connection.vpn_a', 'aws_vpn_connection.vpn_b', 'aws_vpc_endpoint.endpoint_github']));
    const cli = guardCli([planFile('decommission')], dir);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^plan-guard: acme is decommissioning/m);
    expect(cli.stdout).toMatch(/^plan-guard: allowed: aws_vpn_connection\.vpn_a would be destroyed \(acme is decommissioning\)/m);
  });

  itMirror('the same destroys without the decommission marker, or marked for another customer: blocked', () => {
    // The same empty stack without the marker output (what a broken generate or a hand edit would leave): outputs
    // do not change resource changes, so this is the decommission plan with the output taken out of its configuration.
    const unmarked = caseView(changed, 'decommission');
    delete unmarked.configuration.root_module.outputs.privlink_decommission;
    const emptied = guardPlan(unmarked, []);
    expect(emptied.decommission).toBeUndefined();
    expect(emptied.blocked.map((h) => h.address)).toEqual(expect.arrayContaining(['aws_vpn_connection.vpn_a', 'aws_vpn_connection.vpn_b', 'aws_vpc_endpoint.endpoint_github']));
    expect(emptied.allowed).toEqual([]);
    // A marker naming globex lets none of acme's tagged resources go.
    const view = caseView(changed, 'decommission');
    view.configuration.root_module.outputs.privlink_decommission.expression.constant_value = 'globex';
    const other = guardPlan(view, []);
    expect(other.decommission).toBe('globex');
    expect(other.blocked.map((h) => h.address)).toEqual(expect.arrayContaining(['aws_vpn_connection.vpn_a', 'aws_vpc_endpoint.endpoint_github']));
    expect(other.allowed.map((h) => h.address).filter((a) => a.startsWith('aws_vpn_connection') || a.startsWith('aws_vpc_endpoint'))).toEqual([]);
  });

  itMirror('the whole plan, module addresses and all, blocks every case\'s replacement by its full address', () => {
    writeFileSync(join(dir, 'all.plan.json'), JSON.stringify(changed));
    const r = guardCli(['all.plan.json', '--json'], dir);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).blocked.map((h: Json) => h.address)).toEqual(expect.arrayContaining(['module.inside_cidr.aws_vpn_connection.vpn_a', 'module.no_service_name.aws_vpc_endpoint.endpoint_github']));
  });
});

/** A plan document in the shape of `terraform show -json`, for the resource types not plannable here. */
function syntheticPlan(changes: [string, string, string[], string[][]?][]): Json {
  return {
    format_version: '1.2',
    planned_values: { root_module: {} },
    resource_changes: changes.map(([address, type, actions, replacePaths]) => ({
      address,
      type,
      mode: 'managed',
      change: { actions, ...(replacePaths ? { replace_paths: replacePaths } : {}) },
    })),
  };
}

describe('plan-guard rules', () => {
  it('guards the GCP side: tunnels, router interfaces and peers, HA and external VPN gateways', () => {
    const p = syntheticPlan([
      ['google_compute_vpn_tunnel.tunnel_a1', 'google_compute_vpn_tunnel', ['delete', 'create'], [['shared_secret']]],
      ['google_compute_router_peer.tunnel_a1', 'google_compute_router_peer', ['delete']],
      ['google_compute_router_interface.tunnel_a1', 'google_compute_router_interface', ['create', 'delete']],
      ['google_compute_ha_vpn_gateway.ha_vpn', 'google_compute_ha_vpn_gateway', ['delete']],
      ['google_compute_external_vpn_gateway.aws', 'google_compute_external_vpn_gateway', ['delete', 'create']],
      ['google_compute_router.router', 'google_compute_router', ['update']],
      ['google_dns_response_policy_rule.host_x', 'google_dns_response_policy_rule', ['create']],
    ]);
    const r = guardPlan(p, []);
    expect(r.blocked.map((h) => `${h.address}:${h.action}`)).toEqual([
      'google_compute_external_vpn_gateway.aws:replace',
      'google_compute_ha_vpn_gateway.ha_vpn:delete',
      'google_compute_router_interface.tunnel_a1:replace',
      'google_compute_router_peer.tunnel_a1:delete',
      'google_compute_vpn_tunnel.tunnel_a1:replace',
    ]);
  });

  it('guards the customer module: NLB, listeners, endpoint service (inside a module address)', () => {
    const p = syntheticPlan([
      ['module.privlink_github.aws_lb.this', 'aws_lb', ['delete', 'create'], [['internal']]],
      ['module.privlink_github.aws_lb_listener.this["443"]', 'aws_lb_listener', ['delete']],
      ['module.privlink_github.aws_vpc_endpoint_service.this', 'aws_vpc_endpoint_service', ['delete']],
      ['module.privlink_github.aws_vpc_endpoint_service_allowed_principal.operator', 'aws_vpc_endpoint_service_allowed_principal', ['create']],
    ]);
    const r = guardPlan(p, ['module.privlink_github.aws_lb_listener.this["443"]']);
    expect(r.blocked.map((h) => h.address)).toEqual(['module.privlink_github.aws_lb.this', 'module.privlink_github.aws_vpc_endpoint_service.this']);
    expect(r.allowed.map((h) => h.address)).toEqual(['module.privlink_github.aws_lb_listener.this["443"]']);
  });

  it('ignores resources that carry no traffic, and data sources', () => {
    const p = syntheticPlan([
      ['aws_flow_log.vpc', 'aws_flow_log', ['delete', 'create']],
      ['aws_iam_role.flow_logs', 'aws_iam_role', ['delete']],
    ]);
    expect(guardPlan(p, []).blocked).toEqual([]);
  });

  it('an allowance that matches nothing fails: a typo or a leftover must not linger', () => {
    const dir = tempDir('privlink-guard-');
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(syntheticPlan([['aws_vpn_connection.vpn_a', 'aws_vpn_connection', ['update']]])));
    writeFileSync(join(dir, 'allow'), '# reviewed in PR 42\naws_vpn_connection.vpn_b\n\n');
    const r = guardCli(['plan.json', '--allow-file', 'allow'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^plan-guard: unused allowance aws_vpn_connection\.vpn_b: /m);
  });

  it('refuses what is not a plan, with a clear message and exit 2', () => {
    const dir = tempDir('privlink-guard-');
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ format_version: '1.0', values: { root_module: {} } }));
    writeFileSync(join(dir, 'text.txt'), 'Plan: 1 to add');
    const state = guardCli(['state.json'], dir);
    expect(state.code).toBe(2);
    expect(state.stderr).toContain('a state, not a plan?');
    const text = guardCli(['text.txt'], dir);
    expect(text.code).toBe(2);
    expect(text.stderr).toContain('text.txt is not JSON');
    expect(guardCli(['missing.json'], dir).stderr).toContain('cannot read plan "missing.json" (ENOENT)');
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toContain('format_version');
  });
});
