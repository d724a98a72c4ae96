/**
 * processDataset: a one-off job. It validates the options and gets an executor: a Piscina pool
 * sized to the job's plan (exec/job-pools.ts: a new one, or the one the process's previous job of
 * that size left idle) or a cluster's through Redis (connected for the job alone).
 */
import type { ResolvedClusterOptions } from '../api/cluster-options.js';
import type { JobReporter } from '../api/events.js';
import type { AggregateRow, MeasureSpec } from '../api/measures.js';
import type { AnyProcessOptions, ProcessOptions, TaskOptions, TransformOptions } from '../api/options.js';
import type { AggregateResult, TaskResult, TransformResult } from '../api/results.js';
import { ChunkmillError } from '../errors.js';
import { jobPools } from '../exec/job-pools.js';
import type { ResolvedOptions } from '../plan/resolved-options.js';
import { validate } from '../plan/validate.js';
import { scheduleJob } from '../schedule/schedule-job.js';
import { Job } from './job.js';
import { withOutputTargets } from './output-target.js';

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
      withOutputTargets(opts, signal);
      if (opts.cluster !== undefined) return onCluster(opts, opts.cluster, job, signal);
      return scheduleJob(opts, job, signal, jobPools(opts.workerResourceLimits));
    },
    (options as AnyProcessOptions | undefined)?.signal instanceof AbortSignal ? options.signal : undefined,
  );
}

/**
 * A job on `chunkmill worker` processes: connected for the job alone (Redis unreachable fails it
 * here, before the input is read), using every thread of the workers of this version that are
 * there now, or `workers` of them.
 */
async function onCluster(
  opts: ResolvedOptions,
  cluster: ResolvedClusterOptions,
  reporter: JobReporter,
  signal: AbortSignal,
): Promise<unknown> {
  // Loaded on first use: BullMQ and ioredis cost a local job's start-up ~0.3 s (start-worker.ts).
  const { ClusterExecutorProvider } = await import('../cluster/cluster-provider.js');
  const provider = await ClusterExecutorProvider.connect(cluster, signal);
  try {
    const threads = await provider.ready(signal);
    return await scheduleJob({ ...opts, workers: Math.min(opts.workers, threads) }, reporter, signal, provider);
  } finally {
    await provider.close();
  }
}
