/**
 * Running one chunk's task on the pool, with the two fault policies of a job:
 *
 * - `timeout`: a chunk that runs longer (counted from when a worker starts it, not from when it
 *   was queued) is aborted; Piscina ends that worker thread and starts another.
 * - `retries`: a chunk whose worker died (exit, out of memory), timed out, or whose user code
 *   threw is run again, with a `warning` event per failure. When the retries are spent the job
 *   fails with the first failure: the original cause. A worker that died or was stopped has been
 *   replaced by Piscina with a new thread, so such a retry starts clean; after a throw, the
 *   thread lived on and may take the retry (with its module state). A one-thread pool per retry
 *   would guarantee a new thread, but pools destroyed while a job failed around them left
 *   threads behind (3 per failed job in .ab/leak3.mjs, not reproduced in isolation): not worth it.
 *
 * Data errors (CSV syntax, a bad number, a missing file) are not retried: they would fail again.
 */
import { inspect } from 'node:util';
import type { TransferListItem } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { AbortError, ChunkmillError, type ErrorData } from './errors.js';
import type { Job } from './job.js';
import type { ResolvedOptions } from './options.js';
import type { WorkerReply, WorkerTask } from './worker.js';

/** Failures worth another try: the worker or the user's code, not the data. */
const RETRYABLE = new Set(['ERR_WORKER_EXITED', 'ERR_CHUNK_TIMEOUT', 'ERR_TASK_FAILED']);
/** Start flags: one Int32 per task in flight, reused; the scheduler keeps 2 per worker out. */
const SLOTS_PER_WORKER = 2;

interface Running {
  slot: number;
  controller: AbortController;
  startedAt: number;
  timedOut: boolean;
}

export class Dispatcher {
  private readonly flags: Int32Array;
  private readonly freeSlots: number[];
  private readonly running = new Set<Running>();
  private watchdog: NodeJS.Timeout | null = null;
  /** The job is over: no more attempts (a chunk still retrying would start a pool after the end). */
  private closed = false;

  constructor(
    private readonly pool: Piscina<WorkerTask, WorkerReply>,
    private readonly opts: Pick<ResolvedOptions, 'retries' | 'timeout'>,
    private readonly job: Job<unknown>,
    private readonly signal: AbortSignal,
  ) {
    const slots = pool.maxThreads * SLOTS_PER_WORKER;
    this.flags = new Int32Array(new SharedArrayBuffer(4 * slots));
    this.freeSlots = Array.from({ length: slots }, (_, i) => slots - 1 - i);
  }

  /**
   * Runs chunk k's task (built afresh per attempt: transferred ports cannot be sent twice).
   * Resolves with a reply that is not a retryable failure, or rejects with the first failure.
   */
  async run(k: number, makeTask: () => { task: WorkerTask; transferList?: TransferListItem[] }): Promise<WorkerReply> {
    // The first failure is what the job fails with: a reply (the scheduler locates its line) or an error.
    let original: { reply: WorkerReply } | { error: ChunkmillError } | null = null;
    for (let attempt = 0; ; attempt++) {
      let outcome: { reply: WorkerReply } | { error: ChunkmillError };
      let why: string;
      try {
        const { task, transferList } = makeTask();
        const reply = await this.once(this.pool, task, transferList, k);
        const error = replyFailure(reply);
        if (error === null || !RETRYABLE.has(error.code)) return reply;
        outcome = { reply };
        why = error.message;
      } catch (e) {
        if (this.signal.aborted) throw new AbortError();
        const error = e as ChunkmillError;
        if (!RETRYABLE.has(error.code)) throw error;
        outcome = { error };
        why = error.message;
      }
      original ??= outcome;
      if (this.signal.aborted) throw new AbortError();
      if (attempt >= this.opts.retries || this.closed) {
        if ('reply' in original) return original.reply;
        throw original.error;
      }
      this.job.emit('warning', {
        code: 'WARN_CHUNK_RETRY',
        message: `Chunk ${k} failed (${why}); retrying (retry ${attempt + 1} of ${this.opts.retries})`,
      });
    }
  }

  /** The job is over: stops the watchdog, and no chunk starts another attempt. */
  close(): void {
    this.closed = true;
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchdog = null;
  }

  private async once(pool: Piscina<WorkerTask, WorkerReply>, task: WorkerTask, transferList: TransferListItem[] | undefined, k: number): Promise<WorkerReply> {
    if (this.opts.timeout === undefined) {
      return pool.run(task, transferList ? { transferList } : {}).catch((e: unknown) => {
        throw workerFailure(e, k);
      });
    }
    const slot = this.freeSlots.pop();
    if (slot === undefined) throw new ChunkmillError({ code: 'ERR_INTERNAL', chunkIndex: k, message: 'More chunks in flight than timeout slots' });
    Atomics.store(this.flags, slot, 0);
    const running: Running = { slot, controller: new AbortController(), startedAt: -1, timedOut: false };
    this.running.add(running);
    this.startWatchdog();
    try {
      const timed = { ...task, started: { flags: this.flags, slot } };
      return await pool.run(timed, { signal: running.controller.signal, ...(transferList ? { transferList } : {}) });
    } catch (e) {
      if (!running.timedOut) throw workerFailure(e, k);
      throw new ChunkmillError({
        code: 'ERR_CHUNK_TIMEOUT',
        chunkIndex: k,
        message: `Chunk ${k} ran longer than the timeout (${this.opts.timeout} ms); its worker was stopped`,
        hint: 'raise timeout, or look for a row that makes the task loop',
      });
    } finally {
      this.running.delete(running);
      this.freeSlots.push(slot);
    }
  }

  /** Checks started chunks a few times per timeout period; aborts the ones over it. */
  private startWatchdog(): void {
    if (this.watchdog !== null) return;
    const timeout = this.opts.timeout!;
    this.watchdog = setInterval(() => {
      const now = performance.now();
      for (const r of this.running) {
        if (r.startedAt < 0 && Atomics.load(this.flags, r.slot) === 1) r.startedAt = now;
        if (r.startedAt >= 0 && now - r.startedAt > timeout && !r.timedOut) {
          r.timedOut = true;
          r.controller.abort();
        }
      }
    }, Math.max(10, Math.min(250, timeout / 4)));
    this.watchdog.unref();
  }
}

/** A reply that reports a failure: a whole-task error, or a parse that stopped on one. */
function replyFailure(reply: WorkerReply): ErrorData | null {
  if ('error' in reply) return reply.error;
  if ('parsed' in reply && reply.parsed.error !== undefined) return reply.parsed.error;
  return null;
}

/** A rejected pool.run: the worker died (or something in Piscina failed). */
export function workerFailure(e: unknown, chunkIndex: number): ChunkmillError {
  if (e instanceof ChunkmillError) return e;
  const message = e instanceof Error ? e.message : inspect(e);
  if ((e as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new ChunkmillError(
      { code: 'ERR_WORKER_EXITED', chunkIndex, message: `A worker thread ran out of memory while processing chunk ${chunkIndex} (${message})`, hint: 'raise workerResourceLimits, or group by fewer distinct keys' },
      { cause: e },
    );
  }
  if (/worker exited|Terminating worker/i.test(message)) {
    return new ChunkmillError({ code: 'ERR_WORKER_EXITED', chunkIndex, message: `A worker thread exited while processing chunk ${chunkIndex} (${message})` }, { cause: e });
  }
  return new ChunkmillError({ code: 'ERR_INTERNAL', chunkIndex, message: `Chunk ${chunkIndex} failed in a worker: ${message}` }, { cause: e });
}
