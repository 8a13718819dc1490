/** `privlink validate [specs..]`: check specs (and privlink.yaml) without writing anything. */
import { allocateRun } from '../../pipeline/allocations';
import { validateRun } from '../../pipeline/specs';
import { plural } from '../../support/words';
import { enterRoot, setup } from '../context';
import { JSON_OPTION, pathOptions, type Command, type CommonArgs } from '../options';

export const validate: Command<CommonArgs & { specs: string[] }> = {
  usage: 'validate [specs..]',
  describe: 'Check specs without writing anything (no SPEC: every spec in --specs-dir)',
  positionals: { specs: { type: 'string', array: true, default: [] as string[], describe: 'Spec files' } },
  options: { ...pathOptions('config', 'specs-dir', 'out'), ...JSON_OPTION },
  examples: [['$0 validate customers/acme.yaml', 'Check one spec']],
  async run(a, io) {
    const specs = enterRoot(a, io, a.specs);
    const { fleet, specsDir, outDir } = setup(a);
    const run = validateRun({ specs, specsDir });
    // What the clouds would refuse depends on the whole fleet's allocation (a full network, say): checked too.
    allocateRun(run, { outDir, fleet: fleet.config, fleetFile: fleet });
    if (a.json) io.out(`${JSON.stringify({ command: 'validate', ok: true, specs: run.requested.map((r) => r.file), fleet: fleet.file ?? null })}\n`);
    else if (!a.quiet) io.out(`privlink: ${plural(run.requested.length, 'spec')} valid${fleet.file ? `, ${fleet.file} valid` : ''}\n`);
    return 0;
  },
};
