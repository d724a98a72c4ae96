/**
 * chunkmill: process large CSV files on every core.
 *
 *   const job = processDataset({ input: 'sales.csv', aggregate: { groupBy: ['region'], measures: { n: count() } } });
 *   job.on('progress', (p) => ...);
 *   const { rows, stats } = await job.result;
 */
import { runParallel, type AggregateResult } from './coordinator.js';
import { ChunkmillError } from './errors.js';
import { Job } from './job.js';
import { validate, type ProcessOptions } from './options.js';
import type { AggregateRow, MeasureSpec } from './tasks/measures.js';

/**
 * Starts a job in the background and returns at once. The work runs on a pool of worker
 * threads; the calling thread only plans, merges and emits events. Every failure, a bad option
 * included, arrives as a rejection of `job.result` (and an `error` event), never as a throw.
 */
export function processDataset<G extends string, M extends Record<string, MeasureSpec>>(
  options: ProcessOptions<G, M>,
): Job<AggregateResult<AggregateRow<G, M>>> {
  let validated: ReturnType<typeof validate> | ChunkmillError;
  try {
    validated = validate(options as ProcessOptions);
  } catch (e) {
    validated = e as ChunkmillError;
  }
  const opts = validated;
  return new Job<AggregateResult<AggregateRow<G, M>>>(async (job, signal) => {
    if (opts instanceof ChunkmillError) throw opts;
    return (await runParallel(opts, job as unknown as Job<AggregateResult>, signal)) as AggregateResult<AggregateRow<G, M>>;
  }, (options as ProcessOptions | undefined)?.signal instanceof AbortSignal ? options.signal : undefined);
}

export { processSerial } from './serial.js';
export { count, sum, min, max, mean } from './tasks/measures.js';
export type { AggregateSpec, AggregateRow, MeasureSpec, CountSpec, ColumnMeasureSpec } from './tasks/measures.js';
export type { ProcessOptions, CsvOptions } from './options.js';
export { DEFAULTS } from './options.js';
export type { AggregateResult } from './coordinator.js';
export { Job } from './job.js';
export type { JobEvents, JobPlan, JobStats, JobWarning, Progress, ChunkEvent } from './job.js';
export { ChunkmillError, AbortError } from './errors.js';
export type { ErrorCode, ErrorData, ErrorLocation } from './errors.js';
