/** Teardown by PID, and the cleanup of what killed runs left. */
import { closeSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { namespaces, removeNamespace, stopDaemons } from './host';
import { isRunning } from '../support/process';
import { NS_PREFIX, type Check } from './types';
import { LabState } from './state';

export async function tearDown(lab: LabState): Promise<Check> {
  const stopped = await stopDaemons(lab.daemons);
  for (const fd of lab.logFds) closeSync(fd);
  const all = namespaces(lab.prefix);
  for (const ns of all) removeNamespace(ns);
  lab.hostPath.cleanup();
  lab.report.hostnames.push(...lab.hostPath.rows);
  const left = namespaces(lab.prefix);
  const running = lab.daemons.filter((d) => !d.exited).map((d) => d.label);
  if (lab.o.keep) lab.report.workDir = lab.work;
  else rmSync(lab.work, { recursive: true, force: true });
  const ok = left.length === 0 && running.length === 0;
  return {
    name: 'teardown',
    ok,
    detail: ok
      ? `${stopped} daemons stopped by PID${lab.daemons.length > stopped ? ` (${lab.daemons.length - stopped} killed earlier)` : ''}, ${all.length} namespaces removed${lab.o.keep ? `; configs and logs kept in ${lab.work}` : ''}`
      : `left behind: ${[...left, ...running].join(', ')}`,
  };
}

/** Remove namespaces of lab runs whose process is gone (a run killed with SIGKILL cannot clean up after itself). */
export function cleanStale(): void {
  for (const ns of namespaces(NS_PREFIX)) {
    const m = new RegExp(`^${NS_PREFIX}(\\d+)-`).exec(ns);
    if (!m) continue;
    const alive = isRunning(Number(m[1]));
    if (!alive || Number(m[1]) === process.pid) removeNamespace(ns);
  }
  // Their pods' resolv.conf folders.
  if (existsSync('/etc/netns')) {
    for (const dir of readdirSync('/etc/netns')) {
      const m = new RegExp(`^${NS_PREFIX}(\\d+)-`).exec(dir);
      if (m && !isRunning(Number(m[1]))) rmSync(join('/etc/netns', dir), { recursive: true, force: true });
    }
  }
  // Work folders of dead runs hold daemon configs, pre-shared keys included.
  for (const dir of readdirSync(tmpdir())) {
    const m = new RegExp(`^${NS_PREFIX}(\\d+)-`).exec(dir);
    if (m && !isRunning(Number(m[1]))) rmSync(join(tmpdir(), dir), { recursive: true, force: true });
  }
}

