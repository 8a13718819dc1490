/**
 * N synthetic but valid customer specs for the benchmark and the scale tests: unique names, AWS accounts, GCP
 * networks and operator VPCs; HA and single-connection customers; one to three endpoints, some connected, some
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

/** The spec text of synthetic customer i (0-based, i < 65536). */
export function syntheticSpec(i: number): string {
  const name = syntheticName(i);
  const aws = AWS_REGIONS[i % AWS_REGIONS.length]!;
  const ha = i % 3 !== 2;
  const endpoints = SERVICES.slice(0, 1 + (i % SERVICES.length)).map((s, k) => {
    const connected = (i + k) % 2 === 0;
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
  project: ${name}-project
  region: ${GCP_REGIONS[i % GCP_REGIONS.length]}
  network: net-${name}
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
export function writeSyntheticFleet(dir: string, n: number): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const file = join(dir, `${syntheticName(i)}.yaml`);
    writeFileSync(file, syntheticSpec(i));
    files.push(file);
  }
  return files;
}
