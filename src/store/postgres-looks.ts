/**
 * The looks an engine and a queue's watchers take many times a second (changed, due,
 * cancelRequests), answered from what the store's listener was told (postgres-listener.ts)
 * instead of a query each: a look queries only after a notification of the kind it cares about,
 * once something comes due by time (a delay ends, a lease expires, a repeat rule's slot comes),
 * or after SAFETY_MS (a net under a listener that died silently). While the listener is down,
 * every look queries: the store is polled, as SQLite is.
 *
 * An idle engine on PostgreSQL therefore costs the database nothing between notifications, and a
 * job added on another host is claimed as soon as its NOTIFY arrives.
 */
import type { PostgresConnection } from './postgres-connection.js';
import { PostgresListener } from './postgres-listener.js';
import type { Sql } from './postgres-sql.js';
import { notifyAdded } from './wake.js';

/** The longest a look is answered without a query while the listener is up. */
const SAFETY_MS = 5_000;

interface DueRow {
  now: number;
  paused: boolean;
  next_job: number | null;
  next_lease: number | null;
  next_rule: number | null;
}

export class PostgresLooks {
  private readonly listener: PostgresListener;
  private readonly wakes = new Set<() => void>();
  // Whether something each kind of look cares about may have changed since it last queried.
  private changedSince = true;
  private dueSince = true;
  /**
   * A claim may find a queued job: a notification said one was added, or due() saw one due. It
   * holds until a claim finds none (claimed()), so an engine working through a queue claims
   * job after job without asking due() the database each time.
   */
  private claimable = false;
  private cancelSince = true;
  private nextChangedLook = 0;
  private nextDueLook = 0;
  private nextCancelLook = 0;
  /** When (on this host's clock) the earliest lease expires, as the last due() saw it. */
  leaseExpiresAt = 0;
  /** When (on the engine's clock) the next repeat rule comes due, as the last due() saw it. */
  ruleDueAt = 0;

  constructor(
    private readonly conn: PostgresConnection,
    private readonly sql: Sql,
    channel: string,
  ) {
    this.listener = new PostgresListener(conn.target, channel, {
      notified: (payload) => this.notified(payload.split(',')),
      reconnected: () => this.notified(['rule', 'cancel', 'event']),
    });
  }

  onChange(wake: () => void): () => void {
    this.listen();
    this.wakes.add(wake);
    return () => this.wakes.delete(wake);
  }

  async changed(): Promise<boolean> {
    await this.conn.ready();
    this.listen();
    const now = Date.now();
    if (this.listener.up && !this.changedSince && now < this.nextChangedLook) return false;
    this.changedSince = false;
    this.nextChangedLook = now + SAFETY_MS;
    return true;
  }

  /** `now`: the engine's clock, on which repeat rules' slots are read; jobs and leases use the database's. */
  async due(now: number): Promise<boolean> {
    this.listen();
    const local = Date.now();
    if (this.listener.up && !this.dueSince && local < this.nextDueLook) return false;
    if (this.listener.up && this.claimable) return true; // the claim looks (and says when none is left)
    this.dueSince = false; // a notification during the query below makes the next look query again
    const r = (await this.conn.run<DueRow & Record<string, unknown>>(this.sql.due)).rows[0]!;
    const offset = r.now - local; // the database's clock less this host's
    this.leaseExpiresAt = r.next_lease === null ? Number.POSITIVE_INFINITY : r.next_lease - offset;
    this.ruleDueAt = r.next_rule ?? Number.POSITIVE_INFINITY;
    // A paused queue has no job or lease to claim (its resume notifies); repeat rules still fire.
    const nextJob = r.paused ? null : r.next_job;
    const nextLease = r.paused ? null : r.next_lease;
    const due =
      (nextJob !== null && nextJob <= r.now) ||
      (nextLease !== null && nextLease < r.now) ||
      (r.next_rule !== null && r.next_rule <= now);
    // Without a notification, look again when the next of them comes due, or after SAFETY_MS.
    const times = [local + SAFETY_MS];
    if (nextLease !== null) times.push(this.leaseExpiresAt + 1);
    if (nextJob !== null) times.push(nextJob - offset);
    if (r.next_rule !== null) times.push(r.next_rule - (now - local));
    this.nextDueLook = due ? 0 : Math.min(...times); // "due" is never kept: the next look asks again
    this.claimable = nextJob !== null && nextJob <= r.now;
    return due;
  }

  /** A claim found a queued job (true) or none (false). */
  claimed(found: boolean): void {
    if (!found) this.claimable = false;
  }

  async cancelRequests(owner: string): Promise<string[]> {
    this.listen();
    const local = Date.now();
    if (this.listener.up && !this.cancelSince && local < this.nextCancelLook) return [];
    this.cancelSince = false;
    this.nextCancelLook = local + SAFETY_MS;
    return (await this.conn.run<{ id: number }>(this.sql.cancelRequests, [owner])).rows.map((r) => String(r.id));
  }

  close(): Promise<void> {
    this.wakes.clear();
    return this.listener.close();
  }

  /** Starts the listener once the store is open (a store that failed to open never listens). */
  private listen(): void {
    this.conn.ready().then(
      () => this.listener.start(),
      () => {},
    );
  }

  private notified(kinds: string[]): void {
    this.changedSince = true;
    if (kinds.includes('cancel')) this.cancelSince = true;
    if (kinds.includes('job') || kinds.includes('rule')) {
      this.dueSince = true;
      if (kinds.includes('job')) this.claimable = true;
      if (kinds.includes('rule')) this.ruleDueAt = 0;
      notifyAdded(this.conn.target.location); // this process's engines on the store look at once
    }
    for (const wake of this.wakes) wake();
  }
}
