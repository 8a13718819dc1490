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
  /** Hub ids (generated/hubs/<id>/), sorted; and the customers that are decommissioning, whose apply comes last. */
  readonly hubs: readonly string[];
  readonly leaving: readonly string[];
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

/**
 * The apply order of the shared routers (reference §1.5b, render/hub.ts): a hub's routers before the customers'
 * tunnels that name them, its sessions (every interface and peer) after, and a decommissioning customer's own apply
 * after the sessions stack has taken its peers away.
 */
const ORDER = { routers: 0, customers: 1, sessions: 2, leaving: 3 } as const;

function hubProject(input: CiInput, hub: string, stack: 'routers' | 'sessions') {
  return {
    name: `hub-${hub}-${stack}`,
    dir: `${input.outDir}/hubs/${hub}/${stack}`,
    workflow: 'privlink',
    execution_order_group: ORDER[stack],
    autoplan: { enabled: true, when_modified: ['*.tf.json'] },
  };
}

export function renderAtlantis(input: CiInput): string {
  const head = header(input, [
    'Atlantis reads atlantis.yaml at the repository root: link it there once with',
    `  ln -s ${input.outDir}/ci/${ATLANTIS_FILE} ${ATLANTIS_FILE}`,
    'The server-side repo config must allow this file\'s workflow (allowed_overrides: [workflow],',
    'allow_custom_workflows: true), install node_modules before plans (pre_workflow_hooks: run: npm ci) and',
    'should require approval before apply (apply_requirements: [approved, mergeable]).',
    'execution_order_group (Atlantis >= 0.17) orders `atlantis apply`: shared routers, customers, BGP sessions,',
    'then decommissioning customers. Each hub\'s sessions are one project, so its lock lets one pull request at a',
    'time plan and apply the routers\' interface and peer lists.',
  ]);
  const root = '"${DIR%/$REPO_REL_DIR}"';
  return yamlText(head, {
    version: 3,
    automerge: false,
    parallel_plan: true,
    parallel_apply: true,
    projects: [
      ...input.hubs.map((hub) => hubProject(input, hub, 'routers')),
      ...input.customers.map((name) => {
        const dir = `${input.outDir}/${name}/operator`;
        return {
          name,
          dir,
          workflow: 'privlink',
          execution_order_group: input.leaving.includes(name) ? ORDER.leaving : ORDER.customers,
          autoplan: { enabled: true, when_modified: ['*.tf.json', `${upFrom(dir)}/${input.specsDir}/${name}${ALLOW_FILE_SUFFIX}`] },
        };
      }),
      ...input.hubs.map((hub) => hubProject(input, hub, 'sessions')),
    ],
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
    'Order: the shared routers of each changed hub, then the changed customers, then each hub\'s BGP sessions',
    '(one job per hub writes all of its routers\' interfaces and peers), then decommissioning customers.',
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
    '# Stacks whose files (or plan-guard allowance) changed, and which still exist: hubs, customers, leaving customers.',
    `git diff --name-only "$base" HEAD -- ${out}/ ${input.specsDir}/ \\`,
    `  | sed -n -e 's#^${out}/hubs/\\([^/]*\\)/\\(routers\\|sessions\\)/.*#hub \\1#p' -e 's#^${out}/\\([^/]*\\)/operator/.*#customer \\1#p' -e 's#^${input.specsDir}/\\(.*\\)\\${ALLOW_FILE_SUFFIX}$#customer \\1#p' \\`,
    '  | sort -u > "$RUNNER_TEMP/changed.txt"',
    'json() { jq -R . | jq -sc .; }',
    `hubs=$(sed -n 's/^hub //p' "$RUNNER_TEMP/changed.txt" | while read -r h; do if [ -d "${out}/hubs/$h/routers" ]; then echo "$h"; fi; done | json)`,
    'customers=""; leaving=""',
    `for c in $(sed -n 's/^customer //p' "$RUNNER_TEMP/changed.txt"); do`,
    `  [ -d "${out}/$c/operator" ] || continue`,
    `  if jq -e '.decommission == true' "${out}/$c/privlink-manifest.json" > /dev/null; then leaving="$leaving$c"$'\\n'; else customers="$customers$c"$'\\n'; fi`,
    'done',
    'customers=$(printf %s "$customers" | json); leaving=$(printf %s "$leaving" | json)',
    '{ echo "hubs=$hubs"; echo "customers=$customers"; echo "leaving=$leaving"; } >> "$GITHUB_OUTPUT"',
    'echo "changed hubs: $hubs; customers: $customers; decommissioning: $leaving"',
  ].join('\n');
  const terraformSteps = (dir: string, allow?: string) => [
    ...setup,
    { uses: 'hashicorp/setup-terraform@v3', with: { terraform_wrapper: false } },
    {
      uses: 'google-github-actions/auth@v2',
      with: { workload_identity_provider: '${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}', service_account: '${{ vars.GCP_SERVICE_ACCOUNT }}' },
    },
    { uses: 'aws-actions/configure-aws-credentials@v4', with: { 'role-to-assume': '${{ vars.AWS_CI_ROLE_ARN }}', 'aws-region': 'us-east-1' } },
    {
      name: 'Plan',
      // -lock-timeout: a second run on the same state waits for the first to finish instead of failing.
      run: [`cd ${dir}`, 'terraform init -input=false', 'terraform plan -input=false -lock-timeout=30m -out=tfplan', 'terraform show -json tfplan > plan.json'].join('\n'),
    },
    {
      name: 'Plan guard (no live tunnel or endpoint destroyed without an allowance)',
      run: allow
        ? [`ALLOW=${allow}`, `${PRIVLINK} plan-guard ${dir}/plan.json $([ -f "$ALLOW" ] && printf -- '--allow-file %s' "$ALLOW")`].join('\n')
        : `${PRIVLINK} plan-guard ${dir}/plan.json`,
    },
    { name: 'Apply (merged to main only)', if: "github.event_name == 'push'", run: `terraform -chdir=${dir} apply -input=false -lock-timeout=30m tfplan` },
  ];
  const job = (needs: string[], when: string, matrix: Record<string, string>, group: string, steps: unknown[]) => ({
    needs,
    if: when,
    'runs-on': 'ubuntu-latest',
    environment: "${{ github.event_name == 'push' && 'production' || '' }}",
    strategy: { 'fail-fast': false, matrix },
    // One run per state at a time; a newer run replaces an older pending one, and holds every change it had.
    concurrency: { group, 'cancel-in-progress': false },
    steps,
  });
  const customerDir = `${out}/\${{ matrix.customer }}/operator`;
  const customerAllow = `${input.specsDir}/\${{ matrix.customer }}${ALLOW_FILE_SUFFIX}`;
  const hubDir = (stack: string) => `${out}/hubs/\${{ matrix.hub }}/${stack}`;
  const none = (list: string) => `needs.check.outputs.${list} != '[]'`;
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
        outputs: { hubs: '${{ steps.changed.outputs.hubs }}', customers: '${{ steps.changed.outputs.customers }}', leaving: '${{ steps.changed.outputs.leaving }}' },
        steps: [...setup, { name: 'Generated output matches the specs', run: `${PRIVLINK} check` }, { id: 'changed', name: 'Changed stacks', run: changed }],
      },
      hub_routers: job(['check'], none('hubs'), { hub: '${{ fromJSON(needs.check.outputs.hubs) }}' }, 'privlink-hub-${{ matrix.hub }}-routers', terraformSteps(hubDir('routers'))),
      terraform: job(
        ['check', 'hub_routers'],
        `\${{ !cancelled() && ${none('customers')} && needs.hub_routers.result != 'failure' }}`,
        { customer: '${{ fromJSON(needs.check.outputs.customers) }}' },
        'privlink-${{ matrix.customer }}',
        terraformSteps(customerDir, customerAllow),
      ),
      hub_sessions: job(
        ['check', 'hub_routers', 'terraform'],
        `\${{ !cancelled() && ${none('hubs')} && needs.hub_routers.result != 'failure' }}`,
        { hub: '${{ fromJSON(needs.check.outputs.hubs) }}' },
        'privlink-hub-${{ matrix.hub }}-sessions',
        terraformSteps(hubDir('sessions')),
      ),
      decommission: job(
        ['check', 'hub_sessions'],
        `\${{ !cancelled() && ${none('leaving')} && needs.hub_sessions.result != 'failure' }}`,
        { customer: '${{ fromJSON(needs.check.outputs.leaving) }}' },
        'privlink-${{ matrix.customer }}',
        terraformSteps(customerDir, customerAllow),
      ),
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
