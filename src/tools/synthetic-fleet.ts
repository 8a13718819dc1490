/**
 * N synthetic but valid customer specs for the benchmark and the scale tests: unique names, AWS accounts, GCP
 * networks (or, with `shared`, one network and region for all, nothing pinned: privlink allocates their routers and
 * /30s) and operator VPCs; HA and single-connection customers; one to three endpoints, some connected, some
 * waiting; several AWS and GCP regions. Deterministic: customer i is always the same text.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const AWS_REGIONS = [
  { region: 'us-east-1', az: 'use1' },
  { region: 'eu-west-1', az: 'euw1' },
  { region: 'ap-southeast-2', az: 'apse2' },
  { region: 'us-west-2', az: 'usw2' },
] as const;
const GCP_REGIONS = ['us-central1', 'europe-west1', 'asia-east1', 'us-east4'] as const;
const SERVICES = [
  { name: 'github', ports: '[443, 22]', tls: 'private-ca' },
  { name: 'artifactory', ports: '[443]', tls: 'public-ca' },
  { name: 'nexus', ports: '[443, 8443]', tls: 'public-ca' },
] as const;

export const syntheticName = (i: number) => `c${String(i).padStart(5, '0')}`;

/**
 * The spec text of synthetic customer i (0-based, i < 65536). `shared`: on one network and region, which holds 160 HA
 * customers (reference §1.5b); `ha` overrides the mix of HA and single-connection customers.
 */
export function syntheticSpec(i: number, shared = false, ha = i % 3 !== 2): string {
  const name = syntheticName(i);
  const aws = AWS_REGIONS[i % AWS_REGIONS.length]!;
  const endpoints = SERVICES.slice(0, 1 + (i % SERVICES.length)).map((s, k) => {
    const connected = (i + k) % 2 === 0;
    // Unique per customer and endpoint, in the documented shape (AWS CLI documentation, describe-vpc-endpoints.rst:
    // com.amazonaws.vpce.us-east-1.vpce-svc-123123a1c43abc123, a 17-hex-digit service id).
    const svc = `com.amazonaws.vpce.${aws.region}.vpce-svc-${(i * 8 + k).toString(16).padStart(17, "0")}`;
    return [
      `  - name: ${s.name}`,
      `    hostnames: [${s.name}.${name}.example.net]`,
      `    ports: ${s.ports}`,
      `    tls: ${s.tls}`,
      ...(connected ? [`    serviceName: ${svc}`] : []),
    ].join('\n');
  });
  // Operator VPCs 10.128.0.0/9 in /24 steps; GCP ranges inside 10.0.0.0/9, so nothing overlaps.
  const vpc = `10.${128 + (i >> 8)}.${i & 255}.0/24`;
  return `# Synthetic customer ${i} for the benchmark.
apiVersion: privlink/v1
kind: Customer
name: ${name}
gcp:
  project: ${shared ? 'saas-project' : `${name}-project`}
  region: ${shared ? GCP_REGIONS[0] : GCP_REGIONS[i % GCP_REGIONS.length]}
  network: ${shared ? 'saas-vpc' : `net-${name}`}
  sourceRanges: [10.0.0.0/20, 10.4.0.0/14]
aws:
  accountId: "${String(100000000000 + i)}"
  region: ${aws.region}
  vpcCidr: ${vpc}
  availabilityZoneIds: [${aws.az}-az1, ${aws.az}-az2${i % 2 ? `, ${aws.az}-az3` : ''}]
vpn:
  highAvailability: ${ha}
endpoints:
${endpoints.join('\n')}
`;
}

/** Writes customers 0..n-1 into dir (created if needed); returns the file paths. */
export function writeSyntheticFleet(dir: string, n: number, shared = false, ha?: (i: number) => boolean): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const file = join(dir, `${syntheticName(i)}.yaml`);
    writeFileSync(file, syntheticSpec(i, shared, ha ? ha(i) : i % 3 !== 2));
    files.push(file);
  }
  return files;
}
