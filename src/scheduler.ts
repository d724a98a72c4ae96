/**
 * What the two schedulers (coordinator.ts for files, stream-run.ts for streams and arrays) share:
 * the run's first failure, the wake-up of its loop, and the chunks in flight.
 *
 * The first failure ends the run, whatever it is (a cancel, a data error, the output breaking, a
 * read that fails): replies still on their way after it are not merged into a job that failed.
 */
import { AbortError } from './errors.js';
import type { WorkerReply } from './worker.js';
import type { JobWork } from './work.js';

export abstract class Scheduler {
  protected inFlight = 0;
  protected failed: unknown = null;
  private wake: (() => void) | null = null;
  /** For callbacks (output drain): wakes the loop if it sleeps. */
  protected readonly wakeUp = (): void => this.wake?.();

  constructor(
    protected readonly signal: AbortSignal,
    private readonly jobWork: JobWork,
  ) {}

  /** Runs the scheduling loop with the abort signal and the output's failures wired to fail(). */
  protected async guarded(loop: () => Promise<void>): Promise<void> {
    const onAbort = () => this.fail(new AbortError());
    // A 'start' or 'progress' listener may already have cancelled the job.
    if (this.signal.aborted) onAbort();
    this.signal.addEventListener('abort', onAbort, { once: true });
    this.jobWork.onFailure((e) => this.fail(e));
    try {
      await loop();
      if (this.failed !== null) throw this.failed;
    } catch (e) {
      this.fail(e);
      throw this.failed;
    } finally {
      this.signal.removeEventListener('abort', onAbort);
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

  /** Counts a dispatched chunk in flight; its reply goes to `receive` unless the run has failed. */
  protected track(reply: Promise<WorkerReply>, receive: (reply: WorkerReply) => void): void {
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
