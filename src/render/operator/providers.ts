/** The stack's Terraform settings: backend, required versions, and both providers with the default tags/labels. */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { GcsBackend, LocalBackend, S3Backend, TerraformVariable, type TerraformStack } from 'cdktf';
import type { BackendModel, CustomerModel } from '../../model/model';

export interface ProvidersProps {
  readonly name: CustomerModel['name'];
  readonly terraform: CustomerModel['terraform'];
  readonly aws: Pick<CustomerModel['aws'], 'region' | 'accountId'>;
  readonly gcp: Pick<CustomerModel['gcp'], 'project' | 'region'>;
  readonly labels: CustomerModel['labels'];
}

export class OperatorProviders {
  constructor(stack: TerraformStack, props: ProvidersProps) {
    // Provider-level defaults reach every resource that takes tags/labels. Keys use underscores: GCP labels allow
    // them, and cdktf rewrites hyphenated keys of provider maps.
    const tags = { ...props.labels };
    addBackend(stack, props.terraform.backend);
    stack.addOverride('terraform.required_version', props.terraform.requiredVersion);
    stack.addOverride('terraform.required_providers.aws', { source: 'hashicorp/aws', version: props.terraform.awsProviderConstraint });
    stack.addOverride('terraform.required_providers.google', { source: 'hashicorp/google', version: props.terraform.googleProviderConstraint });

    const assumeRole = props.terraform.assumeRole;
    const v = props.terraform.roleVariable;
    if (v) {
      new TerraformVariable(stack, v.name, {
        type: 'string',
        default: v.plan,
        description: `The role to assume in the operator account: ${v.plan} (read-only, the default: plans) or ${v.apply} (applies; CI passes it only in the protected environment).`,
        validation: [{ condition: `contains(["${v.plan}", "${v.apply}"], var.${v.name})`, errorMessage: `${v.name} must be "${v.plan}" or "${v.apply}".` }],
      });
    }
    new AwsProvider(stack, 'aws', {
      region: props.aws.region,
      allowedAccountIds: [props.aws.accountId],
      ...(assumeRole ? { assumeRole: [{ roleArn: assumeRole.roleArn, sessionName: assumeRole.sessionName }] } : {}),
      defaultTags: [{ tags }],
    });
    new GoogleProvider(stack, 'google', { project: props.gcp.project, region: props.gcp.region, defaultLabels: tags });
  }
}

/** The state backend: relative local file, or the fleet's remote backend with this customer's own key. */
export function addBackend(stack: TerraformStack, backend: BackendModel): void {
  switch (backend.type) {
    case 'local':
      new LocalBackend(stack, { path: backend.path });
      return;
    case 'gcs':
      new GcsBackend(stack, { bucket: backend.bucket, prefix: backend.prefix });
      return;
    case 's3':
      new S3Backend(stack, {
        bucket: backend.bucket,
        key: backend.key,
        region: backend.region,
        encrypt: true,
        ...(backend.kmsKeyId ? { kmsKeyId: backend.kmsKeyId } : {}),
        ...(backend.lock.kind === 'dynamodb' ? { dynamodbTable: backend.lock.table } : {}),
      });
      // cdktf 0.21's S3Backend predates S3-native locking.
      if (backend.lock.kind === 'lockfile') stack.addOverride('terraform.backend.s3.use_lockfile', true);
      return;
  }
}
