/**
 * The producer side: openQueue(store) adds jobs and reads them back. A queue never runs a job;
 * an engine (createEngine, in this process or any other on the same store) does. Everything it
 * does goes through the JobStore interface, so it works the same from a web request handler, a
 * script or the CLI, while an engine runs elsewhere.
 */
import type { AggregateResult, TaskResult, TransformResult } from '../api/results.js';
import { ChunkmillError, invalidOption } from '../errors.js';
import type { JobStore } from '../store/job-store.js';
import type {
  Backoff,
  BulkAction,
  BulkOutcome,
  CancelOutcome,
  JobMeta,
  JobEventRecord,
  JobPage,
  JobRecord,
  JobState,
  RepeatRuleRecord,
} from '../store/records.js';
import { JOB_STATES } from '../store/records.js';
import { notifyAdded } from '../store/wake.js';
import { checkBackoff, checkBulk, checkListFilters, checkMeta, integer } from './add-options.js';
import { openStore } from './open-store.js';
import { ChangeFeed } from './change-feed.js';
import type { StoredSpec } from '../api/job-model/index.js';
import { normalizeSpec, type JobSpec } from './job-spec.js';
import { checkRepeat, nextSlot, type RepeatOptions } from './repeat.js';
import { watchAllJobs, watchJob, type WatchOptions } from './watch.js';
export { openStore } from './open-store.js';

/** How a job is queued. */
export interface AddOptions {
  /** A name to show in lists. @default null */
  name?: string;
  /** Higher runs first; equal priorities run in the order added. @default 0 */
  priority?: number;
  /** Milliseconds to wait before the job may run. @default 0 */
  delay?: number;
  /**
   * Runs the job may take. A run lost with its engine (killed, crashed) counts: past them the job
   * fails with ERR_JOB_LOST; a graceful engine close hands it back without counting. With
   * `backoff`, a run that fails with a transient fault counts too, and is retried. @default 3
   */
  attempts?: number;
  /**
   * Retry a run that failed with a transient fault (a worker thread that crashed or ran out of
   * memory, an object or store that could not be read: TRANSIENT_CODES) after this wait, while
   * attempts are left; each failed attempt is logged (`state: queued`, reason 'attempt failed').
   * A data error fails the job at once. @default none: any failure fails the job
   */
  backoff?: Backoff;
  /** The caller's labels, { userId: 'u-7' }: up to 16 keys, short strings; list() filters on them. */
  meta?: JobMeta;
}

/** A repeat rule's jobs take no delay, labels or backoff (a rule does not keep them). */
export interface RepeatAddOptions extends Omit<AddOptions, 'delay' | 'meta' | 'backoff'> {
  /** A repeat rule instead of one job: it queues a job (its own record) each time the cron expression comes due. */
  repeat: RepeatOptions;
}

export interface QueueOptions {
  /** Milliseconds between a watcher's looks at the store. @default 50 */
  watchInterval?: number;
}

export interface ListOptions {
  state?: JobState;
  /** Only jobs with each of these labels. */
  meta?: JobMeta;
  /** Only jobs whose name contains this text (case-insensitive). */
  name?: string;
  /** @default 50 */
  limit?: number;
  /** The `next` of the previous page. */
  cursor?: string;
}

export type StoredResult = AggregateResult | TaskResult | TransformResult;

const DEFAULT_ATTEMPTS = 3;
/** Rows per stored page of an aggregate's result: ~1 MB of serialized rows, a short write each. */
export const ROWS_PER_PAGE = 10_000;

/**
 * Opens a queue on a store: a file (the embedded SQLite store, created if new), a postgres:// or
 * postgresql:// URL (PostgresStore), or a JobStore. Throws ERR_STORE_* naming the file; a
 * PostgreSQL store's connection errors come with its first call.
 */
export function openQueue(store: string | JobStore, options: QueueOptions = {}): Queue {
  return new Queue(openStore(store), typeof store === 'string', options);
}

export class Queue {
  private readonly feed: ChangeFeed;

  /** @internal use openQueue(). `owned`: the store was opened here, and close() closes it. */
  constructor(
    readonly store: JobStore,
    private readonly owned: boolean,
    options: QueueOptions,
  ) {
    this.feed = new ChangeFeed(store, options.watchInterval ?? 50);
  }

  /**
   * Queues a job, or with `repeat`, adds a repeat rule that queues one each time it comes due. The
   * spec is typed (JobSpec) or plain JSON as a store keeps it (StoredSpec, e.g. a request body);
   * either way it is checked here, and refused with ERR_INVALID_OPTION naming the option.
   */
  add(spec: JobSpec | StoredSpec, options?: AddOptions): Promise<JobRecord>;
  add(spec: JobSpec | StoredSpec, options: RepeatAddOptions): Promise<RepeatRuleRecord>;
  async add(
    spec: JobSpec | StoredSpec,
    options: AddOptions | RepeatAddOptions = {},
  ): Promise<JobRecord | RepeatRuleRecord> {
    const stored = normalizeSpec(spec);
    const name = options.name ?? null;
    if (name !== null && typeof name !== 'string') throw invalidOption('name', 'expected a string');
    const priority = integer('priority', options.priority ?? 0, -(2 ** 31), 2 ** 31 - 1);
    const maxAttempts = integer('attempts', options.attempts ?? DEFAULT_ATTEMPTS, 1, 1000);
    if ('repeat' in options && options.repeat !== undefined) {
      for (const key of ['delay', 'meta', 'backoff'] as const)
        if ((options as AddOptions)[key] !== undefined) throw invalidOption(key, 'does not apply with repeat');
      const { cron, tz } = checkRepeat(options.repeat);
      const nextRunAt = nextSlot(cron, tz ?? null, Date.now())!;
      return this.store.addRepeatRule({ name, spec: stored, cron, tz: tz ?? null, priority, maxAttempts, nextRunAt });
    }
    const { delay = 0, meta, backoff } = options as AddOptions;
    const job = await this.store.add({
      spec: stored,
      name,
      priority,
      delay: integer('delay', delay, 0, Number.MAX_SAFE_INTEGER),
      maxAttempts,
      scheduleId: null,
      meta: checkMeta(meta),
      backoff: checkBackoff(backoff),
    });
    notifyAdded(this.store.location);
    return job;
  }

  get(id: string): Promise<JobRecord | null> {
    return this.store.get(id);
  }

  /** A succeeded job's result as processDataset gives it (an aggregate's rows read from their pages). */
  async result(id: string): Promise<StoredResult | null> {
    const job = await this.mustGet(id);
    if (job.result === null) return null;
    const r = job.result;
    if (r.kind === 'task') return { value: r.value, stats: r.stats } as TaskResult;
    if (r.kind === 'transform')
      return { rowsIn: r.rowsIn, rowsOut: r.rowsOut, bytesWritten: r.bytesWritten, stats: r.stats } as TransformResult;
    const rows: unknown[] = [];
    for await (const page of this.rows(id)) for (const row of page) rows.push(row);
    return { rows, stats: r.stats } as AggregateResult;
  }

  /**
   * A succeeded aggregate's rows, a page (ROWS_PER_PAGE rows) at a time: a large result need not be held whole.
   * `fromPage` skips the pages before it unread (every page but the last holds ROWS_PER_PAGE rows).
   */
  async *rows(id: string, fromPage = 0): AsyncGenerator<unknown[]> {
    for (let part = fromPage; ; part++) {
      const page = await this.store.resultRows(id, part);
      if (page === null) return;
      yield page;
    }
  }

  list(options: ListOptions = {}): Promise<JobPage> {
    if (options.state !== undefined && !JOB_STATES.includes(options.state))
      throw invalidOption('state', `expected one of ${JOB_STATES.join(', ')}`);
    const limit = integer('limit', options.limit ?? 50, 1, 10_000);
    const { meta, name } = checkListFilters(options.meta, options.name);
    return this.store.list({ state: options.state, limit, cursor: options.cursor, meta, name });
  }

  /**
   * Cancels or removes every job in a state at once, in one transaction. cancel: queued jobs are
   * cancelled (`done`), the engines of running ones asked to stop them (`requested`); remove:
   * jobs that are not running are deleted with their logs and results. Refused
   * (ERR_INVALID_OPTION): cancelling finished jobs, removing running ones.
   */
  async bulk(action: BulkAction, state: JobState): Promise<BulkOutcome> {
    checkBulk(action, state);
    return this.store.bulk(action, state);
  }

  /** Pauses the queue for every engine on its store: none claims a job until resume(); running jobs finish. */
  pause(): Promise<void> {
    return this.store.setPaused(true);
  }

  /** Resumes a paused queue: engines claim again (on PostgreSQL at once, on SQLite at their next poll). */
  async resume(): Promise<void> {
    await this.store.setPaused(false);
    notifyAdded(this.store.location); // this process's engines look at once
  }

  /** Whether the queue is paused. */
  isPaused(): Promise<boolean> {
    return this.store.paused();
  }

  /**
   * Cancels a job: a queued one at once ('cancelled'); a running one is stopped by its engine
   * within its poll interval ('requested'); a finished one is left as it is ('finished').
   */
  async cancel(id: string): Promise<CancelOutcome> {
    const outcome = await this.store.cancel(id);
    if (outcome === null) throw notFound(id, this.store.location);
    return outcome;
  }

  /** Deletes a job that is not running, with its events, result and journal. Throws ERR_JOB_RUNNING for a running one. */
  async remove(id: string): Promise<boolean> {
    const removed = await this.store.remove(id);
    if (removed === 'running') {
      throw new ChunkmillError({
        code: 'ERR_JOB_RUNNING',
        message: `Job ${id} is running; cancel it first, then remove it`,
      });
    }
    return removed;
  }

  /**
   * Runs a failed or cancelled job again: queues a new job with its spec, name, priority,
   * attempts, backoff, meta (at once, whatever its delay was), whose first event (`state: queued`, reason
   * 'retried') carries `retryOf`, the original's id. The original stays as it ended, with its
   * log and error. Throws ERR_JOB_NOT_FOUND for an unknown (or removed) job, and
   * ERR_JOB_NOT_RETRYABLE for one that is queued, running or succeeded.
   */
  async retry(id: string): Promise<JobRecord> {
    const job = await this.mustGet(id);
    if (job.state !== 'failed' && job.state !== 'cancelled') {
      throw new ChunkmillError({
        code: 'ERR_JOB_NOT_RETRYABLE',
        message: `Job ${id} is ${job.state}; only a failed or cancelled job can be retried`,
      });
    }
    // Checked again, as add() checks: a spec stored by an older version may not pass today's checks.
    const spec = normalizeSpec(job.spec);
    const { name, priority, maxAttempts, meta, backoff } = job;
    const retried = await this.store.add({
      spec,
      name,
      priority,
      delay: 0,
      maxAttempts,
      scheduleId: null,
      retryOf: job.id,
      meta,
      backoff,
    });
    notifyAdded(this.store.location);
    return retried;
  }

  /** The job's events as they are written, replayed from `after`, ending after its final state. */
  watch(id: string, options: WatchOptions = {}): AsyncGenerator<JobEventRecord> {
    return watchJob(this.store, this.feed, id, options, () => notFound(id, this.store.location));
  }

  /**
   * Every job's events as they are written, after `after` (0: the whole log; lastEventId(): only
   * new ones). It ends only when `signal` aborts.
   */
  watchAll(options: WatchOptions = {}): AsyncGenerator<JobEventRecord> {
    return watchAllJobs(this.store, this.feed, options);
  }

  /** The id of the last event written (0 for none). */
  lastEventId(): Promise<number> {
    return this.store.lastEventId();
  }

  /** Jobs per state. */
  counts(): Promise<Record<JobState, number>> {
    return this.store.counts();
  }

  /** The repeat rules, oldest first. */
  repeatRules(): Promise<RepeatRuleRecord[]> {
    return this.store.repeatRules();
  }

  /** Deletes a repeat rule; the jobs it queued stay. false: no such rule. */
  removeRepeatRule(id: string): Promise<boolean> {
    return this.store.removeRepeatRule(id);
  }

  /** @deprecated use repeatRules() (the same list: repeat rules were first called schedules). */
  schedules(): Promise<RepeatRuleRecord[]> {
    return this.repeatRules();
  }

  /** @deprecated use removeRepeatRule(). */
  removeSchedule(id: string): Promise<boolean> {
    return this.removeRepeatRule(id);
  }

  async close(): Promise<void> {
    if (this.owned) await this.store.close();
  }

  private async mustGet(id: string): Promise<JobRecord> {
    const job = await this.store.get(id);
    if (job === null) throw notFound(id, this.store.location);
    return job;
  }
}

export function notFound(id: string, location: string): ChunkmillError {
  return new ChunkmillError({ code: 'ERR_JOB_NOT_FOUND', file: location, message: `No job ${id} in ${location}` });
}
