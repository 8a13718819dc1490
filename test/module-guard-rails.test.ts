/**
 * The customer module's guard rails, fed bad values through real `terraform test` (mock AWS provider, plan only,
 * offline from the provider mirror): every variable the customer fills rejects what AWS would refuse later, or
 * what would silently publish the wrong thing, and the plan stops when the subnets miss a required AZ ID. One
 * `terraform test` run holds every case; each must pass (a bad value the module accepted fails its run).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCustomerModule } from '../src/render/customer-module';
import { GUARD_CASES, MODULE_TESTS_FILE, guardRuns } from '../src/render/module-tests';
import { ACME, GLOBEX, modelOf, providerMirror, skipNote, tempDir, terraform, terraformBinary, terraformEnv } from './helpers';

const mirror = terraformBinary() ? providerMirror() : null;
const itMirror = mirror ? it : it.skip;
if (!mirror) skipNote('customer module terraform test', 'terraform or a provider mirror with hashicorp/aws is missing');

describe('customer module guard rails (terraform test, mock provider)', () => {
  // The guard rails ship with the module (tests/guard_rails.tftest.hcl, render/module-tests.ts): run here as the
  // customer's admin runs them, in the module folder, for a two-AZ customer (acme) and a three-AZ one (globex).
  for (const [name, spec] of [['acme', ACME], ['globex', GLOBEX]] as const) {
    itMirror(`${name}: the shipped tests reject every bad value the customer could fill in, and accept good ones`, () => {
      const dir = tempDir('privlink-guard-');
      for (const [rel, content] of renderCustomerModule(modelOf(readFileSync(spec, 'utf8')))) {
        if (rel.startsWith('examples/') || !(rel.endsWith('.tf') || rel.endsWith('.tftest.hcl'))) continue;
        mkdirSync(join(dir, rel, '..'), { recursive: true });
        writeFileSync(join(dir, rel), content);
      }
      expect(readdirSync(join(dir, 'tests'))).toEqual([MODULE_TESTS_FILE.split('/')[1]]);
      const env = terraformEnv(mirror!);
      const init = terraform(['init', '-backend=false', '-input=false', '-no-color'], dir, env);
      expect(init.status === 0 ? 0 : init.out).toBe(0);
      const r = terraform(['test', '-no-color'], dir, env);
      const runs = guardRuns();
      // Packed: cases that set target_type (the ALB ones) each need a run of their own, the others share.
      expect(runs.length).toBeLessThan(GUARD_CASES.length * 0.6);
      expect(runs.flatMap((x) => x.cases.map((c) => c.name)).sort()).toEqual(GUARD_CASES.map((c) => c.name).sort()); // every case, once
      const results = Object.fromEntries([...r.stdout.matchAll(/run "([a-z_0-9]+)"\.\.\. (pass|fail|skip)/g)].map((m) => [m[1], m[2]]));
      expect({ results, out: r.status === 0 ? '' : r.out }).toEqual({
        results: Object.fromEntries(runs.map((x) => [x.name, 'pass'])),
        out: '',
      });
    }, 120000);
  }
});

/**
 * The customer's documents work as written: each example of each example customer applies (terraform test,
 * command = apply, mock AWS provider) with exactly the inputs it shows, its placeholder subnets placed in the AZ
 * IDs its comments name; and the examples of one customer, copied together into one configuration as the README
 * says, validate without duplicate blocks.
 */
describe('customer examples as written', () => {
  const customers = [
    { name: 'acme', text: readFileSync(ACME, 'utf8') },
    { name: 'globex', text: readFileSync(GLOBEX, 'utf8') }, // three AZ IDs
  ];

  /**
   * One configuration holds every example of both customers as a module, and each customer's "own code" (all its
   * examples copied side by side, as the README says), so one `terraform test` applies all of them with the mock
   * provider. The examples' providers.tf stay out: they are for applying an example folder on its own, and the root's
   * mocked provider stands in for them.
   */
  interface Placed {
    readonly subnet: string;
    readonly az: string;
  }
  const seen = new Map<string, { examples: string[]; placed: Map<string, Placed[]> }>();
  let result: { code: number; out: string } | undefined;

  beforeAll(() => {
    if (!mirror) return;
    const dir = tempDir('privlink-examples-');
    const root: string[] = [];
    const overrides: string[] = [];
    const asserts: string[] = [];
    for (const { name, text } of customers) {
      const model = modelOf(text, `customers/${name}.yaml`);
      for (const [rel, content] of renderCustomerModule(model)) {
        if (/^examples\/[^/]+\/providers\.tf$/.test(rel)) continue;
        mkdirSync(join(dir, name, rel, '..'), { recursive: true });
        writeFileSync(join(dir, name, rel), content);
      }
      const examples = readdirSync(join(dir, name, 'examples')).sort();
      const placedBy = new Map<string, Placed[]>();
      mkdirSync(join(dir, name, 'own-code'));
      for (const ex of examples) {
        const main = readFileSync(join(dir, name, 'examples', ex, 'main.tf'), 'utf8');
        const placed = [...main.matchAll(/"(subnet-[0-9a-f]+)", # in ([a-z0-9-]+)/g)].map((m) => ({ subnet: m[1]!, az: m[2]! }));
        placedBy.set(ex, placed);
        const moduleName = /module "([a-z0-9_]+)"/.exec(main)![1];
        const outputs = [...main.matchAll(/output "([a-z0-9_]+)"/g)].map((m) => m[1]!);
        writeFileSync(join(dir, name, 'own-code', `${ex}.tf`), main.replace('source = "../.."', 'source = "../"'));
        for (const call of [`${name}_${ex}`, `${name}_own`]) {
          const source = call.endsWith('_own') ? `./${name}/own-code` : `./${name}/examples/${ex}`;
          if (!root.some((l) => l.startsWith(`module "${call}"`))) root.push(`module "${call}" {\n  source = "${source}"\n}`);
          for (const p of placed) {
            overrides.push(`override_data {\n  target = module.${call}.module.${moduleName}.data.aws_subnet.selected["${p.subnet}"]\n  values = { availability_zone_id = "${p.az}" }\n}`);
          }
          for (const o of outputs) {
            root.push(`output "${call}__${o}" {\n  value = module.${call}.${o}\n}`);
            asserts.push(`  assert {\n    condition     = output.${call}__${o} != null\n    error_message = "${call}: ${o} is empty"\n  }`);
          }
        }
      }
      seen.set(name, { examples, placed: placedBy });
    }
    // The root's provider block is what the test's mock_provider replaces (the customer's own provider, in real use).
    writeFileSync(join(dir, 'main.tf'), `provider "aws" {\n  region = "us-east-1"\n}\n\n${root.join('\n\n')}\n`);
    mkdirSync(join(dir, 'tests'));
    writeFileSync(
      join(dir, 'tests', 'as-written.tftest.hcl'),
      [
        // Computed ARNs must have AWS's shape, which the provider validates where they are used: the
        // ARNs of the AWS CLI's elbv2 examples (awscli/examples/elbv2/create-listener.rst).
        'mock_provider "aws" {',
        '  mock_resource "aws_lb" {',
        '    defaults = { arn = "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/net/my-network-load-balancer/5d1b75f4f1cee11e" }',
        '  }',
        '  mock_resource "aws_lb_target_group" {',
        '    defaults = { arn = "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/my-tcp-targets/b6bba954d1361c78" }',
        '  }',
        '}',
        ...overrides,
        `run "as_written" {\n  command = apply\n${asserts.join('\n')}\n}`,
        '',
      ].join('\n'),
    );
    const env = terraformEnv(mirror);
    const init = terraform(['init', '-backend=false', '-input=false', '-no-color'], dir, env);
    if (init.status !== 0) throw new Error(init.out);
    const test = terraform(['test', '-no-color'], dir, env);
    result = { code: test.status, out: test.out };
  }, 180000);

  itMirror.each(customers)('every example of $name applies with its own inputs, and all of them side by side', ({ name, text }) => {
    const model = modelOf(text, `customers/${name}.yaml`);
    const { examples, placed } = seen.get(name)!;
    expect(examples).toEqual(model.endpoints.map((e) => e.name).sort());
    // Each example names one subnet per AZ ID the module requires.
    for (const ex of examples) expect([ex, placed.get(ex)!.map((p) => p.az).sort()]).toEqual([ex, [...model.aws.availabilityZoneIds].sort()]);
    expect(result!.out).toMatch(/run "as_written"\.\.\. pass/);
    expect(result!.code === 0 ? 'pass' : result!.out).toBe('pass');
  });
});
