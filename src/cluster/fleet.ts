/**
 * A coordinator's view of the workers, as its provider last read them (registry.ts): which take
 * its items (this version, in rotation), with how many threads, and which are strangers (another
 * version) or out of rotation.
 *
 * Quarantine: a chunk that failed on a worker by that worker's own fault (a file it cannot read, a
 * task module it lacks) and then ran on another is a strike against the first. STRIKES of them
 * within STRIKE_WINDOW_MS take the worker out of rotation for QUARANTINE_MS: a key in Redis that
 * every coordinator reads with the registrations (they count none of its threads) and the worker
 * reads at its heartbeat (it stops taking items). Strikes count only chunks that then ran
 * elsewhere, so a file that changed for every worker takes none of them out.
 */
import type { Redis } from 'ioredis';
import type { ChunkPolicy } from '../exec/executor.js';
import { QUARANTINE_MS, quarantineKey, STRIKE_WINDOW_MS, STRIKES, strikesKey } from './names.js';
import type { LiveWorker } from './protocol.js';
import { type ClusterStatus, compatible, listWorkers } from './registry.js';

export class Fleet {
  private list: LiveWorker[] = [];

  constructor(private readonly redis: Redis) {}

  /** Reads who is there now (rejects when Redis does not answer). */
  async read(): Promise<LiveWorker[]> {
    this.list = await listWorkers(this.redis);
    return this.list;
  }

  /** The cluster as readiness and /metrics tell it: every live worker as last read, every version. */
  status(redis: string, connected: boolean, threads: number, itemsInFlight: number): ClusterStatus {
    const workers = this.list.map((w) => ({ ...w, compatible: compatible(w) }));
    return { redis, connected, workers, threads, itemsInFlight };
  }

  /** The connection dropped: who is there is unknown until the next read. */
  forget(): void {
    this.list = [];
  }

  /** Threads of the workers that take this coordinator's items: its version, in rotation, none of `avoid`. */
  threads(avoid: readonly string[] = []): number {
    return this.list
      .filter((w) => compatible(w) && !w.quarantined && !avoid.includes(w.id))
      .reduce((n, w) => n + w.threads, 0);
  }

  /** Live workers of another version: they take no part (their queue is another). */
  strangers(): LiveWorker[] {
    return this.list.filter((w) => !compatible(w));
  }

  /** Workers of this version out of rotation. */
  quarantined(): LiveWorker[] {
    return this.list.filter((w) => compatible(w) && w.quarantined);
  }

  /** "b on node-7", for messages; a worker no longer registered by its id. */
  describe(id: string): string {
    const w = this.list.find((x) => x.id === id);
    return w === undefined ? `worker ${id}` : `worker ${w.name} on ${w.host}`;
  }

  /**
   * Counts a strike against each of `ids` (the workers a chunk failed on by their own fault before
   * it ran on another); `last`: the failure. A worker this call takes out of rotation is told to
   * the job (WARN_CLUSTER_QUARANTINE): SET NX, so of several coordinators only one does it.
   */
  async strike(ids: readonly string[], last: string, policy: Pick<ChunkPolicy, 'onWarning'>): Promise<void> {
    for (const id of new Set(ids)) {
      const key = strikesKey(id);
      const replies = await this.redis.multi().incr(key).pexpire(key, STRIKE_WINDOW_MS, 'NX').exec();
      const n = replies?.[0]?.[1];
      if (typeof n !== 'number' || n < STRIKES) continue;
      const reason = `${n} chunks failed there by its own fault and then ran on other workers within ${STRIKE_WINDOW_MS / 1000} s (the last: ${last})`;
      if ((await this.redis.set(quarantineKey(id), reason, 'PX', QUARANTINE_MS, 'NX')) !== 'OK') continue;
      await this.redis.del(key);
      policy.onWarning({
        code: 'WARN_CLUSTER_QUARANTINE',
        message: `${this.describe(id)} is out of rotation for ${QUARANTINE_MS / 1000} s: ${reason}`,
      });
      for (const w of this.list) if (w.id === id) w.quarantined = true; // before the next read
    }
  }
}
