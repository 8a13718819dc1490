/** Shared test helpers: example specs, temporary folders and the real tools (terraform, provider mirror). */
import type { Inputs } from '../src/pipeline/fingerprint';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { buildModel, type CustomerModel } from '../src/model/model';
import { renderOperatorJson } from '../src/render/operator';
import { parseSpec } from '../src/input/load';

export const ROOT = join(__dirname, '..');

/**
 * A second real endpoint service name, for tests that connect acme's artifactory: Datadog's published us-east-1
 * metrics service (Datadog documentation, "Connect to Datadog over AWS PrivateLink"). acme's github uses the AWS CLI
 * documentation's example (awscli/examples/ec2/describe-vpc-endpoints.rst).
 */
export const SECOND_SERVICE_NAME = 'com.amazonaws.vpce.us-east-1.vpce-svc-056576c12b36056ca';
export const ACME = join(ROOT, 'customers', 'acme.yaml');

/**
 * Published endpoint service names in other Regions, for the cross-Region tests: Zilliz Cloud's us-west-2 and
 * eu-central-1 services (Zilliz Cloud documentation, "Set up a Private Link (AWS)").
 */
export const US_WEST_2_SERVICE_NAME = 'com.amazonaws.vpce.us-west-2.vpce-svc-0654fb016640c364a';
export const EU_CENTRAL_1_SERVICE_NAME = 'com.amazonaws.vpce.eu-central-1.vpce-svc-0d5ce1ec4decbc7df';

/**
 * initech: its operator VPC in us-west-2 (AZ IDs usw2-az1, usw2-az2); bitbucket in us-west-2 too, nexus in us-east-1
 * (cross-Region, connected: Datadog's us-east-1 service, SECOND_SERVICE_NAME) and gitlab in eu-west-1 (cross-Region,
 * awaiting the customer). `edits` as for acmeWith.
 */
export function initechCrossRegion(edits: Record<string, unknown> = {}): string {
  const base = acmeWith({
    name: 'initech',
    'aws.accountId': '777788889999',
    'aws.region': 'us-west-2',
    'aws.vpcCidr': '10.251.0.0/24',
    'aws.availabilityZoneIds': ['usw2-az1', 'usw2-az2'],
    'gcp.network': 'initech-vpc',
    endpoints: [
      { name: 'bitbucket', hostnames: ['bitbucket.initech.example'], ports: [443, 7999], tls: 'private-ca', serviceName: US_WEST_2_SERVICE_NAME },
      { name: 'nexus', hostnames: ['nexus.initech.example'], ports: [443], tls: 'public-ca', region: 'us-east-1', serviceName: SECOND_SERVICE_NAME },
      { name: 'gitlab', hostnames: ['gitlab.initech.example'], ports: [443, 22], tls: 'private-ca', region: 'eu-west-1' },
    ],
  });
  // The list is written out first and edited as YAML after, so paths into it (endpoints.1.region) work.
  return specWith(base, edits);
}
export const GLOBEX = join(ROOT, 'customers', 'globex.yaml');

const created: string[] = [];

/** A new folder under the system's temp folder; test/setup.ts removes it after the test file (PRIVLINK_KEEP_TEST_TMP=1 keeps it). */
export function tempDir(prefix = 'privlink-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Removes every folder tempDir made in this test file. */
export function removeTempDirs(): void {
  if (process.env.PRIVLINK_KEEP_TEST_TMP === '1') return;
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The acme example with `edits` applied (spec path → value; undefined deletes), as YAML text. */
export function acmeWith(edits: Record<string, unknown> = {}, base = ACME): string {
  return specWith(readFileSync(base, 'utf8'), edits);
}

/** A spec text with `edits` applied (spec path → value; undefined deletes), as YAML text. */
export function specWith(text: string, edits: Record<string, unknown>): string {
  const doc = parseDocument(text);
  for (const [path, value] of Object.entries(edits)) {
    const parts = path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    if (value === undefined) doc.deleteIn(parts);
    else doc.setIn(parts, value);
  }
  return doc.toString();
}

/** The reason acmeAutoAccept() records for its exception. */
export const AUTO_ACCEPT_REASON = 'Acme security agreed to auto-accept (ticket SEC-1042)';

/** acme whose artifactory endpoint skips the customer's acceptance, as agreed in its security.exceptions. */
export function acmeAutoAccept(): string {
  return acmeWith({
    'endpoints.1.acceptanceRequired': false,
    security: { exceptions: [{ rule: 'CKV_AWS_123', reason: AUTO_ACCEPT_REASON }] },
  });
}

/** Model of a spec text (which must be valid). */
export function modelOf(text: string, file = 'customers/acme.yaml'): CustomerModel {
  const r = parseSpec(file, Buffer.from(text));
  if (!r.spec) throw new Error(`spec invalid: ${r.problems.map((p) => p.message).join('; ')}`);
  return buildModel(r.spec, file);
}

// ------------------------------------------------------------------ terraform and the provider mirror

let terraformChecked: string | null | undefined;
/** Path of a working `terraform`, or null. */
export function terraformBinary(): string | null {
  if (terraformChecked !== undefined) return terraformChecked;
  const r = spawnSync('terraform', ['version'], { encoding: 'utf8' });
  terraformChecked = r.status === 0 ? 'terraform' : null;
  return terraformChecked;
}

let mirrorChecked: string | null | undefined;
/**
 * Folder of a Terraform filesystem mirror holding hashicorp/aws: $PRIVLINK_TF_MIRROR, else found with
 * `find / -maxdepth 6 -path '*registry.terraform.io/hashicorp/aws*'`, outside the temp folder and `.terraform/`.
 */
export function providerMirror(): string | null {
  if (mirrorChecked !== undefined) return mirrorChecked;
  const fromEnv = process.env.PRIVLINK_TF_MIRROR;
  if (fromEnv) return (mirrorChecked = fromEnv);
  let out = '';
  try {
    out = execFileSync('find', ['/', '-maxdepth', '6', '-path', '*registry.terraform.io/hashicorp/aws', '-type', 'd'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 20000,
    });
  } catch (err) {
    out = (err as { stdout?: string }).stdout ?? '';
  }
  // Not a plugin cache or an init'd provider folder: those sit in temp folders of other test runs (this suite's
  // own plugin caches among them) and disappear when that run ends, taking the "mirror" with them.
  const tmp = realpathSync(tmpdir());
  const hit = out
    .split('\n')
    .find((l) => l.endsWith('registry.terraform.io/hashicorp/aws') && !l.includes('/.terraform/') && !l.startsWith(`${tmp}/`) && !l.startsWith(`${tmpdir()}/`));
  mirrorChecked = hit ? hit.slice(0, -'/registry.terraform.io/hashicorp/aws'.length) : null;
  return mirrorChecked;
}

const rcFiles = new Map<string, string>();
/**
 * Environment for an offline terraform that installs hashicorp/aws from the mirror only (when one is given),
 * through a plugin cache shared by the whole test run (each init then links the provider instead of copying it).
 */
export function terraformEnv(mirror?: string): NodeJS.ProcessEnv {
  let rcFile = rcFiles.get(mirror ?? '');
  if (!rcFile) {
    const dir = tempDir('privlink-tfrc-');
    mkdirSync(join(dir, 'cache'));
    rcFile = join(dir, 'terraformrc');
    const installation = mirror
      ? `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`
      : '';
    writeFileSync(rcFile, `plugin_cache_dir = ${JSON.stringify(join(dir, 'cache'))}\n${installation}`);
    rcFiles.set(mirror ?? '', rcFile);
  }
  return { ...process.env, TF_CLI_CONFIG_FILE: rcFile, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
}

export function terraform(args: string[], cwd: string, env: NodeJS.ProcessEnv, input?: string): { status: number; stdout: string; out: string } {
  // A multi-module plan's JSON runs to megabytes: past spawnSync's 1 MiB default the output would be cut off.
  const r = spawnSync('terraform', args, { cwd, env, encoding: 'utf8', input, timeout: 120000, maxBuffer: 512 * 1024 * 1024 });
  return { status: r.status ?? -1, stdout: r.stdout, out: `${r.stdout}\n${r.stderr}` };
}

/** Logs once why a tool-dependent test is skipped, so a run without the tool says so plainly. */
export function skipNote(what: string, why: string): void {
  process.stderr.write(`SKIPPED ${what}: ${why}\n`);
}

/** Inputs recorded in manifests rendered by unit tests (content addressing is tested through the CLI). */
export const TEST_INPUTS: Inputs = { spec: '0'.repeat(64), fleet: '1'.repeat(64), generator: '2'.repeat(64) };

/**
 * The operator stack minus its GCP half: google resources and provider dropped, and every reference to a google
 * attribute replaced by a value of the right type, so hashicorp/aws can validate everything else.
 */
export function awsExtract(json: string): string {
  const tfJson = JSON.parse(json);
  delete tfJson.provider.google;
  delete tfJson.terraform.required_providers.google;
  tfJson.terraform.backend = undefined;
  for (const type of Object.keys(tfJson.resource ?? {})) if (type.startsWith('google_')) delete tfJson.resource[type];
  // A stack that hands its router to a hub forgets google resources (removed blocks): the GCP half, dropped too.
  if (Array.isArray(tfJson.removed)) {
    tfJson.removed = tfJson.removed.filter((r: { from: string }) => !r.from.startsWith('google_'));
    if (tfJson.removed.length === 0) delete tfJson.removed;
  }
  const text = JSON.stringify(tfJson, null, 2)
    .replace(/\$\{google_compute_router\.[a-z_]+\.bgp\[0\]\.asn\}/g, '65534')
    .replace(/\$\{google_compute_ha_vpn_gateway\.[a-z_]+\.vpn_interfaces\[\d\]\.ip_address\}/g, '203.0.113.10');
  if (/\$\{google_/.test(text)) throw new Error('awsExtract left a reference to a google resource');
  return text;
}

/** Every file below dir (path relative to dir → content); {} when dir does not exist. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else out[`${rel}${e.name}`] = readFileSync(join(d, e.name), 'utf8');
    }
  };
  if (existsSync(dir)) walk(dir, '');
  return out;
}

/** The AWS half of a spec's operator stack, configured to plan without AWS: dummy credentials, no lookups. */
export function offlineConfig(specText: string): string {
  return offlineJson(renderOperatorJson(modelOf(specText)));
}

/** offlineConfig for an operator stack's JSON as given (an older privlink's output, say). */
export function offlineJson(operatorJson: string): string {
  const tf = JSON.parse(awsExtract(operatorJson));
  const aws = tf.provider.aws[0];
  delete aws.allowed_account_ids; // needs the account id, which only a real STS call returns
  Object.assign(aws, {
    access_key: 'AKIAIOSFODNN7EXAMPLE', // the example access key of the AWS documentation ("Managing access keys")
    secret_key: 'not-a-real-secret',
    skip_credentials_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: true,
  });
  return JSON.stringify(tf, null, 2);
}


/** `terraform plan` (no refresh, plus `extra` arguments) and `terraform show -json` of it; the JSON is also left in dir/plan.json. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function plan(dir: string, env: NodeJS.ProcessEnv, extra: string[] = []): Record<string, any> {
  const p = terraform(['plan', '-refresh=false', '-input=false', '-no-color', '-out=tfplan', ...extra], dir, env);
  if (p.status !== 0) throw new Error(p.out);
  const show = terraform(['show', '-json', 'tfplan'], dir, env);
  if (show.status !== 0) throw new Error(show.out);
  writeFileSync(join(dir, 'plan.json'), show.stdout);
  return JSON.parse(show.stdout);
}

/**
 * Runs the CLI, waits until its stderr matches `ready` (or it exits), sends SIGINT, and resolves with its exit
 * code, pid and everything it wrote on stderr: how the tests press Ctrl-C at a known moment.
 */
export async function interruptWhen(args: string[], cwd: string, ready: RegExp, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; pid: number; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'privlink.js'), ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const closed = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (ready.test(stderr)) resolve();
    });
    child.on('exit', () => resolve());
  });
  child.kill('SIGINT');
  const code = await closed;
  return { code, pid: child.pid!, stderr };
}

/**
 * The command line in this process: the same `exec()` that bin/privlink.js runs (jest maps ../src to the built
 * dist/, see package.json), from folder `cwd` with `env` set, output captured. For the many runs of a test file that check what a command does, without a Node start (and
 * module load) per call; each file keeps a spawned run of `bin/privlink.js` for the path a user takes.
 */
export async function privlinkHere(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const { exec } = await import('../src/cli');
  const before = process.cwd();
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  let stdout = '';
  let stderr = '';
  process.chdir(cwd);
  Object.assign(process.env, env);
  try {
    const code = await exec(args, { out: (t) => (stdout += t), err: (t) => (stderr += t) });
    return { code, stdout, stderr };
  } finally {
    process.chdir(before);
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
