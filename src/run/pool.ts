/**
 * Runs customer tasks across the machine's cores: forked worker processes (not threads, so each has its own heap
 * and no process holds the whole fleet's output), fed one task at a time from a shared queue. Results come back
 * in task order whatever the scheduling. Small runs stay in this process: forking costs more than it saves.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CustomerTask, TaskContext, TaskResult } from './customer-task';
import { packagePath } from '../support/package-root';
import { defaultJobs } from '../support/process';

/** Below this many tasks per worker, a worker is not worth its start-up (about 0.3 s of module loading). */
export const TASKS_PER_WORKER_MIN = 16;

export { defaultJobs };

/** The task runner, loaded when a run first renders in this process (it brings cdktf and the providers). */
const inProcess = () => require('./customer-task') as typeof import('./customer-task');

export interface PoolStats {
  readonly workers: number;
  /** Largest peak RSS of any worker process, in KiB (0 without workers). */
  readonly workerMaxRssKb: number;
}

/** The worker's compiled script (tests run the sources through ts-jest, so fall back to dist/). */
function workerScript(): string {
  const here = join(__dirname, 'worker.js');
  return existsSync(here) ? here : packagePath('dist', 'run', 'worker.js');
}

/** How many workers a run of n tasks deserves (0: run in this process). */
export function workersFor(n: number, jobs: number): number {
  const w = Math.min(jobs, Math.floor(n / TASKS_PER_WORKER_MIN));
  return w >= 2 ? w : 0;
}

/**
 * Worker processes, started early (their module loading then overlaps the main process's validation) and fed
 * from one queue.
 */
export class WorkerPool {
  private readonly children: ChildProcess[] = [];
  private maxRss = 0;

  /** Forks the workers; they load their modules while the caller validates. */
  constructor(readonly size: number) {
    for (let w = 0; w < size; w++) {
      const child = fork(workerScript(), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
      // A send to a worker that is gone (Ctrl-C reaches the whole process group) fails with EPIPE: its exit, which
      // follows, is what counts (see onExit), not the failed write.
      child.on('error', () => undefined);
      child.on('exit', (_code, signal) => this.onExit(signal));
      this.children.push(child);
    }
  }

  /**
   * A worker stopped by Ctrl-C or SIGTERM means this process was interrupted too (the signal reaches the whole
   * process group), or will be: let the CLI's handler say so and exit 130, rather than report a broken worker.
   */
  private onExit(signal: NodeJS.Signals | null): void {
    if (WorkerPool.interrupting(signal)) process.kill(process.pid, signal!);
  }

  /** A worker's end by Ctrl-C or SIGTERM, in a process whose handler reports interrupts (the CLI's). */
  private static interrupting(signal: NodeJS.Signals | null): boolean {
    return (signal === 'SIGINT' || signal === 'SIGTERM') && process.listenerCount(signal) > 0;
  }

  /** Gives every worker the run's context (once the output is open); call before run(). */
  init(ctx: TaskContext): this {
    for (const child of this.children) if (child.connected) child.send({ type: 'init', ctx }, () => undefined);
    return this;
  }

  run(tasks: readonly CustomerTask[], onDone?: (done: number) => void): Promise<TaskResult[]> {
    const results: TaskResult[] = new Array(tasks.length);
    if (tasks.length === 0) return Promise.resolve(results);
    let next = 0;
    let done = 0;
    return new Promise<TaskResult[]>((resolve, reject) => {
      const feed = (child: ChildProcess) => {
        if (next < tasks.length) {
          const id = next++;
          if (child.connected) child.send({ type: 'task', id, task: tasks[id] }, () => undefined);
        }
      };
      for (const child of this.children) {
        child.on('message', (msg: { type: 'done' | 'error'; id: number; result?: TaskResult; maxRssKb?: number; message?: string; stack?: string }) => {
          if (msg.type === 'error') {
            const err = new Error(`${tasks[msg.id]!.file}: ${msg.message}`);
            if (msg.stack) err.stack = msg.stack;
            reject(err);
            return;
          }
          results[msg.id] = msg.result!;
          this.maxRss = Math.max(this.maxRss, msg.maxRssKb ?? 0);
          done++;
          onDone?.(done);
          if (done === tasks.length) resolve(results);
          else feed(child);
        });
        child.on('exit', (code, signal) => {
          // Stopped by the interrupt (onExit hands it to the CLI's handler, which exits 130): not a broken run.
          if (WorkerPool.interrupting(signal)) return;
          if (done < tasks.length) reject(new Error(`a worker process stopped (${signal ?? `exit ${code}`}) before the run finished`));
        });
        feed(child);
      }
    });
  }

  stats(): PoolStats {
    return { workers: this.size, workerMaxRssKb: this.maxRss };
  }

  close(): void {
    for (const c of this.children) if (c.connected) c.disconnect();
  }
}

/** Runs tasks on the pool when there is one, else in this process; results in task order. */
export async function runTasks(
  tasks: readonly CustomerTask[],
  ctx: TaskContext,
  pool: WorkerPool | undefined,
  onDone?: (done: number) => void,
): Promise<{ results: TaskResult[]; stats: PoolStats }> {
  if (pool) return { results: await pool.run(tasks, onDone), stats: pool.stats() };
  const results = tasks.map((t, i) => {
    const r = inProcess().runCustomerTask(t, ctx);
    onDone?.(i + 1);
    return r;
  });
  return { results, stats: { workers: 0, workerMaxRssKb: 0 } };
}
