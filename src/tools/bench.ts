/**
 * `npm run bench`: wall time and peak memory of privlink on synthetic fleets, printed as a table.
 *
 * For each N (default 1, 100, 1000) it writes N valid synthetic customers (tools/synthetic-fleet.ts) into a
 * temporary folder with the repository's privlink.yaml, then times, each over --runs runs (min / median / max):
 *   generate (cold)        into an empty output folder (a new one per run, so no run pays for deleting another's)
 *   check (unchanged)      the fleet just generated
 *   check (one spec edit)  after a comment is appended to one spec: that customer is rendered and compared
 *   generate --full        every customer rendered again over identical output
 * and for N = 1 `npx cdktf synth` of the same customer through a cdktf.json like the project's (the CDKTF CLI,
 * cdktf-cli@CDKTF_CLI_VERSION, fetched by npx on first use), with the ratio of the medians.
 *
 * Wall time is measured around each child process with Node's clock; peak memory is the largest resident set
 * of the command's processes, from `/usr/bin/time -f %M` (GNU time) when it exists, else "n/a".
 *
 *   node dist/tools/bench.js [--sizes 1,100,1000] [--runs 3] [--no-cdktf] [--keep] [--shared-network]
 *
 * --shared-network puts every customer on one GCP project, network and region (at most 160 HA customers fit there:
 * Google's 5 Cloud Routers of 128 BGP peers; `--sizes 160` is the full hub of the README).
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../pipeline/fingerprint';
import { syntheticName, writeSyntheticFleet } from './synthetic-fleet';

const CDKTF_CLI_VERSION = '0.21.0';
const BIN = join(PACKAGE_ROOT, 'bin', 'privlink.js');
const GNU_TIME = '/usr/bin/time';

interface Sample {
  seconds: number;
  rssMb?: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const hasGnuTime = existsSync(GNU_TIME) && spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0;

/** Runs a command once; fails loudly when it does not exit with one of `ok`. */
function measure(cmd: string, args: string[], cwd: string, ok: number[] = [0], env: NodeJS.ProcessEnv = process.env): Sample {
  const rssFile = join(cwd, '.bench-rss');
  const [file, argv] = hasGnuTime ? [GNU_TIME, ['-o', rssFile, '-f', '%M', cmd, ...args]] : [cmd, args];
  const start = process.hrtime.bigint();
  const r = spawnSync(file, argv, { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status === null || !ok.includes(r.status)) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal} in ${cwd}:\n${(r.stderr ?? '').slice(-2000)}`);
  }
  if (!hasGnuTime) return { seconds };
  const kb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
  rmSync(rssFile, { force: true });
  return { seconds, rssMb: Math.round(kb / 1024) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

interface Row {
  n: number;
  what: string;
  samples: Sample[];
}

function repeat(runs: number, fn: (run: number) => Sample): Sample[] {
  return Array.from({ length: runs }, (_, i) => fn(i));
}

function benchSize(n: number, runs: number, withCdktf: boolean, keep: boolean, shared: boolean): Row[] {
  const dir = mkdtempSync(join(tmpdir(), `privlink-bench-${n}-`));
  const rows: Row[] = [];
  try {
    copyFileSync(join(PACKAGE_ROOT, 'privlink.yaml'), join(dir, 'privlink.yaml'));
    writeSyntheticFleet(join(dir, 'customers'), n, shared);
    const node = process.execPath;
    const log = (what: string) => process.stderr.write(`bench: N=${n}: ${what}\n`);

    log('generate (cold)');
    rows.push({ n, what: 'generate (cold)', samples: repeat(runs, (r) => measure(node, [BIN, 'generate', '-q', '--out', `out-${r}`], dir)) });
    log('check (unchanged)');
    rows.push({ n, what: 'check (unchanged)', samples: repeat(runs, () => measure(node, [BIN, 'check', '-q', '--out', 'out-0'], dir)) });
    const edited = join(dir, 'customers', `${syntheticName(0)}.yaml`);
    const original = readFileSync(edited);
    appendFileSync(edited, '# edited\n');
    log('check (one spec edited)');
    rows.push({ n, what: 'check (one spec edited)', samples: repeat(runs, () => measure(node, [BIN, 'check', '-q', '--out', 'out-0'], dir, [1])) });
    writeFileSync(edited, original);
    log('generate --full');
    rows.push({ n, what: 'generate --full', samples: repeat(runs, () => measure(node, [BIN, 'generate', '-q', '--full', '--out', 'out-0'], dir)) });

    if (withCdktf && n === 1) {
      writeFileSync(
        join(dir, 'cdktf.json'),
        JSON.stringify({ language: 'typescript', app: `node ${join(PACKAGE_ROOT, 'dist', 'pipeline', 'cdktf-app.js')}`, projectId: 'privlink-bench', sendCrashReports: 'false', terraformProviders: [], terraformModules: [], context: {} }),
      );
      const env = { ...process.env, CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null' };
      const npx = ['--yes', `cdktf-cli@${CDKTF_CLI_VERSION}`, 'synth'];
      log(`npx cdktf synth (a first, untimed run lets npx fetch cdktf-cli@${CDKTF_CLI_VERSION})`);
      measure('npx', npx, dir, [0], env);
      rows.push({ n, what: 'npx cdktf synth', samples: repeat(runs, () => measure('npx', npx, dir, [0], env)) });
    }
  } finally {
    if (keep) process.stderr.write(`bench: kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

function main(): void {
  const sizes = (arg('sizes') ?? '1,100,1000').split(',').map(Number);
  const runs = Number(arg('runs') ?? 3);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(runs) || runs < 1) {
    process.stderr.write('usage: node dist/tools/bench.js [--sizes 1,100,1000] [--runs 3] [--no-cdktf] [--keep] [--shared-network]\n');
    process.exitCode = 2;
    return;
  }
  const rows = sizes.flatMap((n) => benchSize(n, runs, !flag('no-cdktf'), flag('keep'), flag('shared-network')));
  const fmt = (s: number) => s.toFixed(2);
  const lines = [
    `privlink bench, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${runs} run${runs === 1 ? '' : 's'} each, temp folder ${tmpdir()}`,
    '',
    '| N | command | wall min (s) | wall median (s) | wall max (s) | peak RSS, largest process (MB) |',
    '| ---: | --- | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => {
      const secs = r.samples.map((x) => x.seconds);
      const rss = r.samples.map((x) => x.rssMb).filter((x): x is number => x !== undefined);
      return `| ${r.n} | ${r.what} | ${fmt(Math.min(...secs))} | ${fmt(median(secs))} | ${fmt(Math.max(...secs))} | ${rss.length ? Math.max(...rss) : 'n/a'} |`;
    }),
  ];
  const one = rows.find((r) => r.n === 1 && r.what === 'generate (cold)');
  const synth = rows.find((r) => r.what === 'npx cdktf synth');
  if (one && synth) {
    const ratio = median(synth.samples.map((x) => x.seconds)) / median(one.samples.map((x) => x.seconds));
    lines.push('', `One customer: privlink generate is ${ratio.toFixed(1)}× faster than npx cdktf synth (medians).`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();
