/**
 * CI config for the whole fleet, written to generated/ci/: an Atlantis repo config (one project per customer
 * operator folder and hub stack) and the equivalent GitHub Actions workflows (render/github.ts). Both run
 * `privlink check`, then plan and `privlink plan-guard` per changed stack, in the order shared routers need and
 * with the canaries first; privlink itself schedules nothing.
 *
 * Built as data and serialized with the yaml library, so the files are valid YAML whatever the names.
 */
import { ENGINE_COMMAND } from '../domain/constants';
import { renderIdentities } from './identities';
import { ALLOW_FILE_SUFFIX, ciYaml, PRIVLINK, type CiInput } from './ci-yaml';
import { GITHUB_ACTIONS_FILE, GITHUB_DRIFT_FILE, renderGithubActions, renderGithubDrift } from './github';

export { GITHUB_ACTIONS_FILE, GITHUB_DRIFT_FILE } from './github';
export { ALLOW_FILE_SUFFIX, type CiInput } from './ci-yaml';
export const ATLANTIS_FILE = 'atlantis.yaml';

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
 * after the sessions stack has taken its peers away. The canaries (`rollout.canary`) go first with the routers of
 * their own hubs; every other hub's routers follow the canaries, so a router-wide change reaches the fleet only after
 * a canary applied it. With abort_on_execution_order_fail a failed group stops the later ones.
 */
const ORDER = { canaryRouters: 0, canaries: 1, routers: 2, customers: 3, sessions: 4, leaving: 5 } as const;

/** Atlantis's own choice of engine per project (repo-level atlantis.yaml `terraform_distribution`, Atlantis docs). */
const distribution = (input: CiInput) => (input.fleet.ci.engine === 'opentofu' ? { terraform_distribution: 'opentofu' } : {});

function hubProject(input: CiInput, hub: string, stack: 'routers' | 'sessions') {
  return {
    name: `hub-${hub}-${stack}`,
    dir: `${input.outDir}/hubs/${hub}/${stack}`,
    workflow: 'privlink',
    ...distribution(input),
    execution_order_group: stack === 'routers' && input.canaryHubs.includes(hub) ? ORDER.canaryRouters : ORDER[stack],
    autoplan: { enabled: true, when_modified: ['*.tf.json'] },
  };
}

export function renderAtlantis(input: CiInput): string {
  const lines = [
    'Atlantis reads atlantis.yaml at the repository root: link it there once with',
    `  ln -s ${input.outDir}/ci/${ATLANTIS_FILE} ${ATLANTIS_FILE}`,
    'The server-side repo config must allow this file\'s workflow (allowed_overrides: [workflow],',
    'allow_custom_workflows: true), install node_modules before plans (pre_workflow_hooks: run: npm ci) and',
    'should require approval before apply (apply_requirements: [approved, mergeable]).',
    'execution_order_group (Atlantis >= 0.17) orders `atlantis apply`: the canaries\' shared routers, the canaries,',
    'every other shared router, the other customers, BGP sessions, then decommissioning customers;',
    'abort_on_execution_order_fail stops the later groups when one fails. Each hub\'s sessions are one project, so its lock lets one pull request at a time plan and apply',
    'the routers\' interface and peer lists.',
  ];
  const canaries = new Set(input.fleet.rollout.canary);
  const root = '"${DIR%/$REPO_REL_DIR}"';
  return ciYaml(input, lines, {
    version: 3,
    automerge: false,
    parallel_plan: true,
    parallel_apply: true,
    abort_on_execution_order_fail: true,
    projects: [
      ...input.hubs.map((hub) => hubProject(input, hub, 'routers')),
      ...input.customers.map((name) => {
        const dir = `${input.outDir}/${name}/operator`;
        return {
          name,
          dir,
          workflow: 'privlink',
          ...distribution(input),
          execution_order_group: input.leaving.includes(name) ? ORDER.leaving : canaries.has(name) ? ORDER.canaries : ORDER.customers,
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
            { run: `${ENGINE_COMMAND[input.fleet.ci.engine]} show -json "$PLANFILE" > "$SHOWFILE"` },
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

/** The files of generated/ci/, by name; empty when the fleet config turns both off. */
export function renderCi(input: CiInput): Map<string, string> {
  const files = new Map<string, string>();
  if (input.fleet.ci.atlantis) files.set(ATLANTIS_FILE, renderAtlantis(input));
  if (input.fleet.ci.githubActions) files.set(GITHUB_ACTIONS_FILE, renderGithubActions(input));
  if (input.fleet.ci.githubActions && input.fleet.ci.driftCron !== '') files.set(GITHUB_DRIFT_FILE, renderGithubDrift(input));
  // What gives CI its two identities per cloud (docs/ci-identities.md), whichever CI runs the stacks.
  if (files.size > 0) for (const [path, text] of renderIdentities(input.fleet, `${input.specsDir}/*.yaml`)) files.set(path, text);
  return files;
}
