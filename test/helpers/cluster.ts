/**
 * What cluster tests ask of Redis once a job is over: which of chunkmill's keys are left. The
 * worker processes themselves are support/worker-process.ts.
 */
import type { Redis } from 'ioredis';

export { killAll, startWorker, TASKS_DIR, type WorkerProcess } from '../../support/worker-process.ts';

/**
 * The keys left once the workers are done with a job's items: a worker answers an item just
 * before BullMQ marks it done, so a job's result may come a moment before its last item goes.
 */
export async function settledLeftovers(redis: Redis, ms = 2_000): Promise<string[]> {
  const until = performance.now() + ms;
  for (;;) {
    const keys = await leftovers(redis);
    if (keys.length === 0 || performance.now() > until) return keys;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The keys a job could leave behind: its work items (BullMQ job hashes and their locks), reply
 * lists. A queue's own bookkeeping (meta, id, events, stalled-check) and live workers' registrations
 * are not a job's.
 */
export async function leftovers(redis: Redis): Promise<string[]> {
  const keys = await redis.keys('chunkmill:*');
  return keys
    .filter((k) => !/^chunkmill:chunks-[^:]+:(meta|id|events|stalled-check|marker)$/.test(k))
    .filter((k) => !/^chunkmill:(workers|worker:[0-9a-f]+)$/.test(k))
    .sort();
}
