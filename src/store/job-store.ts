/**
 * The job store's backend interface: everything the queue (producer side) and the engine
 * (consumer side) do with stored jobs goes through it, and nothing reaches past it to the
 * database (BullMQ's IQueueBackend is the model). SQLite (sqlite-store.ts) is the embedded
 * default; another backend implements the same methods with the same guarantees:
 *
 * - Every method is atomic: a claim, a cancel, a finish happen whole or not at all.
 * - A job is held by at most one engine at a time: `claim` takes a lease (owner, expiry) and
 *   only the owner may renew it, append to the job's log, or finish it. A lease that expires
 *   (its engine died) makes the job claimable again.
 * - Event ids increase in the order events are appended, across the whole store.
 * - Failures are coded ChunkmillErrors naming the store (ERR_STORE_*), never raw driver errors.
 * - A job's checkpoint journal is the store's too (`journal`), so whichever engine takes the job
 *   over resumes it: its bytes go with the job, and leave with it when the job ends or is removed.
 */
import type { Progress } from '../api/events.js';
import type { Journal } from '../api/journal.js';
import type {
  BulkAction,
  BulkOutcome,
  CancelOutcome,
  Claim,
  JobEventData,
  JobEventRecord,
  JobPage,
  JobRecord,
  JobState,
  ListQuery,
  NewJob,
  NewRepeatRule,
  Outcome,
  RepeatRuleRecord,
  StateChange,
  WebhookDelivery,
} from './records.js';

export type { WebhookDelivery };

/** What an engine writes for one of its running jobs in a flush. */
export interface JobWrite {
  jobId: string;
  events: JobEventData[];
  /** The latest progress, when it changed. */
  progress?: Progress | undefined;
}

export interface JobStore {
  /** The store's file (or address, without a password), for messages. */
  readonly location: string;

  /**
   * Resolves once the store can be used (connected, its schema checked and migrated); rejects
   * with the coded error every call would get. A store that opens in its constructor (SQLite)
   * leaves it out; createEngine awaits it, so a wrong address fails there, at once.
   */
  ready?(): Promise<void>;
  /**
   * Calls `listener` whenever another process (on any host) may have written: pollers (a queue's
   * watchers) look at once instead of at their next poll. Returns the unsubscribe. A store
   * without notifications (SQLite) leaves it out, and its pollers poll.
   */
  onChange?(listener: () => void): () => void;

  // --- producer side ---
  /** Queues a job; its log starts with `state: queued`. */
  add(job: NewJob): Promise<JobRecord>;
  get(id: string): Promise<JobRecord | null>;
  list(query: ListQuery): Promise<JobPage>;
  /** null: no such job. */
  cancel(id: string): Promise<CancelOutcome | null>;
  /** Deletes a job that is not running, with its log, rows and journal. 'running': refused. false: no such job. */
  remove(id: string): Promise<boolean | 'running'>;
  /**
   * Cancels or removes every job in `state`, in one transaction: cancel settles queued jobs and
   * asks the engines of running ones to stop them (`requested`); remove deletes jobs that are
   * not running (the queue refuses `running`). Finished jobs have nothing to cancel.
   */
  bulk(action: BulkAction, state: JobState): Promise<BulkOutcome>;
  /** Whether the queue is paused: claim() takes nothing (running jobs go on) until it is resumed. */
  paused(): Promise<boolean>;
  /** Pauses or resumes the queue, for every engine on the store (on any host). */
  setPaused(paused: boolean): Promise<void>;
  /** The job's log after event id `after`, oldest first, at most `limit`. */
  events(id: string, after: number, limit: number): Promise<JobEventRecord[]>;
  /** Every job's log after event id `after`, oldest first, at most `limit` (a dashboard's one feed). */
  eventsAfter(after: number, limit: number): Promise<JobEventRecord[]>;
  /** The id of the last event written (0 for none): where a feed that wants only new events starts. */
  lastEventId(): Promise<number>;
  /** Jobs per state. */
  counts(): Promise<Record<JobState, number>>;
  /** Page `part` (0, 1, ...) of a succeeded aggregate's rows; null past the last page. */
  resultRows(id: string, part: number): Promise<unknown[] | null>;
  /** Adds a repeat rule; it fires first at `nextRunAt`. */
  addRepeatRule(rule: NewRepeatRule): Promise<RepeatRuleRecord>;
  repeatRules(): Promise<RepeatRuleRecord[]>;
  /** Deletes a repeat rule (the jobs it queued stay). false: no such rule. */
  removeRepeatRule(id: string): Promise<boolean>;
  /** True when anything was written (by any connection) since the last call: a cheap poll. */
  changed(): Promise<boolean>;
  /**
   * A real write that changes nothing, committed: resolves when the store can be written now,
   * else rejects with its coded error (a server's readiness check).
   */
  ping(): Promise<void>;

  // --- engine side ---
  /**
   * Whether a claim would find something now: a queued job that is due, a running job whose
   * lease expired (neither while the queue is paused), or a repeat rule that is due. Read-only, so an idle engine takes no write lock.
   */
  due(now: number): Promise<boolean>;
  /**
   * Takes the next job for `owner` (none while the queue is paused): a running job of another owner whose lease expired first (it
   * was started earlier), else the queued job that is due with the highest priority, oldest first. On the
   * way it settles jobs that must not run: recovered ones whose cancel was asked for (cancelled)
   * or that ran out of attempts (failed, ERR_JOB_LOST).
   */
  claim(owner: string, leaseMs: number, now: number): Promise<Claim | null>;
  /**
   * Extends `owner`'s leases of the jobs `ids` (those it still runs: a job it holds but no longer
   * runs is left to expire and be recovered); returns those of `ids` it still holds.
   */
  renew(owner: string, ids: readonly string[], leaseMs: number, now: number): Promise<string[]>;
  /** Ids of `owner`'s jobs whose cancel was asked for. */
  cancelRequests(owner: string): Promise<string[]>;
  /** Appends events and progress for `owner`'s jobs, in one transaction; jobs it lost are skipped. */
  write(owner: string, writes: readonly JobWrite[]): Promise<void>;
  /** Stores page `part` of a job's result rows (before `finish`; a run that restarts overwrites). */
  writeRows(owner: string, jobId: string, part: number, rows: readonly unknown[]): Promise<void>;
  /**
   * Ends `owner`'s run: the outcome, its `done`/`error` and final `state` events; the job's journal
   * is removed with it (nothing will resume the job). false: lease lost.
   */
  finish(owner: string, jobId: string, outcome: Outcome): Promise<boolean>;
  /**
   * Puts `owner`'s running job back in the queue after a run that failed with a transient fault:
   * counted as an attempt, due again at `retryAt`, its journal kept, its log given `change`
   * (`state: queued`, reason 'attempt failed'). false: lease lost.
   */
  retryLater(owner: string, jobId: string, retryAt: number, change: StateChange): Promise<boolean>;
  /** Puts `owner`'s running job back in the queue (not counted as an attempt), its journal kept. false: lease lost. */
  handBack(owner: string, jobId: string, reason: string): Promise<boolean>;
  /**
   * Appends a `webhook` event (one delivery attempt of the job's end: engine/webhooks.ts) to the
   * log of an ended job, after its final state. Anyone may: an ended job has no owner. false: no
   * such job, or it has not ended.
   */
  recordWebhook(jobId: string, delivery: WebhookDelivery): Promise<boolean>;
  /**
   * Takes up to `limit` ends written outside an engine's run (a job cancelled while queued, one
   * a lease recovery cancelled or failed), each once: an engine with webhooks delivers them, as
   * it delivers the ends of its own runs.
   */
  takeOwedEnds(limit: number): Promise<JobRecord[]>;
  /** Repeat rules that are due to fire. */
  dueRepeatRules(now: number): Promise<RepeatRuleRecord[]>;
  /**
   * Fires a due repeat rule: queues its job and moves its next firing to `nextRunAt`, if that is
   * still `expected` (another engine may have fired it first: then null). `nextRunAt` null: the
   * expression has no later slot; the rule ends.
   */
  fireRepeatRule(id: string, expected: number, nextRunAt: number | null, now: number): Promise<JobRecord | null>;
  /** Deletes finished jobs that finished before `before`, with their logs, rows and journals; returns their ids. */
  purge(before: number): Promise<string[]>;
  /**
   * The checkpoint journal of `owner`'s job `jobId` (no I/O until used). Anyone may read it; only
   * the lease holder writes it: once the lease is lost, truncate, append and remove do nothing,
   * so an engine that was taken over never spoils its successor's journal. Appends survive a
   * kill -9 of the engine once they resolve.
   */
  journal(owner: string, jobId: string): Journal;
  close(): Promise<void>;
}
