/**
 * One claimed job, run by an engine: its spec resolved to processDataset's options, the same
 * scheduler as processDataset on the engine's shared executor, and its outcome stored. The run is
 * the scheduler's JobReporter itself: the events it is told are gathered for the engine's
 * throttled writes to the job's log.
 *
 * How a run ends, and what is written:
 * - it succeeds or fails: the result (or the error, as data) is stored; the store drops its journal.
 * - a cancel was asked for (queue.cancel from anywhere): the chunks stop, the job is cancelled.
 * - the engine closes: the chunks stop, the checkpoint journal keeps what was merged, and the job
 *   goes back to the queue for the next engine to resume.
 * - the lease was lost (another engine took the job over): the chunks stop and nothing is
 *   written; the job is the other engine's now.
 * - the store could not be reached (ERR_STORE_UNREACHABLE): nothing is written, and the job is
 *   not failed for it; it goes back to the queue (or its lease lapses) and runs again.
 */
import { statSync } from 'node:fs';
import type { JobEvents, JobReporter, Progress } from '../api/events.js';
import type { Journal } from '../api/journal.js';
import { AbortError, ChunkmillError } from '../errors.js';
import type { ExecutorSource } from '../exec/executor.js';
import type { ResolvedOptions } from '../plan/resolved-options.js';
import { validate } from '../plan/validate.js';
import { scheduleJob } from '../schedule/schedule-job.js';
import type { JobStore, JobWrite } from '../store/job-store.js';
import type { Claim, JobEventData, Outcome } from '../store/records.js';
import { errorData, outcomeOf, writePages } from './job-result.js';

/**
 * Files of at most this many chunks run without a journal: redoing them after a crash costs
 * little. (When journals were files, fsynced per chunk, they were most of a 1 MB job's latency
 * on a warm engine: p50 25 ms with one. Kept in the store, a journal is a few short
 * transactions: forced on for that job it measured p50 8.8 ms against 8.5 without; see
 * docs/jobs.md.)
 */
const JOURNAL_FROM_CHUNKS = 4;

/** Why the engine stops a run before it ends by itself. */
export type StopReason = 'cancel' | 'close' | 'lost';

/** What a run needs of its engine. */
export interface RunContext {
  store: JobStore;
  owner: string;
  executors: ExecutorSource;
  /** The shared executor's threads: a job uses at most these. */
  threads: number;
  /** Runs store writes one after another, in the order asked (the engine's write queue). */
  serial<T>(write: () => Promise<T>): Promise<T>;
}

/** The events the job's log keeps, as they come (progress apart: only the latest is written). */
const LOGGED = new Set<keyof JobEvents<unknown>>(['start', 'chunk', 'warning', 'log', 'taskProgress']);

export class JobRun implements JobReporter {
  readonly id: string;
  /** Settles when the run has ended and its outcome is written (it never rejects). */
  readonly done: Promise<void>;
  /** The run's end was written (or it is another engine's job now); false after a store failure. */
  settled = false;
  private readonly controller = new AbortController();
  private stopped: StopReason | null = null;
  private events: JobEventData[] = [];
  private progress: Progress | undefined;

  constructor(
    private readonly claim: Claim,
    private readonly ctx: RunContext,
  ) {
    this.id = claim.job.id;
    this.done = this.run().catch(() => {}); // failures to write are the engine's to report (serial)
  }

  /** Stops the run (the first reason counts): its chunks stop, and the scheduler ends with ABORT_ERR. */
  stop(reason: StopReason): void {
    this.stopped ??= reason;
    if (!this.controller.signal.aborted) this.controller.abort(new AbortError());
  }

  get stopReason(): StopReason | null {
    return this.stopped;
  }

  /** JobReporter: what the scheduler tells the job, gathered for the log (progress: the latest only). */
  emit<K extends keyof JobEvents<unknown>>(event: K, ...args: JobEvents<unknown>[K]): boolean {
    if (event === 'progress') this.progress = args[0] as Progress;
    else if (LOGGED.has(event)) this.events.push({ type: event, data: args[0] } as JobEventData);
    else return false;
    return true;
  }

  /** JobReporter: the log listens to every event but the end (the outcome is written apart). */
  listenerCount(event: keyof JobEvents<unknown>): number {
    return event === 'progress' || LOGGED.has(event) ? 1 : 0;
  }

  /**
   * The events gathered since the last call, for the engine's next write; the latest progress
   * (throttled by the write interval) goes with them, as the job's progress and as an event.
   */
  takeWrite(): JobWrite | null {
    if (this.events.length === 0 && this.progress === undefined) return null;
    if (this.progress !== undefined) this.events.push({ type: 'progress', data: this.progress });
    const write = { jobId: this.id, events: this.events, progress: this.progress };
    this.events = [];
    this.progress = undefined;
    return write;
  }

  private async run(): Promise<void> {
    const { store, owner } = this.ctx;
    let outcome: Outcome;
    try {
      outcome = await this.execute(this.resolve());
    } catch (e) {
      const aborted = (e as { code?: unknown }).code === 'ABORT_ERR';
      if (this.stopped === 'lost') {
        this.settled = true;
        return;
      }
      // The store could not be reached (its database is gone): no failure of the job's. Nothing
      // is written; the engine hands the job back, or its lease lapses, and it runs again.
      if (e instanceof ChunkmillError && e.code === 'ERR_STORE_UNREACHABLE') return;
      if (this.stopped === 'close' && aborted) {
        await this.flush();
        await this.ctx.serial(() => store.handBack(owner, this.id, 'the engine closed; its checkpoint is kept'));
        this.settled = true;
        return;
      }
      outcome = { state: this.stopped === 'cancel' && aborted ? 'cancelled' : 'failed', error: errorData(e) };
    }
    await this.flush();
    if (outcome.state === 'succeeded' && outcome.rows !== undefined) {
      await writePages(outcome.rows, (part, rows) =>
        this.ctx.serial(() => store.writeRows(owner, this.id, part, rows)),
      );
    }
    const final = outcome;
    await this.ctx.serial(() => store.finish(owner, this.id, final)); // the journal goes with it
    this.settled = true;
  }

  /**
   * The stored spec as options for the shared executor: a job may ask for fewer threads than it
   * has, never more; a file job that can resume, and is worth it, gets a journal in the store.
   */
  private resolve(): ResolvedOptions {
    const spec = this.claim.job.spec;
    const opts = validate({ ...spec, workers: Math.min(spec.workers ?? this.ctx.threads, this.ctx.threads) });
    const { input, work } = opts;
    if (
      input.kind === 'file' &&
      !input.gzip &&
      input.format === 'csv' &&
      work.kind !== 'transform' &&
      sizeOf(input.path) > JOURNAL_FROM_CHUNKS * opts.chunkSize
    )
      opts.checkpoint = this.ctx.store.journal(this.ctx.owner, this.id);
    return opts;
  }

  private async execute(opts: ResolvedOptions): Promise<Outcome> {
    const output = opts.work.kind === 'transform' ? opts.work.output.path : undefined;
    try {
      return outcomeOf((await this.start(opts)) as Parameters<typeof outcomeOf>[0], output);
    } catch (e) {
      // The input changed since an earlier run journaled its chunks: that journal is this
      // engine's own, not the user's, so it starts over rather than failing the job.
      const journal = opts.checkpoint as Journal | undefined;
      if (!(e instanceof ChunkmillError && e.code === 'ERR_CHECKPOINT_MISMATCH' && journal) || this.stopped) throw e;
      await journal.remove();
      this.events.push({
        type: 'warning',
        data: { code: 'WARN_CHECKPOINT_DISCARDED', message: `${e.message}; it was discarded and the job starts over` },
      });
      return outcomeOf((await this.start(opts)) as Parameters<typeof outcomeOf>[0], output);
    }
  }

  /** The job, as processDataset would run it, on the engine's executor, telling this run its events. */
  private async start(opts: ResolvedOptions): Promise<unknown> {
    return scheduleJob(opts, this, this.controller.signal, this.ctx.executors);
  }

  /** Writes what is gathered now (the progress as an event too), before the run's final write. */
  private async flush(): Promise<void> {
    const write = this.takeWrite();
    if (write === null) return;
    await this.ctx.serial(() => this.ctx.store.write(this.ctx.owner, [write]));
  }
}

/** The file's size, or 0 when it cannot be read (the run then fails with the file's own error). */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
