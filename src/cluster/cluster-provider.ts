/**
 * The coordinator's side of a cluster: an ExecutorProvider whose executors send chunk requests to
 * `chunkmill worker` processes as work items (BullMQ jobs) and take their replies from a list of
 * its own. One provider holds the connections (a command connection and a blocking one for the
 * replies), so a long-lived owner (an engine) connects once and runs many jobs through it;
 * processDataset makes one per job.
 *
 * Every TICK_MS it checks what can go wrong outside the replies:
 *   - the connection: lost for longer than reconnectTimeout, the chunks waiting on it fail with
 *     ERR_CLUSTER_CONNECTION (never a hang);
 *   - the workers: none of this version in rotation for longer than workerTimeout,
 *     ERR_CLUSTER_NO_WORKERS; an item whose chunk must avoid every worker left (it failed on
 *     each by their own fault), the chunk's own failure (cluster-executor.ts);
 *   - each item: gone from Redis (or finished) without a reply on two checks in a row, a restarted
 *     Redis or a worker lost twice took it: ERR_CLUSTER_ITEM_LOST, which the retry policy reruns.
 * A worker that dies mid-chunk needs none of this: BullMQ's stalled-job check gives its item to
 * another worker once its lock expires (cluster-worker.ts). While the connection is down, and
 * until the workers are read again after it, threads() says 0: an engine claims no job then.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ResolvedClusterOptions } from '../api/cluster-options.js';
import { AbortError, type ChunkmillError, fromData } from '../errors.js';
import type { ChunkPolicy, Executor, ExecutorProvider } from '../exec/executor.js';
import {
  type Answer,
  ClusterExecutor,
  type ClusterTransport,
  type ItemEntry,
  NoOtherWorker,
} from './cluster-executor.js';
import { EVENTS_KEPT, itemKey, PREFIX, queueName, repliesKey } from './names.js';
import { Fleet } from './fleet.js';
import type { LiveWorker, ReplyMessage, WorkItem } from './protocol.js';
import { connectRedis, redactUrl } from './redis-connection.js';
import type { ClusterStatus } from './registry.js';
import { ReplyReader } from './reply-reader.js';
import {
  connectionFailed,
  connectionLost,
  itemLost,
  noWorkers,
  silentAfterConnect,
  tooOldRedis,
} from './cluster-errors.js';
import { bounded, CLEANUP_MS } from './bounded.js';
import { cancelRun, waitGone } from './run-cancel.js';

/** Half a second: a lost connection or a vanished item is noticed within about this. */
const TICK_MS = 500;

interface Pending extends ItemEntry {
  resolve(answer: Answer): void;
  reject(error: unknown): void;
  /** performance.now() once its item is in Redis; -1 while it is being added. */
  since: number;
  /** Checks in a row that found its item gone, or finished, with no reply come. */
  missing: number;
  /** The workers its chunk must avoid (its item's `avoid`). */
  avoid: readonly string[];
}

export class ClusterExecutorProvider implements ExecutorProvider, ClusterTransport {
  /** Names this provider's replies list: unique per coordinator process and provider. */
  readonly id = randomBytes(6).toString('hex');
  private readonly pending = new Map<string, Pending>();
  private readonly queue: Queue;
  private readonly reader: ReplyReader;
  private readonly timer: NodeJS.Timeout;
  private readonly fleet: Fleet;
  /** The workers were read since the connection was last (re)made. */
  private fresh = true;
  private lostSince: number | null = null;
  private noWorkersSince: number | null = null;
  private ticking = false;

  private constructor(
    readonly options: ResolvedClusterOptions,
    private readonly redis: Redis,
    blocking: Redis,
  ) {
    this.queue = new Queue(queueName(), {
      connection: redis,
      prefix: PREFIX,
      streams: { events: { maxLen: EVENTS_KEPT } },
    });
    this.queue.on('error', () => {}); // connection trouble is the tick's to judge
    this.reader = new ReplyReader(
      blocking,
      repliesKey(this.id),
      (m) => this.onMessage(m),
      (e) => this.failAll(() => e),
    );
    this.fleet = new Fleet(redis);
    // When the link dropped, to the moment: the bound on a lost connection counts from there.
    redis.on('close', () => {
      this.lostSince ??= performance.now();
      this.fresh = false; // who is there is for the next read to say
    });
    redis.on('ready', () => (this.lostSince = null));
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  /** Connects (ERR_CLUSTER_UNREACHABLE within connectTimeout) and reads who is there. */
  static async connect(options: ResolvedClusterOptions, signal?: AbortSignal): Promise<ClusterExecutorProvider> {
    const connect = (name: string) =>
      connectRedis(options.redis, { timeout: options.connectTimeout, name: `chunkmill-${name}`, signal });
    const redis = await connect('coordinator');
    let blocking: Redis;
    try {
      blocking = await connect('coordinator-replies');
    } catch (e) {
      redis.disconnect();
      throw e;
    }
    const version = await bounded(redis.info('server'), options.connectTimeout);
    const tooOld = version !== undefined && tooOldRedis(options.redis, version);
    if (tooOld) {
      redis.disconnect();
      blocking.disconnect();
      throw tooOld;
    }
    const provider = new ClusterExecutorProvider(options, redis, blocking);
    const read = version === undefined ? undefined : await bounded(provider.fleet.read(), options.connectTimeout);
    if (read === undefined) {
      await provider.close();
      throw silentAfterConnect(options.redis);
    }
    return provider;
  }

  /** The threads of the workers of this version; waits up to workerTimeout for one (the tick reads them). */
  async ready(signal?: AbortSignal): Promise<number> {
    const until = performance.now() + this.options.workerTimeout;
    for (;;) {
      const threads = this.threads();
      if (threads > 0) return threads;
      const lost = this.connectionError();
      if (lost !== null) throw lost;
      if (performance.now() >= until) throw this.noWorkers();
      await new Promise((r) => setTimeout(r, 50));
      signal?.throwIfAborted();
    }
  }

  /** Threads of the live workers of this version in rotation, as last read; 0 while Redis is down. */
  threads(): number {
    return this.redis.status === 'ready' && this.fresh ? this.fleet.threads() : 0;
  }

  /** Threads of the workers of this version in rotation but those in `avoid`, as last read. */
  othersThan(avoid: readonly string[]): number {
    return this.fleet.threads(avoid);
  }

  /** Live workers of another version: they take no part (their queue is another). */
  strangers(): LiveWorker[] {
    return this.fleet.strangers();
  }

  /** Counts strikes against workers a chunk failed on by their own fault; tells the job of each taken out. */
  async strike(workers: readonly string[], last: string, policy: ChunkPolicy): Promise<void> {
    if (this.redis.status === 'ready') await bounded(this.fleet.strike(workers, last, policy), CLEANUP_MS);
  }

  /** What readiness and /metrics tell of the cluster (the server's). */
  status(): ClusterStatus {
    const { redis, options, pending } = this;
    return this.fleet.status(redactUrl(options.redis), redis.status === 'ready', this.threads(), pending.size);
  }

  acquire(threads: number): Executor {
    return new ClusterExecutor(this, Math.max(1, Math.min(threads, this.threads())));
  }

  release(executor: Executor): Promise<void> {
    return (executor as ClusterExecutor).close();
  }

  /** Ends the provider: chunks still waiting are abandoned, connections closed. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.failAll(() => new AbortError());
    // Closing politely takes round trips: not with a connection that is down.
    const up = this.redis.status === 'ready';
    if (up) await bounded(this.queue.close(), CLEANUP_MS);
    await this.reader.stop();
    if (up) await bounded(this.redis.quit(), CLEANUP_MS);
    this.redis.disconnect();
  }

  /** Adds an item; resolves with a worker's answer, rejects when none will come (loss, cancel). */
  run(id: string, name: string, item: WorkItem, entry: ItemEntry): Promise<Answer> {
    const lost = this.connectionError();
    if (lost !== null) return Promise.reject(lost);
    return new Promise<Answer>((resolve, reject) => {
      const p: Pending = { ...entry, resolve, reject, since: -1, missing: 0, avoid: item.avoid };
      this.pending.set(id, p);
      this.queue.add(name, item, { jobId: id, removeOnComplete: true, removeOnFail: true, attempts: 1 }).then(
        () => (p.since = performance.now()),
        (e: unknown) =>
          this.settle(id, p, { error: this.connectionError() ?? connectionFailed(this.options.redis, e) }),
      );
    });
  }

  /** Tells the workers to drop run `runId`'s items and stop its running chunks; removes those still waiting. */
  async cancel(runId: string, ids: readonly string[]): Promise<void> {
    if (this.connectionError() === null) await cancelRun(this.redis, this.queue, runId, ids);
  }

  /** Until none of a cancelled run's items is left in Redis (bounded); then its cancel mark goes. */
  waitGone(runId: string, ids: readonly string[]): Promise<void> {
    return waitGone(this.redis, runId, ids, () => this.connectionError() === null);
  }

  /** Stops waiting for an executor's replies (its job ended); its items may still be in Redis. */
  forget(executor: ClusterExecutor, error: () => unknown): void {
    for (const [id, p] of this.pending) if (p.executor === executor) this.drop(id, p, error());
  }

  /** The error for work while the connection is down for too long, else null. */
  connectionError(): ChunkmillError | null {
    if (this.lostSince === null || performance.now() - this.lostSince <= this.options.reconnectTimeout) return null;
    return connectionLost(this.options.redis, this.options.reconnectTimeout);
  }

  private onMessage(m: ReplyMessage): void {
    const p = this.pending.get(m.id);
    if (p === undefined) return; // settled already: a rerun's duplicate, or a chunk of a cancelled job
    if (m.t === 'log') p.control?.log(m.chunkIndex, m.message);
    else if (m.t === 'progress') p.control?.progress(m.chunkIndex, m.value);
    else if (m.t === 'rerun')
      p.policy.onWarning({
        code: 'WARN_CHUNK_RETRY',
        message: `Chunk ${p.chunkIndex}'s worker stopped answering (its lock expired); it runs again on worker ${m.worker}`,
      });
    else {
      const answer: Answer =
        m.t === 'reply' ? { worker: m.worker, reply: m.reply } : { worker: m.worker, error: fromData(m.error) };
      this.settle(m.id, p, { answer });
    }
  }

  /** The item's end: its reply or failure came (its worker finishes it), or it is gone. */
  private settle(id: string, p: Pending, outcome: { answer: Answer } | { error: unknown }): void {
    if (this.pending.get(id) !== p) return;
    this.pending.delete(id);
    p.executor.finished(id);
    if ('answer' in outcome) p.resolve(outcome.answer);
    else p.reject(outcome.error);
  }

  private noWorkers(): ChunkmillError {
    return noWorkers(this.options, this.strangers(), this.fleet.quarantined());
  }

  /** Stops waiting for an item that may still be in Redis (its executor cancels it at its close). */
  private drop(id: string, p: Pending, error: unknown): void {
    this.pending.delete(id);
    p.reject(error);
  }

  private failAll(error: () => unknown): void {
    for (const [id, p] of this.pending) this.drop(id, p, error());
  }

  private tick(): void {
    // Judged here, outside the awaits below: a command sent on a dropped connection waits for it.
    if (this.redis.status !== 'ready') {
      this.lostSince ??= performance.now();
      const lost = this.connectionError();
      if (lost !== null) this.failAll(() => lost);
      return;
    }
    if (this.ticking) return;
    this.ticking = true;
    this.check()
      .catch(() => {}) // a failed check is retried on the next tick
      .finally(() => (this.ticking = false));
  }

  private async check(): Promise<void> {
    await this.fleet.read();
    this.fresh = true;
    const now = performance.now();
    if (this.pending.size > 0 && this.threads() === 0) {
      this.noWorkersSince ??= now;
      if (now - this.noWorkersSince > this.options.workerTimeout) {
        const error = this.noWorkers();
        this.failAll(() => error);
      }
    } else this.noWorkersSince = null;
    this.checkStranded();
    const due = [...this.pending].filter(([, p]) => p.since >= 0 && now - p.since >= TICK_MS);
    if (due.length === 0) return;
    const pipe = this.redis.pipeline();
    for (const [id] of due) pipe.hmget(itemKey(id), 'timestamp', 'finishedOn');
    const found = (await pipe.exec()) ?? [];
    due.forEach(([id, p], i) => {
      const [error, fields] = found[i] ?? [null, null];
      if (error !== null || fields === null) return;
      const [timestamp, finishedOn] = fields as (string | null)[];
      if (timestamp !== null && finishedOn === null) {
        p.missing = 0; // waiting or running
        return;
      }
      // Gone: its reply was pushed before it finished, so give the reader one more tick to pop it.
      if (++p.missing < 2) return;
      if (finishedOn !== null) void this.queue.remove(id).catch(() => 0);
      this.settle(id, p, { error: itemLost(p.chunkIndex) });
    });
  }

  /**
   * Items whose chunk must avoid every worker in rotation: they would go from worker to worker for
   * good. Their executor fails the chunk with its own failure; the item stays its executor's to
   * cancel at the run's end.
   */
  private checkStranded(): void {
    if (this.threads() === 0) return; // none at all: the check above
    for (const [id, p] of this.pending)
      if (p.avoid.length > 0 && this.fleet.threads(p.avoid) === 0) this.drop(id, p, new NoOtherWorker());
  }
}
