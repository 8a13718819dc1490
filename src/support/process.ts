/** Processes of this machine, as privlink's writer lock and the lab's stale-run cleanup see them. */

/** Whether a process with this PID exists (EPERM: it does, as another user's). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
