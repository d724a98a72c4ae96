/**
 * A coordinator killed with SIGKILL mid-job (a real child process) resumes from its checkpoint
 * as a local one does: the chunks journaled before the kill are not run again, and the result is
 * exact. What the dead coordinator left in Redis goes by itself: its items are run and removed,
 * its replies list expires.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { processDataset, processSerial } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { killAll, settledLeftovers, startWorker, TASKS_DIR, type WorkerProcess } from '../helpers/cluster.ts';
import { killJournaledChild } from '../helpers/checkpoint-kill.ts';
import { gate } from '../helpers/gate.ts';
import { startRedis, type RedisServer } from '../../support/redis-server.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const CHILD = fileURLToPath(new URL('../helpers/cluster-child.mjs', import.meta.url));
let redis: RedisServer;
let input = '';
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
  input = `${tmp.dir}/sales.csv`;
  await generate(input, 'sales', { rows: 40_000, seed: 5 }); // ~1.8 MB: ~28 chunks of 64 KiB
  workers.push(await startWorker(redis.url, { name: 'w', threads: 2 }));
}, 60_000);

afterAll(async () => {
  await killAll(workers);
  await redis?.stop();
});

test('kill -9 of the coordinator part-way, then resume: journaled chunks are skipped, the result is exact', {
  timeout: 60_000,
}, async () => {
  const journal = `${tmp.dir}/sales.journal`;
  // Held after 8 of its ~28 chunks until the kill: unfinished then, however late this process
  // sees the journal's sixth entry.
  const held = gate(`${tmp.dir}/sales.gate`, 8);
  const before = await killJournaledChild(CHILD, [input, journal, redis.url], journal, held, 6);
  held.open(); // the dead coordinator's held items end on the worker

  const task = new URL('slow-sum.mjs', `file://${TASKS_DIR}`);
  const params = { column: 'amount', msPerChunk: 60, idle: true, gate: held.path }; // the journal's options
  const resumed = await processDataset({
    input,
    task,
    params,
    chunkSize: 64 << 10,
    checkpoint: journal,
    cluster: { redis: redis.url },
  }).result;
  expect(resumed.value).toStrictEqual((await processSerial({ input, task, params: { column: 'amount' } })).value);
  expect(resumed.stats.chunksResumed).toBeGreaterThanOrEqual(before - 1);
  expect(resumed.stats.chunksResumed).toBeLessThan(resumed.stats.chunks);
  expect(existsSync(journal)).toBe(false);
  // The dead coordinator's items were run and removed; its replies list is left to expire.
  const left = await settledLeftovers(redis.client);
  expect(left.every((k) => k.startsWith('chunkmill:replies:'))).toBe(true);
  for (const key of left) expect(await redis.client.pttl(key)).toBeGreaterThan(0);
});
