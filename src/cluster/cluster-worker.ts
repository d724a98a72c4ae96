/**
 * `chunkmill worker`: a long-lived process that takes chunk work items from Redis (a BullMQ
 * Worker) and runs them on its own warm pool (a PiscinaExecutor: this process is a user of the
 * local executor like any job). Each item's reply goes to the list its coordinator named
 * (item-handler.ts).
 *
 * Faults, and what covers them:
 *   - this process dies mid-chunk: its items keep their BullMQ lock only until lockDuration; the
 *     stalled-job check of any other worker (every lockDuration / 2) then puts them back in the
 *     queue, and another worker runs them. Recovery takes lockDuration to 2 x lockDuration
 *     (14.5-14.8 s measured with the default 10 s, bench/cluster.ts).
 *     The main thread never runs chunk code, so the lock is renewed on time however long a chunk.
 *   - a job is cancelled: its coordinator publishes its executor's run id; running chunks of that
 *     run stop at once (their threads are stopped and replaced), items not started yet are dropped.
 *   - SIGTERM (close()): no new items; running ones finish within `grace`, or are handed back to
 *     the queue for another worker.
 *   - Redis goes away: every connection reconnects by itself; nothing is lost but time.
 *   - chunks keep failing here by this worker's own fault (no shared mount, a missing module) and
 *     run on other workers: a coordinator takes it out of rotation (fleet.ts); its heartbeat
 *     reads that, and it takes no items until the quarantine ends (a 'warning' each way).
 */
import { EventEmitter } from 'node:events';
import { availableParallelism, hostname } from 'node:os';
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { IN_FLIGHT_PER_THREAD } from '../exec/executor.js';
import { PiscinaExecutor } from '../exec/piscina-executor.js';
import { ItemHandler, type WorkerChunkEvent, type WorkerItemEvent } from './item-handler.js';
import { CANCEL_CHANNEL, PREFIX, PROTOCOL, queueName, VERSION } from './names.js';
import type { WorkerInfo, WorkItem } from './protocol.js';
import { connectRedis, redactUrl } from './redis-connection.js';
import { Registration } from './registry.js';
import { bounded } from './bounded.js';

export interface ClusterWorkerOptions {
  /** The Redis of the cluster: redis://host:6379. */
  redis: string;
  /** Threads of this worker's pool. @default os.availableParallelism() */
  workers?: number;
  /** The only directory task and transform modules are loaded from. @default none: built-in work only */
  tasksDir?: string;
  /** How coordinators' messages name this worker. @default <hostname>-<pid> */
  name?: string;
  /**
   * Milliseconds an item stays locked to this worker without a renewal (renewed every half of
   * it): how soon another worker takes over the chunks of a worker that died. @default 10000
   */
  lockDuration?: number;
  /** Milliseconds Redis may take to answer at the start. @default 5000 */
  connectTimeout?: number;
}

export interface ClusterWorkerEvents {
  /** Each item this worker takes (it may wait for a thread). */
  item: [event: WorkerItemEvent];
  /** Each item this worker finished with, whatever the outcome. */
  chunk: [event: WorkerChunkEvent];
  /** Trouble it recovers from by itself: the connection to Redis lost (and found again), a quarantine. */
  warning: [message: string];
}

export class ClusterWorker extends EventEmitter<ClusterWorkerEvents> {
  /** The Redis it works for, as messages may show it (no password). */
  readonly redis: string;
  private closing: Promise<void> | null = null;
  private quarantined = false;

  private constructor(
    readonly info: WorkerInfo,
    url: string,
    private readonly connections: Redis[],
    private readonly executor: PiscinaExecutor,
    private readonly handler: ItemHandler,
    private readonly bull: Worker<WorkItem>,
    private readonly registration: Registration,
  ) {
    super();
    this.redis = redactUrl(url);
  }

  /** Connects (ERR_CLUSTER_UNREACHABLE within connectTimeout), registers, and starts taking items. */
  static async start(options: ClusterWorkerOptions): Promise<ClusterWorker> {
    const threads = options.workers ?? availableParallelism();
    const host = hostname();
    const info: WorkerInfo = {
      id: randomBytes(6).toString('hex'),
      name: options.name ?? `${host}-${process.pid}`,
      host,
      pid: process.pid,
      version: VERSION,
      protocol: PROTOCOL,
      threads,
      tasks: options.tasksDir !== undefined,
    };
    const connect = (role: string) =>
      connectRedis(options.redis, { timeout: options.connectTimeout ?? 5_000, name: `chunkmill-worker-${role}` });
    const connections: Redis[] = [];
    try {
      for (const role of ['commands', 'cancels', 'queue']) connections.push(await connect(role));
    } catch (e) {
      for (const c of connections) c.disconnect();
      throw e;
    }
    const [commands, cancels, queue] = connections as [Redis, Redis, Redis];
    const executor = new PiscinaExecutor({ threads, stopOnAbort: true });
    const tasksDir = options.tasksDir === undefined ? undefined : resolve(options.tasksDir);
    const handler = new ItemHandler(commands, executor, info, tasksDir);
    const lockDuration = options.lockDuration ?? 10_000;
    const bull = new Worker<WorkItem>(queueName(), (item, token) => handler.handle(item, token), {
      connection: queue,
      prefix: PREFIX,
      name: info.name,
      concurrency: threads * IN_FLIGHT_PER_THREAD,
      lockDuration,
      stalledInterval: Math.max(100, lockDuration >> 1),
      // A chunk whose worker died twice fails; its coordinator sees the item gone and retries it.
      maxStalledCount: 1,
      autorun: false,
    });
    // The worker exists once the registration does; its first beat (in start()) may find a quarantine.
    let worker: ClusterWorker | null = null;
    const registration = new Registration(commands, info, (ms, why) => worker?.quarantine(ms, why));
    worker = new ClusterWorker(info, options.redis, connections, executor, handler, bull, registration);
    handler.on('item', (e) => worker.emit('item', e));
    handler.on('chunk', (e) => worker.emit('chunk', e));
    bull.on('error', () => {}); // connection trouble is reported once, below
    worker.watchConnection(commands);
    await cancels.subscribe(CANCEL_CHANNEL);
    cancels.on('message', (_channel: string, runId: string) => handler.cancel(runId));
    await registration.start();
    void bull.run().catch(() => {});
    return worker;
  }

  /**
   * Stops taking items; running ones may finish for `graceMs`, then go back to the queue for
   * another worker. Resolves once nothing of this worker is left running.
   */
  close(graceMs = 30_000): Promise<void> {
    this.closing ??= (async () => {
      // Unregistered first: coordinators stop counting these threads.
      await bounded(this.registration.stop(), 2_000);
      // pause(), not close(): it stops fetching and resolves once every item taken is finished in
      // Redis. BullMQ 6.7's close() skips marking items done once it has begun, so an item answered
      // during a close would stay locked here, then stall and run again elsewhere. Paused already
      // (a quarantine, without waiting), it would not wait: resumed first, whatever it takes in
      // between is passed on (the handler's quarantine flag stays up).
      if (this.quarantined) await this.bull.resume();
      const drained = this.bull.pause();
      if (
        (await bounded(
          drained.then(() => true),
          graceMs,
        )) === undefined
      ) {
        this.handler.handBack();
        await bounded(drained, 10_000);
      }
      await bounded(this.bull.close(), 5_000);
      await this.executor.destroy();
      for (const c of this.connections) c.disconnect();
    })();
    return this.closing;
  }

  /** Hands the running items back now (a second SIGTERM during close). */
  handBack(): void {
    this.handler.handBack();
  }

  /** The heartbeat's news: out of rotation for `ms` more (0: in rotation), and why. */
  private quarantine(ms: number, why: string): void {
    const out = ms > 0;
    if (this.closing !== null || out === this.quarantined) return;
    this.quarantined = out;
    this.handler.quarantined = this.quarantined;
    if (this.quarantined) {
      void this.bull.pause(true).catch(() => {}); // running items finish; no new ones are taken
      this.emit('warning', `out of rotation for ${Math.ceil(ms / 1000)} s, by a coordinator: ${why}`);
    } else {
      void this.bull.resume().catch(() => {});
      this.emit('warning', 'back in rotation: taking chunks again');
    }
  }

  private watchConnection(redis: Redis): void {
    let down = false;
    redis.on('close', () => {
      if (down || this.closing !== null) return;
      down = true;
      this.emit('warning', `lost the connection to Redis at ${this.redis}; reconnecting`);
    });
    redis.on('ready', () => {
      if (!down) return;
      down = false;
      this.emit('warning', `connected to Redis at ${this.redis} again`);
    });
  }
}

export type { WorkerChunkEvent, WorkerItemEvent };
