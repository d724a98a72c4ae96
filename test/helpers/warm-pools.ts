/**
 * processDataset on warm pools, for sweeps that run one input many times (test/helpers/matrix.ts,
 * the fuzz test): the same job (the options validated, the plan, the scheduler, the same number of
 * worker threads) on a pool kept per thread count for the whole test file, instead of a pool
 * started and destroyed for each run.
 *
 * Why: a pool's start and end cost 100-300 ms of a 2-core CI machine per run, against a few ms
 * for the job itself on these small files; the fixture matrix alone started ~400 of them. What a
 * sweep checks (every chunk size x worker count gives the serial result) is the same on a warm
 * pool: the scheduler asks for min(workers, chunks) threads and gets a pool of exactly that many,
 * as processDataset's own provider gives it (src/job/process-dataset.ts, PiscinaExecutor.perJob).
 * A warm pool is how an engine runs jobs anyway (createEngine keeps one across jobs), so threads
 * that run many jobs one after another are a case the product has, not one made up for tests.
 * The per-job pool's start and teardown stay covered: every sweep still runs one of its runs
 * through processDataset itself (matrix.ts), and so does every other test of a job.
 *
 * It reaches into dist/ (compiled internals, as other tests do for the scanner): processDataset
 * takes no executor. A job that ends with an error may leave chunk requests running on its pool;
 * the next job's requests queue behind them, as on an engine's pool.
 */
import { afterAll } from 'vitest';
import {
  Job,
  type AggregateResult,
  type ProcessOptions,
  type TaskOptions,
  type TaskResult,
  type TransformOptions,
  type TransformResult,
} from 'chunkmill';
import type { Executor, ExecutorProvider } from 'chunkmill/experimental';
import type { AnyProcessOptions } from '../../dist/api/options.js';
import { PiscinaExecutor } from '../../dist/exec/piscina-executor.js';
import { validate } from '../../dist/plan/validate.js';
import { scheduleJob } from '../../dist/schedule/schedule-job.js';

const pools = new Map<number, PiscinaExecutor>();

const warm: ExecutorProvider = {
  acquire(threads: number): Executor {
    let pool = pools.get(threads);
    if (pool === undefined) {
      pool = new PiscinaExecutor({ threads, resourceLimits: undefined });
      pools.set(threads, pool);
    }
    return pool;
  },
  release: async () => {}, // kept for the next run; closeWarmPools ends it
};

/** Destroys every warm pool: after the file (below), or when a run hung and its pool may be stuck. */
export async function closeWarmPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.destroy()));
}

afterAll(closeWarmPools);

/**
 * processDataset's job (src/job/process-dataset.ts), its chunks on a warm pool. Local jobs only:
 * options with `cluster` or `workerResourceLimits` throw (run those with processDataset).
 */
export function processOnWarmPool(options: ProcessOptions): Job<AggregateResult>;
export function processOnWarmPool<R>(options: TaskOptions<R>): Job<TaskResult<R>>;
export function processOnWarmPool(options: TransformOptions): Job<TransformResult>;
export function processOnWarmPool(options: AnyProcessOptions): Job<unknown> {
  if (options.cluster !== undefined || options.workerResourceLimits !== undefined)
    throw new Error('processOnWarmPool: local jobs without workerResourceLimits only');
  const external = options.signal instanceof AbortSignal ? options.signal : undefined;
  return new Job<unknown>(async (job, signal) => {
    const opts = validate(options); // a throw rejects `result`, as in processDataset
    return scheduleJob(opts, job, signal, warm);
  }, external);
}
