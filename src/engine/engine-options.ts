/**
 * What createEngine takes, and what an engine tells its listeners: every option and event
 * documented where it is declared (engine.ts is the engine itself).
 */
import type { ResourceLimits } from 'node:worker_threads';
import type { ClusterOptions } from '../api/cluster-options.js';
import type { Confinement } from '../api/confinement.js';
import type { Executor } from '../exec/executor.js';
import type { JobStore } from '../store/job-store.js';
import type { Claim } from '../store/records.js';
import type { JobOutcome } from './webhook-payload.js';
import type { WebhookRetry, WebhookTarget } from './webhooks.js';

export interface EngineOptions {
  /** The store: a file path (the embedded SQLite store, created if new) or a JobStore. */
  store: string | JobStore;
  /** Worker threads of the engine's pool (ignored with `executor`). @default os.availableParallelism() */
  workers?: number;
  /** Jobs run at once; their chunks share the pool fairly. @default 2 */
  concurrency?: number;
  /**
   * Milliseconds a claimed job stays this engine's without a renewal; renewed every third of it.
   * An engine that dies loses its jobs to another engine this long after its last renewal. @default 15000
   */
  leaseMs?: number;
  /** Milliseconds between looks at the store (new jobs from other processes, cancels). @default 20 */
  pollInterval?: number;
  /** Milliseconds between writes of a running job's progress and events. @default 250 */
  writeInterval?: number;
  /** Remove finished jobs this many milliseconds after they finished. @default none: kept until removed */
  retention?: number;
  /** Memory limits of each pool thread (per job they cannot apply: the pool is shared). */
  workerResourceLimits?: ResourceLimits;
  /**
   * An executor to run every job's chunks on instead of a pool of the engine's own (anything
   * behind the Executor seam, src/exec/executor.ts). The caller owns it: close() does not destroy it.
   */
  executor?: Executor;
  /**
   * Run every job's chunks on `chunkmill worker` processes through BullMQ on Redis (docs/cluster.md)
   * instead of a pool of the engine's own. createEngine connects first (ERR_CLUSTER_UNREACHABLE
   * within `connectTimeout`). Jobs stay queued while no worker of this chunkmill version is
   * connected, and a job uses the threads of the workers there when it starts (its `workers`
   * caps them). Not with `executor`, `workers` or `workerResourceLimits`: the threads are the workers'.
   */
  cluster?: ClusterOptions;
  /**
   * With `cluster`: milliseconds a job may keep meeting an outage of the cluster (Redis lost for
   * longer than `cluster.reconnectTimeout`, no worker of this version for longer than
   * `cluster.workerTimeout`) before it fails with ERR_CLUSTER_OUTAGE, counted from its first
   * hand-back for one. Until then each such run goes back to the queue with its checkpoint, and
   * the job runs on once Redis and a worker are back. @default 300000 (5 minutes)
   */
  outageBudget?: number;
  /** This engine's name in leases and logs. @default host:pid:random */
  id?: string;
  /**
   * Confines every job this engine runs to one folder (chunkmill serve gives its data dir): each
   * file a job opens, to read its input or to write its output or rejects, is checked at open
   * time to be a plain file inside `root` (symlinks refused, real paths and descriptors compared,
   * no writing to a file with other hard links) and none of the `protect` files. A path checked
   * when the job was queued may be swapped before it runs; a refusal fails the job with
   * ERR_PATH_FORBIDDEN (docs/server.md#security-model). Not a job spec field: no job can set it.
   * @default none: jobs open their paths as processDataset does
   */
  confine?: Confinement;
  /**
   * POST each job's end that this engine writes (succeeded, failed, cancelled) to these URLs, as
   * signed JSON (docs/server.md#webhooks): a URL, or `{ url, secret }`. The secret defaults to
   * CHUNKMILL_WEBHOOK_SECRET; without one deliveries go unsigned (a warning says so once). Not a
   * job spec field: no request can name a URL. Failed deliveries are retried (`webhookRetry`) in
   * memory: a process that exits drops those pending. @default none
   */
  webhooks?: readonly (string | WebhookTarget)[];
  /** How webhook deliveries are timed out and retried. @default 10 s per attempt, 12 attempts, backoff from 1 s doubling to 15 min */
  webhookRetry?: WebhookRetry;
  /**
   * Bytes an aggregate job's groups and result may take in this process (memory-budget.ts): the
   * default of a job that sets no memoryBudget, and the most one that sets a larger one gets, so
   * one job of millions of groups cannot take a server's memory. `chunkmill serve` gives 128 MiB.
   * @default none: a quarter of the heap limit, a job may ask for half
   */
  memoryBudget?: number;
}

/** What an engine tells its listeners. */
export interface EngineEvents {
  /** A job was claimed and starts (or resumes). */
  claimed: [claim: Claim];
  /**
   * A run ended: its outcome is stored (or it was handed back, or taken over). `outcome`: how the
   * job ended, when this run wrote its end; null when it went back to the queue or to another engine.
   */
  ended: [jobId: string, outcome: JobOutcome | null];
  /** The store could not be read or written; the engine goes on and tries again. */
  error: [error: Error];
}
