/**
 * Hard limits of the clouds that bind at fleet scale (reference §1.5b), each with the page that states it. A limit
 * cannot be raised (unlike a quota): privlink refuses at the spec what the cloud would refuse at apply.
 */

/** Where each limit is written, as named in error messages. */
export const LIMIT_SOURCES = {
  cloudRouter: 'Google Cloud Router "Quotas and limits" (cloud.google.com/network-connectivity/docs/router/quotas)',
  awsTags: 'AWS "Tag your resources" (each resource can have a maximum of 50 user-created tags)',
  gcpLabels: 'Google "Labels" requirements (each resource can have up to 64 labels)',
  cloudDns: 'Google "Cloud DNS quotas" (resource records per resource record set: 100)',
  githubMatrix: 'GitHub Docs, workflow syntax jobs.<job_id>.strategy.matrix ("a matrix will generate a maximum of 256 jobs per workflow run")',
} as const;

/**
 * "Maximum number of Cloud Routers per combination of VPC network and region: 5" — a limit: "regardless of quota,
 * each network is limited to five Cloud Routers per region".
 */
export const CLOUD_ROUTERS_PER_NETWORK_REGION = 5;

/** "Maximum number of BGP peers for each Cloud Router in a given VPC network and region: 128". */
export const BGP_PEERS_PER_CLOUD_ROUTER = 128;

/** User-created tags per AWS resource (default tags count; `aws:` tags do not). */
export const AWS_TAGS_PER_RESOURCE = 50;

/** Labels per Google Cloud resource. */
export const GCP_LABELS_PER_RESOURCE = 64;

/** Records (rrdatas) in one Cloud DNS resource record set. */
export const CLOUD_DNS_RECORDS_PER_SET = 100;

/** Jobs one matrix may generate in a workflow run (GitHub-hosted and self-hosted runners alike). */
export const GITHUB_MATRIX_JOBS = 256;
