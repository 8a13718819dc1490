/**
 * AWS Regions by partition, and what cross-Region PrivateLink allows. A Region's partition decides whether two
 * Regions can be joined by PrivateLink at all ("hosted in other AWS Regions in the same AWS partition": reference
 * §1.5b); the lists are the AWS SDK's own (aws/aws-sdk-js-v3, packages/util-endpoints/src/lib/aws/partitions.json,
 * each partition's "regions", global pseudo-regions left out).
 */

export const AWS_PARTITION_REGIONS: Readonly<Record<string, readonly string[]>> = {
  aws: [
    'af-south-1', 'ap-east-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-south-2',
    'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-7',
    'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1',
    'eu-west-2', 'eu-west-3', 'il-central-1', 'me-central-1', 'me-south-1', 'mx-central-1', 'sa-east-1', 'us-east-1',
    'us-east-2', 'us-west-1', 'us-west-2',
  ],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
  'aws-us-gov': ['us-gov-east-1', 'us-gov-west-1'],
  'aws-iso': ['us-iso-east-1', 'us-iso-west-1'],
  'aws-iso-b': ['us-isob-east-1'],
  'aws-iso-e': ['eu-isoe-west-1'],
  'aws-iso-f': ['us-isof-east-1', 'us-isof-south-1'],
  'aws-eusc': ['eusc-de-east-1'],
};

export const AWS_REGIONS_SOURCE = 'the AWS SDK\'s partitions (aws-sdk-js-v3 util-endpoints partitions.json)';

/** The partition a known Region belongs to, or undefined for a name no partition lists. */
export function partitionOf(region: string): string | undefined {
  return Object.entries(AWS_PARTITION_REGIONS).find(([, regions]) => regions.includes(region))?.[0];
}

/**
 * Availability Zones where cross-Region PrivateLink is not supported, by AZ ID (AWS PrivateLink guide, "Share your
 * services through AWS PrivateLink", "Cross-Region access"): neither the operator's endpoint nor the customer's
 * load balancer may sit in one when the two are in different Regions.
 */
export const CROSS_REGION_UNSUPPORTED_AZ_IDS: readonly string[] = ['use1-az3', 'usw1-az2', 'apne1-az3', 'apne2-az2', 'apne2-az4'];

/** The same AZ IDs by the Region they are in (an AZ ID's prefix names its Region: use1 is us-east-1). */
export const CROSS_REGION_UNSUPPORTED_BY_REGION: Readonly<Record<string, readonly string[]>> = {
  'us-east-1': ['use1-az3'],
  'us-west-1': ['usw1-az2'],
  'ap-northeast-1': ['apne1-az3'],
  'ap-northeast-2': ['apne2-az2', 'apne2-az4'],
};

export const CROSS_REGION_SOURCE = 'AWS PrivateLink guide, "Share your services through AWS PrivateLink", "Cross-Region access"';
