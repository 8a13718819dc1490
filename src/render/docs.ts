/**
 * The operator README of each customer (generated/<name>/README.md): where the onboarding stands and what
 * happens next. Statuses and phases come from the model; this file only words them.
 */
import { agree, list, portsText } from '../support/words';
import { STATUS_LABEL, type CustomerModel, type EndpointModel } from '../model/model';
import { commentedNotice } from './header';
import { render } from './templates';
import { topologyMarkdown } from './topology';

/** The onboarding phase of a customer, from its endpoints' statuses. */
export function onboardingPhase(model: CustomerModel): string {
  const waiting = model.endpoints.filter((e) => e.status === 'awaiting-customer').length;
  if (waiting === model.endpoints.length) return 'phase 1 — waiting for the customer to apply their module and send back service names';
  if (waiting > 0) return `phase 2 for ${model.endpoints.length - waiting} of ${model.endpoints.length} endpoints — the rest wait for the customer`;
  return 'phase 2 — every endpoint has its service name';
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

function nextSteps(model: CustomerModel): string[] {
  const waiting = model.endpoints.filter((e) => e.status === 'awaiting-customer');
  const ready = model.endpoints.filter((e) => e.status === 'ready');
  const steps = ['Apply `operator/` (CI does this after the pull request is merged): the VPN and BGP come up without the customer.'];
  if (waiting.length > 0) {
    steps.push(
      `Send the customer the module in \`customer-module/\` for ${waiting.map((e) => `**${e.name}**`).join(', ')} (see "What to send the customer").`,
      `When the customer sends back a service name, add it as \`serviceName\` of that endpoint in \`${model.specFile}\`, run \`privlink generate\` and open a pull request.`,
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
  return steps;
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
  return render('docs/operator-readme.md.hbs', {
    ...model,
    notice: commentedNotice('markdown', model.specFile).trimEnd(),
    phase: onboardingPhase(model),
    topology: topologyMarkdown(model),
    stateLocation: stateLocation(model),
    vpnSummary: model.highAvailability
      ? 'HA: 2 connections × 2 tunnels, 4 BGP sessions (99.99 % SLA)'
      : '1 connection × 2 tunnels, 2 BGP sessions (no 99.99 % SLA)',
    anyPrivateCa: model.endpoints.some((e) => e.tls === 'private-ca'),
    nextSteps: nextSteps(model),
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
