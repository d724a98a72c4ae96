/**
 * The PostgreSQL store's pool of connections (pg, loaded on first use: a SQLite user never pays
 * for it), and the two ways every store method reaches the database:
 *
 * - `run`: one statement: a read, or a write that may be repeated (it changes nothing the
 *   second time: a renewal, an upsert, an insert that skips what is there);
 * - `tx`: a transaction. It learns its transaction id first, so that when the connection breaks
 *   during COMMIT (the one moment its outcome is unknown) txid_status() tells whether it was
 *   committed; it is run again only if it was not. No call is applied twice.
 *
 * A failure that passes (the server restarts, fails over, a deadlock) is retried with backoff for
 * `retryMs`; only then does the call fail, with ERR_STORE_UNREACHABLE. The first connection is
 * not retried: a wrong host, password or database is a coded error at once (ready()).
 *
 * Durability: every transaction commits without waiting for the disk (synchronous_commit off,
 * per session), so the event lock it may hold (postgres-sql.ts) is held for well under a
 * millisecond, never for an fsync. A transaction that users are told about (a job added,
 * cancelled, removed, its outcome, a repeat rule fired) then waits for a flush before its call
 * resolves (flushes from many sessions share one fsync). An engine's bookkeeping (claims,
 * renewals, events and progress, journal appends, result pages, hand-backs) does not wait: the
 * next flush makes it durable with its own. A database crash can lose only the last bookkeeping,
 * which a rerun redoes (or a claim its engine then finds gone); a restart (a clean shutdown) loses
 * nothing. What a crash takes may have been seen by a reader for those milliseconds: the event
 * ids jump after a restart so that none is reused (afterServerStart, postgres-schema.ts).
 */
import type { Pool, PoolClient, QueryResult } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { isConnectionError, isPassing, postgresError } from './postgres-errors.js';
import { afterServerStart, migrate } from './postgres-schema.js';
import { connectTimeoutMs, type PostgresTarget } from './postgres-url.js';

export interface ConnectionOptions {
  /** How long a call waits for a database that went away before ERR_STORE_UNREACHABLE. */
  retryMs: number;
  /** Connections in the pool. */
  poolSize: number;
}

/** What a transaction is: the user's (durable) or the engine's bookkeeping. */
export type Durability = 'durable' | 'bookkeeping';

export class PostgresConnection {
  private pool: Pool | null = null;
  /**
   * Waits until everything committed so far is on disk: a transaction that writes WAL (setval
   * always does) and commits as the server is configured to (DEFAULT: not our session's `off`).
   * Its commit record comes after the transaction it follows, so flushing it flushes that one too,
   * and flushes from many sessions share one fsync (group commit).
   */
  private readonly flush: string;
  private readonly prepared = new WeakSet<PoolClient>();
  private readonly opening: Promise<void>;
  private closed = false;

  constructor(
    readonly target: PostgresTarget,
    private readonly options: ConnectionOptions,
  ) {
    this.flush = `BEGIN; SET LOCAL synchronous_commit TO DEFAULT; SELECT setval('"${target.schema}".flush_seq', 1); COMMIT`;
    this.opening = this.open();
    this.opening.catch(() => {}); // the error is every call's: see ready()
  }

  /** Resolves once connected and migrated; rejects with the coded error every call would get. */
  ready(): Promise<void> {
    return this.opening;
  }

  run<R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<QueryResult<R>> {
    return this.retrying(async () => {
      const client = await this.acquire();
      try {
        const result = await client.query<R>(text, values);
        client.release();
        return result;
      } catch (e) {
        client.release(isConnectionError(e) ? (e as Error) : undefined);
        throw e;
      }
    });
  }

  /**
   * Statements tried once, not retried (a readiness check must answer now, not after retryMs):
   * resolves, or rejects with the coded error.
   */
  async once(text: string): Promise<void> {
    await this.opening;
    let client: PoolClient | undefined;
    try {
      client = await this.acquire();
      await client.query(text);
      client.release();
    } catch (e) {
      client?.release(e as Error);
      throw postgresError(e, this.target);
    }
  }

  /**
   * One statement that may be run again (see postgres-hot-sql.ts), committed on its own; a
   * durable one with its flush pipelined behind it: one round trip either way.
   */
  statement<R extends Record<string, unknown> = Record<string, unknown>>(
    durability: Durability,
    text: string,
    values: unknown[],
  ): Promise<QueryResult<R>> {
    if (durability === 'bookkeeping') return this.run<R>(text, values);
    return this.retrying(async () => {
      const client = await this.acquire();
      const [result, flushed] = await Promise.allSettled([client.query<R>(text, values), client.query(this.flush)]);
      const failure = [result, flushed].find((r) => r.status === 'rejected')?.reason as unknown;
      if (failure !== undefined && isConnectionError(failure)) {
        client.release(failure as Error);
        throw failure;
      }
      // A flush that failed otherwise (a role that may not write its sequence) leaves the commit to the WAL writer.
      if (flushed.status === 'rejected') await client.query('ROLLBACK').catch(() => {});
      client.release();
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    });
  }

  tx<T>(durability: Durability, fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.retrying(async () => {
      const client = await this.acquire();
      let txid: string | null = null;
      let committing = false;
      let result: T;
      try {
        const begun = (await client.query('BEGIN; SELECT txid_current()::text AS x')) as unknown as QueryResult[];
        txid = begun[1]!.rows[0]!.x as string;
        result = await fn(client);
        committing = true;
        await client.query('COMMIT');
        if (durability === 'durable')
          await client.query(this.flush).catch(async (e: unknown) => {
            if (isConnectionError(e)) throw e; // whether the commit survived is asked below
            // Committed, but the flush could not be written (a role that may not write the
            // sequence): the WAL writer flushes the commit within a fraction of a second anyway.
            await client.query('ROLLBACK');
          });
      } catch (e) {
        if (!isConnectionError(e)) {
          await client.query('ROLLBACK').catch(() => {});
          client.release();
          throw e;
        }
        client.release(e as Error);
        if (committing && txid !== null && (await this.committed(txid))) return result!;
        throw e;
      }
      client.release();
      return result;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.opening.catch(() => {});
    await this.pool?.end().catch(() => {});
  }

  private async open(): Promise<void> {
    const { default: pg } = await import('pg');
    const { connectionString } = this.target;
    const int8 = (value: string) => Number(value);
    this.pool = new pg.Pool({
      connectionString,
      max: this.options.poolSize,
      idleTimeoutMillis: 30_000,
      // Idle connections do not keep a process up: a script that forgot close() still ends.
      allowExitOnIdle: true,
      connectionTimeoutMillis: connectTimeoutMs(),
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: 'chunkmill',
      // Queries go out without waiting for the answer to the one before: a statement and its flush
      // are one round trip.
      pipeline: true,
      // bigint columns (ids, times) as numbers: they stay far below 2^53.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === 20 ? int8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    // A connection that breaks, idle or in use, is dropped by the pool; the next call makes another.
    this.pool.on('error', () => {});
    this.pool.on('connect', (client) => client.on('error', () => {}));
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      await this.pool.end().catch(() => {});
      throw postgresError(e, this.target);
    }
    try {
      await migrate(client, this.target);
      await this.prepare(client);
      client.release();
    } catch (e) {
      client.release(true);
      await this.pool.end().catch(() => {});
      throw postgresError(e, this.target);
    }
  }

  /** A pooled connection, set up on its first use. */
  private async acquire(): Promise<PoolClient> {
    if (this.closed || this.pool === null) throw new Error('Connection terminated: the store is closed');
    const client = await this.pool.connect();
    if (this.prepared.has(client)) return client;
    try {
      await this.prepare(client);
    } catch (e) {
      client.release(e as Error);
      throw e;
    }
    return client;
  }

  private async prepare(client: PoolClient): Promise<void> {
    await client.query('SET synchronous_commit TO off'); // durable calls then wait for a flush (tx)
    await afterServerStart(client, this.target);
    this.prepared.add(client);
  }

  /** Retries fn while its failure passes, for up to retryMs; then the coded error. */
  private async retrying<T>(fn: () => Promise<T>): Promise<T> {
    await this.opening;
    const deadline = Date.now() + this.options.retryMs;
    for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
      try {
        return await fn();
      } catch (e) {
        if (this.closed || !isPassing(e) || Date.now() + delay > deadline) throw postgresError(e, this.target);
        await sleep(delay);
      }
    }
  }

  /** Whether the transaction whose COMMIT was cut off was committed (asked on another connection). */
  private async committed(txid: string): Promise<boolean> {
    for (;;) {
      const { rows } = await this.run<{ s: string | null }>('SELECT txid_status($1::bigint) AS s', [txid]).catch(
        (e: { code?: string }) => {
          // "in the future": the server crashed before the transaction's id was made durable.
          if (e.code === 'ERR_STORE' && /future/.test(String((e as Error).message))) return { rows: [{ s: null }] };
          throw e;
        },
      );
      const status = rows[0]?.s ?? null;
      if (status !== 'in progress') return status === 'committed';
      await sleep(50); // its backend has not yet seen that the connection is gone
    }
  }
}
