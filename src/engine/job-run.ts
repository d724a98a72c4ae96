/**
 * One claimed job, run by an engine: its spec resolved to processDataset's options, the same
 * scheduler as processDataset on the engine's shared executor, its events collected for the
 * engine's throttled writes, and its outcome stored.
 *
 * How a run ends, and what is written:
 * - it succeeds or fails: the result (or the error, as data) is stored; its journal is removed.
 * - a cancel was asked for (queue.cancel from anywhere): the chunks stop, the job is cancelled.
 * - the engine closes: the chunks stop, the checkpoint journal keeps what was merged, and the job
 *   goes back to the queue for the next engine to resume.
 * - the lease was lost (another engine took the job over): the chunks stop and nothing is
 *   written; the job is the other engine's now.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import type { Progress } from '../api/events.js';
import { ChunkmillError } from '../errors.js';
import type { ExecutorSource } from '../exec/executor.js';
import { Job } from '../job/job.js';
import type { ResolvedOptions } from '../plan/resolved-options.js';
import { validate } from '../plan/validate.js';
import { scheduleJob } from '../schedule/schedule-job.js';
import type { JobStore, JobWrite } from '../store/job-store.js';
import { journalDir, journalPath } from '../store/journals.js';
import type { Claim, JobEventData, Outcome } from '../store/records.js';
import { errorData, outcomeOf, writePages } from './job-result.js';

/**
 * Files of at most this many chunks run without a journal: redoing them after a crash costs less
 * than the journal's two fsyncs per job, which were most of a 1 MB job's latency on a warm
 * engine (bench:jobs: p50 25 ms with, see docs/jobs.md for without).
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

export class JobRun {
  readonly id: string;
  /** Settles when the run has ended and its outcome is written (it never rejects). */
  readonly done: Promise<void>;
  /** The run's end was written (or it is another engine's job now); false after a store failure. */
  settled = false;
  private job: Job<unknown> | null = null;
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

  /** Stops the run (the first reason counts). */
  stop(reason: StopReason): void {
    this.stopped ??= reason;
    this.job?.cancel();
  }

  get stopReason(): StopReason | null {
    return this.stopped;
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
    let journal: string | undefined;
    try {
      const opts = this.resolve();
      journal = opts.checkpoint;
      outcome = await this.execute(opts);
    } catch (e) {
      const aborted = (e as { code?: unknown }).code === 'ABORT_ERR';
      if (this.stopped === 'lost') {
        this.settled = true;
        return;
      }
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
    const finished = await this.ctx.serial(() => store.finish(owner, this.id, final));
    this.settled = true;
    if (finished && journal !== undefined) rmSync(journal, { force: true });
  }

  /**
   * The stored spec as options for the shared executor: a job may ask for fewer threads than it
   * has, never more; a file job that can resume, and is worth it, gets its journal next to the store.
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
    ) {
      mkdirSync(journalDir(this.ctx.store.location), { recursive: true });
      opts.checkpoint = journalPath(this.ctx.store.location, this.id);
    }
    return opts;
  }

  private async execute(opts: ResolvedOptions): Promise<Outcome> {
    const output = opts.work.kind === 'transform' ? opts.work.output.path : undefined;
    try {
      return outcomeOf((await this.start(opts)) as Parameters<typeof outcomeOf>[0], output);
    } catch (e) {
      // The input changed since an earlier run journaled its chunks: that journal is this
      // engine's own, not the user's, so it starts over rather than failing the job.
      if (!(e instanceof ChunkmillError && e.code === 'ERR_CHECKPOINT_MISMATCH' && opts.checkpoint) || this.stopped)
        throw e;
      rmSync(opts.checkpoint, { force: true });
      this.events.push({
        type: 'warning',
        data: { code: 'WARN_CHECKPOINT_DISCARDED', message: `${e.message}; it was discarded and the job starts over` },
      });
      return outcomeOf((await this.start(opts)) as Parameters<typeof outcomeOf>[0], output);
    }
  }

  /** The job, as processDataset would run it, on the engine's executor; its events go to the log. */
  private start(opts: ResolvedOptions): Promise<unknown> {
    const job = new Job<unknown>((j, signal) => scheduleJob(opts, j, signal, this.ctx.executors));
    this.job = job;
    if (this.stopped !== null) job.cancel();
    job.on('start', (data) => this.events.push({ type: 'start', data }));
    job.on('progress', (p) => {
      this.progress = p;
    });
    job.on('chunk', (data) => this.events.push({ type: 'chunk', data }));
    job.on('warning', (data) => this.events.push({ type: 'warning', data }));
    job.on('log', (data) => this.events.push({ type: 'log', data }));
    job.on('taskProgress', (data) => this.events.push({ type: 'taskProgress', data }));
    return job.result;
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
