/**
 * The unit of work of a fleet run: one customer, from its validated spec to either its staged folder
 * (generate) or its differences from disk (check). The same function runs in the main process for small runs
 * and in worker processes for large ones, so scheduling never changes a byte of output.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { folderDrift, folderMatches, type Drift } from './check';
import type { Inputs } from '../pipeline/fingerprint';
import type { FleetConfig } from '../fleet/schema';
import { renderCustomer } from '../pipeline/generate';
import { buildModel } from '../model/model';
import type { CustomerSpec } from '../input/schema';
import type { Allocation } from '../model/allocation';
import { stageFolder } from './writer';

/** What every task of one run shares. */
export interface TaskContext {
  readonly mode: 'generate' | 'check';
  readonly outDir: string;
  /** Staging folder of the run (generate only). */
  readonly staging?: string;
  readonly fleet: FleetConfig;
}

export interface CustomerTask {
  readonly file: string;
  readonly spec: CustomerSpec;
  readonly inputs: Inputs;
  /** What the fleet-wide allocation gave this customer (allocations.ts). */
  readonly allocation: Allocation;
}

export interface TaskResult {
  readonly name: string;
  readonly files: number;
  /** generate: the folder differed from disk and was staged. */
  readonly staged: boolean;
  readonly written: number;
  readonly unchanged: number;
  /** generate: files of the live folder the new one no longer holds (paths under outDir). */
  readonly removed: string[];
  /** generate: those of them privlink wrote itself (the live manifest listed them). */
  readonly obsolete: string[];
  /** check: every difference from disk. */
  readonly drift: Drift[];
}

export function runCustomerTask(task: CustomerTask, ctx: TaskContext): TaskResult {
  const model = buildModel(task.spec, task.file, ctx.fleet, task.allocation);
  const files = renderCustomer(model, task.inputs);
  const base = { name: model.name, files: files.size };
  if (ctx.mode === 'check') return { ...base, staged: false, written: 0, unchanged: 0, removed: [], obsolete: [], drift: folderDrift(ctx.outDir, model.name, files) };
  // generate only needs to know whether the folder differs (diffs are check's business); a customer seen for the
  // first time has nothing on disk to compare with.
  const fresh = !existsSync(join(ctx.outDir, model.name));
  if (!fresh && folderMatches(ctx.outDir, model.name, files)) return { ...base, staged: false, written: 0, unchanged: files.size, removed: [], obsolete: [], drift: [] };
  const counts = stageFolder(ctx.outDir, ctx.staging!, model.name, files);
  return { ...base, staged: true, ...counts, drift: [] };
}
