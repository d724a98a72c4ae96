/**
 * Finished jobs leave nothing in Redis: 100 cluster jobs (five at a time, each with its own
 * coordinator connections) leave exactly the keys there were before them, and Redis's memory
 * where it was. What stays is the queue's own bookkeeping and the workers' registrations, there
 * from the first job on.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { count, max, processDataset, processSerial, sum } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { killAll, settledLeftovers, startWorker, type WorkerProcess } from '../helpers/cluster.ts';
import { startRedis, type RedisServer } from '../../support/redis-server.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
let redis: RedisServer;
let input = '';
const workers: WorkerProcess[] = [];
const aggregate = { groupBy: ['product'], measures: { n: count(), total: sum('amount'), top: max('quantity') } };

beforeAll(async () => {
  redis = await startRedis();
  input = `${tmp.dir}/sales.csv`;
  await generate(input, 'sales', { rows: 1_000, seed: 2 }); // ~45 KB: three 16 KiB chunks
  workers.push(await startWorker(redis.url, { name: 'w', threads: 2 }));
}, 60_000);

afterAll(async () => {
  await killAll(workers);
  await redis?.stop();
});

async function jobs(n: number, atOnce: number): Promise<unknown[]> {
  const results: unknown[] = [];
  for (let i = 0; i < n; i += atOnce) {
    const batch = Array.from({ length: Math.min(atOnce, n - i) }, () =>
      processDataset({ input, aggregate, chunkSize: 16 << 10, cluster: { redis: redis.url } }).result.then(
        (r) => r.rows,
      ),
    );
    results.push(...(await Promise.all(batch)));
  }
  return results;
}

test('100 jobs leave the keys there were and Redis memory where it was', { timeout: 60_000 }, async () => {
  const expected = (await processSerial({ input, aggregate })).rows;
  await jobs(5, 5); // the queue's bookkeeping, and BullMQ's scripts in Redis's cache, from the first jobs on
  expect(await settledLeftovers(redis.client)).toEqual([]);
  const keysBefore = (await redis.client.keys('*')).sort();
  const memoryBefore = await redis.usedMemory();

  const results = await jobs(100, 5);
  expect(results.every((rows) => JSON.stringify(rows) === JSON.stringify(expected))).toBe(true);
  expect(await settledLeftovers(redis.client)).toEqual([]);
  expect((await redis.client.keys('*')).sort()).toEqual(keysBefore);
  const memoryAfter = await redis.usedMemory();
  // 100 jobs x (3 summaries + 3 parses) = 600 items came and went; a leak of even one small hash
  // per job would show. The margin is for Redis's own allocator and client buffers.
  expect(memoryAfter - memoryBefore, `used_memory ${memoryBefore} -> ${memoryAfter}`).toBeLessThan(32 * 1024);
});
