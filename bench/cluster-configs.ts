/**
 * The bench:cluster configurations: where a job runs (a warm local pool, processDataset's own
 * pool, or a cluster) and what of its result must agree across them.
 *
 * The warm pool is built from dist/'s internals (the scheduler processDataset runs, with a
 * PiscinaExecutor that outlives its jobs), as a worker process keeps its pool, until the engine
 * (issue 11) offers one.
 */
import { EventEmitter } from 'node:events';
import {
  processDataset,
  type AggregateResult,
  type AggregateSpec,
  type ProcessOptions,
  type TaskOptions,
  type TransformOptions,
} from 'chunkmill';
import type { JobReporter } from '../dist/api/events.js';
import type { ExecutorProvider } from '../dist/exec/executor.js';
import { PiscinaExecutor } from '../dist/exec/piscina-executor.js';
import { validate } from '../dist/plan/validate.js';
import { scheduleJob } from '../dist/schedule/schedule-job.js';
import type { Fleet } from './cluster-fleet.ts';

/** A configuration: runs a job, returns what must agree across configurations and the job's chunks. */
export interface Config {
  label: string;
  fleet: Fleet | null;
  run: () => Promise<{ exact: string; chunks: number }>;
}

/** One pool for the whole bench, as a worker process keeps one. */
const warmPool = new PiscinaExecutor({ threads: 2 });
const warmProvider: ExecutorProvider = { acquire: () => warmPool, release: async () => {} };

/** Where a configuration's jobs run. */
export type Where = 'warm' | 'processDataset' | Fleet;

interface JobOutcome {
  stats: { chunks: number };
}

/**
 * A configuration running `options()` (made afresh per run: a stream input is read once) and
 * keeping of its result what must agree across configurations.
 */
export function config<R extends JobOutcome>(
  what: string,
  where: Where,
  options: () => ProcessOptions | TaskOptions | TransformOptions,
  exact: (result: R) => unknown,
): Config {
  const label =
    where === 'warm'
      ? 'warm local pool, 2 threads'
      : where === 'processDataset'
        ? 'processDataset pool, 2 threads'
        : where.label;
  const fleet = typeof where === 'string' ? null : where;
  return {
    label: what === '' ? label : `${label}: ${what}`,
    fleet,
    run: async () => {
      const o = options();
      let result: R;
      if (where === 'warm') {
        const reporter = new EventEmitter() as unknown as JobReporter;
        result = (await scheduleJob(
          validate({ ...o, workers: 2 }),
          reporter,
          new AbortController().signal,
          warmProvider,
        )) as R;
      } else {
        const placed = { ...o, ...(fleet ? { cluster: { redis: fleet.redis.url } } : { workers: 2 }) };
        result = (await processDataset(placed as ProcessOptions).result) as unknown as R;
      }
      return { exact: JSON.stringify(exact(result)), chunks: result.stats.chunks };
    },
  };
}

/** An aggregate over a file, its rows compared. */
export function aggregateConfig(where: Where, input: string, aggregate: AggregateSpec, chunkSize?: number): Config {
  const options = () => ({ input, aggregate, ...(chunkSize !== undefined ? { chunkSize } : {}) });
  const what = chunkSize !== undefined && chunkSize >= 1 << 20 ? `${chunkSize >> 20} MiB chunks` : '';
  return config<AggregateResult>(what, where, options, (r) => r.rows);
}

export function closeWarmPool(): Promise<void> {
  return warmPool.destroy();
}
