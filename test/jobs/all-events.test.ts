/**
 * The store-wide feed a dashboard follows: queue.watchAll() gives every job's events in id order
 * from any point (lastEventId(): only what comes next), and counts() tells jobs per state. On
 * each store (SQLite, PostgreSQL).
 */
import { describe, expect, test } from 'vitest';
import { count, createEngine, openQueue, type JobEventRecord } from 'chunkmill';
import { waitForState } from '../helpers/jobs.ts';
import { storeKinds } from '../helpers/stores.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const kinds = storeKinds();

describe.each(kinds)('$name store', (kind) => {
  test('watchAll follows every job from a given event id; counts() tells jobs per state', {
    timeout: 30_000,
  }, async () => {
    const input = tmp.file('small.csv', 'region,amount\nnorth,1\nsouth,2\n');
    const store = await kind.fresh('all');
    const queue = openQueue(store);
    const spec = { input, aggregate: { measures: { n: count() } } };
    expect(await queue.lastEventId()).toBe(0);
    const first = await queue.add(spec);
    const from = await queue.lastEventId();
    expect(from).toBeGreaterThan(0);
    await queue.cancel(first.id);

    const controller = new AbortController();
    const seen: JobEventRecord[] = [];
    const following = (async () => {
      for await (const e of queue.watchAll({ after: from, signal: controller.signal })) seen.push(e);
    })();
    const engine = await createEngine({ store, workers: 1 });
    const second = await queue.add(spec);
    await waitForState(queue, second.id, ['succeeded']);
    await engine.close();
    while (!seen.some((e) => e.jobId === second.id && e.type === 'state' && e.data.state === 'succeeded'))
      await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    await following;

    // Nothing at or before `from`; the first job's cancel, then the second job's whole life, in id order.
    expect(seen[0]!.id).toBeGreaterThan(from);
    expect(seen.map((e) => e.id)).toEqual([...seen.map((e) => e.id)].sort((a, b) => a - b));
    const states = (id: string) =>
      seen.filter((e) => e.jobId === id && e.type === 'state').map((e) => e.type === 'state' && e.data.state);
    expect(states(first.id)).toEqual(['cancelled']);
    expect(states(second.id)).toEqual(['queued', 'running', 'succeeded']);
    expect(await queue.counts()).toEqual({ queued: 0, running: 0, succeeded: 1, failed: 0, cancelled: 1 });
    await queue.close();
  });
});
