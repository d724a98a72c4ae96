/**
 * chunkmill: process large CSV files on every core.
 *
 *   const job = processDataset({ input: 'sales.csv', aggregate: { groupBy: ['region'], measures: { n: count() } } });
 *   job.on('progress', (p) => ...);
 *   const { rows, stats } = await job.result;
 */
import { ChunkmillError } from './errors.js';
import { Job } from './job.js';
import type { AnyProcessOptions, ProcessOptions, TaskOptions, TransformOptions } from './options.js';
import { validate } from './validate.js';
import { runInput } from './run.js';
import type { AggregateRow, MeasureSpec } from './tasks/measures.js';
import type { AggregateResult, TaskResult, TransformResult } from './work.js';

/**
 * Starts a job in the background and returns at once. The work runs on a pool of worker
 * threads; the calling thread only plans, merges and emits events. Every failure, a bad option
 * included, arrives as a rejection of `job.result` (and an `error` event), never as a throw.
 */
export function processDataset<G extends string, M extends Record<string, MeasureSpec>>(options: ProcessOptions<G, M>): Job<AggregateResult<AggregateRow<G, M>>>;
export function processDataset<R>(options: TaskOptions<R>): Job<TaskResult<R>>;
export function processDataset(options: TransformOptions): Job<TransformResult>;
export function processDataset(options: AnyProcessOptions): Job<unknown> {
  let validated: ReturnType<typeof validate> | ChunkmillError;
  try {
    validated = validate(options);
  } catch (e) {
    validated = e as ChunkmillError;
  }
  const opts = validated;
  return new Job<unknown>(
    async (job, signal) => {
      if (opts instanceof ChunkmillError) throw opts;
      return runInput(opts, job, signal);
    },
    (options as AnyProcessOptions | undefined)?.signal instanceof AbortSignal ? options.signal : undefined,
  );
}

export { processSerial } from './serial.js';
export { count, sum, min, max, mean } from './tasks/measures.js';
export type { AggregateSpec, AggregateRow, MeasureSpec, CountSpec, ColumnMeasureSpec } from './tasks/measures.js';
export type { ProcessOptions, TaskOptions, TransformOptions, OutputOptions, CommonOptions, InputSource, CsvOptions } from './options.js';
export { DEFAULTS } from './options.js';
export type { AggregateResult, TaskResult, TransformResult } from './work.js';
export { Job } from './job.js';
export type { JobEvents, JobPlan, JobStats, JobWarning, Progress, ChunkEvent, TaskLog, TaskProgress } from './job.js';
export { ChunkmillError, AbortError } from './errors.js';
export type { CancelledAt } from './errors.js';
export type { ErrorCode, ErrorData, ErrorLocation } from './errors.js';
export { defineTask, defineTransform, taskModule } from './tasks/user-api.js';
export type { Row, TaskContext, TaskDefinition, TransformDefinition, OutputRow, TaskModuleRef, TaskResultOf } from './tasks/user-api.js';
