/**
 * privlink.yaml: validated like a spec (file:line:col, every problem at once), and each setting lands where
 * Terraform reads it in every customer's operator stack.
 */
import { parseFleet } from '../src/fleet/load';
import { DEFAULT_FLEET, type FleetConfig } from '../src/fleet/schema';
import { renderOperatorJson } from '../src/render/operator';
import { buildModel } from '../src/model/model';
import { parseSpec } from '../src/input/load';
import { formatProblem } from '../src/input/problems';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, acmeWith, privlinkHere, tempDir } from './helpers';

function fleet(yaml: string): FleetConfig {
  const r = parseFleet('privlink.yaml', Buffer.from(yaml));
  if (!r.config) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.config;
}

function problems(yaml: string): string[] {
  return parseFleet('privlink.yaml', Buffer.from(yaml)).problems.map(formatProblem);
}

function operatorJson(config: FleetConfig, specText = acmeWith()) {
  const spec = parseSpec('customers/acme.yaml', Buffer.from(specText)).spec!;
  return JSON.parse(renderOperatorJson(buildModel(spec, 'customers/acme.yaml', config)));
}

const HEAD = 'apiVersion: privlink/v1\nkind: Fleet\n';

describe('fleet config', () => {
  it('defaults to a relative local backend and no assumed role, so the examples run offline', () => {
    const tf = operatorJson(DEFAULT_FLEET);
    expect(tf.terraform.backend).toEqual({ local: { path: 'terraform.tfstate' } });
    expect(tf.provider.aws[0].assume_role).toBeUndefined();
  });

  it('gcs: one prefix per customer', () => {
    const tf = operatorJson(fleet(`${HEAD}backend:\n  type: gcs\n  bucket: ops-privlink-state\n  prefix: "fleet/{customer}/state"\n`));
    expect(tf.terraform.backend).toEqual({ gcs: { bucket: 'ops-privlink-state', prefix: 'fleet/acme/state' } });
  });

  it('s3: encrypted, one key per customer, S3-native locking (and the Terraform that has it)', () => {
    const tf = operatorJson(fleet(`${HEAD}backend:\n  type: s3\n  bucket: ops-privlink-state\n  region: eu-west-1\n`));
    expect(tf.terraform.backend).toEqual({
      s3: { bucket: 'ops-privlink-state', key: 'privlink/acme/terraform.tfstate', region: 'eu-west-1', encrypt: true, use_lockfile: true },
    });
    expect(tf.terraform.required_version).toBe('>= 1.10.0'); // the fleet's >= 1.5.0 narrowed by use_lockfile's 1.10
  });

  it('s3 with a DynamoDB lock table', () => {
    const tf = operatorJson(fleet(`${HEAD}backend: {type: s3, bucket: ops-state, region: us-east-1, dynamodbTable: tf-locks}\n`));
    expect(tf.terraform.backend.s3.dynamodb_table).toBe('tf-locks');
    expect(tf.terraform.backend.s3.use_lockfile).toBeUndefined();
  });

  // Topic ARN shape from the SNS documentation ("arn:aws:sns:us-east-2:123456789012:MyTopic", here in acme's Region
  // us-east-1, and the documentation's own in us-east-2); the channel name shape from Cloud Monitoring's
  // notificationChannels reference (projects/[PROJECT_ID_OR_NUMBER]/notificationChannels/[CHANNEL_ID]).
  const WARN_TOPIC = 'arn:aws:sns:us-east-1:123456789012:MyTopic';
  const PAGE_TOPIC = 'arn:aws:sns:us-east-1:123456789012:MyPagingTopic';
  const OHIO_TOPIC = 'arn:aws:sns:us-east-2:123456789012:MyTopic';
  const CHANNEL = 'projects/ops-monitoring/notificationChannels/1234567890';

  it('alerts: each severity\'s targets reach exactly its alarms and policies; without targets the alarms still exist', () => {
    const none = operatorJson(DEFAULT_FLEET);
    expect(Object.keys(none.resource.aws_cloudwatch_metric_alarm).sort()).toEqual(['no_path', 'tunnel_a1', 'tunnel_a2', 'tunnel_b1', 'tunnel_b2']);
    expect(none.resource.aws_cloudwatch_metric_alarm.tunnel_a1.alarm_actions).toEqual([]);
    // Topics per Region: acme's alarms (us-east-1) take only us-east-1's; CloudWatch refuses another Region's.
    const tf = operatorJson(fleet(`${HEAD}alerts:\n  warning: {snsTopicArns: ["${WARN_TOPIC}", "${OHIO_TOPIC}"]}\n  critical:\n    snsTopicArns: ["${PAGE_TOPIC}"]\n    notificationChannels: ["${CHANNEL}"]\n`));
    const alarms = tf.resource.aws_cloudwatch_metric_alarm;
    for (const t of ['tunnel_a1', 'tunnel_a2', 'tunnel_b1', 'tunnel_b2']) expect([t, alarms[t].alarm_actions, alarms[t].ok_actions]).toEqual([t, [WARN_TOPIC], [WARN_TOPIC]]);
    expect(alarms.no_path.alarm_actions).toEqual([PAGE_TOPIC]);
    const policies = tf.resource.google_monitoring_alert_policy;
    expect(policies.no_path).toMatchObject({ severity: 'CRITICAL', notification_channels: [CHANNEL] });
    expect(policies.bgp_b2).toMatchObject({ severity: 'WARNING', notification_channels: [] });
  });

  it("alerts: topics that leave a customer's Region without one are refused at their line, naming whom they would not serve", async () => {
    const dir = tempDir('privlink-topics-');
    cpSync(join(ROOT, 'customers'), join(dir, 'customers'), { recursive: true }); // acme in us-east-1, globex in eu-west-1
    writeFileSync(join(dir, 'privlink.yaml'), `${HEAD}alerts:\n  warning:\n    snsTopicArns: ["${WARN_TOPIC}"]\n`);
    const r = await privlinkHere(['validate'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `privlink.yaml:5:20: alerts.warning.snsTopicArns[0]: "${WARN_TOPIC}" is in us-east-1, and a CloudWatch alarm publishes only to a topic of its own Region, so the warning alarms of customers in eu-west-1 (globex) would have none: add a topic of each of those Regions to this list (each alarm takes its own Region's)`,
    );
    // A topic of globex's Region beside it: each customer's alarms take their own Region's, and nothing is refused.
    writeFileSync(join(dir, 'privlink.yaml'), `${HEAD}alerts:\n  warning:\n    snsTopicArns: ["${WARN_TOPIC}", "arn:aws:sns:eu-west-1:123456789012:MyTopic"]\n`);
    expect((await privlinkHere(['generate', '-q'], dir)).code).toBe(0);
    const globex = JSON.parse(readFileSync(join(dir, 'generated', 'globex', 'operator', 'cdk.tf.json'), 'utf8'));
    expect(globex.resource.aws_cloudwatch_metric_alarm.tunnel_a1.alarm_actions).toEqual(['arn:aws:sns:eu-west-1:123456789012:MyTopic']);
  });

  it('alerts: a malformed topic or channel is refused at its line, with the shape it must have', () => {
    const found = problems(`${HEAD}alerts:\n  warning:\n    snsTopicArns: ["arn:aws:sqs:us-east-2:123456789012:MyQueue"]\n    notificationChannels: ["1234567890"]\n`);
    expect(found).toEqual([
      'privlink.yaml:5:20: alerts.warning.snsTopicArns[0]: must be an SNS topic ARN: arn:aws:sns:[REGION]:[ACCOUNT_ID]:[TOPIC_NAME], got "arn:aws:sqs:us-east-2:123456789012:MyQueue"',
      'privlink.yaml:6:28: alerts.warning.notificationChannels[0]: must be a notification channel name: projects/[PROJECT_ID]/notificationChannels/[CHANNEL_ID], got "1234567890"',
    ]);
  });

  it('assumes the named role in the account of each customer', () => {
    const tf = operatorJson(fleet(`${HEAD}aws:\n  assumeRoleName: privlink-ci\n`));
    expect(tf.provider.aws[0].assume_role).toEqual([{ role_arn: 'arn:aws:iam::111122223333:role/privlink-ci', session_name: 'privlink-acme' }]);
    expect(tf.provider.aws[0].allowed_account_ids).toEqual(['111122223333']);
  });

  it('provider constraints and default labels reach the stack; a spec label wins on the same key', () => {
    const config = fleet(`${HEAD}providers:\n  aws: "~> 6.0"\n  google: ">= 6.50.0"\nlabels:\n  team: platform\n  env: prod\n`);
    const tf = operatorJson(config, acmeWith({ labels: { env: 'staging' } }));
    // The stacks carry privlink's range narrowed by the fleet's (docs/providers.md): ~> 6.0 keeps 6.42.0 out.
    expect(tf.terraform.required_providers.aws.version).toBe('>= 6.0.0, != 6.42.0, < 7.0.0');
    expect(tf.terraform.required_providers.google.version).toBe('>= 6.50.0, < 9.0.0');
    expect(tf.provider.aws[0].default_tags[0].tags).toMatchObject({ team: 'platform', env: 'staging', privlink_customer: 'acme' });
    expect(tf.provider.google[0].default_labels).toMatchObject({ team: 'platform', env: 'staging', managed_by: 'privlink' });
  });

  it('reports every problem at once with line and column', () => {
    const text = [
      'apiVersion: privlink/v1',
      'kind: Fleet',
      'paths:',
      '  specs: /etc/customers',
      'backend:',
      '  type: gcs',
      '  bucket: ops-state',
      '  prefix: shared/state',
      'aws:',
      '  assumeRoleName: "role with spaces"',
      'providers:',
      '  aws: "at least 5"',
      'labels:',
      '  customer: x',
      'extra: 1',
    ].join('\n');
    const got = problems(text);
    expect(got).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^privlink\.yaml:4:10: paths\.specs: must be a relative path/),
        expect.stringMatching(/^privlink\.yaml:8:11: backend\.prefix: must contain \{customer\}/),
        expect.stringMatching(/^privlink\.yaml:10:19: aws\.assumeRoleName: must be an IAM role name/),
        expect.stringMatching(/^privlink\.yaml:12:8: providers\.aws: must be a Terraform version constraint.*"at least 5"/),
        expect.stringMatching(/^privlink\.yaml:15:1: extra: unknown field "extra"/),
      ]),
    );
    expect(got).toHaveLength(5);
  });

  it('refuses privlink\'s own labels and an unknown backend type', () => {
    expect(problems(`${HEAD}labels:\n  managed_by: me\n`)).toEqual([expect.stringMatching(/^privlink\.yaml:4:3: labels\.managed_by: .*reserved/)]);
    expect(problems(`${HEAD}backend:\n  type: azurerm\n`)).toEqual([expect.stringMatching(/^privlink\.yaml:4:9: backend\.type: .*local, gcs, s3/)]);
    expect(problems(`${HEAD}backend: {type: local, path: ../state.tfstate}\n`)).toEqual([expect.stringMatching(/backend\.path: must be a relative path/)]);
  });
});

describe('provider and Terraform constraints must leave room for what privlink generates', () => {
  it('refuses constraints that admit no supported version, at the constraint, and accepts narrower ones that do', () => {
    expect(problems(`${HEAD}providers: {aws: "~> 4.0", terraform: ">= 0.12", google: "~> 6.50"}\n`)).toEqual([
      expect.stringMatching(/^privlink\.yaml:3:18: providers\.aws: "~> 4\.0" admits no version privlink's output works with: hashicorp\/aws >= 5\.100\.0, != 6\.42\.0, < 7\.0\.0 \(/),
    ]);
    expect(problems(`${HEAD}providers: {terraform: "< 1.5.0", google: "= 5.40.0", aws: "~> 5.99.0"}\n`).map((p) => p.split(': ')[1]).sort()).toEqual([
      'providers.aws',
      'providers.google',
      'providers.terraform',
    ]);
    // "~> 6.0" is >= 6.0, < 7.0: it admits hashicorp/aws 6.x, which privlink supports; "= 5.100.0" admits exactly the tested one.
    expect(problems(`${HEAD}providers: {aws: "~> 6.0", terraform: "~> 1.11", google: ">= 6.50.0, != 6.51.0"}\n`)).toEqual([]);
    expect(problems(`${HEAD}providers: {aws: "= 5.100.0"}\n`)).toEqual([]);
  });

  it('with S3-native locking, Terraform must be at least 1.10', () => {
    const s3 = 'backend: {type: s3, bucket: acme-privlink-state, region: us-east-1, key: "privlink/{customer}/terraform.tfstate"}\n';
    expect(problems(`${HEAD}${s3}providers: {terraform: "~> 1.9.0"}\n`)).toEqual([
      expect.stringMatching(/providers\.terraform: "~> 1\.9\.0" admits no version .*: Terraform >= 1\.10\.0 \(the s3 backend locks with use_lockfile/),
    ]);
    expect(problems(`${HEAD}${s3}providers: {terraform: ">= 1.10.0"}\n`)).toEqual([]);
  });
});
