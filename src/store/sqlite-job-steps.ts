/**
 * The steps the SQLite store's transactions are made of: each changes a job's rows together with
 * the events that go with the change (a job's log always says what happened to it). Called only
 * inside a transaction (SqliteConnection.tx), so a step is never seen half done.
 */
import type { ErrorData } from '../errors.js';
import type { JobEventData, JobRecord, NewJob } from './records.js';
import { queuedChange } from './records.js';
import { eventJson, jobFromRow, rowId, type JobRow } from './rows.js';
import type { Statements } from './sqlite-statements.js';

export function jobById(sql: Statements, id: number): JobRecord | null {
  const row = sql.job.get(id) as JobRow | undefined;
  return row === undefined ? null : jobFromRow(row);
}

/** Queues a job; its log starts with `state: queued` (saying which job it retries, for a retry). */
export function insertJob(sql: Statements, job: NewJob, now: number): JobRecord {
  const { lastInsertRowid } = sql.insertJob.run(
    job.name,
    JSON.stringify(job.spec),
    job.priority,
    now,
    job.runAt,
    job.maxAttempts,
    job.scheduleId === null ? null : rowId(job.scheduleId),
  );
  const id = Number(lastInsertRowid);
  appendEvent(sql, id, { type: 'state', data: queuedChange(job) });
  return jobById(sql, id)!;
}

/** Gives `owner` the job's lease (one more attempt) and logs its `state: running`. */
export function takeJob(
  sql: Statements,
  id: number,
  owner: string,
  leaseMs: number,
  now: number,
  reason: string | undefined,
): JobRecord {
  sql.take.run(owner, now + leaseMs, now, id);
  const job = jobById(sql, id)!;
  const change = { state: 'running' as const, attempt: job.attempts, owner, ...(reason ? { reason } : {}) };
  appendEvent(sql, id, { type: 'state', data: change });
  return job;
}

/**
 * Ends a job that did not succeed: its error, an `error` event and the final `state` event. Its
 * journal goes: nothing will resume it.
 */
export function settleJob(
  sql: Statements,
  id: number,
  state: 'failed' | 'cancelled',
  error: ErrorData,
  reason: string | undefined,
): void {
  sql.settle.run(state, JSON.stringify(error), Date.now(), id);
  sql.deleteJournal.run(id);
  appendEvent(sql, id, { type: 'error', data: error });
  appendEvent(sql, id, { type: 'state', data: { state, ...(reason ? { reason } : {}) } });
}

export function appendEvent(sql: Statements, id: number, event: JobEventData): void {
  sql.insertEvent.run(id, Date.now(), event.type, eventJson(event));
}

/** Deletes a job with everything kept for it: its log, result rows and journal. */
export function deleteJob(sql: Statements, id: number): void {
  sql.deleteEvents.run(id);
  sql.dropRowsFrom.run(id, 0);
  sql.deleteJournal.run(id);
  sql.deleteJob.run(id);
}
