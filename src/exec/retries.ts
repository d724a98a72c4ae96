/**
 * The retry policy of a chunk, whatever runs it: a chunk whose worker died (exit, out of
 * memory) or timed out is run again, with a `warning` per failure. When the retries are spent
 * the job fails with the first failure: the original cause.
 *
 * What is retried is what can heal: a fresh worker, another moment. A throw in user code
 * (ERR_TASK_FAILED) is as deterministic as the data it ran on, so it fails the job at once, one
 * error and no warnings, unless the job asks for it (`retryTaskErrors`: code that calls a flaky
 * service, say). Data errors (CSV syntax, a bad number, a missing file) are never retried: they
 * would fail again.
 */
import { AbortError, type ChunkmillError, type ErrorData } from '../errors.js';
import type { ControlChannel } from '../kinds/user/context.js';
import type { ChunkPolicy, Executor } from './executor.js';
import type { ChunkReply, ChunkRequest } from './protocol.js';

/**
 * Failures worth another try: the worker died or was stopped, not the data. ERR_CLUSTER_ITEM_LOST:
 * a cluster chunk's work item left Redis without a reply (a restarted Redis, a worker lost twice).
 */
const FAULTS: ReadonlySet<string> = new Set(['ERR_WORKER_EXITED', 'ERR_CHUNK_TIMEOUT', 'ERR_CLUSTER_ITEM_LOST']);
/** With `retryTaskErrors`: a throw in user code too. */
const FAULTS_AND_TASK_ERRORS: ReadonlySet<string> = new Set([...FAULTS, 'ERR_TASK_FAILED']);

/** The error codes `policy` runs a chunk again for. */
export function retryableCodes(policy: Pick<ChunkPolicy, 'retryTaskErrors'>): ReadonlySet<string> {
  return policy.retryTaskErrors ? FAULTS_AND_TASK_ERRORS : FAULTS;
}

/**
 * Runs `attempt` until it gives a reply that is not a retryable failure, or the retries are
 * spent; `attempt` rejects with a ChunkmillError when the chunk did not run to a reply.
 */
export async function withRetries(
  chunkIndex: number,
  policy: ChunkPolicy,
  attempt: () => Promise<ChunkReply>,
): Promise<ChunkReply> {
  // The first failure is what the job fails with: a reply (the scheduler locates its line) or an error.
  let original: { reply: ChunkReply } | { error: ChunkmillError } | null = null;
  const RETRYABLE = retryableCodes(policy);
  for (let n = 0; ; n++) {
    let outcome: { reply: ChunkReply } | { error: ChunkmillError };
    let why: string;
    try {
      const reply = await attempt();
      const error = replyFailure(reply);
      if (error === null || !RETRYABLE.has(error.code)) return reply;
      outcome = { reply };
      why = error.message;
    } catch (e) {
      if (policy.signal.aborted) throw new AbortError();
      const error = e as ChunkmillError;
      if (!RETRYABLE.has(error.code)) throw error;
      outcome = { error };
      why = error.message;
    }
    original ??= outcome;
    if (policy.signal.aborted) throw new AbortError();
    if (n >= policy.retries) {
      if ('reply' in original) return original.reply;
      throw original.error;
    }
    const delay = (policy.retryDelay ?? 0) * 2 ** n;
    policy.onWarning({
      code: 'WARN_CHUNK_RETRY',
      message: `Chunk ${chunkIndex} failed (${why}); retrying${delay > 0 ? ` in ${delay} ms` : ''} (retry ${n + 1} of ${policy.retries})`,
    });
    if (delay > 0) await pause(delay, policy.signal);
  }
}

/** Waits `ms`, or less if `signal` aborts first (then rejects with an AbortError). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer);
      reject(new AbortError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    }, ms);
    signal.addEventListener('abort', stop, { once: true });
  });
}

/**
 * An executor that runs each attempt at a chunk itself (the local pool, a cluster): it says how
 * to make one attempt, and every chunk goes through withRetries, so the policy is the same
 * whichever runs it. (A FairShare lane makes no attempts: it hands its chunks to a shared
 * executor, which retries them.)
 */
export abstract class RetryingExecutor implements Executor {
  abstract readonly threads: number;

  execute(
    chunkIndex: number,
    make: () => ChunkRequest,
    policy: ChunkPolicy,
    control?: ControlChannel,
  ): Promise<ChunkReply> {
    return withRetries(chunkIndex, policy, () => this.attempt(chunkIndex, make(), policy, control));
  }

  /**
   * One attempt at chunk `chunkIndex` with its own `request`: its reply, or a rejection with a
   * ChunkmillError when the chunk did not run to one.
   */
  protected abstract attempt(
    chunkIndex: number,
    request: ChunkRequest,
    policy: ChunkPolicy,
    control: ControlChannel | undefined,
  ): Promise<ChunkReply>;
}

/** A reply that reports a failure: an error for the whole request, or a parse that stopped on one. */
function replyFailure(reply: ChunkReply): ErrorData | null {
  if ('error' in reply) return reply.error;
  if ('parsed' in reply && reply.parsed.error !== undefined) return reply.parsed.error;
  return null;
}
