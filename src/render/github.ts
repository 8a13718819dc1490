/**
 * The GitHub Actions workflows of generated/ci/: the change workflow (pull requests plan, main applies) and the drift
 * workflow (a schedule plans every stack and reports; it never applies).
 *
 * Fleet scale within GitHub's limits: a matrix generates at most 256 jobs per run (domain/limits.ts), so the changed
 * stacks are dealt into at most `ci.maxParallel` shards (≤ 256) and each job runs its shard's stacks one after
 * another, reporting each stack on its own row of the job summary. Every script is plain bash that reads its inputs
 * from the environment (no `${{ }}` inside a script), so shellcheck and a test can run it as a runner would.
 *
 * Order of one change, in waves: the routers of the canaries' hubs and the canaries' stacks (jobs named `canary`),
 * then every other changed hub's routers, every other changed customer, the hubs' BGP sessions, and decommissioning
 * customers; a failed canary stops the rest, so no change reaches the fleet before a canary has applied it.
 * On pull requests the lab runs for a customer whose wiring changed (its manifest's `wiring` differs from the base's),
 * not for a change of tags, labels or documentation only.
 */
import { AWS_ROLE_VARIABLE, ENGINE_COMMAND } from '../domain/constants';
import { ALLOW_FILE_SUFFIX, ciYaml, PRIVLINK, type CiInput } from './ci-yaml';

export const GITHUB_ACTIONS_FILE = 'github-actions.yml';
export const GITHUB_DRIFT_FILE = 'github-drift.yml';

/** Where the provider plugins live between jobs (restored and saved by actions/cache). */
const PLUGIN_CACHE = '~/.terraform.d/plugin-cache';

/** The kinds of stack a shard job runs: where each stack's folder is, and whether its plan-guard allowance applies. */
type Kind = 'routers' | 'customer' | 'sessions';

function stackDir(input: CiInput, kind: Kind): string {
  return kind === 'customer' ? `${input.outDir}/$s/operator` : `${input.outDir}/hubs/$s/${kind}`;
}

/**
 * Bash that deals the names on stdin (one per line) into at most $MAX_PARALLEL shards, round robin, as a JSON matrix
 * list: [{"shard":1,"of":2,"stacks":"a c"},{"shard":2,"of":2,"stacks":"b d"}] ([] for none).
 */
const SHARDS_FUNCTION =
  'shards() { jq -Rsc --argjson max "$MAX_PARALLEL" \'[split("\\n")[] | select(length > 0)] as $n | ([($n | length), $max] | min) as $k | [range(0; $k) as $i | {shard: ($i + 1), of: $k, stacks: ([range($i; ($n | length); $k) as $j | $n[$j]] | join(" "))}]\'; }';

/** The check job's script: which stacks changed since the base, sorted into hubs, canaries, customers, leaving, sharded. */
export function changedScript(input: CiInput): string {
  const out = input.outDir;
  return [
    '# The base: a pull request\'s base commit; on main, the last commit this workflow ran through successfully, so',
    '# the changes of a run GitHub cancelled while it waited are in the next one.',
    'if [ "$GITHUB_EVENT_NAME" = pull_request ]; then',
    '  base="$PR_BASE"',
    'else',
    '  base=$(gh run list --workflow "$GITHUB_WORKFLOW" --branch main --event push --status success --limit 1 --json headSha --jq \'.[0].headSha // empty\' || true)',
    '  if [ -z "$base" ]; then base="$BEFORE"; fi',
    'fi',
    '# Stacks whose files (or plan-guard allowance) changed: "hub <id>" and "customer <name>" lines.',
    'if git cat-file -e "$base^{commit}" 2>/dev/null; then',
    `  git diff --name-only "$base" HEAD -- ${out}/ ${input.specsDir}/ \\`,
    `    | sed -n -e 's#^${out}/hubs/\\([^/]*\\)/\\(routers\\|sessions\\)/.*#hub \\1#p' -e 's#^${out}/\\([^/]*\\)/operator/.*#customer \\1#p' -e 's#^${input.specsDir}/\\(.*\\)\\${ALLOW_FILE_SUFFIX}$#customer \\1#p' \\`,
    '    | sort -u > "$RUNNER_TEMP/changed.txt"',
    'else',
    '  echo "base commit ${base:-(none)} is not in this history: every stack counts as changed"',
    `  { for d in ${out}/hubs/*/routers; do if [ -d "$d" ]; then d=\${d%/routers}; echo "hub \${d##*/}"; fi; done`,
    `    for d in ${out}/*/operator; do if [ -d "$d" ]; then d=\${d%/operator}; echo "customer \${d##*/}"; fi; done; } | sort -u > "$RUNNER_TEMP/changed.txt"`,
    'fi',
    SHARDS_FUNCTION,
    'export LC_ALL=C',
    `sed -n 's/^hub //p' "$RUNNER_TEMP/changed.txt" | while read -r h; do if [ -d "${out}/hubs/$h/routers" ]; then echo "$h"; fi; done > "$RUNNER_TEMP/hubs.txt"`,
    `sed -n 's/^customer //p' "$RUNNER_TEMP/changed.txt" | while read -r c; do if [ -d "${out}/$c/operator" ]; then echo "$c"; fi; done > "$RUNNER_TEMP/live.txt"`,
    '# The canaries\' hubs apart from the others: their routers apply in the canary wave.',
    'printf \'%s\\n\' $CANARY_HUBS | sed \'/^$/d\' | sort > "$RUNNER_TEMP/canary-hub-names.txt"',
    'sort "$RUNNER_TEMP/hubs.txt" | comm -12 - "$RUNNER_TEMP/canary-hub-names.txt" > "$RUNNER_TEMP/canary_hubs.txt"',
    'sort "$RUNNER_TEMP/hubs.txt" | comm -23 - "$RUNNER_TEMP/canary-hub-names.txt" > "$RUNNER_TEMP/other_hubs.txt"',
    '# Decommissioning customers (their manifest says so), read by one jq; then the canaries apart from the others.',
    `sed 's#.*#${out}/&/privlink-manifest.json#' "$RUNNER_TEMP/live.txt" | xargs -r jq -r 'select(.decommission == true) | input_filename' | sed 's#^${out}/\\(.*\\)/privlink-manifest.json$#\\1#' | sort > "$RUNNER_TEMP/leaving.txt"`,
    'printf \'%s\\n\' $CANARIES | sed \'/^$/d\' | sort > "$RUNNER_TEMP/canary-names.txt"',
    'sort "$RUNNER_TEMP/live.txt" | comm -23 - "$RUNNER_TEMP/leaving.txt" > "$RUNNER_TEMP/active.txt"',
    'comm -12 "$RUNNER_TEMP/active.txt" "$RUNNER_TEMP/canary-names.txt" > "$RUNNER_TEMP/canaries.txt"',
    'comm -23 "$RUNNER_TEMP/active.txt" "$RUNNER_TEMP/canary-names.txt" > "$RUNNER_TEMP/customers.txt"',
    'for list in canary_hubs canaries other_hubs customers hubs leaving; do',
    '  echo "$list=$(shards < "$RUNNER_TEMP/$list.txt")" >> "$GITHUB_OUTPUT"',
    '  echo "changed $list: $(wc -l < "$RUNNER_TEMP/$list.txt")"',
    'done',
    '# The lab (pull requests) for the customers whose wiring changed: their manifest\'s "wiring" line differs from the',
    '# base\'s (one git diff for all), or the base is unknown. A change of tags, labels or documentation only runs none.',
    'if git cat-file -e "$base^{commit}" 2>/dev/null; then',
    `  git diff -U0 "$base" HEAD -- ${out}/ | awk '/^[+][+][+] / { n = split($2, p, "/"); name = (p[n] == "privlink-manifest.json" && n >= 3) ? p[n - 1] : "" } /^[+]  "wiring": / && name != "" { print name }' | sort -u > "$RUNNER_TEMP/rewired.txt"`,
    'else',
    '  cat "$RUNNER_TEMP/active.txt" > "$RUNNER_TEMP/rewired.txt"',
    'fi',
    'sort "$RUNNER_TEMP/rewired.txt" | comm -12 "$RUNNER_TEMP/active.txt" - > "$RUNNER_TEMP/lab.txt"',
    'echo "lab=$(tr \'\\n\' \' \' < "$RUNNER_TEMP/lab.txt" | sed \'s/ $//\')" >> "$GITHUB_OUTPUT"',
    'echo "lab (wiring changed): $(wc -l < "$RUNNER_TEMP/lab.txt")"',
  ].join('\n');
}

/**
 * A shard job's lab step (pull requests): `privlink lab` per customer whose wiring changed ($LAB), before any plan;
 * failures are recorded. A customer whose change is tags, labels or documentation only gets no lab.
 */
function labScript(): string {
  return [
    ': > "$RUNNER_TEMP/lab-failed"',
    'for s in $STACKS; do',
    '  case " $LAB " in',
    '    *" $s "*) ;;',
    '    *) echo "| $s | lab skipped: its wiring did not change (tags, labels or documentation only) |" >> "$GITHUB_STEP_SUMMARY"; continue ;;',
    '  esac',
    '  echo "::group::privlink lab $s"',
    '  rc=0',
    `  sudo env "PATH=$PATH" ${PRIVLINK} lab "$s" || rc=$?`,
    '  echo "::endgroup::"',
    '  if [ "$rc" -eq 0 ]; then echo "| $s | lab passed |" >> "$GITHUB_STEP_SUMMARY"',
    '  else echo "$s" >> "$RUNNER_TEMP/lab-failed"; echo "| $s | lab FAILED (exit $rc): its plan is blocked |" >> "$GITHUB_STEP_SUMMARY"; fi',
    'done',
  ].join('\n');
}

/**
 * A shard job's plan step: for each stack, init, plan, plan-guard and (on main) apply, one after another; each stack
 * gets a row of the job summary, and the step fails when any stack did.
 */
export function stacksScript(input: CiInput, kind: Kind): string {
  const dir = stackDir(input, kind);
  const tf = ENGINE_COMMAND[input.fleet.ci.engine];
  const allow = `${input.specsDir}/$s${ALLOW_FILE_SUFFIX}`;
  return [
    'failed=0; n=0',
    '{ echo "| stack | result |"; echo "| --- | --- |"; } >> "$GITHUB_STEP_SUMMARY"',
    'for s in $STACKS; do',
    '  n=$((n + 1))',
    `  dir="${dir}"`,
    '  allow=()',
    ...(kind === 'customer' ? [`  if [ -f "${allow}" ]; then allow=(--allow-file "${allow}"); fi`] : []),
    '  echo "::group::$s"',
    '  if [ -f "$RUNNER_TEMP/lab-failed" ] && grep -qxF "$s" "$RUNNER_TEMP/lab-failed"; then result="blocked: its lab failed"',
    `  elif ! (cd "$dir" && ${tf} init -input=false && ${tf} plan -input=false -lock-timeout=30m -out=tfplan && ${tf} show -json tfplan > plan.json); then result="plan failed"`,
    '  else',
    `    counts=$(jq -r '${PLAN_COUNTS}' "$dir/plan.json")`,
    `    if ! ${PRIVLINK} plan-guard "$dir/plan.json" "\${allow[@]}"; then result="refused by plan-guard ($counts)"`,
    '    elif [ "$GITHUB_EVENT_NAME" != push ]; then result="planned: $counts"',
    `    elif ${tf} -chdir="$dir" apply -input=false -lock-timeout=30m tfplan; then result="applied: $counts"`,
    '    else result="apply failed ($counts)"; fi',
    '  fi',
    '  echo "::endgroup::"',
    '  echo "| $s | $result |" >> "$GITHUB_STEP_SUMMARY"',
    '  case "$result" in planned*|applied*) ;; *) failed=$((failed + 1)); echo "::error::$s: $result" ;; esac',
    'done',
    'echo "$n stacks: $((n - failed)) done, $failed failed"',
    'if [ "$failed" -gt 0 ]; then exit 1; fi',
  ].join('\n');
}

/** jq over `terraform show -json`: the plan's resource changes by action, as Terraform counts them. */
const PLAN_COUNTS =
  '[.resource_changes[]?.change.actions | join(",")] | "\\(map(select(. == "create")) | length) to add, \\(map(select(. == "update")) | length) to change, \\(map(select(. == "delete,create" or . == "create,delete")) | length) to replace, \\(map(select(. == "delete")) | length) to destroy, \\(map(select(. == "forget")) | length) to forget"';

/** The drift job's script: `plan -detailed-exitcode` per stack folder; the drifted ones with what would change. */
export function driftScript(input: CiInput): string {
  const tf = ENGINE_COMMAND[input.fleet.ci.engine];
  return [
    'drifted=0; errors=0',
    '{ echo "| stack | drift |"; echo "| --- | --- |"; } >> "$GITHUB_STEP_SUMMARY"',
    'for s in $STACKS; do',
    `  dir="${input.outDir}/$s"`,
    '  echo "::group::$s"',
    '  rc=0',
    `  (cd "$dir" && ${tf} init -input=false > /dev/null && ${tf} plan -input=false -lock-timeout=30m -detailed-exitcode -out=tfplan) || rc=$?`,
    '  echo "::endgroup::"',
    '  if [ "$rc" -eq 0 ]; then echo "| $s | none |" >> "$GITHUB_STEP_SUMMARY"',
    '  elif [ "$rc" -eq 2 ]; then',
    '    drifted=$((drifted + 1))',
    `    changes=$(${tf} -chdir="$dir" show -json tfplan | jq -r ` + '\'[.resource_changes[]? | select(.change.actions != ["no-op"]) | "\\(.change.actions | join("/")) `\\(.address)`"] | join("<br>")\')',
    '    echo "| $s | **drifted**: $changes |" >> "$GITHUB_STEP_SUMMARY"',
    '    echo "::warning::$s drifted"',
    '  else errors=$((errors + 1)); echo "| $s | plan failed (exit $rc) |" >> "$GITHUB_STEP_SUMMARY"; echo "::error::$s: plan failed"; fi',
    'done',
    'echo "$drifted drifted, $errors failed to plan"',
    'if [ "$drifted" -gt 0 ] || [ "$errors" -gt 0 ]; then exit 1; fi',
  ].join('\n');
}

/** The drift workflow's list job: every stack folder (relative to the output folder), sharded. */
export function allStacksScript(input: CiInput): string {
  const out = input.outDir;
  return [
    SHARDS_FUNCTION,
    `{ for d in ${out}/hubs/*/routers ${out}/*/operator ${out}/hubs/*/sessions; do if [ -d "$d" ]; then echo "\${d#${out}/}"; fi; done; } > "$RUNNER_TEMP/stacks.txt"`,
    'echo "stacks=$(shards < "$RUNNER_TEMP/stacks.txt")" >> "$GITHUB_OUTPUT"',
    'echo "stacks: $(wc -l < "$RUNNER_TEMP/stacks.txt")"',
  ].join('\n');
}

const SETUP = [
  { uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } },
  { uses: 'actions/setup-node@v4', with: { 'node-version': 20, cache: 'npm' } },
  { run: 'npm ci' },
];

/**
 * Which identity a job takes (docs/ci-identities.md): the change workflow's jobs on a push to main run in the
 * protected environment with the apply identities; pull requests and the drift check take the plan identities, which
 * can read and change nothing. The clouds bind each to the OIDC token's subject, so a workflow edited in a branch
 * cannot reach the apply identities.
 */
type Identity = 'by-event' | 'plan';
const pick = (identity: Identity, apply: string, plan: string) => (identity === 'plan' ? `\${{ vars.${plan} }}` : `\${{ github.event_name == 'push' && vars.${apply} || vars.${plan} }}`);

/**
 * The engine (Terraform or OpenTofu, `ci.engine`), its provider plugins from the cache, and the clouds' OIDC
 * credentials of `identity`. OpenTofu reads the same TF_PLUGIN_CACHE_* variables; its cache has a key of its own,
 * since it downloads the providers from its own registry.
 */
function engineSetup(input: CiInput, identity: Identity) {
  const engine = input.fleet.ci.engine;
  // One list per engine and identity: the YAML writer shows repeated steps as anchors and aliases only when they are the same objects.
  const key = `${engine} ${identity}`;
  const known = SETUPS.get(key);
  if (known) return known;
  const steps = [
    engine === 'opentofu'
      ? { uses: 'opentofu/setup-opentofu@v1', with: { tofu_wrapper: false } }
      : { uses: 'hashicorp/setup-terraform@v3', with: { terraform_wrapper: false } },
    {
      name: 'Provider plugin cache',
      // The stacks carry no lock file, and without one the engine ignores the cache unless told it may use it.
      run: ['mkdir -p "$HOME/.terraform.d/plugin-cache"', '{ echo "TF_PLUGIN_CACHE_DIR=$HOME/.terraform.d/plugin-cache"; echo "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE=true"; } >> "$GITHUB_ENV"'].join('\n'),
    },
    {
      uses: 'actions/cache@v4',
      with: { path: PLUGIN_CACHE, key: `${engine}-plugins-\${{ runner.os }}-\${{ hashFiles('privlink.yaml') }}`, 'restore-keys': `${engine}-plugins-\${{ runner.os }}-` },
    },
    {
      uses: 'google-github-actions/auth@v2',
      with: { workload_identity_provider: '${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}', service_account: pick(identity, 'GCP_APPLY_SERVICE_ACCOUNT', 'GCP_PLAN_SERVICE_ACCOUNT') },
    },
    { uses: 'aws-actions/configure-aws-credentials@v4', with: { 'role-to-assume': pick(identity, 'AWS_APPLY_ROLE_ARN', 'AWS_PLAN_ROLE_ARN'), 'aws-region': 'us-east-1' } },
  ];
  SETUPS.set(key, steps);
  return steps;
}
const SETUPS = new Map<string, object[]>();

/** With fleet `aws.roles`: the role the stacks assume in each operator account, by the same rule as the credentials. */
function roleEnv(input: CiInput, identity: Identity): Record<string, string> {
  const roles = input.fleet.aws.roles;
  if (!roles) return {};
  const value = identity === 'plan' ? roles.plan : `\${{ github.event_name == 'push' && '${roles.apply}' || '${roles.plan}' }}`;
  return { [`TF_VAR_${AWS_ROLE_VARIABLE}`]: value };
}

/** One shard job of the change workflow. */
function shardJob(input: CiInput, o: { title: string; list: string; needs: string[]; when: string; kind: Kind; lab: boolean }) {
  return {
    name: `${o.title} \${{ matrix.shard.shard }}/\${{ matrix.shard.of }}`,
    needs: o.needs,
    if: `\${{ !cancelled() && needs.check.outputs.${o.list} != '[]'${o.when ? ` && ${o.when}` : ''} }}`,
    'runs-on': 'ubuntu-latest',
    environment: "${{ github.event_name == 'push' && 'production' || '' }}",
    strategy: { 'fail-fast': false, 'max-parallel': input.fleet.ci.maxParallel, matrix: { shard: `\${{ fromJSON(needs.check.outputs.${o.list}) }}` } },
    env: { STACKS: '${{ matrix.shard.stacks }}', ...(o.lab ? { LAB: '${{ needs.check.outputs.lab }}' } : {}), ...roleEnv(input, 'by-event') },
    steps: [
      ...SETUP,
      ...engineSetup(input, 'by-event'),
      ...(o.lab ? [{ name: 'Lab (pull requests): privlink lab per customer, before any plan', if: "github.event_name == 'pull_request'", run: labScript() }] : []),
      { name: o.kind === 'customer' ? 'Plan, plan-guard, apply on main (one customer after another)' : 'Plan, plan-guard, apply on main (one hub after another)', run: stacksScript(input, o.kind) },
    ],
  };
}

export function renderGithubActions(input: CiInput): string {
  const paths = [`${input.specsDir}/**`, `${input.outDir}/**`, 'privlink.yaml', 'package-lock.json'];
  const lab = input.fleet.ci.lab;
  const ok = (job: string) => `needs.${job}.result != 'failure'`;
  const canaries = input.fleet.rollout.canary;
  return ciYaml(
    input,
    [
      'Example GitHub Actions workflow: copy it to .github/workflows/privlink.yml (docs/ci.md).',
      'Set the repository variables GCP_WORKLOAD_IDENTITY_PROVIDER, GCP_PLAN_SERVICE_ACCOUNT, GCP_APPLY_SERVICE_ACCOUNT,',
      'AWS_PLAN_ROLE_ARN and AWS_APPLY_ROLE_ARN (OIDC, no long-lived keys; generated/ci/identities/ creates them,',
      'docs/ci-identities.md). Pull requests take the plan identities, which change nothing; a push to main applies in',
      'the "production" environment with the apply identities: protect it with required reviewers and restrict it to main.',
      'Order: the canary wave (the routers of the canaries\' hubs, then the canaries), every other changed hub\'s',
      'routers, the other changed customers, the hubs\' BGP sessions (one job per hub shard writes all of a hub\'s',
      'interfaces and peers), then decommissioning customers. On pull requests the lab runs for each customer whose',
      'wiring changed (not for tags, labels or documentation only). Each matrix holds',
      `at most ${input.fleet.ci.maxParallel} shards (ci.maxParallel); a shard runs its stacks one after another.`,
    ],
    {
      name: 'privlink',
      on: { pull_request: { paths }, push: { branches: ['main'], paths } },
      permissions: { contents: 'read', 'id-token': 'write', actions: 'read' },
      // One run of main at a time: a newer push waits, and picks up the changes of any run GitHub cancelled meanwhile
      // (its base is the last successful run). A pull request's newer push cancels its older run.
      concurrency: { group: "privlink-${{ github.event_name == 'push' && 'main' || github.ref }}", 'cancel-in-progress': "${{ github.event_name == 'pull_request' }}" },
      jobs: {
        check: {
          'runs-on': 'ubuntu-latest',
          outputs: Object.fromEntries(['canary_hubs', 'canaries', 'other_hubs', 'customers', 'hubs', 'leaving', 'lab'].map((k) => [k, `\${{ steps.changed.outputs.${k} }}`])),
          steps: [
            ...SETUP,
            {
              name: 'Generated output matches the specs; a pull request deletes no live customer',
              env: { PR_BASE: '${{ github.event.pull_request.base.sha }}' },
              run: `${PRIVLINK} check \${PR_BASE:+--base "$PR_BASE"}`,
            },
            {
              id: 'changed',
              name: 'Changed stacks, in shards',
              env: {
                PR_BASE: '${{ github.event.pull_request.base.sha }}',
                BEFORE: '${{ github.event.before }}',
                GH_TOKEN: '${{ github.token }}',
                MAX_PARALLEL: String(input.fleet.ci.maxParallel),
                CANARIES: canaries.join(' '),
                CANARY_HUBS: input.canaryHubs.join(' '),
              },
              run: changedScript(input),
            },
          ],
        },
        // The canary wave: the routers of the canaries' hubs, then the canaries. Nothing else applies before it passed.
        canary_hub_routers: shardJob(input, { title: 'canary hub routers', list: 'canary_hubs', needs: ['check'], when: '', kind: 'routers', lab: false }),
        canary: shardJob(input, { title: 'canary', list: 'canaries', needs: ['check', 'canary_hub_routers'], when: ok('canary_hub_routers'), kind: 'customer', lab }),
        hub_routers: shardJob(input, { title: 'hub routers', list: 'other_hubs', needs: ['check', 'canary_hub_routers', 'canary'], when: `${ok('canary_hub_routers')} && ${ok('canary')}`, kind: 'routers', lab: false }),
        terraform: shardJob(input, { title: 'customers', list: 'customers', needs: ['check', 'canary_hub_routers', 'canary', 'hub_routers'], when: `${ok('canary_hub_routers')} && ${ok('canary')} && ${ok('hub_routers')}`, kind: 'customer', lab }),
        hub_sessions: shardJob(input, {
          title: 'hub sessions',
          list: 'hubs',
          needs: ['check', 'canary_hub_routers', 'canary', 'hub_routers', 'terraform'],
          when: `${ok('canary_hub_routers')} && ${ok('canary')} && ${ok('hub_routers')}`,
          kind: 'sessions',
          lab: false,
        }),
        decommission: shardJob(input, { title: 'decommission', list: 'leaving', needs: ['check', 'canary', 'hub_sessions'], when: `${ok('canary')} && ${ok('hub_sessions')}`, kind: 'customer', lab: false }),
      },
    },
  );
}

/** The drift workflow: on a schedule (and by hand), plan every stack and report; never apply. */
export function renderGithubDrift(input: CiInput): string {
  return ciYaml(
    input,
    [
      'Example GitHub Actions workflow: copy it to .github/workflows/privlink-drift.yml (docs/ci.md, "Drift").',
      'Plans every stack with -detailed-exitcode on a schedule, lists the drifted ones with what would change in the',
      'job summary, and fails when any drifted. It never applies, with the plan identities (AWS_PLAN_ROLE_ARN,',
      'GCP_PLAN_SERVICE_ACCOUNT): its token names refs/heads/main, which their trust must list (docs/ci-identities.md).',
    ],
    {
      name: 'privlink drift',
      on: { schedule: [{ cron: input.fleet.ci.driftCron }], workflow_dispatch: {} },
      permissions: { contents: 'read', 'id-token': 'write' },
      concurrency: { group: 'privlink-drift', 'cancel-in-progress': false },
      jobs: {
        list: {
          'runs-on': 'ubuntu-latest',
          outputs: { stacks: '${{ steps.list.outputs.stacks }}' },
          steps: [{ uses: 'actions/checkout@v4' }, { id: 'list', name: 'Every stack, in shards', env: { MAX_PARALLEL: String(input.fleet.ci.maxParallel) }, run: allStacksScript(input) }],
        },
        plan: {
          name: 'drift ${{ matrix.shard.shard }}/${{ matrix.shard.of }}',
          needs: ['list'],
          if: "needs.list.outputs.stacks != '[]'",
          'runs-on': 'ubuntu-latest',
          strategy: { 'fail-fast': false, 'max-parallel': input.fleet.ci.maxParallel, matrix: { shard: '${{ fromJSON(needs.list.outputs.stacks) }}' } },
          env: { STACKS: '${{ matrix.shard.stacks }}', ...roleEnv(input, 'plan') },
          steps: [...SETUP, ...engineSetup(input, 'plan'), { name: 'Plan every stack (-detailed-exitcode); report drift', run: driftScript(input) }],
        },
      },
    },
  );
}
