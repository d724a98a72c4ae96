/**
 * Wake-ups across hosts: one connection per store that LISTENs on the store's channel. Every
 * transaction that changes what an engine or a watcher waits for sends a NOTIFY with what it did
 * (postgres-job-steps.ts: `job` a job queued, `event` events written, `cancel` a cancel asked for,
 * `rule` a repeat rule added); PostgreSQL delivers it when the transaction commits, to every
 * listener on every host, so a job added on host A starts at once on host B's engine, and a
 * stream on server B follows what engine A writes.
 *
 * The connection is started on first need (a one-shot CLI command never opens it), reconnects
 * with backoff when it breaks, and is pinged every 10 s so that a silently dead one (a network
 * partition: no FIN, no RST) is found and replaced. While it is down the store polls: `up` is
 * false, and every look goes to the database (postgres-store.ts). When it comes back, `reconnected`
 * runs: what was sent meanwhile is lost, so everyone looks once.
 */
import type { Client } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectTimeoutMs, type PostgresTarget } from './postgres-url.js';

export interface ListenerHandlers {
  /** A NOTIFY: its payload, the kinds of change it tells, comma-separated. */
  notified(payload: string): void;
  /** The connection is (again) listening: anything may have changed meanwhile. */
  reconnected(): void;
}

const PING_MS = 10_000;
const PING_TIMEOUT_MS = 5_000;

export class PostgresListener {
  private client: Client | null = null;
  private listening = false;
  private started = false;
  private closed = false;
  private ping: NodeJS.Timeout | null = null;
  /** Ends the wait on the current connection (it broke, or stopped answering). */
  private drop: () => void = () => {};
  private readonly stopped = new AbortController();

  constructor(
    private readonly target: PostgresTarget,
    readonly channel: string,
    private readonly handlers: ListenerHandlers,
  ) {}

  /** Whether notifications arrive now; false before the first connection and while it is lost. */
  get up(): boolean {
    return this.listening;
  }

  /** Starts listening (once), in the background. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.loop();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopped.abort();
    this.listening = false;
    if (this.ping !== null) clearInterval(this.ping);
    this.drop();
    await this.client?.end().catch(() => {});
  }

  private async loop(): Promise<void> {
    for (let delay = 250; !this.closed; delay = Math.min(delay * 2, 5_000)) {
      const lost = await this.connect();
      if (lost === null) {
        await this.pause(delay);
        continue;
      }
      delay = 125; // it was up: try again soon after it breaks
      await lost;
      this.listening = false;
      if (this.ping !== null) clearInterval(this.ping);
      await this.pause(delay);
    }
  }

  /** A wait between tries that neither holds the process up nor outlives close(). */
  private pause(ms: number): Promise<void> {
    return sleep(ms, undefined, { ref: false, signal: this.stopped.signal }).catch(() => {});
  }

  /** Connects and LISTENs; resolves to a promise of the connection's end, or null when it failed. */
  private async connect(): Promise<Promise<void> | null> {
    const { default: pg } = await import('pg');
    const client = new pg.Client({
      connectionString: this.target.connectionString,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: connectTimeoutMs(),
      application_name: 'chunkmill listener',
    });
    const lost = new Promise<void>((resolve) => {
      this.drop = resolve;
      client.on('error', () => resolve());
      client.on('end', () => resolve());
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch {
      await client.end().catch(() => {});
      return null;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return null;
    }
    // The socket alone must not keep a process alive: whoever waits keeps it up (timers, servers).
    (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
    client.on('notification', (n) => this.handlers.notified(n.payload ?? ''));
    this.client = client;
    this.listening = true;
    this.ping = setInterval(() => void this.check(client), PING_MS);
    this.ping.unref();
    this.handlers.reconnected();
    return lost;
  }

  /** A query that does not answer in time means a dead connection: end it, and the loop reconnects. */
  private async check(client: Client): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('ping timed out')), PING_TIMEOUT_MS);
      timer.unref();
    });
    try {
      await Promise.race([client.query('SELECT 1'), timeout]);
    } catch {
      this.listening = false;
      this.drop();
      void client.end().catch(() => {});
    } finally {
      clearTimeout(timer);
    }
  }
}
