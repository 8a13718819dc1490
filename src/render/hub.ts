/**
 * The files of one hub (model/hub.ts), under generated/hubs/<project.network.region>/:
 *
 *   routers/cdk.tf.json    the shared Cloud Routers (google_compute_router.router_<n>)
 *   sessions/cdk.tf.json   every customer's router interfaces and BGP peers on them
 *                          (google_compute_router_interface.<customer>_<tunnel>, google_compute_router_peer.…)
 *   README.md              which customer sits on which router with which /30s, the limits, the apply order
 *
 * The Terraform addresses are a contract like the customers' (ARCHITECTURE.md): a router's index and a session's
 * customer and tunnel never change while they exist.
 */
import { ComputeRouter } from '@cdktf/provider-google/lib/compute-router';
import { ComputeRouterInterface } from '@cdktf/provider-google/lib/compute-router-interface';
import { ComputeRouterPeer } from '@cdktf/provider-google/lib/compute-router-peer';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { HUB_ROUTERS_DIR, HUB_SESSIONS_DIR, LEAVING_OUTPUT } from '../domain/constants';
import { BGP_PEERS_PER_CLOUD_ROUTER, CLOUD_ROUTERS_PER_NETWORK_REGION, LIMIT_SOURCES } from '../domain/limits';
import type { BackendModel } from '../model/model';
import type { HubModel } from '../model/hub';
import { commentedNotice, generatedNotice } from './header';
import { scratchOutdir, sortKeys, withoutTokenStackTraces } from './operator';
import { named } from './operator/named';
import { addBackend } from './operator/providers';

export { HUB_ROUTERS_DIR, HUB_SESSIONS_DIR };

/** The files of one hub, by path relative to generated/hubs/<id>/. */
export function renderHub(hub: HubModel, source: string): Map<string, string> {
  return new Map([
    ['README.md', hubReadme(hub, source)],
    [`${HUB_ROUTERS_DIR}/cdk.tf.json`, synth(hub, source, hub.terraform.routersBackend, (stack) => routers(stack, hub))],
    [`${HUB_SESSIONS_DIR}/cdk.tf.json`, synth(hub, source, hub.terraform.sessionsBackend, (stack) => sessions(stack, hub))],
  ]);
}

function synth(hub: HubModel, source: string, backend: BackendModel, build: (stack: TerraformStack) => void): string {
  return withoutTokenStackTraces(() => {
    const app = new App({ outdir: scratchOutdir(), skipValidation: true, stackTraces: false });
    const stack = new TerraformStack(app, hub.id.replace(/\./g, '_'));
    addBackend(stack, backend);
    stack.addOverride('terraform.required_version', hub.terraform.requiredVersion);
    stack.addOverride('terraform.required_providers.google', { source: 'hashicorp/google', version: hub.terraform.googleProviderConstraint });
    new GoogleProvider(stack, 'google', { project: hub.project, region: hub.region, defaultLabels: { ...hub.labels } });
    build(stack);
    const tf = stack.toTerraform() as Record<string, unknown>;
    tf['//'] = { ...(tf['//'] as Record<string, unknown>), generated: generatedNotice(source) };
    return `${JSON.stringify(sortKeys(tf), null, 2)}\n`;
  });
}

/**
 * The shared routers. Each advertises nothing by default (CUSTOM mode, no groups, no ranges): every peer names
 * exactly its own customer's ranges, so no customer's AWS side learns another customer's (reference §1.7, §1.5b).
 */
function routers(stack: TerraformStack, hub: HubModel): void {
  const imports: { to: string; id: string }[] = [];
  for (const r of hub.routers) {
    named(
      new ComputeRouter(stack, `google_compute_router.${r.id}`, {
        name: r.name,
        network: hub.networkUrl,
        region: hub.region,
        // An adopted router keeps the description it was created with (render/operator/vpn.ts), so the import
        // plans no change to it.
        description: r.adopted
          ? r.adopted.description
          : `privlink: shared Cloud Router ${r.index} of ${hub.network} in ${hub.region}; its BGP sessions are in generated/${hub.folder}/${HUB_SESSIONS_DIR}`,
        bgp: {
          asn: r.asn,
          advertiseMode: 'CUSTOM',
          advertisedGroups: [],
          ...(r.adopted ? { advertisedIpRanges: r.adopted.advertisedRanges.map((range) => ({ range, description: 'privlink source range' })) } : {}),
        },
      }),
      r.id,
    );
    if (r.adopted) imports.push({ to: `google_compute_router.${r.id}`, id: r.adopted.importId });
  }
  if (imports.length > 0) stack.addOverride('import', imports);
}

/** Every customer's interfaces and peers: the only writer of the shared routers' interface and peer lists. */
function sessions(stack: TerraformStack, hub: HubModel): void {
  new TerraformOutput(stack, LEAVING_OUTPUT, {
    description: 'Decommissioning customers of this hub: their BGP sessions leave this stack before their own apply destroys the tunnels (plan-guard lets exactly these destroys through).',
    value: hub.members.filter((m) => m.decommission).map((m) => m.name),
  });
  const routerName = new Map(hub.routers.map((r) => [r.id, r.name]));
  const imports: { to: string; id: string }[] = [];
  for (const s of hub.sessions) {
    if (s.imports) {
      imports.push({ to: `google_compute_router_interface.${s.id}`, id: s.imports.iface }, { to: `google_compute_router_peer.${s.id}`, id: s.imports.peer });
    }
    const iface = named(
      new ComputeRouterInterface(stack, `google_compute_router_interface.${s.id}`, {
        name: s.interfaceName,
        router: routerName.get(s.routerId)!,
        region: hub.region,
        ipRange: s.ipRange,
        vpnTunnel: s.tunnelName,
      }),
      s.id,
    );
    named(
      new ComputeRouterPeer(stack, `google_compute_router_peer.${s.id}`, {
        name: s.peerName,
        router: routerName.get(s.routerId)!,
        region: hub.region,
        interface: iface.name,
        peerIpAddress: s.peerIpAddress,
        peerAsn: s.peerAsn,
        advertisedRoutePriority: s.advertisedRoutePriority,
        // Least privilege per customer: this peer advertises its own customer's source ranges, nothing else.
        advertiseMode: 'CUSTOM',
        advertisedGroups: [],
        advertisedIpRanges: s.advertisedRanges.map((range) => ({ range, description: `privlink source range of ${s.customer}` })),
      }),
      s.id,
    );
  }
  // A customer whose own router the hub adopted hands its interfaces and peers over: imported here, forgotten there.
  if (imports.length > 0) stack.addOverride('import', imports);
}

function hubReadme(hub: HubModel, source: string): string {
  const peersTotal = hub.routers.reduce((n, r) => n + r.peers, 0);
  const lines = [
    commentedNotice('markdown', source).trimEnd(),
    `# Shared Cloud Routers of ${hub.network} in ${hub.region}`,
    '',
    `Project \`${hub.project}\`, network \`${hub.networkUrl}\`, ASN of new routers ${hub.asn}. ` +
      `${hub.members.length} customers, ${peersTotal} BGP peers on ${hub.routers.length} of at most ${CLOUD_ROUTERS_PER_NETWORK_REGION} routers ` +
      `(${BGP_PEERS_PER_CLOUD_ROUTER} BGP peers each; ${LIMIT_SOURCES.cloudRouter}).`,
    '',
    'privlink chose every value below (`generated/<customer>/allocation.json` records each customer\'s); it never moves one while its customer exists.',
    '',
    '## Apply order',
    '',
    `1. \`${HUB_ROUTERS_DIR}/\`: the routers (before a new customer's tunnels, which name their router).`,
    '2. Each customer\'s `operator/` (the tunnels).',
    `3. \`${HUB_SESSIONS_DIR}/\`: every interface and BGP peer (after the tunnels they ride on; a decommissioning customer's peers leave here first, then its own apply destroys the tunnels).`,
    '',
    `Only \`${HUB_SESSIONS_DIR}/\` writes the routers' interface and peer lists, and its state lock lets one apply at a time do it.`,
    '',
    '## Routers',
    '',
    '| router | ASN | BGP peers | customers |',
    '| --- | ---: | ---: | --- |',
    ...hub.routers.map(
      (r) => `| \`${r.name}\`${r.adopted ? ` (${r.adopted.customer}'s own router, adopted: imported here)` : ''} | ${r.asn} | ${r.peers} of ${BGP_PEERS_PER_CLOUD_ROUTER} | ${r.customers.join(', ')} |`,
    ),
    '',
    '## Customers',
    '',
    '| customer | spec | router | tunnel inside /30s |',
    '| --- | --- | --- | --- |',
    ...hub.members.map((m) => `| ${m.name}${m.failover ? ' (failover region)' : ''}${m.decommission ? ' (decommissioning)' : ''} | \`${m.specFile}\` | \`${m.router}\` | ${m.insideCidrs.join(', ')} |`),
    '',
  ];
  return `${lines.join('\n')}`;
}
