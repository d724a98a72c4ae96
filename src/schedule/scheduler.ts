/**
 * What the two schedulers (file-scheduler.ts, stream-scheduler.ts) share: the run's first
 * failure, the wake-up of its loop, the chunks in flight, and the fault policy handed to the
 * executor with each chunk.
 *
 * The first failure ends the run, whatever it is (a cancel, a data error, the output breaking, a
 * read that fails): replies still on their way after it are not merged into a job that failed.
 */
import type { JobReporter } from '../api/events.js';
import { AbortError } from '../errors.js';
import { IN_FLIGHT_PER_THREAD, type ChunkPolicy, type Executor } from '../exec/executor.js';
import type { ChunkReply, ChunkRequest } from '../exec/protocol.js';
import type { Computation } from '../kinds/computation.js';

/**
 * Reorder window: no chunk is parsed more than this many chunks (per thread) ahead of the merge
 * point, so a slow chunk holds back at most a few partials (or output blocks) instead of the rest
 * of the file's.
 */
export const MERGE_AHEAD_PER_THREAD = 4;

export abstract class Scheduler {
  protected inFlight = 0;
  protected failed: unknown = null;
  private wake: (() => void) | null = null;
  /** For callbacks (output drain): wakes the loop if it sleeps. */
  protected readonly wakeUp = (): void => this.wake?.();
  /** Aborted when the run ends, however it ends: chunks still retrying stop there. */
  private readonly ended = new AbortController();
  private readonly policy: ChunkPolicy;

  constructor(
    protected readonly signal: AbortSignal,
    protected readonly computation: Computation,
    protected readonly executor: Executor,
    protected readonly reporter: JobReporter,
    faults: { retries: number; retryTaskErrors: boolean; timeout: number | undefined },
  ) {
    this.policy = {
      retries: faults.retries,
      retryTaskErrors: faults.retryTaskErrors,
      timeout: faults.timeout,
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

  /** Runs the scheduling loop with the abort signal and the output's failures wired to fail(). */
  protected async guarded(loop: () => Promise<void>): Promise<void> {
    const onAbort = () => {
      this.ended.abort();
      this.fail(new AbortError());
    };
    // A 'start' or 'progress' listener may already have cancelled the job.
    if (this.signal.aborted) onAbort();
    this.signal.addEventListener('abort', onAbort, { once: true });
    this.computation.onFailure((e) => this.fail(e));
    try {
      await loop();
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

  /** Until a reply, a failure or a drain wakes the loop. */
  protected sleep(): Promise<void> {
    return new Promise<void>((resolve) => (this.wake = resolve));
  }

  /**
   * Sends chunk k to the executor (`make` builds its request for each attempt) and counts it in
   * flight; its reply goes to `receive` unless the run has failed.
   */
  protected dispatch(k: number, make: () => ChunkRequest, receive: (reply: ChunkReply) => void): void {
    const reply = this.executor.execute(k, make, this.policy, this.computation.control());
    this.inFlight++;
    reply.then(
      (r) => {
        this.inFlight--;
        if (this.failed !== null) return;
        try {
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
}
