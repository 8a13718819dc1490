/**
 * CI config for the whole fleet, written to generated/ci/: an Atlantis repo config (one project per customer
 * operator folder) and an equivalent GitHub Actions workflow. Both run `privlink check`, then plan and
 * `privlink plan-guard` per changed customer, in parallel; privlink itself schedules nothing.
 *
 * Built as data and serialized with the yaml library, so the files are valid YAML whatever the names.
 */
import { stringify } from 'yaml';
import type { FleetConfig } from '../fleet/schema';
import { generatedNotice } from './header';

export const ATLANTIS_FILE = 'atlantis.yaml';
export const GITHUB_ACTIONS_FILE = 'github-actions.yml';
/** Beside each spec, a human-written list of addresses plan-guard may let be replaced or destroyed. */
export const ALLOW_FILE_SUFFIX = '.plan-guard-allow';

export interface CiInput {
  /** Every customer of the fleet, sorted. */
  readonly customers: readonly string[];
  /** Folders relative to the repository root, forward slashes. */
  readonly specsDir: string;
  readonly outDir: string;
  readonly fleet: FleetConfig;
}

const PRIVLINK = 'npx --no-install privlink';

function header(input: CiInput, lines: string[]): string {
  return [`# ${generatedNotice(`${input.specsDir}/*.yaml`)}`, ...lines.map((l) => (l ? `# ${l}` : '#'))].join('\n');
}

function yamlText(head: string, data: unknown): string {
  return `${head}\n${stringify(data, { lineWidth: 0, indent: 2 })}`;
}

/** `generated/acme/operator` → `../../..`: the repository root seen from an operator folder. */
function upFrom(dir: string): string {
  return dir
    .split('/')
    .filter((p) => p && p !== '.')
    .map(() => '..')
    .join('/');
}

export function renderAtlantis(input: CiInput): string {
  const head = header(input, [
    'Atlantis reads atlantis.yaml at the repository root: link it there once with',
    `  ln -s ${input.outDir}/ci/${ATLANTIS_FILE} ${ATLANTIS_FILE}`,
    'The server-side repo config must allow this file\'s workflow (allowed_overrides: [workflow],',
    'allow_custom_workflows: true), install node_modules before plans (pre_workflow_hooks: run: npm ci) and',
    'should require approval before apply (apply_requirements: [approved, mergeable]).',
  ]);
  const root = '"${DIR%/$REPO_REL_DIR}"';
  return yamlText(head, {
    version: 3,
    automerge: false,
    parallel_plan: true,
    parallel_apply: true,
    projects: input.customers.map((name) => {
      const dir = `${input.outDir}/${name}/operator`;
      return {
        name,
        dir,
        workflow: 'privlink',
        autoplan: { enabled: true, when_modified: ['*.tf.json', `${upFrom(dir)}/${input.specsDir}/${name}${ALLOW_FILE_SUFFIX}`] },
      };
    }),
    workflows: {
      privlink: {
        plan: {
          steps: [
            { run: `cd ${root} && ${PRIVLINK} check` },
            'init',
            { plan: { extra_args: ['-input=false'] } },
            { run: 'terraform show -json "$PLANFILE" > "$SHOWFILE"' },
            {
              run:
                `ALLOW=${root}/${input.specsDir}/"$PROJECT_NAME"${ALLOW_FILE_SUFFIX}; ` +
                `cd ${root} && ${PRIVLINK} plan-guard "$SHOWFILE" $([ -f "$ALLOW" ] && printf -- '--allow-file %s' "$ALLOW")`,
            },
          ],
        },
        apply: { steps: ['apply'] },
      },
    },
  });
}

export function renderGithubActions(input: CiInput): string {
  const head = header(input, [
    'Example GitHub Actions workflow: copy it to .github/workflows/privlink.yml.',
    'Set the repository variables GCP_WORKLOAD_IDENTITY_PROVIDER, GCP_SERVICE_ACCOUNT and AWS_CI_ROLE_ARN',
    '(OIDC, no long-lived keys); protect the "production" environment with required reviewers.',
  ]);
  const out = input.outDir;
  const paths = [`${input.specsDir}/**`, `${out}/**`, 'privlink.yaml', 'package-lock.json'];
  const setup = [
    { uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } },
    { uses: 'actions/setup-node@v4', with: { 'node-version': 20, cache: 'npm' } },
    { run: 'npm ci' },
  ];
  const changed = [
    'base="${{ github.event.pull_request.base.sha || github.event.before }}"',
    '# Customers whose operator stack (or plan-guard allowance) changed, and which still exist.',
    `git diff --name-only "$base" HEAD -- ${out}/ ${input.specsDir}/ \\`,
    `  | sed -n -e 's#^${out}/\\([^/]*\\)/operator/.*#\\1#p' -e 's#^${input.specsDir}/\\(.*\\)\\${ALLOW_FILE_SUFFIX}$#\\1#p' \\`,
    '  | sort -u > "$RUNNER_TEMP/changed.txt"',
    `names=$(while read -r c; do [ -d "${out}/$c/operator" ] && echo "$c"; done < "$RUNNER_TEMP/changed.txt" | jq -R . | jq -sc .)`,
    'echo "customers=$names" >> "$GITHUB_OUTPUT"',
    'echo "changed customers: $names"',
  ].join('\n');
  const plan = [
    `cd ${out}/\${{ matrix.customer }}/operator`,
    'terraform init -input=false',
    'terraform plan -input=false -out=tfplan',
    'terraform show -json tfplan > plan.json',
  ].join('\n');
  const guard = [
    `ALLOW=${input.specsDir}/\${{ matrix.customer }}${ALLOW_FILE_SUFFIX}`,
    `${PRIVLINK} plan-guard ${out}/\${{ matrix.customer }}/operator/plan.json $([ -f "$ALLOW" ] && printf -- '--allow-file %s' "$ALLOW")`,
  ].join('\n');
  return yamlText(head, {
    name: 'privlink',
    on: {
      pull_request: { paths },
      push: { branches: ['main'], paths },
    },
    permissions: { contents: 'read', 'id-token': 'write' },
    jobs: {
      check: {
        'runs-on': 'ubuntu-latest',
        outputs: { customers: '${{ steps.changed.outputs.customers }}' },
        steps: [...setup, { name: 'Generated output matches the specs', run: `${PRIVLINK} check` }, { id: 'changed', name: 'Changed customers', run: changed }],
      },
      terraform: {
        needs: 'check',
        if: "needs.check.outputs.customers != '[]'",
        'runs-on': 'ubuntu-latest',
        environment: "${{ github.event_name == 'push' && 'production' || '' }}",
        strategy: { 'fail-fast': false, matrix: { customer: '${{ fromJSON(needs.check.outputs.customers) }}' } },
        concurrency: { group: 'privlink-${{ matrix.customer }}', 'cancel-in-progress': false },
        steps: [
          ...setup,
          { uses: 'hashicorp/setup-terraform@v3', with: { terraform_wrapper: false } },
          {
            uses: 'google-github-actions/auth@v2',
            with: { workload_identity_provider: '${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}', service_account: '${{ vars.GCP_SERVICE_ACCOUNT }}' },
          },
          { uses: 'aws-actions/configure-aws-credentials@v4', with: { 'role-to-assume': '${{ vars.AWS_CI_ROLE_ARN }}', 'aws-region': 'us-east-1' } },
          { name: 'Plan', run: plan },
          { name: 'Plan guard (no live tunnel or endpoint destroyed without an allowance)', run: guard },
          {
            name: 'Apply (merged to main only)',
            if: "github.event_name == 'push'",
            run: `terraform -chdir=${out}/\${{ matrix.customer }}/operator apply -input=false tfplan`,
          },
        ],
      },
    },
  });
}

/** The files of generated/ci/, by name; empty when the fleet config turns both off. */
export function renderCi(input: CiInput): Map<string, string> {
  const files = new Map<string, string>();
  if (input.fleet.ci.atlantis) files.set(ATLANTIS_FILE, renderAtlantis(input));
  if (input.fleet.ci.githubActions) files.set(GITHUB_ACTIONS_FILE, renderGithubActions(input));
  return files;
}
