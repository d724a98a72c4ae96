/**
 * Who is there: each worker keeps a registration in Redis (its WorkerInfo, expiring unless its
 * heartbeat renews it); a coordinator reads them to size its job (the threads of the workers of
 * its own version in rotation) and to name the workers of another version. Expiry is Redis's
 * (PX), so the machines' clocks do not matter. The same heartbeat reads whether a coordinator
 * took the worker out of rotation (quarantine.ts), and for how long.
 */
import type { Redis } from 'ioredis';
import { HEARTBEAT_MS, PROTOCOL, quarantineKey, VERSION, WORKER_TTL_MS, WORKERS_KEY, workerKey } from './names.js';
import type { LiveWorker, WorkerInfo } from './protocol.js';

/** Told at each heartbeat: ms > 0 while the worker is out of rotation, with why. */
export type OnQuarantine = (ms: number, reason: string) => void;

/** What a coordinator sees of its cluster now (a server's readiness check and metrics). */
export interface ClusterStatus {
  /** The Redis URL, its password hidden. */
  redis: string;
  /** Whether the connection to Redis is up. */
  connected: boolean;
  /** The live workers, every version, as last read (each tick while connected); `compatible`: runs this coordinator's items. */
  workers: (WorkerInfo & { compatible: boolean })[];
  /** Threads of the live workers of this version: 0 holds the queue. */
  threads: number;
  /** Items sent and not answered yet. */
  itemsInFlight: number;
}

/** A worker's side: registered from start() until stop(). */
export class Registration {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: Redis,
    readonly info: WorkerInfo,
    private readonly onQuarantine: OnQuarantine = () => {},
  ) {}

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      // Not while the connection is down: beats would pile up in the offline queue.
      if (this.redis.status === 'ready') this.beat().catch(() => {});
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.redis.multi().srem(WORKERS_KEY, this.info.id).del(workerKey(this.info.id)).exec();
  }

  private async beat(): Promise<void> {
    const out = quarantineKey(this.info.id);
    const replies = await this.redis
      .multi()
      .sadd(WORKERS_KEY, this.info.id)
      .set(workerKey(this.info.id), JSON.stringify(this.info), 'PX', WORKER_TTL_MS)
      .get(out)
      .pttl(out)
      .exec();
    const reason = replies?.[2]?.[1];
    const ms = replies?.[3]?.[1];
    this.onQuarantine(typeof ms === 'number' && ms > 0 ? ms : 0, typeof reason === 'string' ? reason : '');
  }
}

/** The live workers; ids whose registration expired are dropped from the set on the way. */
export async function listWorkers(redis: Redis): Promise<LiveWorker[]> {
  const ids = await redis.smembers(WORKERS_KEY);
  if (ids.length === 0) return [];
  // Registrations, then quarantine marks: one round trip.
  const values = await redis.mget([...ids.map(workerKey), ...ids.map(quarantineKey)]);
  const dead = ids.filter((_, i) => values[i] === null);
  if (dead.length > 0) await redis.srem(WORKERS_KEY, ...dead);
  const live: LiveWorker[] = [];
  ids.forEach((_, i) => {
    const info = values[i];
    if (info !== null && info !== undefined)
      live.push({ ...(JSON.parse(info) as WorkerInfo), quarantined: values[ids.length + i] !== null });
  });
  return live;
}

/** Runs the items of this coordinator: same version (hence the same queue) and protocol. */
export function compatible(info: WorkerInfo): boolean {
  return info.version === VERSION && info.protocol === PROTOCOL;
}

/** "a (0.2.0), b (0.2.0)": workers named with their version, for messages. */
export function describeWorkers(list: readonly WorkerInfo[], max = 5): string {
  const shown = list.slice(0, max).map((w) => `${w.name} on ${w.host} (chunkmill ${w.version})`);
  return shown.join(', ') + (list.length > max ? ` and ${list.length - max} more` : '');
}
