/**
 * processDataset: a one-off job. It validates the options, creates an executor (a Piscina pool
 * sized to the job's plan) for the job alone, and destroys it when the job ends.
 */
import type { AggregateRow, MeasureSpec } from '../api/measures.js';
import type { AnyProcessOptions, ProcessOptions, TaskOptions, TransformOptions } from '../api/options.js';
import type { AggregateResult, TaskResult, TransformResult } from '../api/results.js';
import { ChunkmillError } from '../errors.js';
import { PiscinaExecutor } from '../exec/piscina-executor.js';
import type { ResolvedOptions } from '../plan/resolved-options.js';
import { validate } from '../plan/validate.js';
import { scheduleJob } from '../schedule/schedule-job.js';
import { Job } from './job.js';

/**
 * Starts a job in the background and returns at once. The work runs on a pool of worker
 * threads; the calling thread only plans, merges and emits events. Every failure, a bad option
 * included, arrives as a rejection of `job.result` (and an `error` event), never as a throw.
 */
export function processDataset<G extends string, M extends Record<string, MeasureSpec>>(
  options: ProcessOptions<G, M>,
): Job<AggregateResult<AggregateRow<G, M>>>;
export function processDataset<R>(options: TaskOptions<R>): Job<TaskResult<R>>;
export function processDataset(options: TransformOptions): Job<TransformResult>;
export function processDataset(options: AnyProcessOptions): Job<unknown> {
  let validated: ResolvedOptions | ChunkmillError;
  try {
    validated = validate(options);
  } catch (e) {
    validated = e as ChunkmillError;
  }
  const opts = validated;
  return new Job<unknown>(
    async (job, signal) => {
      if (opts instanceof ChunkmillError) throw opts;
      return scheduleJob(opts, job, signal, PiscinaExecutor.perJob(opts.workerResourceLimits));
    },
    (options as AnyProcessOptions | undefined)?.signal instanceof AbortSignal ? options.signal : undefined,
  );
}
