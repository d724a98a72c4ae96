/**
 * The consumer side: a long-lived engine that claims jobs from a store and runs them on one warm
 * executor (a Piscina pool made at start, or one the caller gives) for its whole life, its jobs'
 * chunks shared fairly (exec/fair-share.ts); or, with `cluster`, on `chunkmill worker` processes
 * through Redis, over one connection kept for the engine's life (each job its own executor).
 *
 * One loop, every `pollInterval` ms (and at once when a queue in this process adds a job):
 *   - claim due jobs while fewer than `concurrency` run (recovered leases first, then priority,
 *     then age), and fire each repeat rule that came due (each firing queues a job);
 *   - stop runs whose cancel another process wrote;
 *   - every `leaseMs / 3`, renew the leases; a run whose lease was taken over is stopped;
 *   - every `writeInterval`, write the runs' gathered events and progress in one transaction;
 *   - every minute, with `retention`, remove jobs that finished longer ago.
 * An idle loop does two reads (SQLite's data_version and one indexed EXISTS): a few microseconds.
 */
import { EventEmitter } from 'node:events';
import { hostname, availableParallelism } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { ResourceLimits } from 'node:worker_threads';
import type { ClusterOptions } from '../api/cluster-options.js';
import type { ClusterExecutorSource } from '../cluster/cluster-source.js';
import { invalidOption } from '../errors.js';
import type { Executor } from '../exec/executor.js';
import { PiscinaExecutor } from '../exec/piscina-executor.js';
import { resolveCluster } from '../plan/cluster-options.js';
import { openStore } from '../queue/queue.js';
import { isPostgresUrl } from '../store/postgres-url.js';
import { nextSlot } from '../queue/repeat.js';
import type { JobStore } from '../store/job-store.js';
import type { Claim } from '../store/records.js';
import { onAdded } from '../store/wake.js';
import { JobRun } from './job-run.js';
import { clusterRunner, type Runner, sharedRunner } from './runner.js';
import { Ticker } from './ticker.js';

export interface EngineOptions {
  /** The store: a file path (the embedded SQLite store, created if new), a postgres:// URL, or a JobStore. */
  store: string | JobStore;
  /** Worker threads of the engine's pool (ignored with `executor`). @default os.availableParallelism() */
  workers?: number;
  /** Jobs run at once; their chunks share the pool fairly. @default 2 */
  concurrency?: number;
  /**
   * Milliseconds a claimed job stays this engine's without a renewal; renewed every third of it.
   * An engine that dies loses its jobs to another engine this long after its last renewal. @default 15000
   */
  leaseMs?: number;
  /** Milliseconds between looks at the store (new jobs from other processes, cancels). @default 20 */
  pollInterval?: number;
  /** Milliseconds between writes of a running job's progress and events. @default 250 */
  writeInterval?: number;
  /** Remove finished jobs this many milliseconds after they finished. @default none: kept until removed */
  retention?: number;
  /** Memory limits of each pool thread (per job they cannot apply: the pool is shared). */
  workerResourceLimits?: ResourceLimits;
  /**
   * An executor to run every job's chunks on instead of a pool of the engine's own (anything
   * behind the Executor seam, src/exec/executor.ts). The caller owns it: close() does not destroy it.
   */
  executor?: Executor;
  /**
   * Run every job's chunks on `chunkmill worker` processes through BullMQ on Redis (docs/cluster.md)
   * instead of a pool of the engine's own. createEngine connects first (ERR_CLUSTER_UNREACHABLE
   * within `connectTimeout`). Jobs stay queued while no worker of this chunkmill version is
   * connected, and a job uses the threads of the workers there when it starts (its `workers`
   * caps them). Not with `executor`, `workers` or `workerResourceLimits`: the threads are the workers'.
   */
  cluster?: ClusterOptions;
  /** This engine's name in leases and logs. @default host:pid:random */
  id?: string;
}

/** What an engine tells its listeners. */
export interface EngineEvents {
  /** A job was claimed and starts (or resumes). */
  claimed: [claim: Claim];
  /** A run ended: its outcome is stored (or it was handed back, or taken over). */
  ended: [jobId: string];
  /** The store could not be read or written; the engine goes on and tries again. */
  error: [error: Error];
}

export async function createEngine(options: EngineOptions): Promise<Engine> {
  if (options === null || typeof options !== 'object') throw invalidOption('options', 'expected an object');
  if (typeof options.store !== 'string' || !isPostgresUrl(options.store)) return startEngine(options);
  // A store that connects is opened first: a wrong address, password or database fails here, at once.
  const store = openStore(options.store);
  try {
    await store.ready?.();
    return await startEngine({ ...options, store });
  } catch (e) {
    await store.close();
    throw e;
  }
}

async function startEngine(options: EngineOptions): Promise<Engine> {
  const cluster = resolveCluster(options.cluster, options);
  if (cluster === undefined) return new Engine(options);
  for (const name of ['executor', 'workers'] as const)
    if (options[name] !== undefined)
      throw invalidOption(name, "not with cluster: an engine on a cluster runs its jobs on the cluster's workers");
  // Loaded here: BullMQ and ioredis cost every local engine's start-up ~0.3 s.
  const { ClusterExecutorSource } = await import('../cluster/cluster-source.js');
  const source = await ClusterExecutorSource.connect(cluster);
  try {
    return new Engine(options, source);
  } catch (e) {
    await source.close();
    throw e;
  }
}

export class Engine extends EventEmitter<EngineEvents> {
  readonly id: string;
  readonly store: JobStore;
  private readonly runner: Runner;
  private readonly runs = new Map<string, JobRun>();
  /** Runs that ended without their end stored (the store failed): handed back once it takes it. */
  private readonly unsettled = new Set<string>();
  private readonly ticker: Ticker;
  private readonly unsubscribe: () => void;
  private writes: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | null = null;
  private nextRenew = 0;
  private nextWrite = 0;
  private nextPurge = 0;
  private lastReport = { message: '', at: 0 };
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly writeInterval: number;
  private readonly retention: number | undefined;

  /** @internal use createEngine() */
  constructor(options: EngineOptions, cluster?: ClusterExecutorSource) {
    super();
    this.concurrency = positive('concurrency', options.concurrency, 2);
    this.leaseMs = positive('leaseMs', options.leaseMs, 15_000);
    this.writeInterval = positive('writeInterval', options.writeInterval, 250);
    const pollInterval = positive('pollInterval', options.pollInterval, 20);
    this.retention = options.retention === undefined ? undefined : positive('retention', options.retention, 0);
    this.id = options.id ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.store = openStore(options.store);
    this.runner =
      cluster !== undefined
        ? clusterRunner(cluster)
        : sharedRunner(
            options.executor ??
              new PiscinaExecutor({
                threads: positive('workers', options.workers, availableParallelism()),
                resourceLimits: options.workerResourceLimits,
              }),
            options.executor === undefined,
          );
    this.ticker = new Ticker(pollInterval, () => this.tick());
    this.unsubscribe = onAdded(this.store.location, () => this.ticker.now());
    this.ticker.now();
  }

  /** Jobs running now. */
  get running(): number {
    return this.runs.size;
  }

  /**
   * Stops taking jobs and ends the engine. Running jobs get `wait` ms to finish; then they are
   * stopped, keep their checkpoint journals, and go back to the queue for the next engine.
   */
  close(options: { wait?: number } = {}): Promise<void> {
    this.closing ??= this.shutdown(options.wait ?? 0);
    return this.closing;
  }

  private async shutdown(wait: number): Promise<void> {
    const all = () => Promise.all([...this.runs.values()].map((r) => r.done));
    if (wait > 0) await Promise.race([all(), new Promise((r) => setTimeout(r, wait).unref())]);
    for (const run of this.runs.values()) run.stop('close');
    await all();
    this.ticker.stop();
    this.unsubscribe();
    await this.writes.catch(() => {});
    await this.runner.close();
    await this.store.close();
  }

  private async tick(): Promise<void> {
    const { store } = this;
    const now = Date.now();
    try {
      const changed = await store.changed();
      if (changed && this.runs.size > 0)
        for (const id of await store.cancelRequests(this.id)) this.runs.get(id)?.stop('cancel');
      if (this.runs.size > 0 && now >= this.nextRenew) {
        this.nextRenew = now + this.leaseMs / 3;
        const ids = [...this.runs.keys()];
        const held = new Set(await this.serial(() => store.renew(this.id, ids, this.leaseMs, now)));
        for (const [id, run] of this.runs) if (!held.has(id) && run.stopReason === null) run.stop('lost');
      }
      if (now >= this.nextWrite) {
        this.nextWrite = now + this.writeInterval;
        const writes = [...this.runs.values()].map((r) => r.takeWrite()).filter((w) => w !== null);
        if (writes.length > 0) await this.serial(() => store.write(this.id, writes));
      }
      if (this.unsettled.size > 0) await this.handBackUnsettled(); // the store may take them now
      if (this.retention !== undefined && now >= this.nextPurge) {
        this.nextPurge = now + 60_000;
        await store.purge(now - this.retention); // their journals go with them, in the store
      }
      // Repeat rules fire on time even while the engine is full: their jobs then wait queued.
      if (this.closing === null && (await store.due(now))) await this.claim(now);
    } catch (e) {
      this.report(e as Error);
    }
  }

  private async claim(now: number): Promise<void> {
    for (const rule of await this.store.dueRepeatRules(now)) {
      try {
        // The next slot after now: slots missed while no engine ran give one job, not one each.
        const next = nextSlot(rule.cron, rule.tz, now);
        if ((await this.store.fireRepeatRule(rule.id, rule.nextRunAt, next, now)) !== null) this.ticker.now();
      } catch (e) {
        this.report(e as Error); // one bad rule must not hold up the queue's jobs
      }
    }
    while (this.closing === null && this.runs.size < this.concurrency) {
      const threads = this.runner.threads();
      if (threads === 0) return; // a cluster with no worker: the jobs wait queued, for any engine
      const claim = await this.serial(() => this.store.claim(this.id, this.leaseMs, now));
      if (claim === null) return;
      const run = new JobRun(claim, {
        store: this.store,
        owner: this.id,
        executors: this.runner.executors(),
        threads,
        serial: (write) => this.serial(write),
      });
      this.runs.set(run.id, run);
      this.nextRenew = Math.min(this.nextRenew, now + this.leaseMs / 3);
      this.emit('claimed', claim);
      void run.done.then(async () => {
        // The store failed to take its outcome: hand it back (or let its lease lapse) for a rerun.
        if (!run.settled) {
          this.unsettled.add(run.id);
          await this.handBackUnsettled();
        }
        this.runs.delete(run.id);
        this.emit('ended', run.id);
        this.ticker.now();
      });
    }
  }

  /**
   * Hands back the runs whose end the store could not take, each until it does (or the job is no
   * longer this engine's: its lease lapsed and another engine took it), so that a store that was
   * away or read-only for a while gets its jobs back for a rerun, by this engine or any other.
   */
  private async handBackUnsettled(): Promise<void> {
    for (const id of this.unsettled) {
      try {
        await this.serial(() => this.store.handBack(this.id, id, 'its outcome could not be stored'));
      } catch {
        return; // still failing: the next tick tries again
      }
      this.unsettled.delete(id);
    }
  }

  /** Store writes, one after another in the order asked; a failure is reported, and rethrown to its caller. */
  private serial<T>(write: () => Promise<T>): Promise<T> {
    const next = this.writes.then(write);
    this.writes = next.catch((e: unknown) => this.report(e as Error));
    return next;
  }

  /** A store that stays broken would fail every tick: the same message is told once per 10 s. */
  private report(error: Error): void {
    const now = Date.now();
    if (error.message === this.lastReport.message && now - this.lastReport.at < 10_000) return;
    this.lastReport = { message: error.message, at: now };
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else process.emitWarning(error.message, { code: (error as { code?: string }).code ?? 'ERR_STORE' });
  }
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw invalidOption(name, `expected a number > 0, got ${String(value)}`);
  return value;
}
