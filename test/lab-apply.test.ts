/**
 * The lab's simulated apply and each side's view, without root: what the daemons will be given follows only from
 * the generated JSON's references, so the example customers' sides agree with each other and a miswired copy
 * makes them disagree exactly where it was miswired.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import { LabInputError, simulateApply, splitTemplate, type Json } from '../src/lab/apply';
import { addressProblems, admits, dnsAnswers, hostnameView, whyUnresolved } from '../src/lab/hostnames';
import { awsSide, gcpSide, pairTunnels } from '../src/lab/sides';
import { prepareLab } from '../src/lab/run';
import { LabFileError } from '../src/lab/types';
import { renderOperatorJson } from '../src/render/operator';
import { ROOT, acmeWith, modelOf, tempDir } from './helpers';

const operatorJson = (customer: string) => JSON.parse(readFileSync(join(ROOT, 'generated', customer, 'operator', 'cdk.tf.json'), 'utf8'));

/** Deterministic stand-in for crypto.randomBytes. */
function seeded(seed: string): (n: number) => Buffer {
  let counter = 0;
  return (n) => {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i += 32) createHash('sha256').update(`${seed}:${counter++}`).digest().copy(out, i);
    return out;
  };
}

function sides(tf: unknown, seed = 'a') {
  const apply = simulateApply(tf, seeded(seed));
  const gcp = gcpSide(apply);
  const aws = awsSide(apply);
  return { apply, gcp, aws, pairs: pairTunnels(gcp, aws) };
}

const inRange = (ip: string, cidr: string) => ipaddr.parse(ip).match(ipaddr.parseCIDR(cidr));

function containsReference(v: Json): boolean {
  if (typeof v === 'string') return v.includes('${');
  if (Array.isArray(v)) return v.some(containsReference);
  if (v && typeof v === 'object') return Object.values(v).some(containsReference);
  return false;
}

describe.each([
  ['acme', 4],
  ['globex', 2],
])('simulated apply of %s', (customer, tunnels) => {
  const { apply, gcp, aws, pairs } = sides(operatorJson(customer));

  it('resolves every reference of the VPN resources', () => {
    const vpn = apply.resources.filter((r) => /^(google_compute_|aws_vpn_|aws_customer_gateway|aws_vpc$)/.test(r.type));
    expect(vpn.length).toBeGreaterThan(0);
    for (const r of vpn) expect([r.address, containsReference(r.args)]).toEqual([r.address, false]);
    expect(apply.unevaluated.every((u) => !/vpn|router|gateway/.test(u.address))).toBe(true);
  });

  it(`pairs ${tunnels} GCP tunnels with ${tunnels} AWS tunnels whose keys, inside addresses and ASNs agree`, () => {
    expect(pairs).toHaveLength(tunnels);
    for (const { gcp: g, aws: a } of pairs) {
      expect(g && a).toBeTruthy();
      expect(g!.psk).toBe(a!.psk);
      expect(a!.remoteIp).toBe(g!.localIp);
      const iface = gcp.interfaces.find((i) => i.tunnel === g!.key)!;
      expect(iface.ipRange).toBe(`${a!.cgwInside}/30`);
      const peer = gcp.peers.find((p) => p.iface === iface.key)!;
      expect(peer.peerIp).toBe(a!.vgwInside);
      expect(peer.peerAsn).toBe(aws.asn);
      expect(a!.peerAsn).toBe(gcp.asn);
    }
    expect(gcp.asn).not.toBe(aws.asn);
  });

  it('gives AWS-style keys (32 characters, letters and digits, a letter first), one per tunnel', () => {
    const keys = aws.tunnels.map((t) => t.psk);
    for (const k of keys) expect(k).toMatch(/^[A-Za-z][A-Za-z0-9]{31}$/);
    expect(new Set(keys).size).toBe(keys.length);
    expect(sides(operatorJson(customer), 'other').aws.tunnels.map((t) => t.psk)).not.toEqual(keys);
  });

  it('uses documentation ranges for every outside address', () => {
    for (const g of gcp.tunnels) expect(inRange(g.localIp, '203.0.113.0/24')).toBe(true);
    for (const a of aws.tunnels) expect(inRange(a.localIp, '198.51.100.0/24')).toBe(true);
  });

  it('gives both ends one proposal each, AES-256 / SHA2-256 / MODP-2048 as the spec pins it', () => {
    for (const a of aws.tunnels) {
      expect(a.proposals.ike).toEqual(['aes256-sha256-modp2048']);
      expect(a.proposals.esp).toEqual(['aes256-sha256-modp2048']);
    }
  });
});

describe('a miswired copy', () => {
  it('with swapped keys leaves each GCP tunnel of connection a with the other tunnel\'s key', () => {
    const tf = operatorJson('acme');
    tf.resource.google_compute_vpn_tunnel.tunnel_a1.shared_secret = '${aws_vpn_connection.vpn_a.tunnel2_preshared_key}';
    tf.resource.google_compute_vpn_tunnel.tunnel_a2.shared_secret = '${aws_vpn_connection.vpn_a.tunnel1_preshared_key}';
    const { pairs, aws } = sides(tf);
    const a1 = pairs.find((p) => p.gcp?.key === 'tunnel_a1')!;
    expect(a1.gcp!.psk).not.toBe(a1.aws!.psk);
    expect(a1.gcp!.psk).toBe(aws.tunnels.find((t) => t.key === 'vpn_a.tunnel2')!.psk);
    expect(a1.gcp!.pskSource).toBe('${aws_vpn_connection.vpn_a.tunnel2_preshared_key}');
    expect(pairs.find((p) => p.gcp?.key === 'tunnel_b1')!.gcp!.psk).toBe(pairs.find((p) => p.gcp?.key === 'tunnel_b1')!.aws!.psk);
  });

  it('whose tunnel peers with an address no AWS tunnel has is left unpaired', () => {
    const tf = operatorJson('acme');
    tf.resource.google_compute_vpn_tunnel.tunnel_b2.peer_external_gateway_interface = 1;
    const { pairs } = sides(tf);
    expect(pairs.find((p) => p.gcp?.key === 'tunnel_b2')!.aws).toBeUndefined();
    expect(pairs.filter((p) => !p.gcp).map((p) => p.aws!.key)).toEqual(['vpn_b.tunnel2']);
  });

  it('with a dangling reference is refused with the address that holds it', () => {
    const tf = operatorJson('acme');
    tf.resource.google_compute_router_peer.tunnel_a1.peer_ip_address = '${aws_vpn_connection.vpn_c.tunnel1_vgw_inside_address}';
    expect(() => simulateApply(tf, seeded('a'))).toThrow(LabInputError);
    expect(() => simulateApply(tf, seeded('a'))).toThrow(/google_compute_router_peer\.tunnel_a1\.peer_ip_address: .*aws_vpn_connection\.vpn_c, which is not in the file/);
  });
});

describe('splitTemplate', () => {
  it('separates interpolations from text, minding braces inside quoted strings and $${ escapes', () => {
    expect(splitTemplate('${a.b.c}/30')).toEqual([{ expr: 'a.b.c' }, { text: '/30' }]);
    expect(splitTemplate('x${f("}")}y')).toEqual([{ text: 'x' }, { expr: 'f("}")' }, { text: 'y' }]);
    expect(splitTemplate('$${literal}')).toEqual([{ text: '${literal}' }]);
  });
});

describe('the hostname view of the simulated apply', () => {
  const view = (tf: unknown) => hostnameView(simulateApply(tf, seeded('a')));

  it('reads acme as generated: github declared ready with its endpoint, artifactory awaiting, github answered with its addresses', () => {
    const tf = operatorJson('acme');
    const v = view(tf);
    expect(v.network).toBe('projects/acme-sg-cloud/global/networks/sg-cloud-vpc');
    const github = v.declared.find((d) => d.name === 'github')!;
    expect([github.ready, github.hostnames, github.ports, github.endpoint?.address]).toEqual([true, ['github.internal.company.net'], [22, 443], 'aws_vpc_endpoint.endpoint_github']);
    expect(v.declared.find((d) => d.name === 'artifactory')!.ready).toBe(false);
    const own = (tf.resource.aws_vpc_endpoint.endpoint_github.subnet_configuration as { ipv4: string }[]).map((c) => c.ipv4);
    expect(dnsAnswers(v).get('github.internal.company.net')).toEqual(own);
    expect(addressProblems(v.endpoints)).toEqual([]);
    expect(whyUnresolved(v, 'artifactory.internal.company.net')).toBe('no google_dns_managed_zone holds artifactory.internal.company.net');
    // The security group admits exactly the declared ports from the source ranges.
    expect(admits(github.endpoint!.rules, '10.4.0.1', 22).length).toBe(1);
    expect(admits(github.endpoint!.rules, '10.4.0.1', 8080)).toEqual([]);
    expect(admits(github.endpoint!.rules, '192.168.255.254', 443)).toEqual([]);
  });

  it('answers nothing from a zone bound to another network, and says where it is bound', () => {
    const tf = operatorJson('acme');
    tf.resource.google_dns_managed_zone.host_github_internal_company_net.private_visibility_config.networks[0].network_url =
      'https://www.googleapis.com/compute/v1/projects/acme-sg-cloud/global/networks/other-vpc';
    const v = view(tf);
    expect(dnsAnswers(v).has('github.internal.company.net')).toBe(false);
    expect(whyUnresolved(v, 'github.internal.company.net')).toMatch(/is bound to projects\/acme-sg-cloud\/global\/networks\/other-vpc, not to projects\/acme-sg-cloud\/global\/networks\/sg-cloud-vpc/);
  });

  it('reports the addresses AWS would refuse: outside the subnet, reserved, or held twice', () => {
    const tf = operatorJson('acme');
    const confs = tf.resource.aws_vpc_endpoint.endpoint_github.subnet_configuration as { ipv4: string; subnet_id: string }[];
    const subnet = (c: { subnet_id: string }) => tf.resource.aws_subnet[/aws_subnet\.([^.]+)\.id/.exec(c.subnet_id)![1]!].cidr_block as string;
    const base = subnet(confs[0]!).split('/')[0]!.split('.').map(Number);
    confs[0]!.ipv4 = [...base.slice(0, 3), base[3]! + 1].join('.'); // the VPC router's address
    confs[1]!.ipv4 = confs[0]!.ipv4; // and the same again, in the other subnet
    const problems = addressProblems(view(tf).endpoints);
    expect(problems).toEqual([
      expect.stringMatching(/is one of the five addresses AWS reserves in aws_subnet\.private_use1-az1/),
      expect.stringMatching(/is not inside its subnet aws_subnet\.private_use1-az2/),
      expect.stringMatching(/is also held by aws_vpc_endpoint\.endpoint_github/),
    ]);
  });
});

describe('the lab\'s interrupt message', () => {
  it('is the teardown check\'s verdict, not a promise', () => {
    const { LabInterrupted } = require('../src/lab/run') as typeof import('../src/lab/run');
    expect(new LabInterrupted('SIGINT', { name: 'teardown', ok: true, detail: '10 daemons stopped by PID' }).message).toBe(
      'interrupted by SIGINT; everything the lab started was stopped and removed',
    );
    expect(new LabInterrupted('SIGINT', { name: 'teardown', ok: false, detail: 'left behind: privlink-lab-42-gcp, charon gcp a1' }).message).toBe(
      'interrupted by SIGINT; the teardown was incomplete, left behind: privlink-lab-42-gcp, charon gcp a1 (the next `privlink lab` removes what this run left)',
    );
  });
});

describe('a decommissioning customer', () => {
  it('is refused before anything starts: its stack declares no tunnel', () => {
    const file = join(tempDir('privlink-lab-decommission-'), 'cdk.tf.json');
    writeFileSync(file, renderOperatorJson(modelOf(acmeWith({ decommission: true }))));
    expect(() => prepareLab(file)).toThrow(new LabFileError(`${file}: acme is decommissioning (decommission: true): its operator stack declares no tunnel to bring up`));
  });
});
