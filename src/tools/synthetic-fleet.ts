/**
 * N synthetic but valid customer specs for the benchmark and the scale tests: unique names, AWS accounts, GCP
 * networks (or, with `shared`, one network for all, with inside /30s of their own) and operator VPCs; HA and single-connection customers; one to three endpoints, some connected, some
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

/** Tunnel k (0–3) of customer i on a shared network: a /30 of its own, clear of AWS's reserved 169.254.169.x. */
function sharedInsideCidr(i: number, k: number): string {
  const t = i * 4 + k;
  const octet = 10 + Math.floor(t / 64);
  return `169.254.${octet >= 169 ? octet + 1 : octet}.${(t % 64) * 4}/30`;
}

/** The spec text of synthetic customer i (0-based, i < 65536; with `shared`, i < 3000). */
export function syntheticSpec(i: number, shared = false): string {
  const name = syntheticName(i);
  const aws = AWS_REGIONS[i % AWS_REGIONS.length]!;
  const ha = i % 3 !== 2;
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
  region: ${GCP_REGIONS[i % GCP_REGIONS.length]}
  network: ${shared ? 'saas-vpc' : `net-${name}`}
  sourceRanges: [10.0.0.0/20, 10.4.0.0/14]
aws:
  accountId: "${String(100000000000 + i)}"
  region: ${aws.region}
  vpcCidr: ${vpc}
  availabilityZoneIds: [${aws.az}-az1, ${aws.az}-az2${i % 2 ? `, ${aws.az}-az3` : ''}]
vpn:
  highAvailability: ${ha}${
    shared
      ? `\n  insideCidrs: {${(['a1', 'a2', 'b1', 'b2'] as const).slice(0, ha ? 4 : 2).map((key, k) => `${key}: ${sharedInsideCidr(i, k)}`).join(', ')}}`
      : ''
  }
endpoints:
${endpoints.join('\n')}
`;
}

/** Writes customers 0..n-1 into dir (created if needed); returns the file paths. */
export function writeSyntheticFleet(dir: string, n: number, shared = false): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const file = join(dir, `${syntheticName(i)}.yaml`);
    writeFileSync(file, syntheticSpec(i, shared));
    files.push(file);
  }
  return files;
}
