/**
 * The embedded job store: one SQLite file (better-sqlite3, WAL), shared by any number of
 * processes: producers (queues, the CLI) and engines. It holds everything of a job: its record,
 * its event log, its result rows and its checkpoint journal; and the repeat rules.
 *
 * Every method is one statement or one immediate transaction on the file's connection
 * (sqlite-connection.ts), built of the steps in sqlite-job-steps.ts; the repeat rules and the
 * journals have files of their own (sqlite-repeat-rules.ts, sqlite-journal.ts).
 */
import type { Journal } from '../api/journal.js';
import type { ErrorData } from '../errors.js';
import type { JobStore, JobWrite } from './job-store.js';
import type {
  BulkAction,
  BulkOutcome,
  CancelOutcome,
  Claim,
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
import { isFinal } from '../api/wire.js';
import { CANCELLED_QUEUED, JOB_STATES } from './records.js';
import { SqliteConnection } from './sqlite-connection.js';
import { appendEvent, bulkSteps, deleteJob, insertJob, jobById, settleJob, takeJob } from './sqlite-job-steps.js';
import { listSql } from './list-sql.js';
import { SqliteJournal } from './sqlite-journal.js';
import { SqliteRepeatRules } from './sqlite-repeat-rules.js';
import { eventFromRow, eventJson, jobFromRow, pack, rowId, unpack, type EventRow, type JobRow } from './rows.js';

export class SqliteStore implements JobStore {
  private readonly conn: SqliteConnection;
  private readonly rules: SqliteRepeatRules;

  constructor(readonly location: string) {
    this.conn = new SqliteConnection(location);
    this.rules = new SqliteRepeatRules(this.conn);
  }

  add(job: NewJob): Promise<JobRecord> {
    return this.conn.tx(() => insertJob(this.conn.sql, job, Date.now()));
  }

  get(id: string): Promise<JobRecord | null> {
    return this.conn.guard(() => jobById(this.conn.sql, rowId(id)));
  }

  list(query: ListQuery): Promise<JobPage> {
    return this.conn.guard(() => {
      const { text, values } = listSql(
        query,
        'jobs',
        'job_meta',
        () => '?',
        (a, b) => `instr(${a}, ${b}) > 0`,
      );
      const rows = this.conn.prepare(text).all(...values) as JobRow[];
      const more = rows.length > query.limit;
      const jobs = rows.slice(0, query.limit).map(jobFromRow);
      return { jobs, next: more ? jobs[jobs.length - 1]!.id : null };
    });
  }

  cancel(id: string): Promise<CancelOutcome | null> {
    const { sql } = this.conn;
    return this.conn.tx(() => {
      const job = jobById(sql, rowId(id));
      if (job === null) return null;
      if (job.state === 'running') {
        sql.requestCancel.run(rowId(id));
        return 'requested';
      }
      if (job.state !== 'queued') return 'finished';
      settleJob(sql, rowId(id), 'cancelled', CANCELLED_QUEUED, 'cancelled while queued');
      return 'cancelled';
    });
  }

  bulk(action: BulkAction, state: JobState): Promise<BulkOutcome> {
    const { sql } = this.conn;
    return this.conn.tx(() => {
      const ids = (sql.idsInState.all(state) as { id: number }[]).map((r) => r.id);
      return bulkSteps(sql, action, state, ids);
    });
  }

  paused(): Promise<boolean> {
    return this.conn.guard(() => (this.conn.sql.paused.get() as { paused: number }).paused !== 0);
  }

  setPaused(paused: boolean): Promise<void> {
    return this.conn.tx(() => {
      this.conn.sql.setPaused.run(paused ? 1 : 0);
    });
  }

  remove(id: string): Promise<boolean | 'running'> {
    return this.conn.tx(() => {
      const job = jobById(this.conn.sql, rowId(id));
      if (job === null) return false;
      if (job.state === 'running') return 'running';
      deleteJob(this.conn.sql, rowId(id));
      return true;
    });
  }

  events(id: string, after: number, limit: number) {
    return this.conn.guard(() => (this.conn.sql.events.all(rowId(id), after, limit) as EventRow[]).map(eventFromRow));
  }

  eventsAfter(after: number, limit: number) {
    return this.conn.guard(() => (this.conn.sql.eventsAfter.all(after, limit) as EventRow[]).map(eventFromRow));
  }

  lastEventId(): Promise<number> {
    return this.conn.guard(() => (this.conn.sql.lastEventId.get() as { id: number }).id);
  }

  counts(): Promise<Record<JobState, number>> {
    return this.conn.guard(() => {
      const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
      for (const row of this.conn.sql.counts.all() as { state: JobState; n: number }[]) counts[row.state] = row.n;
      return counts;
    });
  }

  resultRows(id: string, part: number): Promise<unknown[] | null> {
    return this.conn.guard(() => {
      const row = this.conn.sql.rowsPage.get(rowId(id), part) as { rows: Buffer } | undefined;
      return row === undefined ? null : (unpack(row.rows) as unknown[]);
    });
  }

  addRepeatRule(rule: NewRepeatRule): Promise<RepeatRuleRecord> {
    return this.rules.add(rule);
  }

  repeatRules(): Promise<RepeatRuleRecord[]> {
    return this.rules.all();
  }

  removeRepeatRule(id: string): Promise<boolean> {
    return this.rules.remove(id);
  }

  changed(): Promise<boolean> {
    return this.conn.changed();
  }

  ping(): Promise<void> {
    const { sql } = this.conn;
    // Job 0 never exists (ids start at 1). A row written and deleted in one transaction still
    // dirties its pages, so the commit writes them to the WAL: a full disk, a read-only file or
    // a closed connection fails here, as the next real write would.
    return this.conn.tx(() => {
      sql.appendJournal.run(0, Buffer.alloc(0));
      sql.deleteJournal.run(0);
    });
  }

  due(now: number): Promise<boolean> {
    return this.conn.guard(() => (this.conn.sql.due.get(now, now, now) as { due: number }).due !== 0);
  }

  claim(owner: string, leaseMs: number, now: number): Promise<Claim | null> {
    const { sql } = this.conn;
    return this.conn.tx(() => {
      if ((sql.paused.get() as { paused: number }).paused !== 0) return null; // running jobs go on; nothing new starts
      for (;;) {
        const expired = sql.expired.get(now, owner) as JobRow | undefined;
        if (expired === undefined) break;
        if (expired.cancel_requested !== 0) {
          const error: ErrorData = { code: 'ABORT_ERR', message: 'The job was cancelled' };
          settleJob(sql, expired.id, 'cancelled', error, 'its engine died');
        } else if (expired.attempts >= expired.max_attempts) {
          const message = `The job was interrupted ${expired.attempts} times (its engine stopped without handing it back each time); it is not run again`;
          settleJob(sql, expired.id, 'failed', { code: 'ERR_JOB_LOST', message }, 'out of attempts');
        } else {
          const reason = `recovered: the lease of ${expired.lease_owner} expired`;
          return { job: takeJob(sql, expired.id, owner, leaseMs, now, reason), recovered: true };
        }
      }
      const queued = sql.nextQueued.get(now) as JobRow | undefined;
      return queued === undefined
        ? null
        : { job: takeJob(sql, queued.id, owner, leaseMs, now, undefined), recovered: false };
    });
  }

  renew(owner: string, ids: readonly string[], leaseMs: number, now: number): Promise<string[]> {
    const { sql } = this.conn;
    return this.conn.tx(() => {
      const list = JSON.stringify(ids.map(rowId));
      sql.renew.run({ until: now + leaseMs, owner, ids: list });
      return (sql.owned.all({ owner, ids: list }) as { id: number }[]).map((r) => String(r.id));
    });
  }

  cancelRequests(owner: string): Promise<string[]> {
    return this.conn.guard(() =>
      (this.conn.sql.cancelRequests.all(owner) as { id: number }[]).map((r) => String(r.id)),
    );
  }

  write(owner: string, writes: readonly JobWrite[]): Promise<void> {
    const { sql } = this.conn;
    return this.conn.tx(() => {
      const now = Date.now();
      for (const w of writes) {
        const id = rowId(w.jobId);
        if (sql.holds.get(id, owner) === undefined) continue;
        for (const event of w.events) sql.insertEvent.run(id, now, event.type, eventJson(event));
        if (w.progress !== undefined) sql.setProgress.run(JSON.stringify(w.progress), id);
      }
    });
  }

  writeRows(owner: string, jobId: string, part: number, rows: readonly unknown[]): Promise<void> {
    const { sql } = this.conn;
    return this.conn.tx(() => {
      if (sql.holds.get(rowId(jobId), owner) !== undefined) sql.putRows.run(rowId(jobId), part, pack(rows));
    });
  }

  finish(owner: string, jobId: string, outcome: Outcome): Promise<boolean> {
    const { sql } = this.conn;
    return this.conn.tx(() => {
      const id = rowId(jobId);
      if (sql.holds.get(id, owner) === undefined) return false;
      if (outcome.state === 'succeeded') {
        const pages = outcome.result.kind === 'aggregate' ? (outcome.rows?.length ?? 0) : 0;
        sql.dropRowsFrom.run(id, pages); // pages an earlier, interrupted run wrote past the end
        sql.succeed.run(pack(outcome.result), Date.now(), id);
        sql.deleteJournal.run(id);
        // A task's value stays with the record only: it may be large, and need not be JSON.
        const { result } = outcome;
        const summary = result.kind === 'task' ? { kind: result.kind, stats: result.stats } : result;
        appendEvent(sql, id, { type: 'done', data: summary });
        appendEvent(sql, id, { type: 'state', data: { state: 'succeeded' } });
      } else {
        sql.dropRowsFrom.run(id, 0);
        settleJob(sql, id, outcome.state, outcome.error, undefined);
      }
      sql.compactProgress.run(id, id);
      return true;
    });
  }

  recordWebhook(jobId: string, delivery: WebhookDelivery): Promise<boolean> {
    const { sql } = this.conn;
    return this.conn.tx(() => {
      const id = rowId(jobId);
      const row = sql.stateOf.get(id) as { state: JobState } | undefined;
      if (row === undefined || !isFinal(row.state)) return false;
      appendEvent(sql, id, { type: 'webhook', data: delivery });
      return true;
    });
  }

  async takeOwedEnds(limit: number): Promise<JobRecord[]> {
    const { sql } = this.conn;
    // A read first: an engine looks after every change, and most looks find none (no write lock then).
    if ((await this.conn.guard(() => sql.owedEnds.get(1))) === undefined) return [];
    return this.conn.tx(() => {
      const jobs = (sql.owedEnds.all(limit) as JobRow[]).map(jobFromRow);
      for (const job of jobs) sql.paidEnd.run(rowId(job.id));
      return jobs;
    });
  }

  handBack(owner: string, jobId: string, reason: string): Promise<boolean> {
    const { sql } = this.conn;
    return this.conn.tx(() => {
      const id = rowId(jobId);
      if (sql.handBack.run(id, owner).changes === 0) return false;
      appendEvent(sql, id, { type: 'state', data: { state: 'queued', reason } });
      return true;
    });
  }

  retryLater(owner: string, jobId: string, retryAt: number, change: StateChange): Promise<boolean> {
    const { sql } = this.conn;
    return this.conn.tx(() => {
      const id = rowId(jobId);
      if (sql.retryLater.run(retryAt, id, owner).changes === 0) return false;
      appendEvent(sql, id, { type: 'state', data: change });
      return true;
    });
  }

  dueRepeatRules(now: number): Promise<RepeatRuleRecord[]> {
    return this.rules.due(now);
  }

  fireRepeatRule(id: string, expected: number, nextRunAt: number | null, now: number): Promise<JobRecord | null> {
    return this.rules.fire(id, expected, nextRunAt, now);
  }

  purge(before: number): Promise<string[]> {
    const { sql } = this.conn;
    return this.conn.tx(() => {
      const ids = (sql.finishedBefore.all(before) as { id: number }[]).map((r) => r.id);
      for (const id of ids) deleteJob(sql, id);
      return ids.map(String);
    });
  }

  journal(owner: string, jobId: string): Journal {
    return new SqliteJournal(this.conn, owner, jobId);
  }

  async close(): Promise<void> {
    this.conn.close();
  }
}
