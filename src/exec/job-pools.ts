/**
 * Where a local job's pool of worker threads comes from, and where it goes when the job ends
 * (processDataset's executor provider):
 *
 *   acquire:  the CLI's early pool (startPoolEarly) -> an idle pool of exactly that many threads
 *             -> a new pool
 *   release:  kept idle for IDLE_POOL_MS, for the process's next job -> then destroyed
 *
 * Why keep a pool: a fresh pool costs a job its threads' start, module load and a cold JIT in
 * each thread (the bench's fixed cost per job, ~70-90 ms on a 2-core machine, then first chunks
 * at a fraction of their steady speed). A process that runs jobs one after another (a server
 * calling processDataset per request, a script over many files) paid that on every job; now
 * only its first job does. An engine keeps its own pool (engine-executors.ts); this is the same
 * idea for one-off jobs.
 *
 * What is never kept: the pool of a job whose chunks failed or that was cancelled while they ran
 * (it may leave chunks running and threads in a state no job should inherit: destroying the pool
 * stops them, as before), one with requests still running, and one with resource limits (they
 * are per job). An idle pool's threads are unref'd by Piscina, so it never keeps a process
 * alive; closeIdlePools() ends them at once.
 */
import type { ResourceLimits } from 'node:worker_threads';
import type { Executor, ExecutorProvider } from './executor.js';
import { PiscinaExecutor } from './piscina-executor.js';

/** How long a pool waits idle for the next job before its threads end. */
export const IDLE_POOL_MS = 5_000;
/** Idle pools kept at once (one per thread count; the least recently used goes first). */
const MAX_IDLE_POOLS = 4;

interface Idle {
  pool: PiscinaExecutor;
  timer: NodeJS.Timeout;
}

/** Idle pools by thread count, in the order they were released (a Map keeps insertion order). */
const idle = new Map<number, Idle>();
let early: PiscinaExecutor | null = null;

/** An executor per job: the early pool, an idle pool, or a new one; kept idle after a clean end. */
export function jobPools(resourceLimits: ResourceLimits | undefined): ExecutorProvider {
  return {
    acquire: (threads) =>
      takeEarly(threads, resourceLimits) ??
      (resourceLimits === undefined ? takeIdle(threads) : null) ??
      new PiscinaExecutor({ threads, resourceLimits }),
    release: (executor, succeeded) => {
      const pool = executor as PiscinaExecutor;
      return succeeded && resourceLimits === undefined ? keep(pool) : pool.destroy();
    },
  };
}

/** Ends every idle pool now (a process that wants its threads gone before IDLE_POOL_MS). */
export async function closeIdlePools(): Promise<void> {
  const all = [...idle.values()];
  idle.clear();
  for (const { timer } of all) clearTimeout(timer);
  await Promise.all(all.map(({ pool }) => pool.destroy()));
}

function takeIdle(threads: number): PiscinaExecutor | null {
  const kept = idle.get(threads);
  if (kept === undefined) return null;
  idle.delete(threads);
  clearTimeout(kept.timer);
  return kept.pool;
}

async function keep(pool: PiscinaExecutor): Promise<void> {
  if (pool.pending > 0) return pool.destroy();
  const before = idle.get(pool.threads);
  if (before !== undefined) {
    // Two jobs of the same size ran at once: one pool of that size is enough to keep.
    idle.delete(pool.threads);
    clearTimeout(before.timer);
    void before.pool.destroy();
  }
  const timer = setTimeout(() => {
    if (idle.get(pool.threads)?.pool === pool) idle.delete(pool.threads);
    void pool.destroy();
  }, IDLE_POOL_MS);
  timer.unref();
  idle.set(pool.threads, { pool, timer });
  for (const [threads, oldest] of idle) {
    if (idle.size <= MAX_IDLE_POOLS) break;
    idle.delete(threads);
    clearTimeout(oldest.timer);
    void oldest.pool.destroy();
  }
}

/**
 * Starts `threads` worker threads for the process's first job, before it is known: the CLI knows
 * from its arguments how many workers a command's job will run, so each thread's start, module
 * load and warm-up overlap what the main thread does before it needs them (load the engine's
 * modules, sniff, plan) instead of following it. The first job that jobPools serves takes the pool
 * if it has no resource limits and wants at most its threads (a file of fewer chunks than workers
 * gets it as it is: the scheduler never has more of them in flight, and a one-worker job parses
 * its chunks one after another); any other job destroys it and starts its own.
 */
export function startPoolEarly(threads: number): void {
  void early?.destroy();
  early = new PiscinaExecutor({ threads });
}

/** The pool that startPoolEarly started, if it suits a job of `threads` (see there); once only. */
function takeEarly(threads: number, resourceLimits: ResourceLimits | undefined): Executor | null {
  const pool = early;
  early = null;
  if (pool === null) return null;
  if (resourceLimits === undefined && threads <= pool.threads) return pool;
  void pool.destroy();
  return null;
}
