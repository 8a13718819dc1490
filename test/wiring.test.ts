/**
 * The cross-cloud wiring of reference §1.3, checked on the generated Terraform JSON tunnel by tunnel. Expected
 * references are derived here from the reference table (k = tunnel index, connection k/2, AWS tunnel k%2+1),
 * not read back from the model.
 */
import ipaddr from 'ipaddr.js';
import { readFileSync } from 'node:fs';
import { renderOperatorJson } from '../src/render/operator';
import { ACME, GLOBEX, acmeWith, modelOf } from './helpers';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function synth(text: string): Json {
  return JSON.parse(renderOperatorJson(modelOf(text)));
}

const cases = [
  { label: 'HA (acme)', json: () => synth(readFileSync(ACME, 'utf8')), tunnels: ['a1', 'a2', 'b1', 'b2'] },
  { label: 'single connection (globex)', json: () => synth(readFileSync(GLOBEX, 'utf8')), tunnels: ['a1', 'a2'] },
];

describe.each(cases)('wiring of $label', ({ json, tunnels }) => {
  const tf = json();
  const r = tf.resource as Json;
  const conns = [...new Set(tunnels.map((t) => t[0]))];

  it('has exactly one customer gateway and VPN connection per HA VPN interface in use', () => {
    expect(Object.keys(r.aws_customer_gateway).sort()).toEqual(conns.map((c) => `gcp_${c}`));
    expect(Object.keys(r.aws_vpn_connection).sort()).toEqual(conns.map((c) => `vpn_${c}`));
  });

  it.each(conns.map((c, i) => [c, i] as const))('connection %s: customer gateway takes HA VPN interface %i IP and the Cloud Router ASN', (c, i) => {
    const cgw = r.aws_customer_gateway[`gcp_${c}`];
    expect(cgw.ip_address).toBe(`\${google_compute_ha_vpn_gateway.ha_vpn.vpn_interfaces[${i}].ip_address}`);
    expect(cgw.bgp_asn).toBe('${google_compute_router.router.bgp[0].asn}');
    expect(cgw.type).toBe('ipsec.1');
    const conn = r.aws_vpn_connection[`vpn_${c}`];
    expect(conn.customer_gateway_id).toBe(`\${aws_customer_gateway.gcp_${c}.id}`);
    expect(conn.vpn_gateway_id).toBe('${aws_vpn_gateway.vgw.id}');
    expect(conn.static_routes_only).toBe(false);
    for (const n of [1, 2]) {
      expect(conn[`tunnel${n}_ike_versions`]).toEqual(['ikev2']);
      expect(conn[`tunnel${n}_preshared_key`]).toBeUndefined(); // AWS generates it; never in the JSON
    }
  });

  it('external VPN gateway lists the AWS tunnel outside IPs as interfaces 0..n in a1, a2, b1, b2 order', () => {
    const ext = r.google_compute_external_vpn_gateway.aws;
    expect(ext.redundancy_type).toBe(tunnels.length === 4 ? 'FOUR_IPS_REDUNDANCY' : 'TWO_IPS_REDUNDANCY');
    expect(ext.interface).toEqual(
      tunnels.map((t, k) => ({ id: k, ip_address: `\${aws_vpn_connection.vpn_${t[0]}.tunnel${(k % 2) + 1}_address}` })),
    );
  });

  it.each(tunnels.map((t, k) => [t, k] as const))('tunnel %s (index %i) is wired to its own AWS tunnel on both clouds', (t, k) => {
    const c = t[0];
    const n = (k % 2) + 1;
    const aws = (attr: string) => `\${aws_vpn_connection.vpn_${c}.tunnel${n}_${attr}}`;

    const tunnel = r.google_compute_vpn_tunnel[`tunnel_${t}`];
    expect(tunnel.vpn_gateway).toBe('${google_compute_ha_vpn_gateway.ha_vpn.id}');
    expect(tunnel.vpn_gateway_interface).toBe(Math.floor(k / 2));
    expect(tunnel.peer_external_gateway).toBe('${google_compute_external_vpn_gateway.aws.id}');
    expect(tunnel.peer_external_gateway_interface).toBe(k);
    expect(tunnel.shared_secret).toBe(aws('preshared_key'));
    expect(tunnel.ike_version).toBe(2);
    expect(tunnel.router).toBe('${google_compute_router.router.id}');

    const iface = r.google_compute_router_interface[`tunnel_${t}`];
    expect(iface.ip_range).toBe(`${aws('cgw_inside_address')}/30`);
    expect(iface.vpn_tunnel).toBe(`\${google_compute_vpn_tunnel.tunnel_${t}.name}`);
    expect(iface.router).toBe('${google_compute_router.router.name}');

    const peer = r.google_compute_router_peer[`tunnel_${t}`];
    expect(peer.interface).toBe(`\${google_compute_router_interface.tunnel_${t}.name}`); // a reference, not a literal (pitfall 6)
    expect(peer.peer_ip_address).toBe(aws('vgw_inside_address'));
    expect(peer.peer_asn).toBe('${aws_vpn_gateway.vgw.amazon_side_asn}');
    expect(peer.router).toBe('${google_compute_router.router.name}');
  });

  it.each(tunnels.map((t, k) => [t, k] as const))('tunnel %s (index %i) has its alarm on both clouds, and so has its BGP session', (t, k) => {
    const conn = `aws_vpn_connection.vpn_${conns[Math.floor(k / 2)]}`;
    const alarm = r.aws_cloudwatch_metric_alarm[`tunnel_${t}`];
    expect([alarm.namespace, alarm.metric_name, alarm.dimensions]).toEqual(['AWS/VPN', 'TunnelState', { VpnId: `\${${conn}.id}`, TunnelIpAddress: `\${${conn}.tunnel${(k % 2) + 1}_address}` }]);
    expect([alarm.comparison_operator, alarm.threshold, alarm.treat_missing_data]).toEqual(['LessThanThreshold', 1, 'breaching']);
    const filter = (id: string) => r.google_monitoring_alert_policy[id].conditions[0].condition_threshold.filter as string;
    expect(filter(`tunnel_${t}`)).toContain(`metric.label.tunnel_name = "\${google_compute_vpn_tunnel.tunnel_${t}.name}"`);
    // bgp_peer_name: the label Google's Cloud Router metrics table gives router.googleapis.com/bgp/session_up.
    expect(filter(`bgp_${t}`)).toContain(`metric.label.bgp_peer_name = "\${google_compute_router_peer.tunnel_${t}.name}"`);
    // Each condition names the customer's project as well as its region: customers of one region never share one.
    for (const id of [`tunnel_${t}`, `bgp_${t}`]) expect(filter(id)).toContain(`resource.label.project_id = "${r.google_compute_ha_vpn_gateway.ha_vpn.network.split('/')[1]}" AND resource.label.region = "${r.google_compute_ha_vpn_gateway.ha_vpn.region}"`);
    expect([r.google_monitoring_alert_policy[`tunnel_${t}`].severity, r.google_monitoring_alert_policy[`bgp_${t}`].severity]).toEqual(['WARNING', 'WARNING']);
  });

  it('fires the critical no-path alarm only when every tunnel is down: the sum over all of them, on both clouds', () => {
    const math = r.aws_cloudwatch_metric_alarm.no_path.metric_query as Json[];
    expect(math.filter((q) => q.metric).map((q) => q.metric.dimensions.TunnelIpAddress)).toEqual(
      tunnels.map((_, k) => `\${aws_vpn_connection.vpn_${conns[Math.floor(k / 2)]}.tunnel${(k % 2) + 1}_address}`),
    );
    expect(math.find((q) => q.return_data)!.expression).toBe(tunnels.map((t) => `FILL(m_${t}, 0)`).join(' + '));
    const policy = r.google_monitoring_alert_policy.no_path;
    expect(policy.severity).toBe('CRITICAL');
    const [byTunnel, bySession] = (policy.conditions as Json[]).map((c) => c.condition_threshold);
    for (const t of tunnels) {
      expect(byTunnel.filter).toContain(`"\${google_compute_vpn_tunnel.tunnel_${t}.name}"`);
      expect(bySession.filter).toContain(`"\${google_compute_router_peer.tunnel_${t}.name}"`);
    }
    expect([byTunnel.aggregations[0].cross_series_reducer, bySession.aggregations[0].cross_series_reducer]).toEqual(['REDUCE_SUM', 'REDUCE_SUM']);
  });

  it('gives every tunnel a distinct /30 outside the AWS-reserved list', () => {
    const cidrs = conns.flatMap((c) => [1, 2].map((n) => r.aws_vpn_connection[`vpn_${c}`][`tunnel${n}_inside_cidr`]));
    expect(new Set(cidrs).size).toBe(tunnels.length);
    for (const cidr of cidrs) {
      expect(cidr).toMatch(/^169\.254\.\d+\.\d+\/30$/);
      expect(cidr).not.toMatch(/^169\.254\.[0-5]\.0\/30$|^169\.254\.169\.252\/30$/);
    }
  });

  it('routes GCP ranges back: VGW route propagation on the route table of every endpoint subnet', () => {
    expect(r.aws_vpn_gateway_route_propagation.private).toEqual(
      expect.objectContaining({ route_table_id: '${aws_route_table.private.id}', vpn_gateway_id: '${aws_vpn_gateway.vgw.id}' }),
    );
    const subnets = Object.keys(r.aws_subnet);
    expect(Object.values(r.aws_route_table_association).map((a: any) => a.subnet_id).sort()).toEqual(
      subnets.map((s) => `\${aws_subnet.${s}.id}`).sort(),
    );
    expect(r.aws_internet_gateway).toBeUndefined();
    expect(r.aws_nat_gateway).toBeUndefined();
  });

  it('advertises exactly the source ranges from the Cloud Router (custom mode, no subnet groups)', () => {
    const bgp = r.google_compute_router.router.bgp;
    expect(bgp.advertise_mode).toBe('CUSTOM');
    expect(bgp.advertised_groups).toEqual([]);
    const specRanges = tunnels.length === 4 ? ['10.0.0.0/20', '10.4.0.0/14'] : ['10.16.0.0/20', '10.20.0.0/14'];
    expect(bgp.advertised_ip_ranges.map((x: Json) => x.range)).toEqual(specRanges);
  });

  it('sets every AWS tunnel option a Cloud VPN peer depends on, for both tunnels of every connection', () => {
    for (const conn of Object.values(r.aws_vpn_connection) as Json[]) {
      for (const t of [1, 2]) {
        expect([t, conn[`tunnel${t}_startup_action`], conn[`tunnel${t}_dpd_timeout_action`], conn[`tunnel${t}_dpd_timeout_seconds`]]).toEqual([t, 'start', 'restart', 30]);
        expect(conn[`tunnel${t}_ike_versions`]).toEqual(['ikev2']);
      }
    }
  });

  it('pins the provider to the customer account', () => {
    expect(tf.provider.aws[0].allowed_account_ids).toHaveLength(1);
  });

  it('tags and labels every resource through provider defaults: privlink\'s own plus the spec\'s', () => {
    const expected = tunnels.length === 4
      ? { managed_by: 'privlink', privlink_customer: 'acme' }
      : { cost_center: 'cc-4711', managed_by: 'privlink', privlink_customer: 'globex', team: 'platform' };
    expect(tf.provider.aws[0].default_tags).toEqual([{ tags: expected }]);
    expect(tf.provider.google[0].default_labels).toEqual(expected);
  });
});

describe('endpoints of acme', () => {
  const r = synth(readFileSync(ACME, 'utf8')).resource as Json;

  it('creates an interface endpoint only for endpoints with a service name', () => {
    expect(Object.keys(r.aws_vpc_endpoint)).toEqual(['endpoint_github']);
    const ep = r.aws_vpc_endpoint.endpoint_github;
    expect(ep.vpc_endpoint_type).toBe('Interface');
    expect(ep.service_name).toBe('com.amazonaws.vpce.us-east-1.vpce-svc-123123a1c43abc123');
    expect(ep.private_dns_enabled).toBe(false);
    expect(ep.subnet_ids.sort()).toEqual(['${aws_subnet.private_use1-az1.id}', '${aws_subnet.private_use1-az2.id}']);
    expect(ep.security_group_ids).toEqual(['${aws_security_group.endpoint_github.id}']);
  });

  it('admits only the GCP source ranges on the endpoint ports, with descriptions and no egress', () => {
    const rules = Object.values(r.aws_vpc_security_group_ingress_rule) as Json[];
    const pairs = rules.map((x) => `${x.from_port}-${x.to_port} ${x.ip_protocol} ${x.cidr_ipv4}`).sort();
    expect(pairs).toEqual(['22-22 tcp 10.0.0.0/20', '22-22 tcp 10.4.0.0/14', '443-443 tcp 10.0.0.0/20', '443-443 tcp 10.4.0.0/14']);
    for (const x of rules) {
      expect(x.security_group_id).toBe('${aws_security_group.endpoint_github.id}');
      expect(x.description).toEqual(expect.any(String));
    }
    expect(r.aws_vpc_security_group_egress_rule).toBeUndefined();
    expect(r.aws_security_group.endpoint_github.egress).toBeUndefined();
    expect(r.aws_security_group.endpoint_github.description).toEqual(expect.any(String));
  });

  it('pins one address per subnet: inside the subnet, clear of the five AWS-reserved addresses, unique in the VPC', () => {
    const ep = r.aws_vpc_endpoint.endpoint_github;
    const configs = ep.subnet_configuration as Json[];
    expect(configs.map((c) => c.subnet_id).sort()).toEqual([...ep.subnet_ids].sort());
    const seen = new Set<string>();
    for (const c of configs) {
      const subnet = r.aws_subnet[/^\$\{aws_subnet\.(.+)\.id\}$/.exec(c.subnet_id)![1]!];
      const [net, len] = ipaddr.parseCIDR(subnet.cidr_block);
      const n = (a: string) => ipaddr.parse(a).toByteArray().reduce((x, b) => x * 256 + b, 0);
      const offset = n(c.ipv4) - n(net.toString());
      expect([c.ipv4, ipaddr.parse(c.ipv4).match(net, len)]).toEqual([c.ipv4, true]);
      expect(offset).toBeGreaterThanOrEqual(4);
      expect(offset).toBeLessThan(2 ** (32 - len) - 1);
      expect(seen.has(c.ipv4)).toBe(false);
      seen.add(c.ipv4);
    }
  });

  it('gives each hostname a private zone bound to the network with an A record of exactly the endpoint\'s addresses', () => {
    expect(r.google_dns_response_policy).toBeUndefined();
    expect(r.google_dns_response_policy_rule).toBeUndefined();
    const zone = r.google_dns_managed_zone.host_github_internal_company_net;
    expect(zone).toMatchObject({ dns_name: 'github.internal.company.net.', visibility: 'private' });
    expect(zone.private_visibility_config.networks).toEqual([{ network_url: 'projects/acme-sg-cloud/global/networks/sg-cloud-vpc' }]);
    expect(zone.name).toMatch(/^privlink-acme-[a-z0-9-]+$/);
    expect(zone.name.length).toBeLessThanOrEqual(63);
    const record = r.google_dns_record_set.host_github_internal_company_net;
    expect(record).toMatchObject({ type: 'A', managed_zone: '${google_dns_managed_zone.host_github_internal_company_net.name}' });
    expect(record.name).toBe('${google_dns_managed_zone.host_github_internal_company_net.dns_name}');
    const addresses = (r.aws_vpc_endpoint.endpoint_github.subnet_configuration as Json[]).map((c) => c.ipv4);
    expect([...record.rrdatas].sort()).toEqual([...addresses].sort());
    expect(record.depends_on).toEqual(['aws_vpc_endpoint.endpoint_github']);
    // The waiting endpoint has neither a zone nor a record: its hostname must not resolve yet.
    expect(Object.keys(r.google_dns_managed_zone)).toEqual(['host_github_internal_company_net']);
  });

  it('creates no endpoint, security group or DNS for a customer whose endpoints all wait', () => {
    const waiting = synth(acmeWith({ 'endpoints.0.serviceName': undefined })).resource as Json;
    expect(waiting.aws_vpc_endpoint).toBeUndefined();
    expect(waiting.aws_security_group).toBeUndefined();
    expect(waiting.google_dns_managed_zone).toBeUndefined();
    expect(waiting.google_dns_record_set).toBeUndefined();
  });
});
