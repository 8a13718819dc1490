/**
 * `privlink status` on state documents in the shape `terraform show -json` prints: every resource of acme's
 * generated JSON with the values the lab's simulated apply computes, plus the attributes only a real cloud fills
 * in (vgw_telemetry, the endpoint's state, the tunnel's detailed_status). Their names and types are checked
 * against the provider schema of hashicorp/aws 5.100.0 (`terraform providers schema -json` on the local mirror);
 * their values copy the AWS CLI documentation's describe-vpn-connections example. The AWS half is also written as a
 * real state file and printed by real `terraform show -json`, which checks every attribute against that schema.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../src/cli';
import { simulateApply, type Json } from '../src/lab/apply';
import { customerStatus } from '../src/gitops/status';
import { ROOT, acmeWith, modelOf, providerMirror, skipNote, tempDir, terraform, terraformBinary, terraformEnv } from './helpers';

const BIN = join(ROOT, 'bin', 'privlink.js');

/**
 * One vgw_telemetry entry as AWS reports it (AWS CLI, awscli/examples/ec2/describe-vpn-connections.rst: Status
 * "DOWN", AcceptedRouteCount 0, LastStatusChange "2013-02-04T20:19:34.000Z", StatusMessage "IPSEC IS DOWN"); an UP
 * tunnel has accepted the two source ranges the Cloud Router advertises for acme.
 */
function telemetry(address: string, up: boolean): Record<string, Json> {
  return {
    accepted_route_count: up ? 2 : 0,
    certificate_arn: '',
    last_status_change: '2013-02-04T20:19:34.000Z',
    outside_ip_address: address,
    status: up ? 'UP' : 'DOWN',
    status_message: up ? '' : 'IPSEC IS DOWN',
  };
}

/** acme's state after an apply: `down` names the tunnels (a1…) reported DOWN, `github` the endpoint's state. */
function acmeState(opts: { down?: string[]; github?: string; customer?: string; noTelemetry?: boolean } = {}): string {
  const tf = JSON.parse(readFileSync(join(ROOT, 'generated', opts.customer ?? 'acme', 'operator', 'cdk.tf.json'), 'utf8'));
  const sim = simulateApply(tf, (n) => Buffer.alloc(n, 7));
  const resources = sim.resources.map((r) => {
    const values: Record<string, Json> = { ...r.args, ...r.computed };
    if (r.type === 'aws_vpn_connection' && !opts.noTelemetry) {
      const conn = r.name.replace(/^vpn_/, '');
      values.vgw_telemetry = [1, 2].map((n) => telemetry(values[`tunnel${n}_address`] as string, !(opts.down ?? []).includes(`${conn}${n}`)));
    }
    if (r.type === 'aws_vpc_endpoint') values.state = opts.github ?? 'available';
    if (r.type === 'google_compute_vpn_tunnel') values.detailed_status = 'Tunnel is up and running.';
    return { address: r.address, mode: 'managed', type: r.type, name: r.name, provider_name: 'registry.terraform.io/hashicorp/aws', schema_version: 0, values, sensitive_values: {} };
  });
  return JSON.stringify({ format_version: '1.0', terraform_version: '1.11.4', values: { root_module: { resources } } });
}

async function status(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await exec(['status', ...args], { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

function stateFile(text: string): string {
  const file = join(tempDir('privlink-status-'), 'state.json');
  writeFileSync(file, text);
  return file;
}

const mirror = terraformBinary() && providerMirror();
if (!mirror) skipNote('the state-shape check against the provider schema', 'needs terraform and a provider mirror with hashicorp/aws');

type Block = { attributes?: Record<string, unknown>; block_types?: Record<string, { nesting_mode: string; block: Block }> };

/** Values written like cdktf JSON (a single block as an object) → state attributes in the shape the schema gives. */
function stateAttributes(block: Block, v: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const k of Object.keys(block.attributes ?? {})) out[k] = v[k] ?? null;
  for (const [k, bt] of Object.entries(block.block_types ?? {})) {
    const x = v[k];
    const items = (x === undefined || x === null ? [] : Array.isArray(x) ? x : [x]).map((i) => stateAttributes(bt.block, i as Record<string, Json>));
    out[k] = bt.nesting_mode === 'single' ? (items[0] ?? null) : items;
  }
  return out;
}

describe('privlink status', () => {
  let dir = '';
  let schema: Record<string, { version: number; block: Block }> = {};
  beforeAll(() => {
    if (!mirror) return;
    dir = tempDir('privlink-state-');
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ terraform: { required_providers: { aws: { source: 'hashicorp/aws', version: '5.100.0' } } }, provider: { aws: { region: 'us-east-1' } } }));
    const env = terraformEnv(mirror as string);
    const init = terraform(['init', '-input=false', '-no-color'], dir, env);
    if (init.status !== 0) throw new Error(init.out);
    schema = JSON.parse(terraform(['providers', 'schema', '-json'], dir, env).stdout).provider_schemas['registry.terraform.io/hashicorp/aws'].resource_schemas;
  }, 60000);

  /** acme's AWS half as a real state file, printed by real `terraform show -json` (it checks every attribute against the schema). */
  const shownByTerraform = (opts: { down?: string[] } = {}): string => {
    const values = JSON.parse(acmeState(opts)).values.root_module.resources as { type: string; name: string; values: Record<string, Json> }[];
    const resources = values
      .filter((r) => r.type.startsWith('aws_'))
      .map((r) => ({
        mode: 'managed',
        type: r.type,
        name: r.name,
        provider: 'provider["registry.terraform.io/hashicorp/aws"]',
        instances: [{ schema_version: schema[r.type]!.version, attributes: stateAttributes(schema[r.type]!.block, r.values), sensitive_attributes: [] }],
      }));
    writeFileSync(join(dir, 'terraform.tfstate'), JSON.stringify({ version: 4, terraform_version: '1.11.4', serial: 1, lineage: '00000000-0000-4000-8000-000000000000', outputs: {}, resources }));
    const show = terraform(['show', '-json', '-no-color'], dir, terraformEnv(mirror as string));
    if (show.status !== 0) throw new Error(show.out);
    return show.stdout;
  };

  (mirror ? it : it.skip)('the state attributes it reads are those hashicorp/aws 5.100.0 defines', () => {
    const telemetryType = (schema.aws_vpn_connection!.block.attributes!.vgw_telemetry as { type: [string, [string, Record<string, string>]] }).type;
    const [kind, [, fields]] = telemetryType;
    expect(kind).toBe('set');
    expect(Object.keys(fields).sort()).toEqual(Object.keys(telemetry('198.51.100.10', true)).sort());
    expect((schema.aws_vpc_endpoint!.block.attributes!.state as { type: string }).type).toBe('string');
  });

  (mirror ? it : it.skip)('reads what terraform show -json prints for a real state file: connected, then degraded when b2 is DOWN', async () => {
    const up = await status(['acme', '--state', stateFile(shownByTerraform()), '--json']);
    expect(up.code).toBe(0);
    expect(JSON.parse(up.out).customers[0]).toMatchObject({ phase: 'connected', endpoints: [{ endpoint: 'artifactory' }, { endpoint: 'github', state: 'available' }] });
    const down = await status(['acme', '--state', stateFile(shownByTerraform({ down: ['b2'] }))]);
    expect(down.code).toBe(1);
    expect(down.out).toMatch(/^acme: degraded: 3 of 4 tunnels up \(b2 DOWN\): redundancy lost$/m);
  });

  it("another customer's state: exit 2 naming both, never a page about the wrong customer", async () => {
    const r = await status(['acme', '--state', stateFile(acmeState({ customer: 'globex' }))]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^privlink status: acme: this state is globex's, not acme's: \S+ has privlink_customer = "globex"; read acme's own state \(its operator stack, generated\/acme\/operator\)\n$/);
  });

  it('a state without tunnel telemetry reads unknown, not down, and pages nobody', async () => {
    const r = await status(['acme', '--state', stateFile(acmeState({ noTelemetry: true }))]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^acme: unknown: the state holds no tunnel telemetry/m);
  });

  it('every tunnel UP and github available: connected, exit 0', async () => {
    const r = await status(['acme', '--state', stateFile(acmeState()), '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ command: 'status', ok: true });
    const acme = doc.customers[0];
    expect(acme.phase).toBe('connected');
    expect(acme.tunnels.map((t: { tunnel: string; aws: string }) => `${t.tunnel}:${t.aws}`)).toEqual(['a1:UP', 'a2:UP', 'b1:UP', 'b2:UP']);
    expect(acme.tunnels[0]).toMatchObject({ outsideAddress: '198.51.100.10', acceptedRoutes: 2, lastStatusChange: '2013-02-04T20:19:34.000Z', gcp: 'Tunnel is up and running.' });
    expect(acme.endpoints).toEqual([
      { endpoint: 'artifactory', state: 'awaiting-customer' },
      { endpoint: 'github', state: 'available', endpointId: 'sim:aws_vpc_endpoint.endpoint_github' },
    ]);
  });

  it('one tunnel DOWN: degraded with the tunnel named, exit 1; all DOWN: down', async () => {
    const one = await status(['acme', '--state', stateFile(acmeState({ down: ['b2'] }))]);
    expect(one.code).toBe(1);
    expect(one.out).toMatch(/^acme: degraded: 3 of 4 tunnels up \(b2 DOWN\): redundancy lost$/m);
    expect(one.out).toMatch(/^ {2}tunnel b2 \(198\.51\.100\.13\): AWS DOWN, since 2013-02-04T20:19:34\.000Z, 0 accepted routes, IPSEC IS DOWN/m);
    const all = await status(['acme', '--state', stateFile(acmeState({ down: ['a1', 'a2', 'b1', 'b2'] })), '--json']);
    expect(all.code).toBe(1);
    expect(JSON.parse(all.out).customers[0].phase).toBe('down');
  });

  it('github pendingAcceptance: awaiting-acceptance, exit 0; rejected: degraded, exit 1', async () => {
    const pending = await status(['acme', '--state', stateFile(acmeState({ github: 'pendingAcceptance' })), '--json']);
    expect(pending.code).toBe(0);
    expect(JSON.parse(pending.out).customers[0]).toMatchObject({ phase: 'awaiting-acceptance', reason: expect.stringContaining('github is pendingAcceptance') });
    const rejected = await status(['acme', '--state', stateFile(acmeState({ github: 'rejected' }))]);
    expect(rejected.code).toBe(1);
    expect(rejected.out).toMatch(/^acme: degraded: github is rejected$/m);
  });

  it('a decommissioning customer: resources left until the apply, then none; never an alert', () => {
    const model = modelOf(acmeWith({ decommission: true }));
    const before = customerStatus(model, JSON.parse(acmeState()));
    expect(before).toMatchObject({ phase: 'decommissioning', alert: false, tunnels: [] });
    expect(before.reason).toMatch(/^\d+ resources left in the state: CI's next apply destroys them$/);
    const after = customerStatus(model, { format_version: '1.0', terraform_version: '1.11.4', values: { root_module: {} } });
    expect(after.reason).toBe('the operator stack holds no resource any more: delete the spec and its folder');
  });

  it('refuses what it cannot read, by name: a plan, a missing file, an unknown customer, --state for two', async () => {
    const plan = await status(['acme', '--state', stateFile(JSON.stringify({ format_version: '1.2', resource_changes: [] }))]);
    expect(plan.code).toBe(2);
    expect(plan.err).toContain('acme: this JSON is a plan, not a state');
    const empty = await status(['acme', '--state', stateFile(JSON.stringify({ format_version: '1.0' }))]);
    expect(empty.code).toBe(2);
    expect(empty.err).toContain('the state holds no VPN connection of acme: has CI applied its operator stack?');
    expect((await status(['acme', '--state', '/nonexistent/state.json'])).err).toContain('cannot read state "/nonexistent/state.json" (ENOENT)');
    const unknown = await status(['initech']);
    expect(unknown.code).toBe(2); // a usage mistake, not "degraded or down" (cron pages on 1)
    expect(unknown.err).toContain('no customer "initech" in customers/ (customers there: acme, globex)');
    expect((await status(['acme', 'globex', '--state', 'x.json'])).code).toBe(2);
  });

  it('without --state it runs terraform show -json in each operator folder, and says what failed', () => {
    const r = spawnSync(process.execPath, [BIN, 'status', 'globex'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('privlink status: globex: cannot run terraform in generated/globex/operator/ (ENOENT): install Terraform (privlink.yaml ci.engine), or pass --state FILE');
  });
});
