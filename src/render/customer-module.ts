/**
 * The Terraform module the customer applies in their own AWS account: internal NLB → endpoint service that
 * allowlists exactly the operator's account. One module per customer, applied once per endpoint; an example per
 * endpoint has the ports filled in. Written for a person outside the operator's company.
 */
import { customerCostMarkdown } from './cost';
import { MODULE_TESTS_FILE, renderModuleTests } from './module-tests';
import {
  AWS_PROVIDER_CONSTRAINT_CUSTOMER,
  NLB_TLS_POLICY,
  TERRAFORM_VERSION_CONSTRAINT,
} from '../domain/constants';
import type { CustomerModel } from '../model/model';
import { ACCEPTANCE_RULE } from '../domain/exceptions';
import { CROSS_REGION_UNSUPPORTED_AZ_IDS, CROSS_REGION_UNSUPPORTED_BY_REGION } from '../domain/aws-regions';
import { commentedNotice } from './header';
import { render } from './templates';

/** How the customer-facing text names the operator. */
export const DEFAULT_OPERATOR_NAME = 'your service provider';

export function customerModuleData(model: CustomerModel, operatorName = DEFAULT_OPERATOR_NAME) {
  return {
    notice: commentedNotice('hcl', model.specFile, 'customer').trimEnd(),
    operatorName,
    /** The operator's name at the start of a sentence. */
    OperatorName: operatorName.charAt(0).toUpperCase() + operatorName.slice(1),
    customer: model.name,
    decommission: model.decommission,
    region: model.aws.region,
    principalArn: model.aws.operatorPrincipalArn,
    accountId: model.aws.accountId,
    azIds: model.aws.availabilityZoneIds,
    // Placeholders the customer replaces, one per required AZ ID: an example with fewer subnets would fail the
    // module's own AZ precondition as written.
    subnetPlaceholders: model.aws.availabilityZoneIds.map((azId, i) => ({ azId, id: `subnet-0123456789abcdef${i.toString(16)}` })),
    azList: model.aws.availabilityZoneIds.join(', '),
    terraformVersion: TERRAFORM_VERSION_CONSTRAINT,
    awsVersion: AWS_PROVIDER_CONSTRAINT_CUSTOMER,
    tlsPolicy: NLB_TLS_POLICY,
    endpoints: model.endpoints.map((e) => ({
      name: e.name,
      hostnames: e.hostnames,
      ports: [...e.ports].sort((a, b) => a - b),
      portList: [...e.ports].sort((a, b) => a - b).join(', '),
      tls: e.tls,
      privateCa: e.tls === 'private-ca',
      customerResourceName: e.customerResourceName,
      moduleName: `privlink_${e.name.replace(/-/g, '_')}`,
      outputPrefix: e.name.replace(/-/g, '_'),
      connected: e.status === 'ready',
      autoAccept: !e.acceptanceRequired,
      region: e.region,
      crossRegion: e.crossRegion,
      // Same Region: one subnet per AZ ID the operator's endpoint uses (the module checks it). Cross-Region: any two
      // AZs of the service's Region (no alignment), none of those cross-Region PrivateLink does not support.
      subnets: e.crossRegion
        ? [0, 1].map((i) => ({ id: `subnet-0123456789abcdef${i.toString(16)}`, where: `any Availability Zone of ${e.region}${excludedIn(e.region)}` }))
        : model.aws.availabilityZoneIds.map((azId, i) => ({ id: `subnet-0123456789abcdef${i.toString(16)}`, where: azId })),
    })),
    operatorRegion: model.aws.region,
    // Every AZ ID cross-Region access does not support (the module refuses them), and those in the Regions of this
    // customer's cross-Region services (what its README names).
    crossRegionAzIds: CROSS_REGION_UNSUPPORTED_AZ_IDS,
    serviceRegionAzIds: [...new Set(model.endpoints.filter((e) => e.crossRegion).flatMap((e) => CROSS_REGION_UNSUPPORTED_BY_REGION[e.region] ?? []))],
    // Each Region a service runs in, with its services: the customer's admin runs each command in the service's Region.
    serviceRegions: [...new Set(model.endpoints.map((e) => e.region))].sort().map((region) => ({ region, services: model.endpoints.filter((e) => e.region === region).map((e) => e.name).join(', ') })),
    anyCrossRegion: model.endpoints.some((e) => e.crossRegion),
    anySameRegion: model.endpoints.some((e) => !e.crossRegion),
    exceptions: model.securityExceptions,
    acceptanceReason: model.securityExceptions.find((x) => x.rule === ACCEPTANCE_RULE)?.reason,
  };
}

/** `but use1-az3` for a Region with AZ IDs cross-Region access does not support; nothing for the others. */
const excludedIn = (region: string) => {
  const ids = CROSS_REGION_UNSUPPORTED_BY_REGION[region] ?? [];
  return ids.length ? ` but ${ids.join(', ')}` : '';
};

/** Files of generated/<name>/customer-module/, by path relative to that folder. */
export function renderCustomerModule(model: CustomerModel, operatorName?: string): Map<string, string> {
  const data = customerModuleData(model, operatorName);
  const files = new Map<string, string>();
  for (const f of ['versions.tf', 'variables.tf', 'main.tf', 'outputs.tf']) {
    files.set(f, render(`customer-module/${f}.hbs`, data));
  }
  files.set(
    'README.md',
    render('docs/customer-module-readme.md.hbs', {
      ...data,
      costSection: customerCostMarkdown(model.cost),
      notice: commentedNotice('markdown', model.specFile, 'customer').trimEnd(),
      // The operator's second GCP region changes its side only: the same principal, services and connections here.
      failoverRegions: model.gcp.failoverRegion ? `${model.gcp.region} and ${model.gcp.failoverRegion}` : null,
    }),
  );
  // The guard rails, shipped: the customer's admin runs them before applying (terraform test, mock provider, offline).
  files.set(MODULE_TESTS_FILE, renderModuleTests(model, commentedNotice('hcl', model.specFile, 'customer').trimEnd()));
  for (const endpoint of data.endpoints) {
    files.set(`examples/${endpoint.name}/main.tf`, render('customer-module/example-main.tf.hbs', { ...data, endpoint }));
    files.set(`examples/${endpoint.name}/providers.tf`, render('customer-module/example-providers.tf.hbs', { ...data, region: endpoint.region }));
  }
  return files;
}
