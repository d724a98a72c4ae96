/**
 * The Job handed back by processDataset: a typed EventEmitter (api/events.ts documents each
 * event and their order), the `result` promise, and cancel().
 */
import { EventEmitter } from 'node:events';
import type { JobEvents } from '../api/events.js';
import { AbortError, signalAborted, type ChunkmillError } from '../errors.js';

export class Job<R> extends EventEmitter<JobEvents<R>> {
  /** Resolves with the result, or rejects with a ChunkmillError (AbortError when cancelled). */
  readonly result: Promise<R>;
  private readonly controller = new AbortController();

  /** @internal `run` receives the job's abort signal and does the work. */
  constructor(run: (job: Job<R>, signal: AbortSignal) => Promise<R>, external?: AbortSignal) {
    super();
    // Removes the listener on the caller's signal once the job settles: a server passing one
    // long-lived signal to every job must not collect a listener (and a Job) per job.
    const settled = new AbortController();
    if (external !== undefined) {
      // Whatever the external reason, the job rejects with our AbortError (code ABORT_ERR).
      if (external.aborted) this.controller.abort(signalAborted(external));
      else external.addEventListener('abort', () => this.cancel(), { once: true, signal: settled.signal });
    }
    // Start on a later tick, so listeners attached right after processDataset() see every event.
    this.result = new Promise<void>((resolve) => setImmediate(resolve)).then(() => run(this, this.controller.signal));
    this.result.then(
      (r) => this.emit('done', r),
      (e: ChunkmillError) => {
        if (this.listenerCount('error') > 0) this.emit('error', e);
      },
    );
    // A caller that only listens to events must not get an unhandled rejection.
    this.result.catch(() => {}).finally(() => settled.abort());
  }

  /** Stops the work promptly: the pool is destroyed and `result` rejects with an AbortError. */
  cancel(): void {
    if (!this.controller.signal.aborted) this.controller.abort(new AbortError());
  }

  get cancelled(): boolean {
    return this.controller.signal.aborted;
  }
}
