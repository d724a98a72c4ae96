/**
 * The job store on PostgreSQL: one queue for any number of engines, queues and servers on any
 * number of hosts. Named by a URL wherever a store is named: openQueue('postgres://…'),
 * createEngine({ store: 'postgres://…' }), `--store postgres://…` (postgres-url.ts reads it).
 *
 * The SQLite store's guarantees, across hosts:
 * - claims lock the job's row with FOR UPDATE SKIP LOCKED: two engines never take one job, and
 *   neither waits for the other; priority, then age, among jobs whose delay has passed;
 * - leases, delays and retention count on the database's clock (now()), which all hosts share;
 * - event ids increase in the order readers can see them (the event lock: postgres-sql.ts);
 * - checkpoint journals, result pages and everything else of a job are in the database, so a
 *   job interrupted on one host resumes on another;
 * - a repeat rule's slot fires once (a compare-and-set on its locked row).
 *
 * Wake-ups: LISTEN/NOTIFY (postgres-listener.ts); the engine's and the watchers' frequent looks
 * (changed, due, cancelRequests) are answered from what it was told (postgres-looks.ts).
 */
import type { Journal } from '../api/journal.js';
import type { JobStore, JobWrite, WebhookDelivery } from './job-store.js';
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
  StateChange,
} from './records.js';
import { CANCELLED_QUEUED, JOB_STATES } from './records.js';
import { listSql } from './list-sql.js';
import { addValues, finishValues, writeValues } from './postgres-hot-values.js';
import { PostgresConnection, type Durability } from './postgres-connection.js';
import { PgSteps, type EventChannel } from './postgres-job-steps.js';
import { PostgresJournal } from './postgres-journal.js';
import { PostgresLooks } from './postgres-looks.js';
import { HeldPages } from './postgres-pages.js';
import { PostgresRepeatRules } from './postgres-repeat-rules.js';
import { eventFromRow, jobFromRow, pack, rowId, unpack, type EventRow, type JobRow } from './rows.js';
import { lockKeys, quoted } from './postgres-schema.js';
import { hotStatements, type HotSql } from './postgres-hot-sql.js';
import { statements, type Sql } from './postgres-sql.js';
import { parsePostgresUrl } from './postgres-url.js';

export interface PostgresStoreOptions {
  /** The schema of the store's tables (wins over the URL's `?schema=`). @default 'chunkmill' */
  schema?: string;
  /** How long a call waits for a database that went away (a restart, a failover) before ERR_STORE_UNREACHABLE. @default 30000 */
  retryMs?: number;
  /** Connections in the pool (one more listens). @default 10 */
  poolSize?: number;
}

type Row = JobRow & Record<string, unknown>;
type Event = EventRow & Record<string, unknown>;

export class PostgresStore implements JobStore {
  readonly location: string;
  private readonly conn: PostgresConnection;
  private readonly sql: Sql;
  private readonly hot: HotSql;
  private readonly log: EventChannel;
  private readonly looks: PostgresLooks;
  private readonly rules: PostgresRepeatRules;
  private readonly pages = new HeldPages();

  constructor(url: string, options: PostgresStoreOptions = {}) {
    const target = parsePostgresUrl(url, options.schema);
    this.location = target.location;
    this.conn = new PostgresConnection(target, {
      retryMs: options.retryMs ?? 30_000,
      poolSize: options.poolSize ?? 10,
    });
    this.sql = statements(target.schema);
    this.hot = hotStatements(target.schema);
    this.log = { lock: lockKeys(target.schema, 'events'), channel: `chunkmill_${target.schema}` };
    this.looks = new PostgresLooks(this.conn, this.sql, this.log.channel);
    this.rules = new PostgresRepeatRules(this.conn, this.sql, (fn) => this.tx('durable', fn));
  }

  ready(): Promise<void> {
    return this.conn.ready();
  }

  onChange(listener: () => void): () => void {
    return this.looks.onChange(listener);
  }

  async add(job: NewJob): Promise<JobRecord> {
    const { rows } = await this.conn.statement<Row>('durable', this.hot.add, addValues(job, this.log));
    return jobFromRow(rows[0]!);
  }

  async get(id: string): Promise<JobRecord | null> {
    const { rows } = await this.conn.run<Row>(this.sql.job, [rowId(id)]);
    return rows[0] === undefined ? null : jobFromRow(rows[0]);
  }

  async list(query: ListQuery): Promise<JobPage> {
    const S = quoted(this.conn.target.schema);
    const { text, values } = listSql(
      query,
      `${S}.jobs`,
      `${S}.job_meta`,
      (n) => `$${n}`,
      (a, b) => `position(${b} in ${a}) > 0`,
    );
    const { rows } = await this.conn.run<Row>(text, values);
    const jobs = rows.slice(0, query.limit).map(jobFromRow);
    return { jobs, next: rows.length > query.limit ? jobs[jobs.length - 1]!.id : null };
  }

  bulk(action: BulkAction, state: JobState): Promise<BulkOutcome> {
    return this.tx('durable', (s) => s.bulk(action, state));
  }

  async paused(): Promise<boolean> {
    return (await this.conn.run<{ paused: boolean }>(this.sql.paused)).rows[0]!.paused;
  }

  setPaused(paused: boolean): Promise<void> {
    return this.tx('durable', async (s) => {
      await s.query(this.sql.setPaused, [paused]);
      s.notify('job'); // every engine's looks ask due() again: a resumed queue is claimed from at once
    });
  }

  cancel(id: string): Promise<CancelOutcome | null> {
    return this.tx('durable', async (s) => {
      const job = await s.jobById(rowId(id), true);
      if (job === null) return null;
      if (job.state === 'running') {
        await s.query(this.sql.requestCancel, [rowId(id)]);
        s.notify('cancel');
        return 'requested';
      }
      if (job.state !== 'queued') return 'finished';
      await s.settleJob(rowId(id), 'cancelled', CANCELLED_QUEUED, 'cancelled while queued');
      return 'cancelled';
    });
  }

  remove(id: string): Promise<boolean | 'running'> {
    return this.tx('durable', async (s) => {
      const job = await s.jobById(rowId(id), true);
      if (job === null) return false;
      if (job.state === 'running') return 'running';
      await s.deleteJobs([rowId(id)]);
      return true;
    });
  }

  async events(id: string, after: number, limit: number) {
    return (await this.conn.run<Event>(this.sql.events, [rowId(id), after, limit])).rows.map(eventFromRow);
  }

  async eventsAfter(after: number, limit: number) {
    return (await this.conn.run<Event>(this.sql.eventsAfter, [after, limit])).rows.map(eventFromRow);
  }

  async lastEventId(): Promise<number> {
    return (await this.conn.run<{ id: number }>(this.sql.lastEventId)).rows[0]!.id;
  }

  async counts(): Promise<Record<JobState, number>> {
    const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    for (const row of (await this.conn.run<{ state: JobState; n: number }>(this.sql.counts)).rows)
      counts[row.state] = row.n;
    return counts;
  }

  async resultRows(id: string, part: number): Promise<unknown[] | null> {
    const { rows } = await this.conn.run<{ rows: Buffer }>(this.sql.rowsPage, [rowId(id), part]);
    return rows[0] === undefined ? null : (unpack(rows[0].rows) as unknown[]);
  }

  addRepeatRule(rule: NewRepeatRule) {
    return this.rules.add(rule);
  }

  repeatRules() {
    return this.rules.all();
  }

  removeRepeatRule(id: string): Promise<boolean> {
    return this.rules.remove(id);
  }

  ping(): Promise<void> {
    return this.conn.once(this.sql.ping);
  }

  changed(): Promise<boolean> {
    return this.looks.changed();
  }

  due(now: number): Promise<boolean> {
    return this.looks.due(now);
  }

  async claim(owner: string, leaseMs: number, _now: number): Promise<Claim | null> {
    const lease = Math.max(1, Math.round(leaseMs));
    // Leases that expired (their engine died) first; looked for only once one may have.
    if (Date.now() >= this.looks.leaseExpiresAt) {
      const recovered = await this.tx('bookkeeping', (s) => s.recoverExpired(owner, lease));
      if (recovered !== null) return recovered;
    }
    const { rows } = await this.conn.statement<Row>('bookkeeping', this.hot.claim, [
      owner,
      lease,
      ...this.log.lock,
      this.log.channel,
    ]);
    this.looks.claimed(rows[0] !== undefined);
    return rows[0] === undefined ? null : { job: jobFromRow(rows[0]), recovered: false };
  }

  async renew(owner: string, ids: readonly string[], leaseMs: number, _now: number): Promise<string[]> {
    const lease = Math.max(1, Math.round(leaseMs));
    const { rows } = await this.conn.run<{ id: number }>(this.sql.renew, [owner, ids.map(rowId), lease]);
    return rows.map((r) => String(r.id));
  }

  cancelRequests(owner: string): Promise<string[]> {
    return this.looks.cancelRequests(owner);
  }

  async write(owner: string, writes: readonly JobWrite[]): Promise<void> {
    await this.conn.statement('bookkeeping', this.hot.write, writeValues(owner, writes, this.log));
  }

  async writeRows(owner: string, jobId: string, part: number, rows: readonly unknown[]): Promise<void> {
    const page = pack(rows);
    if (this.pages.hold(owner, jobId, part, page)) return; // written by the finish (postgres-pages.ts)
    for (const [p, held] of [...this.pages.take(owner, jobId), [part, page] as const]) // in order
      await this.conn.run(this.sql.putRows, [rowId(jobId), owner, p, held]);
  }

  async finish(owner: string, jobId: string, outcome: Outcome): Promise<boolean> {
    const held = (pages: number) => this.pages.take(owner, jobId).filter(([part]) => part < pages);
    const values = finishValues(owner, jobId, outcome, this.log, held);
    const { rows } = await this.conn.statement<{ ended: number }>('durable', this.hot.finish, values);
    return rows[0]!.ended > 0;
  }

  retryLater(owner: string, jobId: string, retryAt: number, change: StateChange): Promise<boolean> {
    this.pages.take(owner, jobId);
    return this.tx('bookkeeping', async (s) => {
      const id = rowId(jobId);
      const delay = Math.max(0, Math.round(retryAt - Date.now())); // counted on the database's clock
      if (((await s.query(this.sql.retryLater, [id, owner, delay])).rowCount ?? 0) === 0) return false;
      s.event(id, { type: 'state', data: change });
      s.notify('job');
      return true;
    });
  }

  async takeOwedEnds(limit: number): Promise<JobRecord[]> {
    return (await this.conn.run<Row>(this.sql.takeOwedEnds, [limit])).rows.map(jobFromRow);
  }

  handBack(owner: string, jobId: string, reason: string): Promise<boolean> {
    this.pages.take(owner, jobId);
    return this.tx('bookkeeping', async (s) => {
      const id = rowId(jobId);
      if (((await s.query(this.sql.handBack, [id, owner])).rowCount ?? 0) === 0) return false;
      s.event(id, { type: 'state', data: { state: 'queued', reason } });
      s.notify('job');
      return true;
    });
  }

  async dueRepeatRules(now: number) {
    return now < this.looks.ruleDueAt ? [] : this.rules.due(now); // none due when due() last looked
  }

  fireRepeatRule(id: string, expected: number, nextRunAt: number | null, _now: number): Promise<JobRecord | null> {
    return this.rules.fire(id, expected, nextRunAt);
  }

  purge(before: number): Promise<string[]> {
    const age = Math.max(0, Date.now() - before); // an age, so the database's clock decides
    return this.tx('durable', async (s) => {
      const ids = (await s.query<{ id: number }>(this.sql.finishedBefore, [age])).rows.map((r) => r.id);
      await s.deleteJobs(ids);
      return ids.map(String);
    });
  }

  journal(owner: string, jobId: string): Journal {
    return new PostgresJournal(this.conn, this.sql, owner, jobId);
  }

  async close(): Promise<void> {
    await this.looks.close();
    await this.conn.close();
  }

  recordWebhook(jobId: string, delivery: WebhookDelivery): Promise<boolean> {
    return this.tx('bookkeeping', (s) => s.recordWebhook(rowId(jobId), delivery));
  }

  /** fn's steps in one transaction, their events and NOTIFY written last. */
  private tx<T>(durability: Durability, fn: (s: PgSteps) => Promise<T>): Promise<T> {
    return this.conn.tx(durability, async (client) => {
      const s = new PgSteps(client, this.sql, this.log);
      const result = await fn(s);
      await s.end();
      return result;
    });
  }
}
