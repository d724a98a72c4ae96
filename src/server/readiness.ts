/**
 * GET /api/ready: whether this server can do its work now, for a load balancer or an
 * orchestrator's readiness probe (GET /api/health only says the process answers). Each check is
 * real and bounded:
 *
 *   - store: a committed write that changes nothing, on the API's connection and the engine's
 *     (JobStore.ping): a corrupt, read-only, full or closed store fails it;
 *   - threadPool: an fs.stat of the data dir, through libuv's thread pool (which file reads,
 *     writes, uploads and DNS share), must finish within POOL_MS; while one is still pending the
 *     pool is taken as blocked, and no second one is queued behind it;
 *   - with a cluster: Redis is connected, and a worker of this chunkmill version is registered
 *     (without one, jobs stay queued);
 *   - the server is not stopping.
 * An API-only replica (no engine) checks its own store connection and thread pool only: the
 * engines and their cluster are other processes, each with its own readiness.
 *
 * A failed check is a reason: its check, a code and a message that names no server path and no
 * driver text (the server log has those).
 */
import { stat } from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import { ChunkmillError, type Engine, type Queue } from '../index.js';

/** How long the thread pool may take to stat a folder before it counts as blocked. */
const POOL_MS = 1_000;

export type ReadyCheck = 'stopping' | 'store' | 'threadPool' | 'redis' | 'workers';

export interface ReadyReason {
  check: ReadyCheck;
  code: string;
  message: string;
}

/** The body of GET /api/ready: 200 when `ready`, else 503 with the reasons. */
export interface Readiness {
  ready: boolean;
  reasons: ReadyReason[];
  checks: {
    store: 'ok' | 'failed';
    threadPool: 'ok' | 'blocked';
    /** With a cluster only. */
    redis?: 'up' | 'down';
    /** With a cluster only: live workers of this version, and of others (they take no part). */
    workers?: { compatible: number; other: number; threads: number };
  };
}

export class ReadinessCheck {
  private poolProbe: Promise<unknown> | null = null;

  constructor(
    private readonly queue: Queue,
    private readonly engine: Engine | null,
    private readonly dataDir: string,
    private readonly closing: () => boolean,
    private readonly log: FastifyBaseLogger,
  ) {}

  async check(): Promise<Readiness> {
    const reasons: ReadyReason[] = [];
    if (this.closing()) reasons.push({ check: 'stopping', code: 'ERR_UNAVAILABLE', message: 'The server is stopping' });
    const [store, pool] = await Promise.all([this.store(), this.pool()]);
    if (store !== null) reasons.push(store);
    if (!pool)
      reasons.push({
        check: 'threadPool',
        code: 'ERR_THREAD_POOL_BLOCKED',
        message: `The file-I/O thread pool did not stat the data dir within ${POOL_MS} ms: file operations are stuck`,
      });
    const checks: Readiness['checks'] = {
      store: store === null ? 'ok' : 'failed',
      threadPool: pool ? 'ok' : 'blocked',
    };
    const cluster = this.engine?.clusterStatus() ?? null;
    if (cluster !== null) {
      const compatible = cluster.workers.filter((w) => w.compatible).length;
      checks.redis = cluster.connected ? 'up' : 'down';
      checks.workers = { compatible, other: cluster.workers.length - compatible, threads: cluster.threads };
      if (!cluster.connected)
        reasons.push({
          check: 'redis',
          code: 'ERR_CLUSTER_CONNECTION',
          message: "The cluster's Redis is not reachable: no job can run",
        });
      else if (cluster.threads === 0)
        reasons.push({
          check: 'workers',
          code: 'ERR_CLUSTER_NO_WORKERS',
          message: 'No chunkmill worker of this version is registered: jobs stay queued',
        });
    }
    return { ready: reasons.length === 0, reasons, checks };
  }

  private async store(): Promise<ReadyReason | null> {
    try {
      await this.queue.store.ping();
      await this.engine?.store.ping();
      return null;
    } catch (e) {
      this.log.warn({ err: e }, 'readiness: the job store failed');
      const code = e instanceof ChunkmillError ? e.code : 'ERR_STORE';
      return { check: 'store', code, message: `The job store cannot be written (${code})` };
    }
  }

  /** True when a stat went through the pool within POOL_MS. */
  private async pool(): Promise<boolean> {
    if (this.poolProbe !== null) return false; // the last one is still stuck in the pool
    const probe = stat(this.dataDir).catch(() => undefined);
    this.poolProbe = probe;
    void probe.then(() => (this.poolProbe = null));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(resolve, POOL_MS, false)));
    const done = await Promise.race([probe.then(() => true), late]);
    clearTimeout(timer);
    return done;
  }
}
