/**
 * The statements of a job's hot path on PostgreSQL (add, claim, write, finish), each one
 * statement: run on its own, it is its own transaction, so a call is one round trip (two for a
 * durable one, whose flush is pipelined behind it: postgres-connection.ts). Each does what the
 * SQLite store does in a transaction of several statements: the rows it changes and the events
 * that go with them, written last under the event lock (why there is one: insertEvents in
 * postgres-sql.ts), and the NOTIFY. A CTE that is only read runs only when referenced: every one
 * here is, by the next or by the final SELECT.
 *
 * Run again after a connection broke with its outcome unknown, each changes nothing twice: an
 * add carries a key (the same job comes back), a write a key (its events are not written twice),
 * a finish of a job that is no longer running does nothing. A claim may take a second job: the
 * first waits for its lease to lapse and is recovered (rare: the connection must break between
 * the commit and its answer).
 */
import { quoted } from './postgres-schema.js';

/** The database's time in ms since the epoch. */
const NOW = `(floor(extract(epoch FROM now()) * 1000))::bigint`;

export type HotSql = ReturnType<typeof hotStatements>;

export function hotStatements(schema: string) {
  const S = quoted(schema);
  const insertEvents = (from: string, jobId: string, where = '') =>
    `INSERT INTO ${S}.job_events (job_id, at, type, data)
     SELECT ${jobId}, ${NOW}, e.type, e.data FROM ${from} ${where} ORDER BY e.n`;
  return {
    /**
     * $1-$6 the job, $7 its add key, $8 $9 the event lock, $10 the channel, $11 its first event's
     * data (JSON), $12 $13 its meta and backoff (JSON), $14 $15 its labels' keys and values.
     */
    add: `WITH new AS (
            INSERT INTO ${S}.jobs (name, spec, state, priority, created_at, run_at, max_attempts, repeat_rule_id, add_key,
              meta, backoff)
            VALUES ($1, $2, 'queued', $3, ${NOW}, ${NOW} + $4, $5, $6, $7, $12, $13)
            ON CONFLICT (add_key) WHERE add_key IS NOT NULL DO NOTHING RETURNING *),
          labels AS (INSERT INTO ${S}.job_meta (key, value, job_id)
                     SELECT m.k, m.v, new.id FROM new, unnest($14::text[], $15::text[]) AS m(k, v)),
          lock AS (SELECT pg_advisory_xact_lock($8, $9) FROM new),
          ev AS (INSERT INTO ${S}.job_events (job_id, at, type, data)
                 SELECT new.id, ${NOW}, 'state', $11 FROM new, lock),
          notify AS (SELECT pg_notify($10, 'job,event') FROM new)
          SELECT new.*, (SELECT count(*) FROM notify) AS notified FROM new
          UNION ALL
          SELECT j.*, 0 FROM ${S}.jobs j WHERE j.add_key = $7 AND NOT EXISTS (SELECT 1 FROM new)`,
    /** $1 owner, $2 lease ms, $3 $4 the event lock, $5 the channel. */
    claim: `WITH taken AS (
              UPDATE ${S}.jobs SET state = 'running', lease_owner = $1, lease_expires_at = ${NOW} + $2,
                attempts = attempts + 1, started_at = coalesce(started_at, ${NOW})
              WHERE id = (SELECT id FROM ${S}.jobs WHERE state = 'queued' AND run_at <= ${NOW}
                          AND NOT (SELECT paused FROM ${S}.chunkmill_store)
                          ORDER BY priority DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED)
              RETURNING *),
            lock AS (SELECT pg_advisory_xact_lock($3, $4) FROM taken),
            ev AS (INSERT INTO ${S}.job_events (job_id, at, type, data)
                   SELECT t.id, ${NOW}, 'state',
                          json_build_object('state', 'running', 'attempt', t.attempts, 'owner', t.lease_owner)::text
                   FROM taken t, lock),
            notify AS (SELECT pg_notify($5, 'event') FROM taken)
            SELECT taken.*, (SELECT count(*) FROM notify) AS notified FROM taken`,
    /**
     * An engine's write for its running jobs: $1 job ids, $2 owner, $3 the write's key, $4 each
     * job's progress (null: unchanged), $5-$7 events (job id, type, data), $8 $9 the event
     * lock, $10 the channel. Jobs `owner` no longer holds are skipped, as are those this write
     * reached already (a retry).
     */
    write: `WITH held AS (
              SELECT id FROM ${S}.jobs WHERE id = ANY($1::bigint[]) AND lease_owner = $2 AND state = 'running'
              AND write_key IS DISTINCT FROM $3 ORDER BY id FOR UPDATE),
            marked AS (
              UPDATE ${S}.jobs j SET write_key = $3, progress = coalesce(v.progress, j.progress)
              FROM unnest($1::bigint[], $4::text[]) AS v(id, progress)
              WHERE j.id = v.id AND j.id IN (SELECT id FROM held) RETURNING j.id),
            lock AS (SELECT pg_advisory_xact_lock($8, $9) WHERE EXISTS (SELECT 1 FROM marked)),
            ev AS (${insertEvents(
              'lock, unnest($5::bigint[], $6::text[], $7::text[]) WITH ORDINALITY AS e(job_id, type, data, n)',
              'e.job_id',
              'WHERE e.job_id IN (SELECT id FROM held)',
            )}),
            notify AS (SELECT pg_notify($10, 'event') WHERE EXISTS (SELECT 1 FROM marked))
            SELECT (SELECT count(*) FROM marked) AS written, (SELECT count(*) FROM notify) AS notified`,
    /**
     * The end of `owner`'s run of job $1: $3 the pages of rows to keep, $4 the final state, $5
     * the result (v8), $6 the error (JSON), $7 $8 the events (types, data), $9 $10 the event
     * lock, $11 the channel, $12 $13 pages held back until now (postgres-pages.ts). The journal
     * goes; the log keeps its last progress only.
     */
    finish: `WITH held AS (
               SELECT id FROM ${S}.jobs WHERE id = $1 AND lease_owner = $2 AND state = 'running' FOR UPDATE),
             pages AS (DELETE FROM ${S}.job_rows WHERE job_id IN (SELECT id FROM held) AND part >= $3),
             kept AS (
               INSERT INTO ${S}.job_rows (job_id, part, rows)
               SELECT h.id, p.part, p.rows FROM held h, unnest($12::integer[], $13::bytea[]) AS p(part, rows)
               ON CONFLICT (job_id, part) DO UPDATE SET rows = excluded.rows),
             ended AS (
               UPDATE ${S}.jobs SET state = $4, result = $5, error = $6, finished_at = ${NOW}, lease_owner = NULL,
                 lease_expires_at = NULL, cancel_requested = false
               WHERE id IN (SELECT id FROM held) RETURNING id),
             journal AS (DELETE FROM ${S}.job_journals WHERE job_id IN (SELECT id FROM held)),
             compact AS (
               DELETE FROM ${S}.job_events WHERE job_id IN (SELECT id FROM held) AND type = 'progress'
               AND id < (SELECT max(id) FROM ${S}.job_events WHERE job_id = $1 AND type = 'progress')),
             lock AS (SELECT pg_advisory_xact_lock($9, $10) FROM ended),
             ev AS (${insertEvents('lock, unnest($7::text[], $8::text[]) WITH ORDINALITY AS e(type, data, n)', '$1')}),
             notify AS (SELECT pg_notify($11, 'event') FROM ended)
             SELECT (SELECT count(*) FROM ended) AS ended, (SELECT count(*) FROM notify) AS notified`,
  };
}
