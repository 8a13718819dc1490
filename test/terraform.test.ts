/**
 * The generated artifacts against the real tools: HashiCorp's HCL parser, `terraform fmt`, and `terraform init`
 * (offline, from a local provider mirror) + `terraform validate` on the customer module, each example, and an
 * AWS-only extract of the operator stack. Where terraform or the mirror is missing, these tests say so and skip.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { renderCustomer } from '../src/pipeline/generate';
import { renderCustomerModule } from '../src/render/customer-module';
import ipaddr from 'ipaddr.js';
import { renderOperatorJson } from '../src/render/operator';
import { ACME, GLOBEX, acmeAutoAccept, acmeWith, initechCrossRegion, modelOf, offlineConfig, plan, providerMirror, skipNote, tempDir, terraform, terraformBinary, terraformEnv, TEST_INPUTS, awsExtract } from './helpers';

const examples = [
  { name: 'acme', text: readFileSync(ACME, 'utf8') },
  { name: 'globex', text: readFileSync(GLOBEX, 'utf8') },
  { name: 'acme opting out of acceptance in writing', text: acmeAutoAccept() },
  // Services in three Regions: bitbucket beside the operator VPC (us-west-2), nexus and gitlab across Regions.
  { name: 'initech with services across Regions', text: initechCrossRegion() },
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

const slug = (name: string) => name.replace(/[^a-z0-9]+/g, '_');

/**
 * One terraform configuration for the whole file, validated once (terraform loads the AWS provider schema once, not
 * once per folder): each example customer's module folder, called through each of its examples (which validates
 * the module with the arguments the example gives it), and each operator stack's AWS half, each as a module.
 * Diagnostics name the file they are about, so each test reads those of its own customer.
 */
let validation: { valid: boolean; diagnostics: { severity: string; summary: string; detail?: string; range?: { filename: string } }[]; out: string } | undefined;
beforeAll(() => {
  if (!tf || !mirror) return;
  const dir = tempDir('privlink-validate-');
  const calls: Record<string, { source: string }> = {};
  for (const e of examples) {
    const base = slug(e.name);
    for (const [rel, content] of renderCustomerModule(e.model)) {
      mkdirSync(join(dir, base, 'customer-module', rel, '..'), { recursive: true });
      writeFileSync(join(dir, base, 'customer-module', rel), content);
    }
    for (const ep of readdirSync(join(dir, base, 'customer-module', 'examples'))) calls[`${base}_example_${slug(ep)}`] = { source: `./${base}/customer-module/examples/${ep}` };
    const aws = JSON.parse(awsExtract(renderCustomer(e.model, TEST_INPUTS).get('operator/cdk.tf.json')!));
    delete aws.terraform.backend; // a backend belongs to the root module only
    mkdirSync(join(dir, base, 'operator-aws'));
    writeFileSync(join(dir, base, 'operator-aws', 'main.tf.json'), JSON.stringify(aws, null, 2));
    calls[`${base}_operator_aws`] = { source: `./${base}/operator-aws` };
  }
  writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ module: calls }, null, 2));
  const env = terraformEnv(mirror);
  const init = terraform(['init', '-backend=false', '-input=false', '-no-color'], dir, env);
  if (init.status !== 0) throw new Error(init.out);
  const r = terraform(['validate', '-json', '-no-color'], dir, env);
  validation = { ...JSON.parse(r.stdout), out: r.out };
}, 180000);

/** The validation's diagnostics about files of one customer's folder (`<slug>/customer-module/…`, `<slug>/operator-aws/…`). */
const diagnosticsOf = (name: string, part: string) =>
  (validation?.diagnostics ?? []).filter((d) => d.severity === 'error' && (!d.range || d.range.filename.startsWith(`${slug(name)}/${part}`))).map((d) => `${d.range?.filename ?? ''}: ${d.summary}: ${d.detail ?? ''}`);

describe.each(examples)('customer module of $name', ({ name, model }) => {
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

  itMirror('passes terraform init (offline) and validate, called through every example', () => {
    expect(diagnosticsOf(name, 'customer-module')).toEqual([]);
    expect(validation!.valid ? '' : validation!.out).toBe('');
  });
});

describe.each(examples)('operator stack of $name', ({ name, model }) => {
  const files = renderCustomer(model, TEST_INPUTS);
  const json = files.get('operator/cdk.tf.json')!;

  it('admits the AWS provider version it is validated against', () => {
    const constraint = JSON.parse(json).terraform.required_providers.aws.version as string;
    expect(constraint).toMatch(/>= 5\.100\.0/);
  });

  itMirror('AWS half passes terraform init (offline) and validate', () => {
    expect(diagnosticsOf(name, 'operator-aws')).toEqual([]);
    expect(validation!.valid ? '' : validation!.out).toBe('');
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

  /** Both cases as modules of one configuration, planned once; each record's rrdatas re-exported as a root output. */
  let planned: any;
  beforeAll(() => {
    if (!tf || !mirror) return;
    const dir = tempDir('privlink-dns-');
    const root: any = { module: {}, output: {} };
    for (const [name, text] of cases) {
      const rendered = JSON.parse(renderOperatorJson(modelOf(text)));
      const config = JSON.parse(offlineConfig(text));
      delete config.terraform.backend; // a backend belongs to the root module only
      for (const record of Object.keys(rendered.resource.google_dns_record_set ?? {})) {
        config.output[`dns_${record}`] = { value: rendered.resource.google_dns_record_set[record].rrdatas };
        root.output[`${slug(name)}__dns_${record}`] = { value: `\${module.${slug(name)}.dns_${record}}` };
      }
      mkdirSync(join(dir, slug(name)));
      writeFileSync(join(dir, slug(name), 'main.tf.json'), JSON.stringify(config, null, 2));
      root.module[slug(name)] = { source: `./${slug(name)}` };
    }
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(root, null, 2));
    const env = terraformEnv(mirror);
    const init = terraform(['init', '-backend=false', '-input=false', '-no-color'], dir, env);
    if (init.status !== 0) throw new Error(init.out);
    planned = plan(dir, env);
  }, 180000);

  itMirror.each(cases)('%s: every A record is exactly the IPv4 addresses terraform plans for the endpoint, one inside each subnet', (name, text) => {
    const rendered = JSON.parse(renderOperatorJson(modelOf(text)));
    const records = Object.entries(rendered.resource.google_dns_record_set as Record<string, any>);
    expect(records.length).toBeGreaterThan(0);
    const p = planned;
    const mod = `module.${slug(name)}`;
    const child = p.planned_values.root_module.child_modules.find((m: any) => m.address === mod);
    const values = new Map<string, any>(child.resources.map((x: any) => [(x.address as string).slice(mod.length + 1), x.values]));
    const configured = new Map<string, any>(p.configuration.root_module.module_calls[slug(name)].module.resources.map((x: any) => [x.address, x.expressions]));
    for (const [record, r] of records) {
      const rrdatas: string[] = p.planned_values.outputs[`${slug(name)}__dns_${record}`].value;
      const endpoint = (r.depends_on as string[]).find((d) => d.startsWith('aws_vpc_endpoint.'))!;
      const subnetConfigs: { ipv4: string }[] = values.get(endpoint).subnet_configuration;
      expect(rrdatas.every((a) => ipaddr.IPv4.isValidFourPartDecimal(a))).toBe(true);
      expect([...rrdatas].sort()).toEqual(subnetConfigs.map((c) => c.ipv4).sort());
      // Each address lies inside the subnet its subnet_configuration names, as terraform plans that subnet.
      for (const c of configured.get(endpoint).subnet_configuration as any[]) {
        const subnet = (c.subnet_id.references as string[]).find((x) => /^aws_subnet\.[^.]+$/.test(x))!;
        const cidr: string = values.get(subnet).cidr_block;
        const ipv4: string = c.ipv4.constant_value;
        expect([ipv4, cidr, ipaddr.parse(ipv4).match(ipaddr.parseCIDR(cidr))]).toEqual([ipv4, cidr, true]);
      }
      expect(new Set(rrdatas).size).toBe(rrdatas.length);
    }
  });
});
