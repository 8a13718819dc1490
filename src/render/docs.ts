/**
 * The operator README of each customer (generated/<name>/README.md): where the onboarding stands and what
 * happens next. Statuses and phases come from the model; this file only words them.
 */
import { operatorCostMarkdown } from './cost';
import { ALERT_PERIOD_SECONDS, type Severity } from '../domain/monitoring';
import { FAILOVER_ADVERTISED_PRIORITY, PRIMARY_ADVERTISED_PRIORITY } from '../domain/preference';
import { agree, list, portsText } from '../support/words';
import { STATUS_LABEL, type CustomerModel, type EndpointModel } from '../model/model';
import { ALLOW_FILE_SUFFIX } from './ci';
import { commentedNotice } from './header';
import { render } from './templates';
import { topologyMarkdown } from './topology';

/**
 * Where a customer's onboarding stands, from its endpoints' statuses, in words that define themselves (an endpoint
 * connects in two steps: the customer applies their module and sends back its service name; then the operator adds
 * it and the customer accepts the connection request). Not IKE's phases, nor `privlink status`'s phase of a live
 * connection.
 */
export function onboardingPhase(model: CustomerModel): string {
  if (model.decommission) return 'decommissioning — the next apply of `operator/` destroys every resource of this customer (see "Offboarding")';
  const waiting = model.endpoints.filter((e) => e.status === 'awaiting-customer').map((e) => e.name);
  const ready = model.endpoints.filter((e) => e.status !== 'awaiting-customer').map((e) => e.name);
  const step1 = 'step 1 of 2: the customer applies their module and sends back its service name';
  const step2 = 'step 2 of 2: its service name is in the spec, and it connects once the customer accepts the connection request';
  if (ready.length === 0) return `every endpoint at ${step1}`;
  if (waiting.length === 0) return `every endpoint at ${step2}`;
  return `${ready.join(', ')} at ${step2}; ${waiting.join(', ')} at ${step1}`;
}

function followUps(e: EndpointModel): string[] {
  const out: string[] = [];
  if (e.status === 'awaiting-customer') {
    out.push('Waiting for the customer: add the `serviceName` they send back to the spec and regenerate.');
  } else {
    out.push(
      (e.acceptanceRequired
        ? `After \`terraform apply\`, the interface endpoint waits in \`pendingAcceptance\` until the customer accepts it; `
        : `After \`terraform apply\`, the interface endpoint is accepted at once (the spec opts out of acceptance, see "Security exceptions"); `) +
        `then check that ${list(e.hostnames.map((h) => `\`${h}\``))} ${agree(e.hostnames.length, 'resolves', 'resolve')} from GKE to ` +
        `${list(e.addresses.map((a) => `\`${a.address}\``))} and ${agree(e.hostnames.length, 'answers', 'answer')} on ${portsText(e.ports)}.`,
    );
  }
  if (e.tls === 'private-ca') {
    out.push("TLS is signed by the customer's private CA: the application must trust their CA chain (ask for it in PEM).");
  }
  if (e.ports.includes(22)) out.push('Git over SSH on port 22: add the host keys of the customer hostnames to the known hosts of the application.');
  return out;
}

/** The order in which a customer leaves the fleet; each step waits for the one before. */
function offboardingSteps(model: CustomerModel): string[] {
  return [
    `Merge this pull request. CI plans and applies \`operator/\`: the plan destroys every resource of ${model.name} and nothing else, and plan-guard lets exactly those destroys through. The interface endpoints go first, so the customer's endpoint services have no connection left.`,
    `Check with \`privlink status ${model.name}\`: the phase reads decommissioning, with no resource left in the state.`,
    `Tell the customer to remove their module: they turn deletion protection of each load balancer off and run \`terraform destroy\` (their README, "Stopping the connection", has the commands). AWS refuses to delete an endpoint service that still has connections, which is why the operator's apply comes first.`,
    `In a later pull request, delete \`${model.specFile}\` and \`generated/${model.name}/\` (and \`${model.specFile.replace(/\.ya?ml$/, '')}${ALLOW_FILE_SUFFIX}\` if it exists). \`privlink check\` accepts the removal, and CI stops planning ${model.name} once its folder is gone.`,
  ];
}

function nextSteps(model: CustomerModel): string[] {
  if (model.decommission) return offboardingSteps(model);
  const waiting = model.endpoints.filter((e) => e.status === 'awaiting-customer');
  const ready = model.endpoints.filter((e) => e.status === 'ready');
  const steps = ['Apply `operator/` (CI does this after the pull request is merged): the VPN and BGP come up without the customer.'];
  if (waiting.length > 0) {
    steps.push(
      `Send the customer the module in \`customer-module/\` for ${waiting.map((e) => `**${e.name}**`).join(', ')} (see "What to send the customer").`,
      `When the customer sends back a service name, add it as \`serviceName\` of that endpoint in \`${model.specFile}\`, run \`privlink generate ${model.specFile} --commit\` and open a pull request from the branch it makes.`,
    );
  }
  const toAccept = ready.filter((e) => e.acceptanceRequired);
  if (toAccept.length > 0) {
    steps.push(
      `Ask the customer to accept the connection requests of ${toAccept.map((e) => `**${e.name}**`).join(', ')} from account \`${model.aws.accountId}\`, then verify each hostname from a GKE pod.`,
    );
  }
  const auto = ready.filter((e) => !e.acceptanceRequired);
  if (auto.length > 0) {
    steps.push(`Verify each hostname of ${auto.map((e) => `**${e.name}**`).join(', ')} from a GKE pod (accepted without the customer, see "Security exceptions").`);
  }
  steps.push(
    `Verify: \`privlink status ${model.name}\` reads the applied state and reports every tunnel \`UP\` and each connected endpoint \`available\`; the phase reads \`connected\` (exit 1 when degraded or down, so cron or CI can page on it).`,
  );
  return steps;
}

/** One row per alarm of the customer: what fires, when, at what severity, on which cloud. */
function alertRows(model: CustomerModel): { name: string; cloud: string; fires: string; severity: string }[] {
  const period = `${ALERT_PERIOD_SECONDS / 60} minutes`;
  const rows = model.tunnels.flatMap((t) => [
    { name: t.alarmName, cloud: 'AWS (CloudWatch)', fires: `tunnel ${t.key}${t.site === 'failover' ? ` (failover region ${t.region})` : ''} (connection ${t.connection}, tunnel ${t.awsTunnel}) reports TunnelState 0, or nothing, for ${period}`, severity: 'warning' },
    { name: t.alarmName, cloud: 'GCP (Cloud Monitoring)', fires: `tunnel ${t.key} is not established for ${period}`, severity: 'warning' },
    { name: t.sessionAlarmName, cloud: 'GCP (Cloud Monitoring)', fires: `the BGP session of tunnel ${t.key} is down for ${period}`, severity: 'warning' },
  ]);
  rows.push(
    { name: model.alerts.noPathName, cloud: 'AWS (CloudWatch)', fires: `no tunnel is up for ${period}`, severity: 'critical' },
    { name: model.alerts.noPathName, cloud: 'GCP (Cloud Monitoring)', fires: `no tunnel is established, or no BGP session is up, for ${period}`, severity: 'critical' },
  );
  return rows;
}

/** Where the operator stack's state lives, in words. */
function stateLocation(model: CustomerModel): string {
  const b = model.terraform.backend;
  switch (b.type) {
    case 'local':
      return `a local file, \`operator/${b.path}\` (fine for trying privlink out; a fleet sets a remote backend in privlink.yaml)`;
    case 'gcs':
      return `GCS bucket \`${b.bucket}\`, prefix \`${b.prefix}\` (GCS locks the state natively)`;
    case 's3':
      return `S3 bucket \`${b.bucket}\` (${b.region}), key \`${b.key}\`, encrypted, locked by ${b.lock.kind === 'lockfile' ? 'an S3 lock file' : `DynamoDB table \`${b.lock.table}\``}`;
  }
}

export function renderOperatorReadme(model: CustomerModel): string {
  const targets = (severity: Severity) => [...model.alerts.targets[severity].snsTopicArns, ...model.alerts.targets[severity].notificationChannels].map((x) => `\`${x}\``);
  const named = (severity: Severity) => targets(severity).join(', ') || 'nobody';
  const anyTarget = targets('warning').length + targets('critical').length > 0;
  return render('docs/operator-readme.md.hbs', {
    ...model,
    alertTargets: anyTarget
      ? `Warnings go to ${named('warning')}; critical alerts go to ${named('critical')} (privlink.yaml \`alerts\`).`
      : 'No notification targets yet: until privlink.yaml names SNS topics and Cloud Monitoring channels under `alerts`, the alarms show in each console only.',
    notice: commentedNotice('markdown', model.specFile).trimEnd(),
    costSection: operatorCostMarkdown(model.cost, model.decommission),
    phase: onboardingPhase(model),
    topology: topologyMarkdown(model),
    stateLocation: stateLocation(model),
    vpnSummary: model.highAvailability
      ? 'HA: 2 connections × 2 tunnels, 4 BGP sessions (99.99 % SLA)'
      : '1 connection × 2 tunnels, 2 BGP sessions (no 99.99 % SLA)',
    failover: model.gcp.sites.find((s) => s.site === 'failover') ?? null,
    primaryPriority: PRIMARY_ADVERTISED_PRIORITY,
    failoverPriority: FAILOVER_ADVERTISED_PRIORITY,
    anyPrivateCa: model.endpoints.some((e) => e.tls === 'private-ca'),
    nextSteps: nextSteps(model),
    alerts: alertRows(model),
    endpoints: model.endpoints.map((e) => ({
      ...e,
      serviceName: e.serviceName ?? null,
      portList: e.ports.join(', '),
      addressList: e.addresses.map((a) => `\`${a.address}\` (${a.azId})`).join(', '),
      statusLabel: STATUS_LABEL[e.status],
      followUps: followUps(e),
    })),
  });
}
