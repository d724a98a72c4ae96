/**
 * One transaction of the PostgreSQL store, as the steps it is made of: each changes a job's rows
 * together with the events that go with the change (a job's log always says what happened to
 * it), as the SQLite store's steps do (sqlite-job-steps.ts).
 *
 * Events are gathered as the steps run and written by end(), the transaction's last statement,
 * in one insert under the store's event lock, with the transaction's NOTIFY: the lock is held
 * from there to the commit only (see insertEvents in postgres-sql.ts for why there is a lock).
 */
import type { PoolClient, QueryResult, QueryResultRow } from 'pg';
import type { ErrorData } from '../errors.js';
import { isFinal } from '../api/wire.js';
import type {
  BulkAction,
  BulkOutcome,
  Claim,
  JobEventData,
  JobRecord,
  JobState,
  NewJob,
  WebhookDelivery,
} from './records.js';
import { CANCELLED_QUEUED, queuedChange } from './records.js';
import { eventJson, extrasOf, jobFromRow, rowId, type JobRow } from './rows.js';
import type { Sql } from './postgres-sql.js';

/** What a transaction tells listeners it did (postgres-listener.ts). */
export type ChangeKind = 'job' | 'event' | 'cancel' | 'rule' | 'removed';

/** Where a store's events are ordered and announced. */
export interface EventChannel {
  /** The advisory lock around event inserts (two int4 keys). */
  lock: [number, number];
  /** The NOTIFY channel. */
  channel: string;
}

export class PgSteps {
  private readonly jobIds: number[] = [];
  private readonly types: string[] = [];
  private readonly data: string[] = [];
  private readonly kinds = new Set<ChangeKind>();

  constructor(
    private readonly client: PoolClient,
    readonly sql: Sql,
    private readonly log: EventChannel,
  ) {}

  query<R extends QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<QueryResult<R>> {
    return this.client.query<R>(text, values);
  }

  /** Adds an event to the job's log (written by end()). */
  event(jobId: number, event: JobEventData): void {
    this.jobIds.push(jobId);
    this.types.push(event.type);
    this.data.push(eventJson(event));
    this.kinds.add('event');
  }

  /** Tells the listeners of every host about a change at commit. */
  notify(kind: ChangeKind): void {
    this.kinds.add(kind);
  }

  async jobById(id: number, forUpdate = false): Promise<JobRecord | null> {
    const { rows } = await this.query<JobRow & QueryResultRow>(forUpdate ? this.sql.jobForUpdate : this.sql.job, [id]);
    return rows[0] === undefined ? null : jobFromRow(rows[0]);
  }

  /** Queues a job `job.delay` from now on the database's clock; its log starts with `state: queued`. */
  async insertJob(job: NewJob): Promise<JobRecord> {
    const extras = extrasOf(job);
    const { rows } = await this.query<JobRow & QueryResultRow>(this.sql.insertJob, [
      job.name,
      JSON.stringify(job.spec),
      job.priority,
      job.delay,
      job.maxAttempts,
      job.scheduleId === null ? null : rowId(job.scheduleId),
      extras.meta,
      extras.backoff,
    ]);
    const record = jobFromRow(rows[0]!);
    if (extras.pairs.length > 0)
      await this.query(this.sql.insertMeta, [
        extras.pairs.map((p) => p[0]),
        extras.pairs.map((p) => p[1]),
        rows[0]!.id,
      ]);
    this.event(rows[0]!.id, { type: 'state', data: queuedChange(job) });
    this.notify('job');
    return record;
  }

  /**
   * Takes over the first job whose lease expired (its engine died) for `owner`, settling on the
   * way those that must not run again: a cancel was asked for (cancelled), or out of attempts
   * (failed, ERR_JOB_LOST). null: none expired.
   */
  async recoverExpired(owner: string, lease: number): Promise<Claim | null> {
    for (;;) {
      const expired = (await this.query<JobRow & QueryResultRow>(this.sql.expired, [owner])).rows[0];
      if (expired === undefined) return null;
      if (expired.cancel_requested) {
        const error: ErrorData = { code: 'ABORT_ERR', message: 'The job was cancelled' };
        await this.settleJob(expired.id, 'cancelled', error, 'its engine died');
      } else if (expired.attempts >= expired.max_attempts) {
        const message = `The job was interrupted ${expired.attempts} times (its engine stopped without handing it back each time); it is not run again`;
        await this.settleJob(expired.id, 'failed', { code: 'ERR_JOB_LOST', message }, 'out of attempts');
      } else {
        const taken = (await this.query<JobRow & QueryResultRow>(this.sql.take, [expired.id, owner, lease])).rows[0]!;
        const reason = `recovered: the lease of ${expired.lease_owner} expired`;
        return { job: this.took(taken, owner, reason), recovered: true };
      }
    }
  }

  /** Logs the `state: running` of a job just taken (its row as the take returned it). */
  took(row: JobRow, owner: string, reason: string | undefined): JobRecord {
    const job = jobFromRow(row);
    const change = { state: 'running' as const, attempt: job.attempts, owner, ...(reason ? { reason } : {}) };
    this.event(row.id, { type: 'state', data: change });
    return job;
  }

  /**
   * Ends a job that did not succeed: its error, `error` and final `state` events; its journal
   * goes. An end with a `reason` is written outside an engine's run: its webhook is owed.
   */
  async settleJob(
    id: number,
    state: 'failed' | 'cancelled',
    error: ErrorData,
    reason: string | undefined,
  ): Promise<void> {
    await this.query(this.sql.settle, [id, state, JSON.stringify(error), reason !== undefined]);
    await this.query(this.sql.deleteJournal, [id]);
    this.event(id, { type: 'error', data: error });
    this.event(id, { type: 'state', data: { state, ...(reason ? { reason } : {}) } });
  }

  /** A bulk action on every job in `state` (JobStore.bulk), its rows locked. */
  async bulk(action: BulkAction, state: JobState): Promise<BulkOutcome> {
    const ids = (await this.query<{ id: number }>(this.sql.idsInState, [state])).rows.map((r) => r.id);
    const out: BulkOutcome = { action, state, done: [], requested: [] };
    if (action === 'remove') {
      if (state === 'running') return out;
      await this.deleteJobs(ids);
      out.done = ids.map(String);
    } else if (state === 'running') {
      for (const id of ids) await this.query(this.sql.requestCancel, [id]);
      if (ids.length > 0) this.notify('cancel');
      out.requested = ids.map(String);
    } else if (state === 'queued') {
      for (const id of ids) await this.settleJob(id, 'cancelled', CANCELLED_QUEUED, 'cancelled while queued');
      out.done = ids.map(String);
    }
    return out;
  }

  /** Logs a delivery of an ended job's end to a webhook (anyone's to write: the job has no owner any more). */
  async recordWebhook(id: number, delivery: WebhookDelivery): Promise<boolean> {
    const { rows } = await this.query<{ state: JobState } & QueryResultRow>(this.sql.stateOf, [id]);
    if (rows[0] === undefined || !isFinal(rows[0].state)) return false;
    this.event(id, { type: 'webhook', data: delivery });
    return true;
  }

  /** Deletes jobs with everything kept for them: their logs, result rows and journals. */
  async deleteJobs(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    const { deleteEvents, deleteRows, deleteJournals, deleteMeta, deleteJobs } = this.sql;
    for (const statement of [deleteEvents, deleteRows, deleteJournals, deleteMeta, deleteJobs])
      await this.query(statement, [ids]);
    this.notify('removed'); // a watcher of a removed job ends
  }

  /** The transaction's last statement: its events, in order, under the event lock, and its NOTIFY. */
  async end(): Promise<void> {
    const kinds = [...this.kinds].join(',');
    if (this.jobIds.length > 0)
      await this.query(this.sql.insertEvents, [
        ...this.log.lock,
        this.jobIds,
        this.types,
        this.data,
        this.log.channel,
        kinds,
      ]);
    else if (kinds !== '') await this.query(this.sql.notify, [this.log.channel, kinds]);
  }
}
