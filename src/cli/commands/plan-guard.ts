/** `privlink plan-guard PLAN.json`: refuse a plan that destroys or replaces a resource that carries traffic. */
import { readFileSync } from 'node:fs';
import { UsageError } from '../../input/problems';
import { formatHit, guardPlan, parseAllowFile } from '../../gitops/plan-guard';
import { agree, plural } from '../../support/words';
import { JSON_OPTION, type Command, type CommonArgs } from '../options';

interface PlanGuardArgs extends CommonArgs {
  plan: string;
  allow?: string | string[];
  'allow-file'?: string | string[];
  json: boolean;
}

function readOrFail(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${what} "${file}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

function readPlan(file: string): unknown {
  const text = readOrFail(file, 'plan');
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not JSON: expected the output of \`terraform show -json PLANFILE\``);
  }
}

export const planGuard: Command<PlanGuardArgs> = {
  usage: 'plan-guard <plan>',
  describe: 'Fail (exit 1, one line per resource) when a plan would destroy or replace a resource that carries traffic',
  positionals: { plan: { type: 'string', describe: 'Output of `terraform show -json PLANFILE`' } },
  options: {
    // One value per flag (`--allow A --allow B`): an array option would also swallow the plan file after it.
    allow: { type: 'string', requiresArg: true, describe: 'Address a reviewed change may destroy or replace (repeat the flag for each)' },
    'allow-file': { type: 'string', requiresArg: true, describe: 'File of such addresses, one per line (# comments)' },
    ...JSON_OPTION,
  },
  examples: [
    ['$0 plan-guard plan.json', 'Refuse any tunnel, gateway or endpoint replacement; the next example lets one reviewed replacement through'],
    ['$0 plan-guard --allow aws_vpn_connection.vpn_a plan.json', ''],
  ],
  async run(a, io) {
    if (Array.isArray(a['allow-file'])) throw new UsageError('--allow-file takes one file; put every address in it');
    const plan = readPlan(a.plan);
    const allow = [...([] as string[]).concat(a.allow ?? []), ...(a['allow-file'] ? parseAllowFile(readOrFail(a['allow-file'], 'allow file')) : [])];
    const result = guardPlan(plan, allow);
    const code = result.blocked.length > 0 || result.unused.length > 0 ? 1 : 0;
    if (a.json) {
      const { changes, blocked, allowed, unused, decommission } = result;
      io.out(`${JSON.stringify({ command: 'plan-guard', ok: code === 0, changes, ...(decommission ? { decommission } : {}), blocked, allowed, unused })}\n`);
      return code;
    }
    if (result.decommission) {
      io.out(`plan-guard: ${result.decommission} is decommissioning (its operator stack declares no resource): its destroys are let through, and nothing else\n`);
    }
    for (const hit of result.allowed) io.out(`plan-guard: allowed: ${formatHit(hit)}\n`);
    for (const hit of result.blocked) io.err(`plan-guard: blocked: ${formatHit(hit)}\n`);
    for (const u of result.unused) {
      io.err(`plan-guard: unused allowance ${u}: the plan neither destroys nor replaces it (a typo, or left over from an applied change: remove it)\n`);
    }
    if (result.blocked.length > 0) {
      io.err(
        `plan-guard: ${plural(result.blocked.length, 'resource')} that ${agree(result.blocked.length, 'carries', 'carry')} traffic would go; after review, rerun with ` +
          `${result.blocked.map((h) => `--allow ${h.address}`).join(' ')}\n`,
      );
    }
    if (code === 0 && !a.quiet) {
      io.out(`plan-guard: ok: ${plural(result.changes, 'resource change')}, nothing that carries traffic destroyed or replaced${result.allowed.length ? ' beyond the allowed' : ''}\n`);
    }
    return code;
  },
};
