/**
 * Clearing a run's items out of Redis when its job ends early (a cancel, a failure, a hand-back):
 * a mark and a message make the workers drop its items not started yet and stop its running
 * chunks, and those still waiting are removed. Each step is bounded: a Redis that stopped
 * answering must not hold the job's end up.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { bounded, CLEANUP_MS } from './bounded.js';
import { CANCEL_CHANNEL, cancelledKey, CANCELLED_TTL_MS, itemKey } from './names.js';

/** Tells the workers to drop run `runId`'s items and stop its running chunks; removes those still waiting. */
export async function cancelRun(redis: Redis, queue: Queue, runId: string, ids: readonly string[]): Promise<void> {
  await bounded(
    (async () => {
      // The mark first: a worker taking one of the items right now checks it before running.
      await redis.set(cancelledKey(runId), '1', 'PX', CANCELLED_TTL_MS);
      await redis.publish(CANCEL_CHANNEL, runId);
      await Promise.all(ids.map((id) => queue.remove(id).catch(() => 0)));
    })(),
    CLEANUP_MS,
  );
}

/**
 * Waits (bounded) until none of a cancelled run's items is left in Redis: waiting ones were
 * removed, running ones end as their workers stop them. Then the run's cancel mark goes too;
 * if one is still there (its worker died holding it), the mark stays until it expires, so the
 * worker that takes the item over drops it. `up`: false once the connection is lost for good.
 */
export async function waitGone(redis: Redis, runId: string, ids: readonly string[], up: () => boolean): Promise<void> {
  const until = performance.now() + CLEANUP_MS;
  let left = [...ids];
  while (left.length > 0 && performance.now() < until && up()) {
    const pipe = redis.pipeline();
    for (const id of left) pipe.exists(itemKey(id));
    const found = (await bounded(pipe.exec(), CLEANUP_MS)) ?? [];
    left = left.filter((_, i) => found[i]?.[1] !== 0);
    if (left.length > 0) await new Promise((r) => setTimeout(r, 50));
  }
  if (left.length === 0) await bounded(redis.del(cancelledKey(runId)), CLEANUP_MS);
}
