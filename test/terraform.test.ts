/**
 * The generated artifacts against the real tools: HashiCorp's HCL parser, `terraform fmt`, and `terraform init`
 * (offline, from a local provider mirror) + `terraform validate` on the customer module, each example, and an
 * AWS-only extract of the operator stack. Where terraform or the mirror is missing, these tests say so and skip.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { renderCustomer } from '../src/generate';
import { renderCustomerModule } from '../src/render/customer-module';
import ipaddr from 'ipaddr.js';
import { renderOperatorJson } from '../src/render/operator';
import { ACME, GLOBEX, acmeAutoAccept, acmeWith, modelOf, offlineConfig, plan, providerMirror, skipNote, tempDir, terraform, terraformBinary, terraformEnv, TEST_INPUTS, awsExtract } from './helpers';

const examples = [
  { name: 'acme', text: readFileSync(ACME, 'utf8') },
  { name: 'globex', text: readFileSync(GLOBEX, 'utf8') },
  { name: 'acme opting out of acceptance in writing', text: acmeAutoAccept() },
].map((e) => ({ ...e, model: modelOf(e.text, `customers/${e.name.split(' ')[0]}.yaml`) }));

const tf = terraformBinary();
const mirror = providerMirror();
const itTf = tf ? it : it.skip;
const itMirror = tf && mirror ? it : it.skip;
if (!tf) skipNote('terraform fmt/validate tests', 'terraform is not on the PATH');
else if (!mirror) skipNote('terraform init/validate tests', 'no provider mirror with hashicorp/aws (set PRIVLINK_TF_MIRROR)');

/** Writes a customer's module folder to a temporary directory. */
function writeModule(model: (typeof examples)[number]['model']): string {
  const dir = tempDir('privlink-module-');
  for (const [rel, content] of renderCustomerModule(model)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
}

describe.each(examples)('customer module of $name', ({ model }) => {
  const files = renderCustomerModule(model);
  const hclFiles = [...files.keys()].filter((f) => f.endsWith('.tf'));

  it.each(hclFiles)('%s parses with HashiCorp\'s HCL parser', async (f) => {
    const parsed = (await parse(f, files.get(f)!)) as Record<string, unknown>;
    expect(Object.keys(parsed).length).toBeGreaterThan(0);
  });

  it('allowlists exactly the operator account root and requires acceptance by default', async () => {
    const main = (await parse('main.tf', files.get('main.tf')!)) as any;
    expect(main.locals[0].allowed_principal).toBe(`arn:aws:iam::${model.aws.accountId}:root`);
    const svc = main.resource.aws_vpc_endpoint_service.this[0];
    expect(svc.allowed_principals).toEqual(['${local.allowed_principal}']);
    expect(svc.acceptance_required).toBe('${var.acceptance_required}');
    const vars = (await parse('variables.tf', files.get('variables.tf')!)) as any;
    expect(vars.variable.acceptance_required[0].default).toBe(true);
    const lb = main.resource.aws_lb.this[0];
    expect(lb).toMatchObject({ internal: true, load_balancer_type: 'network', enable_deletion_protection: true, enable_cross_zone_load_balancing: true });
  });

  it('has one example per endpoint with that endpoint\'s ports', async () => {
    for (const ep of model.endpoints) {
      const text = files.get(`examples/${ep.name}/main.tf`);
      expect(text).toBeDefined();
      const parsed = (await parse('main.tf', text!)) as any;
      const mod = Object.values(parsed.module)[0] as any[];
      expect(mod[0].ports).toEqual([...ep.ports].sort((a, b) => a - b));
      expect(mod[0].source).toBe('../..');
    }
  });

  it('the operator README\'s verb agrees with its hostnames, and ports read as a list', () => {
    const readme = renderCustomer(model, TEST_INPUTS).get('README.md')!;
    for (const ep of model.endpoints.filter((e) => e.status === 'ready')) {
      const verb = ep.hostnames.length === 1 ? 'resolves' : 'resolve';
      const ports = ep.ports.length === 1 ? `port ${ep.ports[0]}` : `ports ${ep.ports.slice(0, -1).join(', ')} and ${ep.ports[ep.ports.length - 1]}`;
      const answer = ep.hostnames.length === 1 ? 'answers' : 'answer';
      expect(readme).toMatch(new RegExp(`\` ${verb} from GKE to .* and ${answer} on ${ports}\\.`));
    }
  });

  it('its README reads as written: sentences start with a capital, counts agree', () => {
    const readme = files.get('README.md')!;
    expect(readme).toContain('4. **Accept the connection.** Your service provider then creates an interface endpoint');
    expect(readme).not.toMatch(/(^|\. )your service provider/m);
  });

  itTf('is terraform fmt clean', () => {
    const dir = writeModule(model);
    const r = terraform(['fmt', '-check', '-recursive', '-diff', '-no-color'], dir, terraformEnv(mirror ?? undefined));
    expect(r.status === 0 ? 0 : r.out).toBe(0);
  });

  itMirror('passes terraform init (offline) and validate, with every example', () => {
    const dir = writeModule(model);
    const env = terraformEnv(mirror!);
    const folders = [dir, ...readdirSync(join(dir, 'examples')).map((e) => join(dir, 'examples', e))];
    for (const folder of folders) {
      const init = terraform(['init', '-backend=false', '-input=false', '-no-color'], folder, env);
      expect(init.status === 0 ? 0 : init.out).toBe(0);
      const validate = terraform(['validate', '-no-color'], folder, env);
      expect(validate.status === 0 ? 0 : validate.out).toBe(0);
    }
  });
});

describe.each(examples)('operator stack of $name', ({ model }) => {
  const files = renderCustomer(model, TEST_INPUTS);
  const json = files.get('operator/cdk.tf.json')!;

  it('admits the AWS provider version it is validated against', () => {
    const constraint = JSON.parse(json).terraform.required_providers.aws.version as string;
    expect(constraint).toMatch(/>= 5\.100\.0/);
  });

  itMirror('AWS half passes terraform init (offline) and validate', () => {
    const dir = tempDir('privlink-operator-');
    writeFileSync(join(dir, 'main.tf.json'), awsExtract(json));
    const env = terraformEnv(mirror!);
    const init = terraform(['init', '-backend=false', '-input=false', '-no-color'], dir, env);
    expect(init.status === 0 ? 0 : init.out).toBe(0);
    const validate = terraform(['validate', '-no-color'], dir, env);
    expect(validate.status === 0 ? 0 : validate.out).toBe(0);
  });
});

/**
 * The DNS records as Terraform evaluates them, next to the endpoint addresses Terraform plans: the AWS half planned
 * offline (as in plan-guard.test.ts), each google_dns_record_set's rrdatas carried into an output (hashicorp/google
 * is not in the mirror), then read from the plan.
 */
describe('DNS records evaluated by terraform', () => {
  const cases: [string, string][] = [
    ['acme', readFileSync(ACME, 'utf8')],
    // globex waits for its customer; a scratch copy gets a service name. The service id is the AWS CLI documentation
    // example (awscli/examples/ec2/describe-vpc-endpoints.rst), in globex's region.
    ['globex with a service name', acmeWith({ 'endpoints.0.serviceName': 'com.amazonaws.vpce.eu-west-1.vpce-svc-123123a1c43abc123' }, GLOBEX)],
  ];

  itMirror.each(cases)('%s: every A record is exactly the IPv4 addresses terraform plans for the endpoint, one inside each subnet', (_name, text) => {
    const rendered = JSON.parse(renderOperatorJson(modelOf(text)));
    const records = Object.entries(rendered.resource.google_dns_record_set as Record<string, any>);
    expect(records.length).toBeGreaterThan(0);
    const config = JSON.parse(offlineConfig(text));
    for (const [name, r] of records) config.output[`dns_${name}`] = { value: r.rrdatas };
    const dir = tempDir('privlink-dns-');
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(config, null, 2));
    const env = terraformEnv(mirror!);
    const init = terraform(['init', '-backend=false', '-input=false', '-no-color'], dir, env);
    expect(init.status === 0 ? 0 : init.out).toBe(0);
    const p = plan(dir, env);
    const planned = new Map<string, any>(p.planned_values.root_module.resources.map((x: any) => [x.address, x.values]));
    const configured = new Map<string, any>(p.configuration.root_module.resources.map((x: any) => [x.address, x.expressions]));
    for (const [name, r] of records) {
      const rrdatas: string[] = p.planned_values.outputs[`dns_${name}`].value;
      const endpoint = (r.depends_on as string[]).find((d) => d.startsWith('aws_vpc_endpoint.'))!;
      const subnetConfigs: { ipv4: string }[] = planned.get(endpoint).subnet_configuration;
      expect(rrdatas.every((a) => ipaddr.IPv4.isValidFourPartDecimal(a))).toBe(true);
      expect([...rrdatas].sort()).toEqual(subnetConfigs.map((c) => c.ipv4).sort());
      // Each address lies inside the subnet its subnet_configuration names, as terraform plans that subnet.
      for (const c of configured.get(endpoint).subnet_configuration as any[]) {
        const subnet = (c.subnet_id.references as string[]).find((x) => /^aws_subnet\.[^.]+$/.test(x))!;
        const cidr: string = planned.get(subnet).cidr_block;
        const ipv4: string = c.ipv4.constant_value;
        expect([ipv4, cidr, ipaddr.parse(ipv4).match(ipaddr.parseCIDR(cidr))]).toEqual([ipv4, cidr, true]);
      }
      expect(new Set(rrdatas).size).toBe(rrdatas.length);
    }
  });
});
