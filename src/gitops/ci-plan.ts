/**
 * What CI will run for a change, told in the pull request before it runs: the stacks of each kind the generated
 * workflow's check job will find changed (render/github.ts changedScript, the same rules), how many shard jobs they
 * make under `ci.maxParallel`, in which wave, and which customers the lab runs for (those whose wiring changed).
 *
 * Pure: the caller says which stacks changed and which wiring changed; the fleet config says the rest.
 */
import type { FleetConfig } from '../fleet/schema';
import { firstOf, list, plural } from '../support/words';

export interface CiChange {
  /** Customers whose operator stack (or plan-guard allowance) changes and still exist, decommissioning or not. */
  readonly customers: readonly string[];
  /** Of those, the decommissioning ones: they apply last. */
  readonly leaving: readonly string[];
  /** Hubs whose routers or sessions stack changes. */
  readonly hubs: readonly string[];
  /** Hubs a canary customer sits on. */
  readonly canaryHubs: readonly string[];
  /** Customers whose wiring (the manifest's `wiring`) differs from HEAD's, or who are new. */
  readonly rewired: readonly string[];
}

const names = (xs: readonly string[], max = 5) => (xs.length <= max ? list([...xs]) : firstOf(xs, max));

/** One line per wave of the GitHub Actions change workflow, then the lab, then Atlantis; empty when CI is off. */
export function ciPlanLines(change: CiChange, fleet: FleetConfig): string[] {
  const ci = fleet.ci;
  if (!ci.githubActions && !ci.atlantis) return [];
  const canaries = new Set(fleet.rollout.canary);
  const leaving = new Set(change.leaving);
  const canaryHubs = change.hubs.filter((h) => change.canaryHubs.includes(h));
  const otherHubs = change.hubs.filter((h) => !change.canaryHubs.includes(h));
  const canaryCustomers = change.customers.filter((c) => canaries.has(c) && !leaving.has(c));
  const others = change.customers.filter((c) => !canaries.has(c) && !leaving.has(c));
  const active = [...canaryCustomers, ...others];
  const shards = (n: number) => Math.min(n, ci.maxParallel);
  const waves: [string, readonly string[], string][] = [
    ['canary hub routers', canaryHubs, 'hub'],
    ['canary', canaryCustomers, 'customer'],
    ['hub routers', otherHubs, 'hub'],
    ['customers', others, 'customer'],
    ['hub sessions', change.hubs, 'hub'],
    ['decommission', change.leaving, 'customer'],
  ];
  const jobs = waves.filter(([, stacks]) => stacks.length > 0);
  const lines: string[] = [];
  if (ci.githubActions) {
    const total = 1 + jobs.reduce((n, [, stacks]) => n + shards(stacks.length), 0);
    lines.push(
      jobs.length === 0
        ? 'GitHub Actions: the check job only (no operator or hub stack changes: nothing to plan or apply)'
        : `GitHub Actions: ${plural(total, 'job')}: check, then ${jobs.map(([title, stacks, what]) => `${title} (${plural(shards(stacks.length), 'shard')}, ${plural(stacks.length, what)})`).join(', then ')}`,
    );
    const rewired = active.filter((c) => change.rewired.includes(c));
    const quiet = active.filter((c) => !change.rewired.includes(c));
    if (!ci.lab) lines.push('lab: off (ci.lab: false)');
    else if (active.length > 0) {
      lines.push(
        [
          rewired.length ? `lab on the pull request for ${plural(rewired.length, 'customer')} whose wiring changed (${names(rewired)})` : 'no lab: no customer\'s wiring changes',
          quiet.length ? `none for ${plural(quiet.length, 'customer')} whose change is tags, labels or documentation only (${names(quiet)})` : '',
        ]
          .filter(Boolean)
          .join('; '),
      );
    }
  }
  if (ci.atlantis) {
    const projects = change.customers.length + 2 * change.hubs.length;
    lines.push(`Atlantis: autoplans ${plural(projects, 'project')}${change.hubs.length ? ` (${plural(change.hubs.length, 'hub')}: routers and sessions each)` : ''}; \`atlantis apply\` in execution order groups, the canary wave first`);
  }
  return lines;
}
