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
import { ACME, GLOBEX, acmeAutoAccept, modelOf, providerMirror, skipNote, tempDir, terraform, terraformBinary, terraformEnv, TEST_INPUTS, awsExtract } from './helpers';

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

describe('regional DNS name selection', () => {
  itTf('picks the regional entry of dns_entry whatever its position, evaluated by terraform', () => {
    const json = renderCustomer(examples[0]!.model, TEST_INPUTS).get('operator/cdk.tf.json')!;
    const rrdata: string = JSON.parse(json).resource.google_dns_response_policy_rule.host_github_internal_company_net.local_data.local_datas[0].rrdatas[0];
    // Zonal entries first, regional last: position must not matter.
    const entries = [
      'vpce-0a1b2c3d4e5f6a7b8-use1az1x.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com',
      'vpce-0a1b2c3d4e5f6a7b8-us-east-1a.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com',
      'vpce-0a1b2c3d4e5f6a7b8-us-east-1b.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com',
      'github.internal.company.net',
      'vpce-0a1b2c3d4e5f6a7b8.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com',
    ];
    const dir = tempDir('privlink-dns-');
    const expr = rrdata.replace(/aws_vpc_endpoint\.endpoint_github\.dns_entry/, 'local.dns_entry');
    writeFileSync(
      join(dir, 'main.tf.json'),
      JSON.stringify({ locals: { dns_entry: entries.map((dns_name) => ({ dns_name, hosted_zone_id: 'Z7HUB22UULQXV' })) }, output: { rr: { value: expr } } }),
    );
    const env = terraformEnv(mirror ?? undefined);
    const apply = terraform(['apply', '-auto-approve', '-input=false', '-no-color'], dir, env);
    expect(apply.status === 0 ? 0 : apply.out).toBe(0);
    const out = terraform(['output', '-raw', 'rr'], dir, env);
    expect(out.stdout.trim()).toBe('vpce-0a1b2c3d4e5f6a7b8.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com.');
  });
});
