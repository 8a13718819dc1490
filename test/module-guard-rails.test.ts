/**
 * The customer module's guard rails, fed bad values through real `terraform test` (mock AWS provider, plan only,
 * offline from the provider mirror): every variable the customer fills rejects what AWS would refuse later, or
 * what would silently publish the wrong thing, and the plan stops when the subnets miss a required AZ ID. One
 * `terraform test` run holds every case; each must pass (a bad value the module accepted fails its run).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCustomerModule } from '../src/render/customer-module';
import { ACME, modelOf, providerMirror, skipNote, tempDir, terraform, terraformBinary, terraformEnv } from './helpers';

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

/** Case name → HCL variables overriding the good defaults, and what must fail (absent: the plan must succeed). */
const CASES: { name: string; vars: string; fails?: string }[] = [
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
  { name: 'subnets_miss_an_az', vars: '', fails: 'aws_lb.this' },
];

function testFile(): string {
  const runs = CASES.map((c) => {
    // Every run but subnets_miss_an_az puts the second subnet in use1-az2 (the provider-wide mock says use1-az1).
    const secondAz =
      c.name === 'subnets_miss_an_az'
        ? ''
        : `  override_data {\n    target = data.aws_subnet.selected["${SUBNETS[1]}"]\n    values = { availability_zone_id = "use1-az2" }\n  }\n`;
    const vars = c.vars ? `  variables {\n    ${c.vars}\n  }\n` : '';
    const fails = c.fails ? `  expect_failures = [${c.fails}]\n` : '';
    return `run "${c.name}" {\n  command = plan\n${secondAz}${vars}${fails}}\n`;
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
    const results = Object.fromEntries([...r.stdout.matchAll(/run "([a-z_]+)"\.\.\. (pass|fail|skip)/g)].map((m) => [m[1], m[2]]));
    expect({ results, out: r.status === 0 ? '' : r.out }).toEqual({
      results: Object.fromEntries(CASES.map((c) => [c.name, 'pass'])),
      out: '',
    });
  }, 120000);
});
