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
 * - the store failed (a full disk): the job goes back to the queue with its journal.
 * - the cluster failed (Redis lost, no worker: outages.ts): the job goes back to the queue with its
 *   journal, until its outage budget is spent; then it fails with ERR_CLUSTER_OUTAGE.
 * Final writes the store refuses are kept and tried again (settle()) until it takes them.
 */
import { statSync } from 'node:fs';
import type { Confinement } from '../api/confinement.js';
import type { JobEvents, JobReporter, Progress } from '../api/events.js';
import type { Journal } from '../api/journal.js';
import { AbortError, ChunkmillError, type ErrorData, toErrorData } from '../errors.js';
import { backoffDelay, isTransient } from '../api/wire.js';
import type { ExecutorProvider } from '../exec/executor.js';
import type { ResolvedOptions } from '../plan/resolved-options.js';
import { validate } from '../plan/validate.js';
import { scheduleJob } from '../schedule/schedule-job.js';
import { withOutputTargets } from '../job/output-target.js';
import type { JobStore, JobWrite } from '../store/job-store.js';
import { isStoreFailure } from '../store/store-errors.js';
import type { Claim, JobEventData, Outcome } from '../store/records.js';
import { outcomeOf, writePages } from './job-result.js';
import { isClusterOutage, type OutageEnd } from './outages.js';
import type { JobOutcome } from './webhook-payload.js';

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
  executors: ExecutorProvider;
  /** The shared executor's threads: a job uses at most these. */
  threads: number;
  /** Runs store writes one after another, in the order asked (the engine's write queue). */
  serial<T>(write: () => Promise<T>): Promise<T>;
  /** The engine's `confine`, resolved: every file the job opens is checked against it. */
  confinement?: Confinement | undefined;
  /** The engine's memoryBudget: its jobs' default budget and the most one gets. */
  memoryLimit?: number | undefined;
  /** On a cluster: how a run that met an outage of it ends (`progressed`: it got chunks merged first). */
  outage?: (error: ChunkmillError, progressed: boolean) => OutageEnd;
}

/** The events the job's log keeps, as they come (progress apart: only the latest is written). */
const LOGGED = new Set<keyof JobEvents<unknown>>(['start', 'chunk', 'warning', 'log', 'taskProgress']);

export class JobRun implements JobReporter {
  readonly id: string;
  /** Settles when the run has ended and its final writes were tried once (it never rejects). */
  readonly done: Promise<void>;
  /** The run's end was written (or it is another engine's job now); false while the store fails it. */
  settled = false;
  /** How the job ended, once this run's end is written (null: not yet, or it went back to the queue). */
  outcome: JobOutcome | null = null;
  /** It went back to the queue for an outage of the cluster (the engine keeps counting the job's). */
  outageBack = false;
  /** The final writes, once the run has ended (retried by settle()). */
  private ending: (() => Promise<void>) | null = null;
  private readonly controller = new AbortController();
  private stopped: StopReason | null = null;
  private events: JobEventData[] = [];
  private progress: Progress | undefined;
  /** The last progress the scheduler told (written or not): what a cancel's figures complete. */
  private lastProgress: Progress | undefined;
  /** Chunks merged in this run: some, and the cluster answered it. */
  private merged = 0;

  constructor(
    private readonly claim: Claim,
    private readonly ctx: RunContext,
  ) {
    this.id = claim.job.id;
    this.done = this.run().catch(() => {}); // failures to write are the engine's to report and retry
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
    if (event === 'chunk') this.merged++;
    if (event === 'progress') this.progress = this.lastProgress = args[0] as Progress;
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
  /** A write that the store failed, taken back to go first in the next one: nothing gathered is lost. */
  putBack(write: JobWrite): void {
    this.events = [...write.events.filter((e) => e.type !== 'progress'), ...this.events];
    this.progress ??= write.progress;
  }

  takeWrite(): JobWrite | null {
    if (this.events.length === 0 && this.progress === undefined) return null;
    if (this.progress !== undefined) this.events.push({ type: 'progress', data: this.progress });
    const write = { jobId: this.id, events: this.events, progress: this.progress };
    this.events = [];
    this.progress = undefined;
    return write;
  }

  private async run(): Promise<void> {
    let outcome: Outcome | null = null;
    let back = '';
    try {
      outcome = await this.execute(this.resolve());
    } catch (e) {
      const aborted = (e as { code?: unknown }).code === 'ABORT_ERR';
      if (this.stopped === 'lost') {
        this.settled = true;
        return;
      }
      if (this.stopped === 'close' && aborted) back = 'the engine closed; its checkpoint is kept';
      // The store failed (a full disk, say), not the job: it goes back to the queue with what its
      // journal kept, for when the store takes writes again.
      else if (isStoreFailure(e)) back = `${(e as Error).message}; its checkpoint is kept`;
      // The cluster failed, not the job: back to the queue until the cluster is, within a budget.
      else if (this.stopped === null && this.ctx.outage !== undefined && isClusterOutage(e)) {
        const end = this.ctx.outage(e, this.merged > 0);
        if ('fail' in end) outcome = { state: 'failed', error: toErrorData(end.fail) };
        else {
          back = end.back;
          this.outageBack = true;
        }
      } else {
        const cancelled = this.stopped === 'cancel' && aborted;
        if (cancelled) this.progressAt(e);
        outcome = { state: cancelled ? 'cancelled' : 'failed', error: toErrorData(e) };
      }
    }
    const final = outcome;
    const retryAt = final?.state === 'failed' ? this.retryAt(final.error) : null;
    if (final?.state === 'failed' && retryAt !== null) this.ending = () => this.retryLater(retryAt, final.error);
    else this.ending = final === null ? () => this.handBack(back) : () => this.write(final);
    await this.settle();
  }

  /**
   * When a failed run is tried again: for a job with a backoff whose failure is transient (the
   * machine's or the network's, not the data's) and that has attempts left; else null.
   */
  private retryAt(error: ErrorData): number | null {
    const { backoff, attempts, maxAttempts } = this.claim.job;
    if (backoff === null || !isTransient(error.code) || attempts >= maxAttempts) return null;
    return Date.now() + backoffDelay(backoff, attempts + 1);
  }

  /** Back to the queue until `retryAt`, the failed attempt in the log (its journal kept: what it merged stays good). */
  private async retryLater(retryAt: number, error: ErrorData): Promise<void> {
    await this.flush();
    const { code, message } = error;
    const attempt = this.claim.job.attempts;
    const change = { state: 'queued' as const, reason: 'attempt failed', attempt, error: { code, message }, retryAt };
    await this.ctx.serial(() => this.ctx.store.retryLater(this.ctx.owner, this.id, retryAt, change));
  }

  /**
   * A cancel's message says how far the job got (AbortError.at: the work merged), and the record
   * must say the same: the throttle may have held back the progress of the last merges, which
   * the end would otherwise drop. The counts are the error's; the rest is the last progress told.
   */
  private progressAt(e: unknown): void {
    const at = e instanceof AbortError ? e.progress : undefined;
    if (at === undefined || this.lastProgress === undefined) return;
    const { bytesDone, rowsDone, chunksDone } = at;
    this.progress = this.lastProgress = { ...this.lastProgress, bytesDone, rowsDone, chunksDone };
  }

  /**
   * The run's final writes: its outcome (with its result rows), or its hand-back. Throws when
   * the store fails them; the engine then keeps the run and calls this again until they are
   * stored, so a job whose store was full is not left running for good.
   */
  async settle(): Promise<void> {
    if (this.settled || this.ending === null) return;
    await this.ending();
    this.settled = true;
  }

  private async write(outcome: Outcome): Promise<void> {
    const { store, owner } = this.ctx;
    await this.flush();
    if (outcome.state === 'succeeded' && outcome.rows !== undefined) {
      // Pages are overwritten by part number, so writing them again after a failure is safe.
      await writePages(outcome.rows, (part, rows) =>
        this.ctx.serial(() => store.writeRows(owner, this.id, part, rows)),
      );
    }
    // The journal goes with it. false: the lease was lost, and the end is another engine's.
    if (await this.ctx.serial(() => store.finish(owner, this.id, outcome)))
      this.outcome = outcome.state === 'succeeded' ? { state: outcome.state, result: outcome.result } : outcome;
  }

  private async handBack(reason: string): Promise<void> {
    await this.flush();
    await this.ctx.serial(() => this.ctx.store.handBack(this.ctx.owner, this.id, reason));
  }

  /**
   * The stored spec as options for the shared executor: a job may ask for fewer threads than it
   * has, never more; a file job that can resume, and is worth it, or a dataset job that may,
   * gets a journal in the store.
   */
  private resolve(): ResolvedOptions {
    const spec = this.claim.job.spec;
    const opts = withOutputTargets(
      validate({ ...spec, workers: Math.min(spec.workers ?? this.ctx.threads, this.ctx.threads) }),
      this.controller.signal,
    );
    opts.confinement = this.ctx.confinement;
    opts.memoryLimit = this.ctx.memoryLimit;
    const { input, work } = opts;
    if (work.kind === 'transform') return opts;
    if (
      input.kind === 'file' &&
      !input.gzip &&
      input.format === 'csv' &&
      sizeOf(input.path) > JOURNAL_FROM_CHUNKS * opts.chunkSize
    )
      opts.checkpoint = this.ctx.store.journal(this.ctx.owner, this.id);
    // A dataset's files, and so whether it is read by range (plain CSV) or as streams (gzip or
    // NDJSON by their names, a server without Range), are known only once the scheduler expands
    // it: a journal is given wherever it may apply, and the scheduler drops it where it cannot.
    else if (input.kind === 'dataset' && input.gzip !== true && input.format !== 'ndjson') {
      opts.checkpoint = this.ctx.store.journal(this.ctx.owner, this.id);
      opts.checkpointByEngine = true;
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
    await this.ctx
      .serial(() => this.ctx.store.write(this.ctx.owner, [write]))
      .catch((e: unknown) => {
        this.putBack(write);
        throw e;
      });
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
