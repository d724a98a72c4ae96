/**
 * The steps the SQLite store's transactions are made of: each changes a job's rows together with
 * the events that go with the change (a job's log always says what happened to it). Called only
 * inside a transaction (SqliteConnection.tx), so a step is never seen half done.
 */
import type { ErrorData } from '../errors.js';
import type { BulkAction, BulkOutcome, JobEventData, JobRecord, JobState, NewJob } from './records.js';
import { CANCELLED_QUEUED, queuedChange } from './records.js';
import { eventJson, extrasOf, jobFromRow, rowId, type JobRow } from './rows.js';
import type { Statements } from './sqlite-statements.js';

export function jobById(sql: Statements, id: number): JobRecord | null {
  const row = sql.job.get(id) as JobRow | undefined;
  return row === undefined ? null : jobFromRow(row);
}

/** Queues a job; its log starts with `state: queued` (saying which job it retries, for a retry). */
export function insertJob(sql: Statements, job: NewJob, now: number): JobRecord {
  const extras = extrasOf(job);
  const { lastInsertRowid } = sql.insertJob.run(
    job.name,
    JSON.stringify(job.spec),
    job.priority,
    now,
    now + job.delay,
    job.maxAttempts,
    job.scheduleId === null ? null : rowId(job.scheduleId),
    extras.meta,
    extras.backoff,
  );
  const id = Number(lastInsertRowid);
  for (const [key, value] of extras.pairs) sql.insertMeta.run(key, value, id);
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
 * journal goes: nothing will resume it. An end with a `reason` is written outside an engine's
 * run (a cancel while queued, a lease recovery): its webhook is owed (JobStore.takeOwedEnds).
 */
export function settleJob(
  sql: Statements,
  id: number,
  state: 'failed' | 'cancelled',
  error: ErrorData,
  reason: string | undefined,
): void {
  sql.settle.run(state, JSON.stringify(error), Date.now(), reason === undefined ? 0 : 1, id);
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
  sql.deleteMeta.run(id);
  sql.deleteJob.run(id);
}

/**
 * A bulk action on the jobs `ids` (all in `state`): cancel settles queued ones and asks the
 * engines of running ones to stop them; remove deletes them (never running ones: the queue
 * refuses that). Finished jobs have nothing to cancel.
 */
export function bulkSteps(sql: Statements, action: BulkAction, state: JobState, ids: number[]): BulkOutcome {
  const out: BulkOutcome = { action, state, done: [], requested: [] };
  for (const id of ids) {
    if (action === 'remove') {
      if (state === 'running') break;
      deleteJob(sql, id);
      out.done.push(String(id));
    } else if (state === 'running') {
      sql.requestCancel.run(id);
      out.requested.push(String(id));
    } else if (state === 'queued') {
      settleJob(sql, id, 'cancelled', CANCELLED_QUEUED, 'cancelled while queued');
      out.done.push(String(id));
    }
  }
  return out;
}
