/**
 * The customer module's guard rails, fed bad values through real `terraform test` (mock AWS provider, plan only,
 * offline from the provider mirror): every variable the customer fills rejects what AWS would refuse later, or
 * what would silently publish the wrong thing, and the plan stops when the subnets miss a required AZ ID. One
 * `terraform test` run holds every case; each must pass (a bad value the module accepted fails its run).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCustomerModule } from '../src/render/customer-module';
import { ACME, GLOBEX, modelOf, providerMirror, skipNote, tempDir, terraform, terraformBinary, terraformEnv } from './helpers';

const mirror = terraformBinary() ? providerMirror() : null;
const itMirror = mirror ? it : it.skip;
if (!mirror) skipNote('customer module terraform test', 'terraform or a provider mirror with hashicorp/aws is missing');

/**
 * acme's module wants use1-az1 and use1-az2; the mock places the first subnet in az1, the second in az2.
 * Identifiers are AWS documentation examples: subnets, VPC and security group from the AWS CLI's
 * awscli/examples/ec2/describe-vpc-endpoints.rst, the instance id from the EC2 User Guide ("i-1234567890abcdef0"),
 * the certificate ARN from the ACM User Guide, the server certificate ARN from the IAM User Guide ("IAM identifiers").
 */
const SUBNETS = ['subnet-d6fcaa8d', 'subnet-7b16de0c'];
const VPC_ID = 'vpc-1a2b3c4d';
const INSTANCE_ID = 'i-1234567890abcdef0';
const SECURITY_GROUP_ID = 'sg-54e8bf31';
const ACM_CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';
const IAM_SERVER_CERTIFICATE_ARN = 'arn:aws:iam::123456789012:server-certificate/division_abc/subdivision_xyz/ProdServerCert';
/** An Application Load Balancer ARN, from the Elastic Load Balancing API Reference's examples (DescribeLoadBalancers). */
const ALB_ARN = 'arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/my-load-balancer/50dc6c495c0c9188';

/** Case name → HCL variables overriding the good defaults, and what must fail (absent: the plan must succeed). */
const CASES: { name: string; vars: string; fails?: string; secondAz?: string | null }[] = [
  { name: 'good_values', vars: '' },
  {
    name: 'good_tls_instance_security_groups',
    vars: `target_type = "instance"
    targets = ["${INSTANCE_ID}"]
    certificate_arn = "${ACM_CERTIFICATE_ARN}"
    security_group_ids = ["${SECURITY_GROUP_ID}"]
    access_logs_bucket = "acme-lb-logs"
    tags = { team = "platform" }`,
  },
  { name: 'one_subnet', vars: `subnet_ids = ["${SUBNETS[0]}"]`, fails: 'var.subnet_ids' },
  { name: 'subnet_name_not_id', vars: `subnet_ids = ["private-a", "private-b"]`, fails: 'var.subnet_ids' },
  { name: 'port_zero', vars: 'ports = [0]', fails: 'var.ports' },
  { name: 'port_too_high', vars: 'ports = [70000]', fails: 'var.ports' },
  { name: 'port_fraction', vars: 'ports = [443.5]', fails: 'var.ports' },
  { name: 'port_twice', vars: 'ports = [443, 443]', fails: 'var.ports' },
  { name: 'no_ports', vars: 'ports = []', fails: 'var.ports' },
  { name: 'name_underscore', vars: 'name = "privlink_github"', fails: 'var.name' },
  { name: 'name_too_long', vars: `name = "${'a'.repeat(27)}"`, fails: 'var.name' },
  { name: 'vpc_id_malformed', vars: 'vpc_id = "vpc-XYZ"', fails: 'var.vpc_id' },
  { name: 'target_type_unknown', vars: 'target_type = "lambda"', fails: 'var.target_type' },
  { name: 'instance_id_as_ip_target', vars: `targets = ["${INSTANCE_ID}"]`, fails: 'var.targets' },
  { name: 'ip_as_instance_target', vars: 'target_type = "instance"\n    targets = ["10.0.1.10"]', fails: 'var.targets' },
  { name: 'no_targets', vars: 'targets = []', fails: 'var.targets' },
  { name: 'certificate_arn_of_iam', vars: `certificate_arn = "${IAM_SERVER_CERTIFICATE_ARN}"`, fails: 'var.certificate_arn' },
  { name: 'tls_port_zero', vars: 'tls_ports = [0]', fails: 'var.tls_ports' },
  { name: 'security_group_name', vars: 'security_group_ids = ["default"]', fails: 'var.security_group_ids' },
  { name: 'access_logs_bucket_url', vars: 'access_logs_bucket = "s3://acme-lb-logs"', fails: 'var.access_logs_bucket' },
  { name: 'tag_aws_prefix', vars: 'tags = { "aws:owner" = "x" }', fails: 'var.tags' },
  { name: 'subnets_miss_an_az', vars: '', fails: 'aws_lb.this', secondAz: null },
  // Cross-Region (AWS PrivateLink guide, "Cross-Region access"): the zones need not match the operator's, but
  // cross-Region access is not supported in use1-az3 (among others).
  { name: 'cross_region_any_azs', vars: 'supported_regions = ["us-west-2"]', secondAz: null },
  { name: 'cross_region_unsupported_az', vars: 'supported_regions = ["us-west-2"]', fails: 'aws_lb.this', secondAz: 'use1-az3' },
  { name: 'supported_region_malformed', vars: 'supported_regions = ["Oregon"]', fails: 'var.supported_regions' },
  { name: 'good_http_health_check', vars: 'health_check = { protocol = "HTTP", port = "8080", path = "/healthz", interval = 10 }' },
  { name: 'health_check_http_without_path', vars: 'health_check = { protocol = "HTTP" }', fails: 'var.health_check' },
  { name: 'health_check_udp', vars: 'health_check = { protocol = "UDP" }', fails: 'var.health_check' },
  { name: 'health_check_port_word', vars: 'health_check = { port = "http" }', fails: 'var.health_check' },
  { name: 'health_check_interval_too_short', vars: 'health_check = { interval = 1 }', fails: 'var.health_check' },
  // An ALB as the target (AWS, "Use an Application Load Balancer as a target of a Network Load Balancer"): TCP
  // listener and target group only, HTTP or HTTPS health checks, one ALB per target group.
  { name: 'good_alb_target', vars: `target_type = "alb"\n    targets = ["${ALB_ARN}"]\n    health_check = { protocol = "HTTPS", path = "/healthz" }` },
  { name: 'alb_two_targets', vars: `target_type = "alb"\n    targets = ["${ALB_ARN}", "${ALB_ARN.replace('50dc6c495c0c9188', '50dc6c495c0c9189')}"]\n    health_check = { protocol = "HTTP", path = "/" }`, fails: 'var.targets' },
  { name: 'alb_tcp_health_check', vars: `target_type = "alb"\n    targets = ["${ALB_ARN}"]`, fails: 'var.health_check' },
  { name: 'alb_with_certificate', vars: `target_type = "alb"\n    targets = ["${ALB_ARN}"]\n    health_check = { protocol = "HTTP", path = "/" }\n    certificate_arn = "${ACM_CERTIFICATE_ARN}"`, fails: 'var.certificate_arn' },
  { name: 'classic_elb_arn_as_alb_target', vars: `target_type = "alb"\n    targets = ["arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/net/my-network-load-balancer/50dc6c495c0c9188"]\n    health_check = { protocol = "HTTP", path = "/" }`, fails: 'var.targets' },
];

/** Variables whose validation reads another variable: a case touching one must not share a run with the other. */
const READS: Record<string, string[]> = { targets: ['target_type'], health_check: ['target_type'], certificate_arn: ['target_type'] };

/** The variables a case sets or expects to fail, and those their validations read. */
function touched(c: (typeof CASES)[number]): Set<string> {
  const names = [...c.vars.matchAll(/^\s*([a-z_]+)\s*=/gm)].map((m) => m[1]!);
  if (c.fails?.startsWith('var.')) names.push(c.fails.slice(4));
  return new Set(names.flatMap((n) => [n, ...(READS[n] ?? [])]));
}

/**
 * The runs of one `terraform test`: each good case alone (its values must pass as they are), the missing-AZ case
 * alone (it changes the subnets' mock), and the bad values packed into as few runs as their variables allow: no
 * two cases in a run touch the same variable, and each run expects every one of them to fail. Terraform fails a
 * run whose expected failure did not occur ("Missing expected failure"), so each bad value is still proven
 * rejected, and each run starts the provider once instead of once per case.
 */
function runsOf(): { name: string; cases: (typeof CASES)[number][] }[] {
  const runs: { name: string; cases: (typeof CASES)[number][]; touched: Set<string> }[] = [];
  for (const c of CASES) {
    if (!c.fails || !c.fails.startsWith('var.')) {
      runs.push({ name: c.name, cases: [c], touched: new Set() });
      continue;
    }
    const t = touched(c);
    const fits = runs.find((r) => r.name.startsWith('bad_values_') && [...t].every((v) => !r.touched.has(v)));
    if (fits) {
      fits.cases.push(c);
      for (const v of t) fits.touched.add(v);
    } else runs.push({ name: `bad_values_${runs.filter((r) => r.name.startsWith('bad_values_')).length + 1}`, cases: [c], touched: t });
  }
  return runs;
}

function testFile(): string {
  const runs = runsOf().map(({ name, cases }) => {
    // Every run puts the second subnet in use1-az2 (the provider-wide mock says use1-az1), unless its case says
    // otherwise: null leaves both in use1-az1.
    const az = cases.length === 1 && cases[0]!.secondAz !== undefined ? cases[0]!.secondAz : 'use1-az2';
    const secondAz = az === null ? '' : `  override_data {\n    target = data.aws_subnet.selected["${SUBNETS[1]}"]\n    values = { availability_zone_id = "${az}" }\n  }\n`;
    const assigned = cases.map((c) => c.vars).filter(Boolean);
    const vars = assigned.length ? `  variables {\n    ${assigned.join('\n    ')}\n  }\n` : '';
    const fails = cases.flatMap((c) => (c.fails ? [c.fails] : []));
    const expect = fails.length ? `  expect_failures = [${fails.join(', ')}]\n` : '';
    return `# ${cases.map((c) => c.name).join(', ')}\nrun "${name}" {\n  command = plan\n${secondAz}${vars}${expect}}\n`;
  });
  return `mock_provider "aws" {
  override_data {
    target = data.aws_subnet.selected
    values = { availability_zone_id = "use1-az1" }
  }
}

variables {
  name       = "privlink-github"
  vpc_id     = "${VPC_ID}"
  subnet_ids = ${JSON.stringify(SUBNETS)}
  ports      = [443, 22]
  targets    = ["10.0.1.10"]
}

${runs.join('\n')}`;
}

describe('customer module guard rails (terraform test, mock provider)', () => {
  itMirror('rejects every bad value the customer could fill in, and accepts good ones', () => {
    const dir = tempDir('privlink-guard-');
    for (const [rel, content] of renderCustomerModule(modelOf(readFileSync(ACME, 'utf8')))) {
      if (rel.startsWith('examples/') || !rel.endsWith('.tf')) continue;
      writeFileSync(join(dir, rel), content);
    }
    mkdirSync(join(dir, 'tests'));
    writeFileSync(join(dir, 'tests', 'guard-rails.tftest.hcl'), testFile());
    const env = terraformEnv(mirror!);
    const init = terraform(['init', '-backend=false', '-input=false', '-no-color'], dir, env);
    expect(init.status === 0 ? 0 : init.out).toBe(0);
    const r = terraform(['test', '-no-color'], dir, env);
    const runs = runsOf();
    // Packed: cases that set target_type (the ALB ones) each need a run of their own, the others share.
    expect(runs.length).toBeLessThan(CASES.length * 0.6);
    expect(runs.flatMap((x) => x.cases.map((c) => c.name)).sort()).toEqual(CASES.map((c) => c.name).sort()); // every case, once
    const results = Object.fromEntries([...r.stdout.matchAll(/run "([a-z_0-9]+)"\.\.\. (pass|fail|skip)/g)].map((m) => [m[1], m[2]]));
    expect({ results, out: r.status === 0 ? '' : r.out }).toEqual({
      results: Object.fromEntries(runs.map((x) => [x.name, 'pass'])),
      out: '',
    });
  }, 120000);
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
