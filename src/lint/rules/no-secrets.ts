import { ofType, type LintRule } from '../types';

/** Shapes of credentials and keys that must never be in a generated file. */
export const SECRET_PATTERNS: readonly [string, RegExp][] = [
  ['AWS access key id', /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
  ['private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['GCP service account key', /"private_key_id"\s*:/],
  ['AWS secret key assignment', /\b(secret_key|aws_secret_access_key)\b\s*[=:]\s*"[^"$]{8,}"/i],
  ['password assignment', /\bpassword\b\s*[=:]\s*"[^"$]{4,}"/i],
  ['GitHub token', /\bgh[pousr]_[A-Za-z0-9]{36}\b/],
];

/**
 * Pre-shared keys come from AWS and are only referenced; no file holds a literal key, credential or token.
 */
export const noSecrets: LintRule = {
  id: 'PRIVLINK_NO_SECRETS',
  mirrors: ['CKV_SECRET_2', 'CKV_SECRET_6'],
  title: 'No pre-shared key, credential or token in any file',
  check: (doc) => [
    ...ofType(doc, 'aws_vpn_connection').flatMap((r) =>
      [1, 2]
        .filter((t) => r.body[`tunnel${t}_preshared_key`] !== undefined)
        .map((t) => `${r.address}: tunnel${t}_preshared_key is set; let AWS generate it and reference it instead`),
    ),
    ...ofType(doc, 'google_compute_vpn_tunnel')
      .filter((r) => !/^\$\{aws_vpn_connection\.[A-Za-z0-9_-]+\.tunnel[12]_preshared_key\}$/.test(String(r.body.shared_secret)))
      .map((r) => `${r.address}: shared_secret must reference aws_vpn_connection.<name>.tunnel<n>_preshared_key, not a literal`),
    ...doc.texts.flatMap((text) => SECRET_PATTERNS.filter(([, re]) => re.test(text)).map(([what]) => `${doc.file}: contains what looks like a ${what}`)),
  ],
};

/** Outputs that carry a key, secret or password are marked sensitive. */
export const sensitiveOutputs: LintRule = {
  id: 'PRIVLINK_SENSITIVE_OUTPUTS',
  mirrors: [],
  title: 'Outputs carrying secrets are sensitive',
  check: (doc) =>
    Object.entries(doc.outputs)
      .filter(([, o]) => /preshared_key|secret|password|private_key|customer_gateway_configuration/.test(JSON.stringify(o.value ?? '')) && o.sensitive !== true)
      .map(([name]) => `output.${name}: carries a secret and must be sensitive = true`),
};
