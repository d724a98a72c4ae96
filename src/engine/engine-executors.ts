/**
 * Where an engine's jobs get their executors: one executor shared fairly by the running jobs
 * (the engine's own pool, or the caller's), or a cluster's provider, from which each job acquires
 * an executor of its own.
 */
import type { ClusterExecutorProvider } from '../cluster/cluster-provider.js';
import type { ClusterStatus } from '../cluster/registry.js';
import type { Executor, ExecutorProvider } from '../exec/executor.js';
import { FairShare } from '../exec/fair-share.js';
import type { PiscinaExecutor } from '../exec/piscina-executor.js';

/** Where an engine's jobs get their executors, and how many threads there are to share. */
export interface EngineExecutors {
  executors(): ExecutorProvider;
  /** Threads a job may use now: 0 holds the queue (a cluster with no worker yet). */
  threads(): number;
  /** A cluster's state now; absent for a local pool. */
  cluster?: () => ClusterStatus;
  close(): Promise<void>;
}

/** One executor (the engine's own pool, or the caller's) shared fairly by the running jobs. */
export function sharedExecutors(executor: Executor, owned: boolean): EngineExecutors {
  const share = new FairShare(executor);
  return {
    executors: () => share.provider(),
    threads: () => executor.threads,
    close: async () => {
      if (owned) await (executor as PiscinaExecutor).destroy();
    },
  };
}

/**
 * A cluster: each job acquires its own executor from the one provider (its own items, cancel and
 * clean-up); their items meet in the cluster's queue, where the workers take them in the order
 * added, each job keeping at most IN_FLIGHT_PER_THREAD per thread in flight.
 */
export function clusterExecutors(provider: ClusterExecutorProvider): EngineExecutors {
  return {
    executors: () => provider,
    threads: () => provider.threads(),
    cluster: () => provider.status(),
    close: () => provider.close(),
  };
}
