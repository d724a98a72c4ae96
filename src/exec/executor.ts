/**
 * The seam between the schedulers and whatever runs chunk requests: "run this chunk request, give
 * me its reply, honour this signal". Retries and the start-time timeout live behind it, so the
 * schedulers never know which executor they have: a local pool of worker threads
 * (piscina-executor.ts) or anything else with the same contract. The merge, in chunk order, is
 * the scheduler's; an executor only ever returns one chunk's reply.
 *
 * An executor's lifetime is its owner's, not a job's: processDataset creates one for a job and
 * destroys it at the end; a long-lived owner keeps one warm across jobs. Jobs reach it through an
 * ExecutorProvider, so a scheduler never creates or destroys one itself.
 *
 * Public as an experimental contract (chunkmill/experimental, src/experimental.ts): it may change
 * in any release.
 */
import type { JobWarning } from '../api/events.js';
import type { ControlChannel } from '../kinds/user/context.js';
import type { ChunkReply, ChunkRequest } from './protocol.js';

/** How one job's chunks are run: its fault policy and where its chunks' side messages go. */
export interface ChunkPolicy {
  /** Times a chunk is run again after a fault that may heal (see retries.ts). */
  retries: number;
  /** Also run a chunk again when user code threw (ERR_TASK_FAILED); by default that fails at once. */
  retryTaskErrors: boolean;
  /** Milliseconds before the first retry, doubled at each further one (0: at once). Optional for implementers. */
  retryDelay?: number;
  /** Milliseconds a chunk may run, counted from when a worker starts it. */
  timeout: number | undefined;
  /** Aborted when the job no longer wants replies (it was cancelled, failed or ended). */
  signal: AbortSignal;
  /** A chunk failed and is run again. */
  onWarning(warning: JobWarning): void;
}

/**
 * Chunk requests kept in flight per executor thread, by the schedulers and by a cluster worker
 * taking items: one running, one queued, so no thread waits on a round trip.
 */
export const IN_FLIGHT_PER_THREAD = 2;

export interface Executor {
  /** Chunks it runs at once: the schedulers keep IN_FLIGHT_PER_THREAD times this many in flight. */
  readonly threads: number;
  /**
   * Runs a chunk request (built afresh per attempt by `make`: a request may hold transferables
   * that cannot be sent twice). Resolves with a reply that is not a failure worth retrying, or
   * rejects with the first failure once the retries are spent (an AbortError once `signal` aborts).
   * `control`: where the chunk's ctx.log / ctx.progress go, when someone listens.
   */
  execute(
    chunkIndex: number,
    make: () => ChunkRequest,
    policy: ChunkPolicy,
    control?: ControlChannel,
  ): Promise<ChunkReply>;
}

/**
 * Where a job gets its executor once it knows how many threads it can use (a file of one chunk
 * needs one), and gives it back when it ends.
 */
export interface ExecutorProvider {
  acquire(threads: number): Executor;
  /** `succeeded`: the job ended with its result (not failed or cancelled), nothing of it left running. */
  release(executor: Executor, succeeded: boolean): Promise<void>;
}
