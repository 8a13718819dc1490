/**
 * A worker process of a fleet run (pool.ts forks it): receives the run's context once, then customer tasks one
 * at a time, and answers each with its result. It holds one customer's output at a time and exits when the
 * parent disconnects (also when the parent was killed).
 */
import { runCustomerTask, type CustomerTask, type TaskContext } from './customer-task';

let ctx: TaskContext | undefined;

process.on('message', (msg: { type: 'init'; ctx: TaskContext } | { type: 'task'; id: number; task: CustomerTask }) => {
  if (msg.type === 'init') {
    ctx = msg.ctx;
    return;
  }
  try {
    const result = runCustomerTask(msg.task, ctx!);
    process.send!({ type: 'done', id: msg.id, result, maxRssKb: process.resourceUsage().maxRSS });
  } catch (err) {
    process.send!({ type: 'error', id: msg.id, message: (err as Error).message, stack: (err as Error).stack });
  }
});
process.on('disconnect', () => process.exit(0));
