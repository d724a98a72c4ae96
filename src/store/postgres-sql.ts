/**
 * The SQL of the PostgreSQL store, for one schema. Each statement is an indexed lookup or a write
 * of a few rows (postgres-schema.ts has the indexes). Times come from the database's clock
 * (`now()`, the transaction's start), never from a host's: the hosts' clocks differ, the
 * database's is the one they share.
 */
import { quoted } from './postgres-schema.js';

/** The database's time in ms since the epoch. */
const NOW = `(floor(extract(epoch FROM now()) * 1000))::bigint`;

export type Sql = ReturnType<typeof statements>;

export function statements(schema: string) {
  const S = quoted(schema);
  const held = `SELECT 1 FROM ${S}.jobs WHERE id = $1 AND lease_owner = $2 AND state = 'running'`;
  return {
    job: `SELECT * FROM ${S}.jobs WHERE id = $1`,
    stateOf: `SELECT state FROM ${S}.jobs WHERE id = $1 FOR SHARE`,
    jobForUpdate: `SELECT * FROM ${S}.jobs WHERE id = $1 FOR UPDATE`,
    // $4: the delay, counted on the database's clock from now.
    insertJob: `INSERT INTO ${S}.jobs (name, spec, state, priority, created_at, run_at, max_attempts, repeat_rule_id,
                meta, backoff) VALUES ($1, $2, 'queued', $3, ${NOW}, ${NOW} + $4, $5, $6, $7, $8) RETURNING *`,
    insertMeta: `INSERT INTO ${S}.job_meta (key, value, job_id) SELECT k, v, $3 FROM unnest($1::text[], $2::text[]) AS m(k, v)
                 ON CONFLICT DO NOTHING`,
    idsInState: `SELECT id FROM ${S}.jobs WHERE state = $1 ORDER BY id FOR UPDATE`,
    paused: `SELECT paused FROM ${S}.chunkmill_store`,
    setPaused: `UPDATE ${S}.chunkmill_store SET paused = $1`,
    // A run that failed with a transient fault waits for its backoff ($3 ms, on the database's clock).
    retryLater: `UPDATE ${S}.jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, run_at = ${NOW} + $3
                 WHERE id = $1 AND lease_owner = $2 AND state = 'running'`,
    requestCancel: `UPDATE ${S}.jobs SET cancel_requested = true WHERE id = $1`,
    settle: `UPDATE ${S}.jobs SET state = $2, error = $3, finished_at = ${NOW}, lease_owner = NULL,
             lease_expires_at = NULL, cancel_requested = false, webhook_owed = $4 WHERE id = $1`,
    // Ends whose webhook is owed, taken once: two engines never both deliver one.
    takeOwedEnds: `UPDATE ${S}.jobs SET webhook_owed = false WHERE id IN (
                     SELECT id FROM ${S}.jobs WHERE webhook_owed ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
                   RETURNING *`,
    events: `SELECT * FROM ${S}.job_events WHERE job_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
    eventsAfter: `SELECT * FROM ${S}.job_events WHERE id > $1 ORDER BY id LIMIT $2`,
    lastEventId: `SELECT coalesce(max(id), 0) AS id FROM ${S}.job_events`,
    counts: `SELECT state, count(*)::integer AS n FROM ${S}.jobs GROUP BY state`,
    /**
     * Appends events ($3 job ids, $4 types, $5 data, in order) under the store's event lock ($1,
     * $2), and sends the NOTIFY ($6 channel, $7 kinds). Why the lock: ids come from a sequence
     * when rows are inserted, but become visible when their transaction commits, and two
     * transactions may commit in the other order. A reader that polled "after id N" between the
     * two commits would see the higher id first and never look below it again: an event lost
     * for good. The lock is transaction-scoped: taken here, as the last statement of every
     * transaction that writes events, and held until its commit is visible, so events become
     * visible in id order, whichever host writes them. (The other design, reading only below
     * pg_snapshot_xmin, costs every reader instead, and any long write transaction in the
     * database, chunkmill's or not, would hold all the streams back.) Bookkeeping commits do not
     * wait for the disk, so the lock is held for well under a millisecond.
     */
    insertEvents: `WITH lock AS (SELECT pg_advisory_xact_lock($1, $2)),
                   notify AS (SELECT pg_notify($6, $7))
                   INSERT INTO ${S}.job_events (job_id, at, type, data)
                   SELECT e.job_id, ${NOW}, e.type, e.data
                   FROM lock, notify, unnest($3::bigint[], $4::text[], $5::text[]) WITH ORDINALITY AS e(job_id, type, data, n)
                   ORDER BY e.n`,
    notify: `SELECT pg_notify($1, $2)`,
    // A real write that changes nothing, committed to disk: a read-only database or one whose
    // disk is full fails it, as the next real write would (JobStore.ping, a server's readiness).
    ping: `BEGIN; SET LOCAL synchronous_commit TO on; UPDATE ${S}.chunkmill_store SET version = version; COMMIT`,
    deleteEvents: `DELETE FROM ${S}.job_events WHERE job_id = ANY($1::bigint[])`,
    deleteRows: `DELETE FROM ${S}.job_rows WHERE job_id = ANY($1::bigint[])`,
    deleteJournals: `DELETE FROM ${S}.job_journals WHERE job_id = ANY($1::bigint[])`,
    deleteMeta: `DELETE FROM ${S}.job_meta WHERE job_id = ANY($1::bigint[])`,
    deleteJobs: `DELETE FROM ${S}.jobs WHERE id = ANY($1::bigint[])`,
    rowsPage: `SELECT rows FROM ${S}.job_rows WHERE job_id = $1 AND part = $2`,
    // Only the lease holder's; FOR SHARE keeps a takeover from slipping in before this commits.
    putRows: `INSERT INTO ${S}.job_rows (job_id, part, rows) SELECT $1, $3, $4 WHERE EXISTS (${held} FOR SHARE)
              ON CONFLICT (job_id, part) DO UPDATE SET rows = excluded.rows`,
    dropRowsFrom: `DELETE FROM ${S}.job_rows WHERE job_id = $1 AND part >= $2`,
    /**
     * What a claim would find, and when the next thing comes due: the earliest delayed job, the
     * earliest lease to expire (both on the database's clock), the next repeat rule (on the
     * engine's: $1, the clock its cron slots are read on). Each is one index probe.
     */
    due: `SELECT ${NOW} AS now, (SELECT paused FROM ${S}.chunkmill_store) AS paused,
            (SELECT min(run_at) FROM ${S}.jobs WHERE state = 'queued') AS next_job,
            (SELECT min(lease_expires_at) FROM ${S}.jobs WHERE state = 'running') AS next_lease,
            (SELECT min(next_run_at) FROM ${S}.repeat_rules) AS next_rule`,
    // Not the claimer's own: an engine whose event loop was held past its lease still runs that job.
    // None while the queue is paused: a takeover is a claim too.
    expired: `SELECT * FROM ${S}.jobs WHERE state = 'running' AND lease_expires_at < ${NOW}
              AND lease_owner IS DISTINCT FROM $1 AND NOT (SELECT paused FROM ${S}.chunkmill_store)
              ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`,
    take: `UPDATE ${S}.jobs SET state = 'running', lease_owner = $2, lease_expires_at = ${NOW} + $3,
           attempts = attempts + 1, started_at = coalesce(started_at, ${NOW}) WHERE id = $1 RETURNING *`,
    // $2: the ids the engine still runs; a job it no longer runs is left to expire. Returns those held.
    renew: `UPDATE ${S}.jobs SET lease_expires_at = ${NOW} + $3 WHERE lease_owner = $1 AND state = 'running'
            AND id = ANY($2::bigint[]) RETURNING id`,
    holds: `${held} FOR UPDATE`,
    cancelRequests: `SELECT id FROM ${S}.jobs WHERE lease_owner = $1 AND state = 'running' AND cancel_requested`,
    handBack: `UPDATE ${S}.jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL,
               attempts = greatest(attempts - 1, 0) WHERE id = $1 AND lease_owner = $2 AND state = 'running'`,
    // $1: a time on the engine's clock, as an age: the database's clock decides which jobs are that old.
    finishedBefore: `SELECT id FROM ${S}.jobs WHERE finished_at IS NOT NULL AND finished_at < ${NOW} - $1 FOR UPDATE SKIP LOCKED`,
    insertRepeatRule: `INSERT INTO ${S}.repeat_rules (name, spec, cron, tz, priority, max_attempts, created_at, next_run_at)
                       VALUES ($1, $2, $3, $4, $5, $6, ${NOW}, $7) RETURNING *`,
    repeatRuleForUpdate: `SELECT * FROM ${S}.repeat_rules WHERE id = $1 FOR UPDATE`,
    repeatRules: `SELECT * FROM ${S}.repeat_rules ORDER BY id`,
    dueRepeatRules: `SELECT * FROM ${S}.repeat_rules WHERE next_run_at <= $1 ORDER BY next_run_at`,
    advanceRepeatRule: `UPDATE ${S}.repeat_rules SET next_run_at = $2, last_job_id = $3 WHERE id = $1`,
    deleteRepeatRule: `DELETE FROM ${S}.repeat_rules WHERE id = $1`,
    // A journal is its appends in order of their byte offset; reading one concatenates them.
    journalParts: `SELECT pos, bytes FROM ${S}.job_journals WHERE job_id = $1 ORDER BY pos`,
    journalLength: `SELECT coalesce(max(pos + length(bytes)), 0) AS length FROM ${S}.job_journals WHERE job_id = $1`,
    // Keyed by its offset: a retried append (its first commit's answer lost) changes nothing.
    appendJournal: `INSERT INTO ${S}.job_journals (job_id, pos, bytes) SELECT $1, $3, $4 WHERE EXISTS (${held} FOR SHARE)
                    ON CONFLICT (job_id, pos) DO NOTHING`,
    deleteJournal: `DELETE FROM ${S}.job_journals WHERE job_id = $1`,
    removeJournal: `DELETE FROM ${S}.job_journals WHERE job_id = $1 AND EXISTS (${held} FOR SHARE)`,
  };
}
