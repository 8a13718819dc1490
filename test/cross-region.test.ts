/**
 * Cross-Region PrivateLink (issue 23): a customer's services in other AWS Regions than its operator VPC. The
 * operator's interface endpoint names the service's Region (aws_vpc_endpoint.service_region, in hashicorp/aws
 * 5.100.0's schema); the customer's module lists the operator's Region in supported_regions and is applied in the
 * service's own Region. The AWS half and every example also validate with the real provider (terraform.test.ts has
 * initech among its examples). Rules: AWS PrivateLink guide, "Share your services through AWS PrivateLink",
 * "Cross-Region access"; Regions and partitions: the AWS SDK's partitions.json.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EU_CENTRAL_1_SERVICE_NAME, ROOT, initechCrossRegion, privlinkHere, skipNote, tempDir } from './helpers';

async function repo(spec: string): Promise<{ dir: string; code: number; stderr: string }> {
  const dir = tempDir('privlink-xr-');
  cpSync(join(ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
  mkdirSync(join(dir, 'customers'));
  writeFileSync(join(dir, 'customers', 'initech.yaml'), spec);
  const r = await privlinkHere(['generate'], dir);
  return { dir, code: r.code, stderr: r.stderr };
}

describe('services in other AWS Regions', () => {
  it('initech generates: nexus\'s endpoint names us-east-1, bitbucket\'s names no Region, gitlab waits in eu-west-1', async () => {
    const { dir, code, stderr } = await repo(initechCrossRegion());
    expect([code, stderr]).toEqual([0, '']);
    const tf = JSON.parse(readFileSync(join(dir, 'generated', 'initech', 'operator', 'cdk.tf.json'), 'utf8'));
    const endpoints = tf.resource.aws_vpc_endpoint;
    expect(endpoints.endpoint_nexus.service_region).toBe('us-east-1');
    expect(endpoints.endpoint_nexus.service_name).toBe('com.amazonaws.vpce.us-east-1.vpce-svc-056576c12b36056ca');
    expect('service_region' in endpoints.endpoint_bitbucket).toBe(false);
    expect(endpoints.endpoint_gitlab).toBeUndefined(); // awaiting the customer: no endpoint yet
    const module = readFileSync(join(dir, 'generated', 'initech', 'customer-module', 'main.tf'), 'utf8');
    expect(module).toMatch(/supported_regions = local\.cross_region \? distinct\(concat\(\[data\.aws_region\.current\.name\], var\.supported_regions\)\) : null/);
    // gitlab's example is applied in eu-west-1 and allowlists the operator's Region, us-west-2.
    expect(readFileSync(join(dir, 'generated', 'initech', 'customer-module', 'examples', 'gitlab', 'providers.tf'), 'utf8')).toMatch(/region = "eu-west-1"/);
    expect(readFileSync(join(dir, 'generated', 'initech', 'customer-module', 'examples', 'gitlab', 'main.tf'), 'utf8')).toMatch(/supported_regions = \["us-west-2"\]/);
    expect(readFileSync(join(dir, 'generated', 'initech', 'customer-module', 'examples', 'bitbucket', 'main.tf'), 'utf8')).not.toContain('supported_regions');
    // Each service's Region in the customer's README, the operator's README and the diagram.
    expect(readFileSync(join(dir, 'generated', 'initech', 'customer-module', 'README.md'), 'utf8')).toContain('| gitlab | eu-west-1 (cross-Region: reached from us-west-2) |');
    const readme = readFileSync(join(dir, 'generated', 'initech', 'README.md'), 'utf8');
    expect(readme).toContain('| nexus | us-east-1 (cross-Region) |');
    expect(readme).toContain('service in us-east-1 (cross-Region)');
  });

  it("the customer's README and examples name each service's own Region in every command and exclusion", async () => {
    const { dir, code } = await repo(initechCrossRegion());
    expect(code).toBe(0);
    const readme = readFileSync(join(dir, 'generated', 'initech', 'customer-module', 'README.md'), 'utf8');
    // Accepting and, to offboard, unprotecting the load balancer: once per Region a service runs in, named.
    for (const [services, region] of [['nexus', 'us-east-1'], ['gitlab', 'eu-west-1'], ['bitbucket', 'us-west-2']]) {
      expect(readme).toContain(`# ${services}: in ${region}\n       aws ec2 describe-vpc-endpoint-connections --region ${region} \\`);
      expect(readme).toContain(`# ${services}: in ${region}\n       aws ec2 describe-vpc-endpoint-connections --region ${region} \\\n         --filters Name=service-id,Values=<endpoint_service_id output>\n       aws ec2 accept-vpc-endpoint-connections --region ${region} \\`);
      expect(readme).toContain(`# ${services}: in ${region}\n    aws elbv2 modify-load-balancer-attributes --region ${region} \\`);
    }
    expect(readme).toContain("your AWS provider for the service's Region (the table above) serves it");
    expect(readme).toContain('`com.amazonaws.vpce.<its Region>.vpce-svc-…`');
    expect(readme).not.toContain('your AWS provider for us-west-2 serves it');
    // The AZ IDs cross-Region access refuses, of the services' Regions only: us-east-1 has one, eu-west-1 none.
    expect(readme).toContain('but they must not be in `use1-az3`,');
    expect(readme).not.toMatch(/usw1-az2|apne1-az3|apne2-az/);
    const gitlab = readFileSync(join(dir, 'generated', 'initech', 'customer-module', 'examples', 'gitlab', 'main.tf'), 'utf8');
    expect(gitlab).toContain('any Availability Zone of eu-west-1');
    expect(gitlab).not.toMatch(/use1-az3|usw1-az2|apne1-az3|apne2-az/);
    const nexus = readFileSync(join(dir, 'generated', 'initech', 'customer-module', 'examples', 'nexus', 'main.tf'), 'utf8');
    expect(nexus).toContain('any Availability Zone of us-east-1 but use1-az3');
  });

  it.each([
    ['a Region of another partition', { 'endpoints.1.region': 'cn-north-1' }, 'endpoints[1].region: "cn-north-1" is in the aws-cn partition and aws.region "us-west-2" in aws: PrivateLink connects Regions of one partition only'],
    ['an unknown Region', { 'endpoints.1.region': 'us-east-9' }, 'endpoints[1].region: "us-east-9" is no AWS Region'],
    [
      'a service name of another Region than the endpoint\'s',
      { 'endpoints.1.serviceName': EU_CENTRAL_1_SERVICE_NAME },
      `endpoints[1].serviceName: "${EU_CENTRAL_1_SERVICE_NAME}" is in region "eu-central-1" but endpoints[1].region is "us-east-1"; the service name must be of the endpoint's Region`,
    ],
    [
      'a service of another Region without region',
      { 'endpoints.1.region': undefined },
      'endpoints[1].serviceName: "com.amazonaws.vpce.us-east-1.vpce-svc-056576c12b36056ca" is in region "us-east-1" but aws.region is "us-west-2"; a service in another Region needs `region: us-east-1` on this endpoint (cross-Region PrivateLink)',
    ],
    [
      'an operator AZ where cross-Region access is not supported',
      { 'aws.region': 'us-east-1', 'aws.availabilityZoneIds': ['use1-az1', 'use1-az3'], 'endpoints.0.serviceName': 'com.amazonaws.vpce.us-east-1.vpce-svc-123123a1c43abc123', 'endpoints.1.region': 'us-west-2', 'endpoints.1.serviceName': 'com.amazonaws.vpce.us-west-2.vpce-svc-0654fb016640c364a' },
      'endpoints[1].region: cross-Region PrivateLink is not supported in use1-az3',
    ],
  ])('%s is refused at file:line:col', async (_, edits, message) => {
    const { code, stderr } = await repo(initechCrossRegion(edits));
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^customers/initech\\.yaml:\\d+:\\d+: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
  });
});

describe('the lab on a customer with a service in another Region', () => {
  it('initech comes up whole: its cross-Region endpoint resolves and connects like the same-Region one', async () => {
    const { dir } = await repo(initechCrossRegion());
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'privlink.js'), 'lab', 'initech', '--json'], { cwd: dir, encoding: 'utf8', timeout: 110_000 });
    if (r.status === 3) return skipNote('lab on a cross-Region customer', r.stderr.trim());
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.checks.find((c) => c.name === 'TCP nexus.initech.example')?.detail).toMatch(/connected to aws_vpc_endpoint\.endpoint_nexus/);
    expect(report.checks.find((c) => c.name === 'DNS gitlab.initech.example (awaiting customer)')?.ok).toBe(true);
    expect(r.status).toBe(0);
  }, 120_000);
});

describe('status of a customer with a service in another Region', () => {
  it('reads the cross-Region endpoint like any other: connected when every tunnel is up and both connected endpoints are available', async () => {
    const { dir } = await repo(initechCrossRegion());
    const { simulateApply } = await import('../src/lab/apply');
    const tf = JSON.parse(readFileSync(join(dir, 'generated', 'initech', 'operator', 'cdk.tf.json'), 'utf8'));
    const sim = simulateApply(tf, (n) => Buffer.alloc(n, 7));
    // The attributes only a real cloud fills in, as status.test.ts gives them (AWS CLI describe-vpn-connections).
    const resources = sim.resources.map((r) => {
      const values: Record<string, unknown> = { ...r.args, ...r.computed };
      if (r.type === 'aws_vpn_connection') {
        values.vgw_telemetry = [1, 2].map((n) => ({ outside_ip_address: values[`tunnel${n}_address`], status: 'UP', accepted_route_count: 1, last_status_change: '2013-02-04T20:19:34.000Z', status_message: '' }));
      }
      if (r.type === 'aws_vpc_endpoint') values.state = 'available';
      return { address: r.address, mode: 'managed', type: r.type, name: r.name, values };
    });
    const state = join(dir, 'state.json');
    writeFileSync(state, JSON.stringify({ format_version: '1.0', values: { root_module: { resources } } }));
    const r = await privlinkHere(['status', 'initech', '--state', state, '--json'], dir);
    expect(r.code).toBe(0);
    const initech = JSON.parse(r.stdout).customers[0];
    expect(initech.phase).toBe('connected');
    expect(initech.endpoints).toEqual([
      { endpoint: 'bitbucket', state: 'available', endpointId: 'sim:aws_vpc_endpoint.endpoint_bitbucket' },
      { endpoint: 'gitlab', state: 'awaiting-customer' },
      { endpoint: 'nexus', state: 'available', endpointId: 'sim:aws_vpc_endpoint.endpoint_nexus' },
    ]);
  });
});
