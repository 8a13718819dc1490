import { blocks, ofType, type LintRule } from '../types';

/**
 * The Cloud Router advertises only the source ranges (custom mode, no subnet groups): the customer's operator
 * account learns exactly what its endpoint security groups admit (reference §1.7).
 */
export const routerLeastPrivilege: LintRule = {
  id: 'PRIVLINK_ROUTER_LEAST_PRIVILEGE',
  mirrors: [],
  title: 'The Cloud Router advertises only the source ranges',
  check: (doc) => [
    // A BGP peer of a shared router advertises its own customer's ranges: custom mode, named ranges, no groups.
    ...ofType(doc, 'google_compute_router_peer').flatMap((r) => {
      if (r.body.advertise_mode === undefined) return [];
      const groups = Array.isArray(r.body.advertised_groups) ? r.body.advertised_groups : [];
      const ranges = blocks(r.body.advertised_ip_ranges);
      if (r.body.advertise_mode !== 'CUSTOM') return [`${r.address}: advertise_mode is ${JSON.stringify(r.body.advertise_mode)}, which advertises the router's default (every subnet); use "CUSTOM" with its customer's ranges`];
      if (groups.length > 0) return [`${r.address}: advertised_groups ${JSON.stringify(groups)} advertises subnets the customer's endpoint security groups do not admit`];
      return ranges.length === 0 ? [`${r.address}: advertise_mode CUSTOM with no advertised_ip_ranges: the customer's side learns no route to GCP`] : [];
    }),
    ...ofType(doc, 'google_compute_router').flatMap((r) =>
      blocks(r.body.bgp).flatMap((bgp) => {
        const out: string[] = [];
        if (bgp.advertise_mode !== 'CUSTOM') out.push(`${r.address}: bgp.advertise_mode is ${JSON.stringify(bgp.advertise_mode ?? 'DEFAULT')}, which advertises every subnet of the network; use "CUSTOM" with advertised_ip_ranges`);
        const groups = Array.isArray(bgp.advertised_groups) ? bgp.advertised_groups : [];
        if (groups.length > 0) out.push(`${r.address}: bgp.advertised_groups ${JSON.stringify(groups)} advertises subnets the endpoint security groups do not admit; advertise the source ranges only`);
        return out;
      }),
    ),
  ],
};

/**
 * Customer hostnames resolve to A records. Cloud DNS does not chase a CNAME from a response policy, nor from a
 * private zone into a public name such as an endpoint's vpce-….vpce.amazonaws.com (reference §4), so a CNAME leaves
 * the pod without an address.
 */
export const dnsARecords: LintRule = {
  id: 'PRIVLINK_DNS_A_RECORDS',
  mirrors: [],
  title: 'Hostnames resolve to A records, not to a CNAME Cloud DNS does not chase',
  check: (doc) => [
    ...ofType(doc, 'google_dns_record_set')
      .filter((r) => r.body.type === 'CNAME')
      .map((r) => `${r.address}: type CNAME; Cloud DNS does not chase it into a public name, so list the endpoint's addresses as type A`),
    ...ofType(doc, 'google_dns_response_policy_rule').flatMap((r) =>
      blocks(r.body.local_data)
        .flatMap((d) => blocks(d.local_datas))
        .filter((d) => d.type === 'CNAME')
        .map(() => `${r.address}: local data of type CNAME; Cloud DNS does not chase CNAMEs from response policies, so the name gets no address`),
    ),
  ],
};
