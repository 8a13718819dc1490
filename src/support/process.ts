/** Processes of this machine: how many cores, and whether a process (a lock's owner, a lab run) is alive. */
import { availableParallelism } from 'node:os';

/** Worker processes a fleet run uses at most by default: one per core. */
export const defaultJobs = () => Math.max(1, availableParallelism());

/** Whether a process with this PID exists (EPERM: it does, as another user's). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
