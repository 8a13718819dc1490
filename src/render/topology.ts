/**
 * The customer's topology as a Mermaid flowchart, shown in each customer README and in pull-request bodies
 * (GitHub renders Mermaid): GCP network and Cloud Router, HA VPN interfaces, each tunnel with its inside
 * addresses, the VGW and VPC, each endpoint with hostnames, its fixed address per AZ, ports and status, and the customer's endpoint
 * services. Everything comes from the model.
 */
import { STATUS_LABEL, type CustomerModel } from '../model/model';

/** Mermaid node ids: letters, digits and "_" only. */
const nodeId = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');
/** Text inside a quoted Mermaid label; names are validated, but quotes would end the label. */
const label = (...lines: string[]) => `"${lines.map((l) => l.replace(/"/g, '#quot;')).join('<br/>')}"`;

export function renderTopology(model: CustomerModel): string {
  const { gcp, aws } = model;
  const out: string[] = ['flowchart LR'];
  out.push(`  subgraph gcp[${label(`GCP project ${gcp.project} · ${gcp.region}`)}]`);
  out.push(`    net[${label(`VPC network ${gcp.network}`, `sources ${gcp.sourceRanges.join(', ')}`)}]`);
  out.push(`    router[${label(`Cloud Router ${gcp.routerName}`, `ASN ${gcp.routerAsn}`)}]`);
  const primary = model.connections.filter((c) => c.site === 'primary');
  for (const c of primary) out.push(`    ha${c.haInterface}[${label(`HA VPN ${gcp.haGatewayName}`, `interface ${c.haInterface}`)}]`);
  out.push('    net --- router');
  for (const c of primary) out.push(`    router --- ha${c.haInterface}`);
  out.push('  end');
  // The failover region: its own gateway and router on the same (global) network, used only while the primary is down.
  const failover = gcp.sites.find((s) => s.site === 'failover');
  if (failover) {
    const connections = model.connections.filter((c) => c.site === 'failover');
    out.push(`  subgraph gcp_fo[${label(`failover region ${failover.region}`)}]`);
    out.push(`    router_fo[${label(`Cloud Router ${failover.routerName}`, `ASN ${failover.routerAsn}`)}]`);
    for (const c of connections) out.push(`    haf${c.haInterface}[${label(`HA VPN ${failover.haGatewayName}`, `interface ${c.haInterface}`)}]`);
    for (const c of connections) out.push(`    router_fo --- haf${c.haInterface}`);
    out.push('  end');
    out.push('  net --- router_fo');
  }

  out.push(`  subgraph aws[${label(`AWS account ${aws.accountId} · ${aws.region}`)}]`);
  out.push(`    vgw[${label('VPN gateway (VGW)', `ASN ${aws.amazonSideAsn}`)}]`);
  out.push(`    vpc[${label(`VPC ${aws.vpcCidr}`, `subnets in ${aws.availabilityZoneIds.join(', ')}`)}]`);
  out.push('    vgw --- vpc');
  for (const e of model.endpoints) {
    const id = `ep_${nodeId(e.name)}`;
    const addresses = e.addresses.map((a) => `${a.address} (${a.azId})`);
    // A decommissioning customer's endpoints are what its next apply destroys, whatever their status was.
    const state = model.decommission ? 'destroyed by the next apply (decommissioning)' : STATUS_LABEL[e.status];
    const where = e.crossRegion ? [`service in ${e.region} (cross-Region)`] : [];
    out.push(`    ${id}[${label(`endpoint ${e.name}`, ...e.hostnames, ...addresses, `TCP ${e.ports.join(', ')} · ${e.tls}`, ...where, state)}]`);
    out.push(`    vpc --- ${id}`);
  }
  out.push('  end');

  out.push(`  subgraph customer[${label('Customer AWS account')}]`);
  for (const e of model.endpoints) {
    out.push(`    svc_${nodeId(e.name)}[${label(`endpoint service + NLB ${e.customerResourceName}`, `in ${e.region}`, e.serviceName ?? 'not created yet')}]`);
  }
  out.push('  end');

  for (const t of model.tunnels) {
    const from = t.site === 'primary' ? `ha${t.haInterface}` : `haf${t.haInterface}`;
    const preference = failover ? [`priority ${t.advertisedRoutePriority}${t.site === 'failover' ? ' (failover)' : ''}`] : [];
    out.push(`  ${from} ---|${label(`tunnel ${t.key}: ${t.cgwInsideAddress} ⇄ ${t.vgwInsideAddress}`, `BGP ${gcp.routerAsn} ⇄ ${aws.amazonSideAsn}`, ...preference)}| vgw`);
  }
  for (const e of model.endpoints) {
    const edge = model.decommission ? `-.->|${label('PrivateLink, going')}|` : e.status === 'ready' ? `-.->|${label('PrivateLink')}|` : `-.->|${label('awaiting serviceName')}|`;
    out.push(`  ep_${nodeId(e.name)} ${edge} svc_${nodeId(e.name)}`);
  }
  const waiting = model.endpoints.filter((e) => model.decommission || e.status !== 'ready').flatMap((e) => [`ep_${nodeId(e.name)}`, `svc_${nodeId(e.name)}`]);
  if (waiting.length > 0) {
    out.push('  classDef waiting stroke-dasharray: 5 5');
    out.push(`  class ${waiting.join(',')} waiting`);
  }
  return out.join('\n');
}

/** The diagram as a fenced Markdown block. */
export function topologyMarkdown(model: CustomerModel): string {
  return `\`\`\`mermaid\n${renderTopology(model)}\n\`\`\``;
}
