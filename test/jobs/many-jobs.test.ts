/**
 * 1,000 small jobs through one engine: each runs on the same warm pool, and nothing is left
 * behind: no thread, no MessagePort, no listener, no timer, once they are done and once the
 * engine is closed. (RSS over the run is a bench figure: npm run bench:jobs.)
 */
import { expect, test } from 'vitest';
import { count, createEngine, openQueue, sum } from 'chunkmill';
import { baseline, expectNoWorkersLeft, messagePorts, threadCount } from '../helpers/threads.ts';
import { waitForState } from '../helpers/jobs.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

test('1,000 small jobs: one pool, every result right, no thread, port or listener left', {
  timeout: 120_000,
}, async () => {
  const rows = Array.from({ length: 50 }, (_, i) => `${i % 3},${i}`).join('\n');
  const input = tmp.file('small.csv', `k,v\n${rows}\n`);
  const before = baseline();
  const listenersBefore = process.listenerCount('exit') + process.listenerCount('SIGINT');
  const store = `${tmp.dir}/jobs.db`;
  const queue = openQueue(store);
  const engine = await createEngine({ store, workers: 2, concurrency: 4 });
  const aggregate = { groupBy: ['k'], measures: { n: count(), v: sum('v') } };
  const first = await queue.add({ input, aggregate });
  await waitForState(queue, first.id, ['succeeded']);
  const warm = { threads: threadCount(), ports: messagePorts(), resources: resources() };

  const ids: string[] = [];
  for (let i = 0; i < 999; i++) ids.push((await queue.add({ input, aggregate })).id);
  // Each one waited for: with four at a time the last added can end before one added earlier
  // (a full CI run saw job 998 still running when the last had succeeded).
  for (const id of ids) await waitForState(queue, id, ['succeeded', 'failed'], 100_000);
  for (const id of ids) expect((await queue.get(id))!.state).toBe('succeeded');
  const expected = [
    { k: '0', n: 17, v: 408 },
    { k: '1', n: 17, v: 425 },
    { k: '2', n: 16, v: 392 },
  ];
  for (const id of [ids[0]!, ids[500]!, ids.at(-1)!]) expect(await queue.result(id)).toMatchObject({ rows: expected });

  // The same pool served them all, and nothing grew with the number of jobs.
  expect(threadCount()).toBe(warm.threads);
  expect(messagePorts()).toBeLessThanOrEqual(warm.ports);
  expect(engine.listenerCount('error') + engine.listenerCount('claimed')).toBe(0);
  const now = resources();
  for (const [kind, n] of Object.entries(now)) expect(n, kind).toBeLessThanOrEqual(warm.resources[kind] ?? 0);

  await engine.close();
  await queue.close();
  await expectNoWorkersLeft(before);
  expect(process.listenerCount('exit') + process.listenerCount('SIGINT')).toBe(listenersBefore);
});
