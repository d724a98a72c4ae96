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
 * On a cluster, a run that an outage of it ends goes back to the queue, within `outageBudget`
 * (outages.ts), and no job is claimed while Redis or every worker is gone.
 */
import { EventEmitter } from 'node:events';
import { hostname, availableParallelism } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Confinement } from '../api/confinement.js';
import type { ClusterExecutorProvider } from '../cluster/cluster-provider.js';
import type { ClusterStatus } from '../cluster/registry.js';
import { invalidOption } from '../errors.js';
import { PiscinaExecutor } from '../exec/piscina-executor.js';
import { resolveCluster } from '../plan/cluster-options.js';
import { openStore } from '../queue/queue.js';
import { isPostgresUrl } from '../store/postgres-url.js';
import { nextSlot } from '../queue/repeat.js';
import type { JobStore } from '../store/job-store.js';
import { onAdded } from '../store/wake.js';
import { JobRun } from './job-run.js';
import { resolveConfinement } from './confine.js';
import { DEFAULT_OUTAGE_BUDGET, Outages } from './outages.js';
import { clusterExecutors, type EngineExecutors, sharedExecutors } from './engine-executors.js';
import type { EngineEvents, EngineOptions } from './engine-options.js';
import { Ticker } from './ticker.js';
import { Webhooks } from './webhooks.js';

/** How often an engine tries again the final writes the store refused (a full disk): often enough to go on soon after space returns. */
const SETTLE_RETRY_MS = 1_000;

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
  const { ClusterExecutorProvider } = await import('../cluster/cluster-provider.js');
  const provider = await ClusterExecutorProvider.connect(cluster);
  try {
    return new Engine(options, provider);
  } catch (e) {
    await provider.close();
    throw e;
  }
}

export class Engine extends EventEmitter<EngineEvents> {
  readonly id: string;
  readonly store: JobStore;
  private readonly executors: EngineExecutors;
  private readonly runs = new Map<string, JobRun>();
  /** On a cluster: the jobs handed back for its outages, and their budgets. */
  private readonly outages: Outages | null;
  /** Runs that have ended but whose final writes the store refused: retried every SETTLE_RETRY_MS. */
  private readonly ended = new Set<JobRun>();
  private nextSettle = 0;
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
  private readonly confinement: Confinement | undefined;
  private readonly memoryLimit: number | undefined;
  private readonly webhooks: Webhooks | null;

  /** @internal use createEngine() */
  constructor(options: EngineOptions, cluster?: ClusterExecutorProvider) {
    super();
    this.concurrency = positive('concurrency', options.concurrency, 2);
    this.leaseMs = positive('leaseMs', options.leaseMs, 15_000);
    this.writeInterval = positive('writeInterval', options.writeInterval, 250);
    const pollInterval = positive('pollInterval', options.pollInterval, 20);
    this.retention = options.retention === undefined ? undefined : positive('retention', options.retention, 0);
    this.id = options.id ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.confinement = resolveConfinement(options.confine);
    this.memoryLimit =
      options.memoryBudget === undefined ? undefined : positive('memoryBudget', options.memoryBudget, 0);
    if (cluster === undefined && options.outageBudget !== undefined)
      throw invalidOption('outageBudget', 'applies to an engine on a cluster (the cluster option)');
    const budget = positive('outageBudget', options.outageBudget, DEFAULT_OUTAGE_BUDGET);
    this.outages = cluster === undefined ? null : new Outages(budget);
    // Checked before the store opens, like every option; it writes to the store only after a job's end.
    this.webhooks =
      options.webhooks === undefined
        ? null
        : new Webhooks(
            options.webhooks,
            options.webhookRetry ?? {},
            () => this.store,
            (e) => this.report(e),
          );
    this.store = openStore(options.store);
    this.executors =
      cluster !== undefined
        ? clusterExecutors(cluster)
        : sharedExecutors(
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

  /** With `cluster`: its Redis connection, workers and items in flight now; else null. */
  clusterStatus(): ClusterStatus | null {
    return this.executors.cluster?.() ?? null;
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
    // One last try for ends the store refused; past it their leases lapse and a later engine
    // recovers those jobs (from their journals), so a broken store never holds up a close.
    await this.settleEnded(Date.now()).catch((e: unknown) => this.report(e as Error));
    await this.webhooks?.close(); // bounded: no more retries, a few seconds for attempts in flight
    this.ticker.stop();
    this.unsubscribe();
    await this.writes.catch(() => {});
    await this.executors.close();
    await this.store.close();
  }

  private async tick(): Promise<void> {
    const { store } = this;
    const now = Date.now();
    try {
      const changed = await store.changed();
      if (changed && this.runs.size > 0)
        for (const id of await store.cancelRequests(this.id)) this.runs.get(id)?.stop('cancel');
      // Ends written outside a run (a cancel while queued, a lease recovery) get their webhooks too.
      if (changed && this.webhooks !== null)
        for (const job of await store.takeOwedEnds(100))
          if (job.error !== null)
            this.webhooks.ended(job.id, { state: job.state as 'failed' | 'cancelled', error: job.error });
      if (this.runs.size > 0 && now >= this.nextRenew) {
        this.nextRenew = now + this.leaseMs / 3;
        const ids = [...this.runs.keys()];
        const held = new Set(await this.serial(() => store.renew(this.id, ids, this.leaseMs, now)));
        for (const [id, run] of this.runs) {
          if (held.has(id)) continue;
          if (this.ended.has(run))
            this.end(run); // its end is another engine's to write now
          else if (run.stopReason === null) run.stop('lost');
        }
      }
      if (this.ended.size > 0 && now >= this.nextSettle) await this.settleEnded(now);
      if (now >= this.nextWrite) {
        this.nextWrite = now + this.writeInterval;
        const writes = [...this.runs.values()].map((r) => r.takeWrite()).filter((w) => w !== null);
        if (writes.length > 0)
          await this.serial(() => store.write(this.id, writes)).catch((e: unknown) => {
            for (const write of writes) this.runs.get(write.jobId)?.putBack(write);
            throw e;
          });
      }
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
      const threads = this.executors.threads();
      if (threads === 0) {
        // A cluster down, or with no worker: the jobs wait queued, but those whose outage budget is spent.
        const { store, id: owner, leaseMs } = this;
        await this.outages?.sweep({ store, owner, leaseMs, serial: (write) => this.serial(write) }, now);
        return;
      }
      const claim = await this.serial(() => this.store.claim(this.id, this.leaseMs, now));
      if (claim === null) return;
      const run = new JobRun(claim, {
        store: this.store,
        owner: this.id,
        executors: this.executors.executors(),
        threads,
        serial: (write) => this.serial(write),
        confinement: this.confinement,
        memoryLimit: this.memoryLimit,
        ...(this.outages === null ? {} : { outage: this.outages.decide.bind(this.outages, claim.job.id) }),
      });
      this.runs.set(run.id, run);
      this.nextRenew = Math.min(this.nextRenew, now + this.leaseMs / 3);
      this.emit('claimed', claim);
      void run.done.then(() => {
        // The store refused its final writes (a full disk): it stays this engine's, its lease
        // renewed, and settleEnded() tries them again until the store takes them.
        if (run.settled) this.end(run);
        else this.ended.add(run);
      });
    }
  }

  /** Tries again the final writes of runs the store refused; at most once a second. */
  private async settleEnded(now: number): Promise<void> {
    this.nextSettle = now + SETTLE_RETRY_MS;
    let failure: unknown = null;
    for (const run of this.ended) {
      try {
        await run.settle();
        this.end(run);
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure !== null) throw failure;
  }

  /** A run is over for this engine: its end is written, or it is another engine's job. */
  private end(run: JobRun): void {
    if (!run.outageBack) this.outages?.forget(run.id);
    this.ended.delete(run);
    this.runs.delete(run.id);
    if (run.outcome !== null) this.webhooks?.ended(run.id, run.outcome);
    this.emit('ended', run.id, run.outcome);
    this.ticker.now();
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
