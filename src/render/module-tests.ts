/**
 * The customer module's guard rails as a `terraform test` file shipped with the module (`tests/guard_rails.tftest.hcl`),
 * so the customer's admin can run them before applying, offline with their own provider install (`terraform init &&
 * terraform test`, Terraform 1.7 or later for `mock_provider`): every variable the customer fills rejects what AWS
 * would refuse later or what would publish the wrong thing, and the plan stops when the subnets miss a required AZ ID.
 *
 * Identifiers are AWS documentation examples: subnets and VPC from the AWS CLI's describe-vpc-endpoints examples, the
 * instance id from the EC2 User Guide, the certificate ARN from the ACM User Guide, the server certificate ARN from
 * the IAM User Guide ("IAM identifiers"), the load balancer ARNs from the Elastic Load Balancing API Reference.
 */
import type { CustomerModel } from '../model/model';

export const MODULE_TESTS_FILE = 'tests/guard_rails.tftest.hcl';

const SUBNET_IDS = ['subnet-d6fcaa8d', 'subnet-7b16de0c', 'subnet-0fd3f1ae', 'subnet-2ad6b4c5', 'subnet-05d2f8ee', 'subnet-9b1e35e4'];
const VPC_ID = 'vpc-1a2b3c4d';
const INSTANCE_ID = 'i-1234567890abcdef0';
const SECURITY_GROUP_ID = 'sg-54e8bf31';
const ACM_CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';
const IAM_SERVER_CERTIFICATE_ARN = 'arn:aws:iam::123456789012:server-certificate/division_abc/subdivision_xyz/ProdServerCert';
const ALB_ARN = 'arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/my-load-balancer/50dc6c495c0c9188';
const NLB_ARN = 'arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/net/my-network-load-balancer/50dc6c495c0c9188';

/**
 * One case: variables overriding the good ones, what must fail (absent: the plan must pass), and where the last
 * subnet sits (absent: in the last required AZ ID; `first`: with the first subnet, so one AZ ID is missing; an AZ ID).
 */
export interface GuardCase {
  readonly name: string;
  readonly vars: string;
  readonly fails?: string;
  readonly lastAz?: 'first' | string;
}

export const GUARD_CASES: readonly GuardCase[] = [
  { name: 'good_values', vars: '' },
  {
    name: 'good_tls_instance_security_groups',
    vars: `target_type = "instance"\n    targets = ["${INSTANCE_ID}"]\n    certificate_arn = "${ACM_CERTIFICATE_ARN}"\n    security_group_ids = ["${SECURITY_GROUP_ID}"]\n    access_logs_bucket = "lb-logs-bucket"\n    tags = { team = "platform" }`,
  },
  { name: 'one_subnet', vars: `subnet_ids = ["${SUBNET_IDS[0]}"]`, fails: 'var.subnet_ids' },
  { name: 'subnet_name_not_id', vars: 'subnet_ids = ["private-a", "private-b"]', fails: 'var.subnet_ids' },
  { name: 'port_zero', vars: 'ports = [0]', fails: 'var.ports' },
  { name: 'port_too_high', vars: 'ports = [70000]', fails: 'var.ports' },
  { name: 'port_fraction', vars: 'ports = [443.5]', fails: 'var.ports' },
  { name: 'port_twice', vars: 'ports = [443, 443]', fails: 'var.ports' },
  { name: 'no_ports', vars: 'ports = []', fails: 'var.ports' },
  { name: 'name_underscore', vars: 'name = "privlink_service"', fails: 'var.name' },
  { name: 'name_too_long', vars: `name = "${'a'.repeat(27)}"`, fails: 'var.name' },
  { name: 'vpc_id_malformed', vars: 'vpc_id = "vpc-XYZ"', fails: 'var.vpc_id' },
  { name: 'target_type_unknown', vars: 'target_type = "lambda"', fails: 'var.target_type' },
  { name: 'instance_id_as_ip_target', vars: `targets = ["${INSTANCE_ID}"]`, fails: 'var.targets' },
  { name: 'ip_as_instance_target', vars: 'target_type = "instance"\n    targets = ["10.0.1.10"]', fails: 'var.targets' },
  { name: 'no_targets', vars: 'targets = []', fails: 'var.targets' },
  { name: 'certificate_arn_of_iam', vars: `certificate_arn = "${IAM_SERVER_CERTIFICATE_ARN}"`, fails: 'var.certificate_arn' },
  { name: 'tls_port_zero', vars: 'tls_ports = [0]', fails: 'var.tls_ports' },
  { name: 'security_group_name', vars: 'security_group_ids = ["default"]', fails: 'var.security_group_ids' },
  { name: 'access_logs_bucket_url', vars: 'access_logs_bucket = "s3://lb-logs-bucket"', fails: 'var.access_logs_bucket' },
  { name: 'tag_aws_prefix', vars: 'tags = { "aws:owner" = "x" }', fails: 'var.tags' },
  { name: 'subnets_miss_an_az', vars: '', fails: 'aws_lb.this', lastAz: 'first' },
  // Cross-Region (AWS PrivateLink guide, "Cross-Region access"): the zones need not match the operator's, but
  // cross-Region access is not supported in use1-az3 (among others).
  { name: 'cross_region_any_azs', vars: 'supported_regions = ["us-west-2"]', lastAz: 'first' },
  { name: 'cross_region_unsupported_az', vars: 'supported_regions = ["us-west-2"]', fails: 'aws_lb.this', lastAz: 'use1-az3' },
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
  { name: 'network_lb_arn_as_alb_target', vars: `target_type = "alb"\n    targets = ["${NLB_ARN}"]\n    health_check = { protocol = "HTTP", path = "/" }`, fails: 'var.targets' },
];

/** Variables whose validation reads another variable: a case touching one must not share a run with the other. */
const READS: Readonly<Record<string, readonly string[]>> = { targets: ['target_type'], health_check: ['target_type'], certificate_arn: ['target_type'] };

function touched(c: GuardCase): Set<string> {
  const names = [...c.vars.matchAll(/^\s*([a-z_]+)\s*=/gm)].map((m) => m[1]!);
  if (c.fails?.startsWith('var.')) names.push(c.fails.slice(4));
  return new Set(names.flatMap((n) => [n, ...(READS[n] ?? [])]));
}

/**
 * The runs of the file: each good case alone, each case that moves a subnet alone, and the bad values packed into as
 * few runs as their variables allow (no two cases of a run touch the same variable; each run expects every one of
 * them to fail, and Terraform fails a run whose expected failure did not occur), so each run starts the provider once.
 */
export function guardRuns(): { name: string; cases: GuardCase[] }[] {
  const runs: { name: string; cases: GuardCase[]; touched: Set<string> }[] = [];
  for (const c of GUARD_CASES) {
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
  return runs.map(({ name, cases }) => ({ name, cases }));
}

/**
 * Aligns the `=` of consecutive one-line attributes at one indent, as `terraform fmt` does, so the shipped file passes
 * `terraform fmt -check` (the customer's CI may run it).
 */
function alignAttributes(text: string): string {
  const lines = text.split('\n');
  const attr = /^(\s*)([A-Za-z_][A-Za-z0-9_]*) *= (.*)$/;
  for (let i = 0; i < lines.length; ) {
    const first = attr.exec(lines[i]!);
    if (!first) {
      i++;
      continue;
    }
    let j = i;
    const group: RegExpExecArray[] = [];
    for (let m = attr.exec(lines[j] ?? ''); m && m[1] === first[1]; m = attr.exec(lines[++j] ?? '')) group.push(m);
    const width = Math.max(...group.map((m) => m[2]!.length));
    group.forEach((m, k) => (lines[i + k] = `${m[1]}${m[2]!.padEnd(width)} = ${m[3]}`));
    i = j;
  }
  return lines.join('\n');
}

/** The shipped test file for a customer's module: its own required AZ IDs, one subnet in each. */
export function renderModuleTests(model: CustomerModel, notice: string): string {
  const azIds = model.aws.availabilityZoneIds;
  const subnets = azIds.map((_, i) => SUBNET_IDS[i]!);
  const last = subnets.length - 1;
  const runs = guardRuns().map(({ name, cases }) => {
    const lastAz = cases.length === 1 ? cases[0]!.lastAz : undefined;
    const az = lastAz === 'first' ? azIds[0]! : (lastAz ?? azIds[last]!);
    const overrides = subnets
      .map((s, i) => ({ s, az: i === last ? az : azIds[i]! }))
      .filter(({ az: z }, i) => i > 0 && z !== azIds[0])
      .map(({ s, az: z }) => `  override_data {\n    target = data.aws_subnet.selected["${s}"]\n    values = { availability_zone_id = "${z}" }\n  }\n`)
      .join('');
    const assigned = cases.map((c) => c.vars).filter(Boolean);
    const vars = assigned.length ? `  variables {\n    ${assigned.join('\n    ')}\n  }\n` : '';
    const fails = cases.flatMap((c) => (c.fails ? [c.fails] : []));
    const expect = fails.length ? `  expect_failures = [${fails.join(', ')}]\n` : '';
    return `# ${cases.map((c) => c.name).join(', ')}\nrun "${name}" {\n  command = plan\n${overrides}${vars}${expect}}\n`;
  });
  return alignAttributes(`${notice}
# The module's guard rails: every bad value below is refused at plan time, and every good one passes. Run them before
# applying, offline (a mock AWS provider: nothing is created, no credentials are needed), with Terraform 1.7 or later:
#   terraform init && terraform test

mock_provider "aws" {
  override_data {
    target = data.aws_subnet.selected
    values = { availability_zone_id = "${azIds[0]}" }
  }
}

variables {
  name       = "privlink-service"
  vpc_id     = "${VPC_ID}"
  subnet_ids = [${subnets.map((s) => `"${s}"`).join(', ')}]
  ports      = [443, 22]
  targets    = ["10.0.1.10"]
}

${runs.join('\n')}`);
}
