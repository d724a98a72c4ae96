/**
 * startWorker(): the public way to run a cluster worker from code (`chunkmill worker` calls it).
 * BullMQ and ioredis load only here, on first use: importing them costs ~0.3 s of start-up
 * (more on a busy machine), which a one-off local job or `chunkmill --help` must not pay.
 */
import type { ClusterWorker, ClusterWorkerOptions } from './cluster-worker.js';

/** Connects to Redis (ERR_CLUSTER_UNREACHABLE within connectTimeout), registers, starts taking chunks. */
export async function startWorker(options: ClusterWorkerOptions): Promise<ClusterWorker> {
  const { ClusterWorker } = await import('./cluster-worker.js');
  return ClusterWorker.start(options);
}
