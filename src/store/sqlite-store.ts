/**
 * The embedded job store: one SQLite file (better-sqlite3, WAL), shared by any number of
 * processes: producers (queues, the CLI) and engines.
 *
 * better-sqlite3 is synchronous; every statement here is short (an indexed lookup, a few rows
 * written), so a call holds the event loop for microseconds, and the methods return promises so
 * that callers are written for a backend that is not. Multi-statement changes are immediate
 * transactions: they take SQLite's write lock first, so two engines' claims are serialised and
 * never both take one job.
 */
import type Database from 'better-sqlite3';
import type {
  CancelOutcome,
  Claim,
  JobRecord,
  JobState,
  NewJob,
  NewSchedule,
  Outcome,
  ScheduleRecord,
} from './records.js';
import { JOB_STATES } from './records.js';
import type { JobStore, JobWrite } from './job-store.js';
import { openDatabase } from './sqlite-schema.js';
import { storeError } from './store-errors.js';
import {
  eventFromRow,
  eventJson,
  jobFromRow,
  pack,
  rowId,
  scheduleFromRow,
  unpack,
  type EventRow,
  type JobRow,
  type ScheduleRow,
} from './sqlite-rows.js';
import type { ErrorData } from '../errors.js';
import type { JobEventData } from './records.js';
import { prepareStatements, type Statements } from './sqlite-statements.js';

export class SqliteStore implements JobStore {
  private readonly db: Database.Database;
  private readonly sql: Statements;
  private dataVersion = -1;
  /** Writes through this connection since changed() last looked: data_version counts only others'. */
  private ownWrites = 0;

  constructor(readonly location: string) {
    this.db = openDatabase(location);
    try {
      this.sql = prepareStatements(this.db);
    } catch (e) {
      this.db.close();
      throw storeError(e, location);
    }
  }

  add(job: NewJob): Promise<JobRecord> {
    return this.tx(() => this.insertJob(job, Date.now()));
  }

  get(id: string): Promise<JobRecord | null> {
    return this.guard(() => this.job(rowId(id)));
  }

  list(query: { state?: string | undefined; limit: number; cursor?: string | undefined }) {
    return this.guard(() => {
      const before = query.cursor === undefined ? Number.MAX_SAFE_INTEGER : rowId(query.cursor);
      const rows = this.sql.list.all({ state: query.state ?? null, before, limit: query.limit + 1 }) as JobRow[];
      const more = rows.length > query.limit;
      const jobs = rows.slice(0, query.limit).map(jobFromRow);
      return { jobs, next: more ? jobs[jobs.length - 1]!.id : null };
    });
  }

  cancel(id: string): Promise<CancelOutcome | null> {
    return this.tx(() => {
      const job = this.job(rowId(id));
      if (job === null) return null;
      if (job.state === 'running') {
        this.sql.requestCancel.run(rowId(id));
        return 'requested';
      }
      if (job.state !== 'queued') return 'finished';
      const error: ErrorData = { code: 'ABORT_ERR', message: 'The job was cancelled before it ran' };
      this.settle(rowId(id), 'cancelled', error, 'cancelled while queued');
      return 'cancelled';
    });
  }

  remove(id: string): Promise<boolean | 'running'> {
    return this.tx(() => {
      const job = this.job(rowId(id));
      if (job === null) return false;
      if (job.state === 'running') return 'running';
      this.deleteJob(rowId(id));
      return true;
    });
  }

  events(id: string, after: number, limit: number) {
    return this.guard(() => (this.sql.events.all(rowId(id), after, limit) as EventRow[]).map(eventFromRow));
  }

  eventsAfter(after: number, limit: number) {
    return this.guard(() => (this.sql.eventsAfter.all(after, limit) as EventRow[]).map(eventFromRow));
  }

  lastEventId(): Promise<number> {
    return this.guard(() => (this.sql.lastEventId.get() as { id: number }).id);
  }

  counts(): Promise<Record<JobState, number>> {
    return this.guard(() => {
      const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
      for (const row of this.sql.counts.all() as { state: JobState; n: number }[]) counts[row.state] = row.n;
      return counts;
    });
  }

  resultRows(id: string, part: number): Promise<unknown[] | null> {
    return this.guard(() => {
      const row = this.sql.rowsPage.get(rowId(id), part) as { rows: Buffer } | undefined;
      return row === undefined ? null : (unpack(row.rows) as unknown[]);
    });
  }

  addSchedule(s: NewSchedule): Promise<ScheduleRecord> {
    return this.tx(() => {
      const { lastInsertRowid } = this.sql.insertSchedule.run(
        s.name,
        JSON.stringify(s.spec),
        s.cron,
        s.tz,
        s.priority,
        s.maxAttempts,
        Date.now(),
        s.nextRunAt,
      );
      return scheduleFromRow(this.sql.schedule.get(lastInsertRowid) as ScheduleRow);
    });
  }

  schedules(): Promise<ScheduleRecord[]> {
    return this.guard(() => (this.sql.schedules.all() as ScheduleRow[]).map(scheduleFromRow));
  }

  removeSchedule(id: string): Promise<boolean> {
    return this.tx(() => this.sql.deleteSchedule.run(rowId(id)).changes > 0);
  }

  changed(): Promise<boolean> {
    return this.guard(() => {
      const version = this.db.pragma('data_version', { simple: true }) as number;
      const changed = version !== this.dataVersion || this.ownWrites > 0;
      this.dataVersion = version;
      this.ownWrites = 0;
      return changed;
    });
  }

  due(now: number): Promise<boolean> {
    return this.guard(() => (this.sql.due.get(now, now, now) as { due: number }).due !== 0);
  }

  claim(owner: string, leaseMs: number, now: number): Promise<Claim | null> {
    return this.tx(() => {
      for (;;) {
        const expired = this.sql.expired.get(now, owner) as JobRow | undefined;
        if (expired === undefined) break;
        if (expired.cancel_requested !== 0) {
          this.settle(
            expired.id,
            'cancelled',
            { code: 'ABORT_ERR', message: 'The job was cancelled' },
            'its engine died',
          );
        } else if (expired.attempts >= expired.max_attempts) {
          const message = `The job was interrupted ${expired.attempts} times (its engine stopped without handing it back each time); it is not run again`;
          this.settle(expired.id, 'failed', { code: 'ERR_JOB_LOST', message }, 'out of attempts');
        } else {
          const reason = `recovered: the lease of ${expired.lease_owner} expired`;
          return { job: this.take(expired.id, owner, leaseMs, now, reason), recovered: true };
        }
      }
      const queued = this.sql.nextQueued.get(now) as JobRow | undefined;
      return queued === undefined
        ? null
        : { job: this.take(queued.id, owner, leaseMs, now, undefined), recovered: false };
    });
  }

  renew(owner: string, ids: readonly string[], leaseMs: number, now: number): Promise<string[]> {
    return this.tx(() => {
      const list = JSON.stringify(ids.map(rowId));
      this.sql.renew.run({ until: now + leaseMs, owner, ids: list });
      return (this.sql.owned.all({ owner, ids: list }) as { id: number }[]).map((r) => String(r.id));
    });
  }

  cancelRequests(owner: string): Promise<string[]> {
    return this.guard(() => (this.sql.cancelRequests.all(owner) as { id: number }[]).map((r) => String(r.id)));
  }

  write(owner: string, writes: readonly JobWrite[]): Promise<void> {
    return this.tx(() => {
      const now = Date.now();
      for (const w of writes) {
        const id = rowId(w.jobId);
        if (this.sql.holds.get(id, owner) === undefined) continue;
        for (const event of w.events) this.sql.insertEvent.run(id, now, event.type, eventJson(event));
        if (w.progress !== undefined) this.sql.setProgress.run(JSON.stringify(w.progress), id);
      }
    });
  }

  writeRows(owner: string, jobId: string, part: number, rows: readonly unknown[]): Promise<void> {
    return this.tx(() => {
      if (this.sql.holds.get(rowId(jobId), owner) !== undefined) this.sql.putRows.run(rowId(jobId), part, pack(rows));
    });
  }

  finish(owner: string, jobId: string, outcome: Outcome): Promise<boolean> {
    return this.tx(() => {
      const id = rowId(jobId);
      if (this.sql.holds.get(id, owner) === undefined) return false;
      if (outcome.state === 'succeeded') {
        const pages = outcome.result.kind === 'aggregate' ? (outcome.rows?.length ?? 0) : 0;
        this.sql.dropRowsFrom.run(id, pages); // pages an earlier, interrupted run wrote past the end
        this.sql.succeed.run(pack(outcome.result), Date.now(), id);
        // A task's value stays with the record only: it may be large, and need not be JSON.
        const { result } = outcome;
        const summary = result.kind === 'task' ? { kind: result.kind, stats: result.stats } : result;
        this.event(id, { type: 'done', data: summary });
        this.event(id, { type: 'state', data: { state: 'succeeded' } });
      } else {
        this.sql.dropRowsFrom.run(id, 0);
        this.settle(id, outcome.state, outcome.error, undefined);
      }
      this.sql.compactProgress.run(id, id);
      return true;
    });
  }

  handBack(owner: string, jobId: string, reason: string): Promise<boolean> {
    return this.tx(() => {
      const id = rowId(jobId);
      if (this.sql.handBack.run(id, owner).changes === 0) return false;
      this.event(id, { type: 'state', data: { state: 'queued', reason } });
      return true;
    });
  }

  dueSchedules(now: number): Promise<ScheduleRecord[]> {
    return this.guard(() => (this.sql.dueSchedules.all(now) as ScheduleRow[]).map(scheduleFromRow));
  }

  fireSchedule(id: string, expected: number, nextRunAt: number | null, now: number): Promise<JobRecord | null> {
    return this.tx(() => {
      const row = this.sql.schedule.get(rowId(id)) as ScheduleRow | undefined;
      if (row === undefined || row.next_run_at !== expected) return null;
      const s = scheduleFromRow(row);
      const job = this.insertJob(
        { spec: s.spec, name: s.name, priority: s.priority, runAt: now, maxAttempts: s.maxAttempts, scheduleId: s.id },
        now,
      );
      if (nextRunAt === null) this.sql.deleteSchedule.run(row.id);
      else this.sql.advanceSchedule.run(nextRunAt, rowId(job.id), row.id);
      return job;
    });
  }

  purge(before: number): Promise<string[]> {
    return this.tx(() => {
      const ids = (this.sql.finishedBefore.all(before) as { id: number }[]).map((r) => r.id);
      for (const id of ids) this.deleteJob(id);
      return ids.map(String);
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private job(id: number): JobRecord | null {
    const row = this.sql.job.get(id) as JobRow | undefined;
    return row === undefined ? null : jobFromRow(row);
  }

  private insertJob(job: NewJob, now: number): JobRecord {
    const { lastInsertRowid } = this.sql.insertJob.run(
      job.name,
      JSON.stringify(job.spec),
      job.priority,
      now,
      job.runAt,
      job.maxAttempts,
      job.scheduleId === null ? null : rowId(job.scheduleId),
    );
    const id = Number(lastInsertRowid);
    this.event(id, { type: 'state', data: { state: 'queued' } });
    return this.job(id)!;
  }

  private take(id: number, owner: string, leaseMs: number, now: number, reason: string | undefined): JobRecord {
    this.sql.take.run(owner, now + leaseMs, now, id);
    const job = this.job(id)!;
    const change = { state: 'running' as const, attempt: job.attempts, owner, ...(reason ? { reason } : {}) };
    this.event(id, { type: 'state', data: change });
    return job;
  }

  /** Ends a job that did not succeed: its error, an `error` event and the final `state` event. */
  private settle(id: number, state: 'failed' | 'cancelled', error: ErrorData, reason: string | undefined): void {
    this.sql.settle.run(state, JSON.stringify(error), Date.now(), id);
    this.event(id, { type: 'error', data: error });
    this.event(id, { type: 'state', data: { state, ...(reason ? { reason } : {}) } });
  }

  private event(id: number, event: JobEventData): void {
    this.sql.insertEvent.run(id, Date.now(), event.type, eventJson(event));
  }

  private deleteJob(id: number): void {
    this.sql.deleteEvents.run(id);
    this.sql.dropRowsFrom.run(id, 0);
    this.sql.deleteJob.run(id);
  }

  private guard<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(storeError(e, this.location));
    }
  }

  /** fn in an immediate transaction (the write lock first): a claim or cancel is never half done. */
  private tx<T>(fn: () => T): Promise<T> {
    return this.guard(() => {
      const result = this.db.transaction(fn).immediate();
      this.ownWrites++;
      return result;
    });
  }
}
