/**
 * The SQL of the SQLite store, prepared once per connection. Each statement is an indexed lookup
 * or a write of a few rows: none scans a table whose size grows with the jobs' data.
 */
import type Database from 'better-sqlite3';

const SQL = {
  job: 'SELECT * FROM jobs WHERE id = ?',
  stateOf: 'SELECT state FROM jobs WHERE id = ?',
  insertJob: `INSERT INTO jobs (name, spec, state, priority, created_at, run_at, max_attempts, schedule_id, meta, backoff)
              VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)`,
  insertMeta: 'INSERT OR IGNORE INTO job_meta (key, value, job_id) VALUES (?, ?, ?)',
  deleteMeta: 'DELETE FROM job_meta WHERE job_id = ?',
  // Bulk actions: a range of the jobs_queue index (state first).
  idsInState: 'SELECT id FROM jobs WHERE state = ? ORDER BY id',
  paused: 'SELECT paused FROM queue_state',
  setPaused: 'UPDATE queue_state SET paused = ?',
  requestCancel: 'UPDATE jobs SET cancel_requested = 1 WHERE id = ?',
  settle: `UPDATE jobs SET state = ?, error = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL,
           cancel_requested = 0, webhook_owed = ? WHERE id = ?`,
  owedEnds: 'SELECT * FROM jobs WHERE webhook_owed = 1 ORDER BY id LIMIT ?',
  paidEnd: 'UPDATE jobs SET webhook_owed = 0 WHERE id = ?',
  succeed: `UPDATE jobs SET state = 'succeeded', result = ?, finished_at = ?, lease_owner = NULL,
            lease_expires_at = NULL, cancel_requested = 0 WHERE id = ?`,
  events: 'SELECT * FROM job_events WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?',
  eventsAfter: 'SELECT * FROM job_events WHERE id > ? ORDER BY id LIMIT ?',
  lastEventId: 'SELECT coalesce(max(id), 0) AS id FROM job_events',
  // A scan of the jobs_queue index (state first), not of the table.
  counts: 'SELECT state, count(*) AS n FROM jobs GROUP BY state',
  insertEvent: 'INSERT INTO job_events (job_id, at, type, data) VALUES (?, ?, ?, ?)',
  // Once a job has ended only its last progress matters; the others would only grow the log.
  compactProgress: `DELETE FROM job_events WHERE job_id = ? AND type = 'progress'
                    AND id < (SELECT max(id) FROM job_events WHERE job_id = ? AND type = 'progress')`,
  deleteEvents: 'DELETE FROM job_events WHERE job_id = ?',
  deleteJob: 'DELETE FROM jobs WHERE id = ?',
  rowsPage: 'SELECT rows FROM job_rows WHERE job_id = ? AND part = ?',
  putRows: 'INSERT OR REPLACE INTO job_rows (job_id, part, rows) VALUES (?, ?, ?)',
  dropRowsFrom: 'DELETE FROM job_rows WHERE job_id = ? AND part >= ?',
  // A paused queue has nothing to claim; its repeat rules still fire (their jobs wait queued).
  due: `SELECT ((SELECT paused FROM queue_state) = 0
              AND (EXISTS (SELECT 1 FROM jobs WHERE state = 'queued' AND run_at <= ?)
                   OR EXISTS (SELECT 1 FROM jobs WHERE state = 'running' AND lease_expires_at < ?)))
            OR EXISTS (SELECT 1 FROM schedules WHERE next_run_at <= ?) AS due`,
  // Not the claimer's own: an engine whose event loop was held past its lease still runs that job.
  expired: `SELECT * FROM jobs WHERE state = 'running' AND lease_expires_at < ? AND lease_owner IS NOT ?
            ORDER BY id LIMIT 1`,
  nextQueued: `SELECT * FROM jobs WHERE state = 'queued' AND run_at <= ? ORDER BY priority DESC, id LIMIT 1`,
  take: `UPDATE jobs SET state = 'running', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1,
         started_at = coalesce(started_at, ?) WHERE id = ?`,
  // @ids: a JSON array of the ids the engine still runs; a job it no longer runs is left to expire.
  renew: `UPDATE jobs SET lease_expires_at = @until WHERE lease_owner = @owner AND state = 'running'
          AND id IN (SELECT value FROM json_each(@ids))`,
  owned: `SELECT id FROM jobs WHERE lease_owner = @owner AND state = 'running'
          AND id IN (SELECT value FROM json_each(@ids))`,
  holds: `SELECT 1 FROM jobs WHERE id = ? AND lease_owner = ? AND state = 'running'`,
  cancelRequests: `SELECT id FROM jobs WHERE lease_owner = ? AND state = 'running' AND cancel_requested = 1`,
  setProgress: 'UPDATE jobs SET progress = ? WHERE id = ?',
  handBack: `UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL,
             attempts = max(attempts - 1, 0) WHERE id = ? AND lease_owner = ? AND state = 'running'`,
  // A run that failed with a transient fault waits for its backoff; its attempt stays counted.
  retryLater: `UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, run_at = ?
               WHERE id = ? AND lease_owner = ? AND state = 'running'`,
  finishedBefore: 'SELECT id FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ?',
  // Repeat rules: their table keeps the name `schedules` (renaming it would take a migration).
  insertRepeatRule: `INSERT INTO schedules (name, spec, cron, tz, priority, max_attempts, created_at, next_run_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  repeatRule: 'SELECT * FROM schedules WHERE id = ?',
  repeatRules: 'SELECT * FROM schedules ORDER BY id',
  dueRepeatRules: 'SELECT * FROM schedules WHERE next_run_at <= ? ORDER BY next_run_at',
  advanceRepeatRule: 'UPDATE schedules SET next_run_at = ?, last_job_id = ? WHERE id = ?',
  deleteRepeatRule: 'DELETE FROM schedules WHERE id = ?',
  // A journal is its appends in order; reading one concatenates them.
  journalParts: 'SELECT bytes FROM job_journals WHERE job_id = ? ORDER BY id',
  appendJournal: 'INSERT INTO job_journals (job_id, bytes) VALUES (?, ?)',
  deleteJournal: 'DELETE FROM job_journals WHERE job_id = ?',
} as const;

export type Statements = { [K in keyof typeof SQL]: Database.Statement };

export function prepareStatements(db: Database.Database): Statements {
  return Object.fromEntries(Object.entries(SQL).map(([name, sql]) => [name, db.prepare(sql)])) as Statements;
}
