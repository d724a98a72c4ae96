/**
 * An engine on a cluster when the cluster is down. A run that fails because Redis was lost for
 * longer than cluster.reconnectTimeout, or no worker of this version was there for longer than
 * cluster.workerTimeout (OUTAGE: the infrastructure's failure, not the job's), goes back to the
 * queue with its checkpoint journal, as a closing engine's runs do, and the engine claims no job
 * until Redis and a worker are back (the provider's threads() says 0 meanwhile).
 *
 * A job that keeps meeting the outage fails with ERR_CLUSTER_OUTAGE once `outageBudget` ms have
 * passed since its first hand-back for one: at its next hand-back, or, while it waits queued and
 * the cluster stays down, by a sweep that takes it from the queue to fail it. The count is this
 * engine's memory: a run of the job that gets chunks merged (the cluster answered it) starts it
 * again, and another engine that takes the job, or this one after a restart, counts afresh.
 */
import { ChunkmillError, toErrorData } from '../errors.js';
import type { JobStore } from '../store/job-store.js';

/** Failures of the cluster itself: the job goes back to the queue, within its budget. */
const OUTAGE: ReadonlySet<string> = new Set([
  'ERR_CLUSTER_CONNECTION',
  'ERR_CLUSTER_UNREACHABLE',
  'ERR_CLUSTER_NO_WORKERS',
  'ERR_CLUSTER_VERSION',
]);

/** A sweep looks at this many queued jobs at most. */
const SWEEP_MAX = 100;

export const DEFAULT_OUTAGE_BUDGET = 5 * 60_000;

export function isClusterOutage(e: unknown): e is ChunkmillError {
  return e instanceof ChunkmillError && OUTAGE.has(e.code);
}

/** How a run that met an outage ends: back to the queue (with the reason for its log), or failed. */
export type OutageEnd = { back: string } | { fail: ChunkmillError };

/** What a sweep needs of its engine. */
export interface SweepContext {
  store: JobStore;
  owner: string;
  leaseMs: number;
  serial<T>(write: () => Promise<T>): Promise<T>;
}

export class Outages {
  /** Per job: when it was first handed back for an outage (Date.now()), and the latest outage. */
  private readonly jobs = new Map<string, { since: number; last: ChunkmillError }>();

  constructor(readonly budget: number) {}

  /** A run of job `id` failed with `error`, an outage; `progressed`: it got chunks merged first. */
  decide(id: string, error: ChunkmillError, progressed: boolean, now = Date.now()): OutageEnd {
    const since = progressed ? now : (this.jobs.get(id)?.since ?? now);
    if (now - since >= this.budget) {
      this.jobs.delete(id);
      return { fail: this.failure(since, error, now) };
    }
    this.jobs.set(id, { since, last: error });
    const left = Math.ceil((since + this.budget - now) / 1000);
    return {
      back: `${error.message} [${error.code}]; its checkpoint is kept, and it runs again once the cluster is back (its outage budget ends in ${left} s)`,
    };
  }

  /** Job `id` ended otherwise (or is another engine's now): its count goes. */
  forget(id: string): void {
    this.jobs.delete(id);
  }

  /**
   * While the cluster is down: fails the queued jobs whose budget is spent. The store claims in
   * queue order, so the jobs claimed before them go back to the queue at once (their log says
   * why); those not found (another engine's now, cancelled, removed) are forgotten.
   */
  async sweep(ctx: SweepContext, now: number): Promise<void> {
    const spent = new Map([...this.jobs].filter(([, j]) => now - j.since >= this.budget));
    if (spent.size === 0) return;
    for (const id of spent.keys()) this.jobs.delete(id);
    const held: string[] = [];
    try {
      for (let n = 0; n < SWEEP_MAX && spent.size > 0; n++) {
        const claim = await ctx.serial(() => ctx.store.claim(ctx.owner, ctx.leaseMs, now));
        if (claim === null) break;
        const job = spent.get(claim.job.id);
        if (job === undefined) {
          held.push(claim.job.id);
          continue;
        }
        spent.delete(claim.job.id);
        const error = toErrorData(this.failure(job.since, job.last, now));
        await ctx.serial(() => ctx.store.finish(ctx.owner, claim.job.id, { state: 'failed', error }));
      }
    } finally {
      const reason =
        'the cluster is down: it waits queued until it is back (the engine was failing jobs whose outage budget was spent)';
      for (const id of held) await ctx.serial(() => ctx.store.handBack(ctx.owner, id, reason)).catch(() => {});
    }
  }

  private failure(since: number, last: ChunkmillError, now: number): ChunkmillError {
    return new ChunkmillError(
      {
        code: 'ERR_CLUSTER_OUTAGE',
        message: `The cluster was down for ${Math.round((now - since) / 1000)} s, longer than the engine's outageBudget (${this.budget} ms): ${last.message}`,
        hint: 'bring Redis and a chunkmill worker of this version back, or give createEngine() a larger outageBudget',
      },
      { cause: last },
    );
  }
}
