/**
 * What the two schedulers (file-scheduler.ts, stream-scheduler.ts) share: the run loop, the
 * chunks in flight and the fault policy handed to the executor with each, the run's first
 * failure, and the merge of parsed chunks in chunk order.
 *
 * The first failure ends the run, whatever it is (a cancel, a data error, the output breaking, a
 * read that fails): replies still on their way after it are not merged into a job that failed.
 */
import type { JobReporter } from '../api/events.js';
import { AbortError, ChunkmillError } from '../errors.js';
import { IN_FLIGHT_PER_THREAD, type ChunkPolicy, type Executor, type ExecutorProvider } from '../exec/executor.js';
import type { ChunkReply, ChunkRequest, ParseOutcome } from '../exec/protocol.js';
import type { Computation } from '../kinds/computation.js';
import type { ResolvedOptions } from '../plan/resolved-options.js';
import { locatedError } from './located-error.js';
import { ProgressTracker } from './progress-tracker.js';

/**
 * Reorder window: no chunk is parsed more than this many chunks (per thread) ahead of the merge
 * point, so a slow chunk holds back at most a few partials (or output blocks) instead of the rest
 * of the file's.
 */
export const MERGE_AHEAD_PER_THREAD = 4;

/** What a scheduler runs with: the job's options and events, its computation and executor. */
export interface SchedulerRun {
  opts: ResolvedOptions;
  signal: AbortSignal;
  reporter: JobReporter;
  computation: Computation;
  executor: Executor;
  progress: ProgressTracker;
}

/** `P`: a parsed chunk as it waits for its turn to merge. */
export abstract class Scheduler<P> {
  protected readonly opts: ResolvedOptions;
  protected readonly signal: AbortSignal;
  protected readonly reporter: JobReporter;
  protected readonly computation: Computation;
  protected readonly executor: Executor;
  protected readonly progress: ProgressTracker;
  protected inFlight = 0;
  protected failed: unknown = null;
  /** Parsed chunks that wait for the ones before them, by chunk index. */
  protected readonly parsed = new Map<number, P>();
  /** The next chunk to merge. */
  protected nextMerge = 0;
  private wake: (() => void) | null = null;
  /** For callbacks (output drain): wakes the loop if it sleeps. */
  protected readonly wakeUp = (): void => this.wake?.();
  /** Aborted when the run ends, however it ends: chunks still retrying stop there. */
  private readonly ended = new AbortController();
  private readonly policy: ChunkPolicy;

  constructor(
    run: SchedulerRun,
    /** Lines of the input before the next chunk to merge (the header's, at first). */
    protected linesBefore: number,
  ) {
    ({
      opts: this.opts,
      signal: this.signal,
      reporter: this.reporter,
      computation: this.computation,
      executor: this.executor,
      progress: this.progress,
    } = run);
    this.policy = {
      retries: this.opts.retries,
      retryTaskErrors: this.opts.retryTaskErrors,
      retryDelay: this.opts.retryDelay,
      timeout: this.opts.timeout,
      signal: this.ended.signal,
      onWarning: (w) => this.reporter.emit('warning', w),
    };
  }

  /** Chunks dispatched and not yet answered, at most. */
  protected get inFlightLimit(): number {
    return this.executor.threads * IN_FLIGHT_PER_THREAD;
  }

  /** Chunks parsed ahead of the merge point, at most. */
  protected get mergeWindow(): number {
    return this.executor.threads * MERGE_AHEAD_PER_THREAD;
  }

  /**
   * The run loop, with the abort signal and the output's failures wired to fail(): until `done`,
   * `fill` dispatches what it can; when it must first wait for input, it returns that wait, and
   * the loop goes round again once it is over. Otherwise the loop sleeps until a reply, a failure
   * or a drain. A loop with nothing in flight and nothing to wait for has stalled: a bug.
   */
  protected async loop(done: () => boolean, fill: () => Promise<void> | undefined): Promise<void> {
    const onAbort = () => {
      this.ended.abort();
      this.fail(new AbortError());
    };
    // A 'start' or 'progress' listener may already have cancelled the job.
    if (this.signal.aborted) onAbort();
    this.signal.addEventListener('abort', onAbort, { once: true });
    this.computation.onFailure((e) => this.fail(e));
    try {
      while (this.failed === null && !done()) {
        const blocked = this.computation.blocked(this.wakeUp);
        if (!blocked) {
          const waiting = fill();
          if (waiting !== undefined) {
            await waiting;
            continue;
          }
        }
        // Checked and slept on in one synchronous step: a reply between the two would be missed.
        if (this.inFlight === 0 && !blocked)
          throw new ChunkmillError({ code: 'ERR_INTERNAL', message: `Scheduler stalled at chunk ${this.nextMerge}` });
        await this.sleep();
      }
      if (this.failed !== null) throw this.failed;
    } catch (e) {
      this.fail(e);
      throw this.failed;
    } finally {
      this.signal.removeEventListener('abort', onAbort);
      this.ended.abort();
    }
  }

  protected fail(error: unknown): void {
    if (this.failed === null) this.failed = error;
    this.onFail();
    this.wakeUp();
  }

  /** Called on every fail(), e.g. to abandon a pending read. */
  protected onFail(): void {}

  /**
   * Sends chunk k to the executor (`make` builds its request for each attempt) and counts it in
   * flight; its reply goes to `receive` unless the run has failed. A reply that is an error for
   * the whole request fails the run.
   */
  protected dispatch(k: number, make: () => ChunkRequest, receive: (reply: ChunkReply) => void): void {
    const reply = this.executor.execute(k, make, this.policy, this.computation.control());
    this.inFlight++;
    reply.then(
      (r) => {
        this.inFlight--;
        if (this.failed !== null) return;
        try {
          if ('error' in r) throw locatedError(r.error, 0, this.opts.path, k);
          receive(r);
        } catch (e) {
          this.fail(e);
        }
        this.wakeUp();
      },
      (e: unknown) => {
        this.inFlight--;
        this.fail(this.signal.aborted ? new AbortError() : e);
      },
    );
  }

  /** Merges the parsed chunks that are next in order, while the run has not failed. */
  protected mergeReady(): void {
    // `failed` is re-checked each turn: a 'chunk' listener may cancel the job mid-loop.
    for (
      let p = this.parsed.get(this.nextMerge);
      p !== undefined && this.failed === null;
      p = this.parsed.get(this.nextMerge)
    )
      this.mergeNext(this.nextMerge, p);
  }

  /**
   * Chunk k, parsed, is next: merge it (merge()), or throw, or change `parsed` (the file
   * scheduler's fallback drops it to parse k again): each turn must do one of these.
   */
  protected abstract mergeNext(k: number, parsed: P): void;

  /**
   * Merges chunk k (null: it owns no record, as a longer record covers it: nothing to merge) and
   * counts the bytes [start, end) it covered.
   */
  protected merge(k: number, out: ParseOutcome | null, start: number, end: number): void {
    if (out !== null) {
      this.computation.merger.add(out.partial, k);
      if (out.rejects !== undefined) this.computation.report(out.rejects, this.linesBefore);
      this.linesBefore += out.lines;
    }
    this.nextMerge++;
    const rows = out?.rows ?? 0;
    this.progress.add(end - start, rows, 1);
    this.reporter.emit('chunk', { index: k, start, end, rows });
  }

  /** Until a reply, a failure or a drain wakes the loop. */
  private sleep(): Promise<void> {
    return new Promise<void>((resolve) => (this.wake = resolve));
  }
}

/** Runs `use` on an executor of `threads` from `executors`, and gives it back however that ends. */
export async function withExecutor<T>(
  executors: ExecutorProvider,
  threads: number,
  use: (executor: Executor) => Promise<T>,
): Promise<T> {
  const executor = executors.acquire(threads);
  let succeeded = false;
  try {
    const result = await use(executor);
    succeeded = true;
    return result;
  } finally {
    await executors.release(executor, succeeded);
  }
}

/**
 * The start of a job whose size is not known until it has been read (a stream, whole gzip files):
 * its `start` event, without totals, and its progress, counted without them.
 */
export function startUnsized(
  opts: ResolvedOptions,
  reporter: JobReporter,
  columns: string[],
): { workers: number; progress: ProgressTracker } {
  const workers = Math.max(1, opts.workers);
  reporter.emit('start', {
    input: opts.path,
    bytesTotal: null,
    chunksTotal: null,
    chunkSize: opts.chunkSize,
    workers,
    columns,
  });
  return {
    workers,
    progress: new ProgressTracker((p) => reporter.emit('progress', p), null, null, opts.progressInterval),
  };
}

/** A failed run's error; a cancel says how far the job got. */
export function endedAt(e: unknown, progress: ProgressTracker | null): unknown {
  return e instanceof AbortError && progress !== null ? e.at(progress.current()) : e;
}
