/**
 * One bad worker among good ones, for real (#21 item 6): a `chunkmill worker` in a mount namespace
 * of its own, an empty tmpfs over the data folder (as a machine whose shared mount is missing),
 * next to a healthy one. A chunk that fails there by the worker's own fault runs again on the
 * other worker; the bad worker is taken out of rotation, and the job's log says so. Alone, the
 * bad worker fails the job with the chunk's own error at once (no item goes round for good).
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { count, createEngine, type Engine, openQueue, processDataset, processSerial, sum } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { startRedis, type RedisServer } from '../../support/redis-server.ts';
import { killAll, startWorker, type WorkerProcess } from '../helpers/cluster.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { waitForState } from '../helpers/jobs.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const data = join(tmp.dir, 'data');
let redis: RedisServer;
let input = '';
let bad: WorkerProcess;
const workers: WorkerProcess[] = [];
const engines: Engine[] = [];
const aggregate = { groupBy: ['region'], measures: { n: count(), total: sum('amount') } };

beforeAll(async () => {
  redis = await startRedis();
  mkdirSync(data);
  input = join(data, 'sales.csv');
  await generate(input, 'sales', { rows: 30_000, seed: 12 }); // ~1.3 MB
  // Its own mount namespace, an empty tmpfs over the data folder: the input is not there.
  const launcher = ['unshare', '--mount', 'sh', '-c', 'mount -t tmpfs tmpfs "$1" && shift && exec "$@"', 'sh', data];
  bad = await startWorker(redis.url, { name: 'bad', threads: 1, launcher });
  workers.push(bad);
}, 60_000);

afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
  await killAll(workers);
  await redis?.stop();
});

test("alone, the bad worker fails the job with the chunk's own error, at once", { timeout: 60_000 }, async () => {
  const started = performance.now();
  const error = await rejectionOf(processDataset({ input, aggregate, cluster: { redis: redis.url } }).result);
  expect(error.code).toBe('ERR_FILE_NOT_FOUND');
  expect(error.message).toBe(`No such file: ${input} (on worker bad, host ${hostname()})`);
  expect(performance.now() - started).toBeLessThan(10_000); // no waiting for another worker
});

test('one bad worker, one good: 3 of 3 jobs succeed, and the bad one is taken out of rotation', {
  timeout: 180_000,
}, async () => {
  workers.push(await startWorker(redis.url, { name: 'good', threads: 2 }));
  const store = join(tmp.dir, 'jobs.db');
  const engine = await createEngine({ store, cluster: { redis: redis.url }, pollInterval: 10 });
  engines.push(engine);
  const queue = openQueue(store);
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await queue.add({ input, aggregate, chunkSize: 32 << 10 })).id);
  const { rows } = await processSerial({ input, aggregate });
  const warnings: string[] = [];
  for (const id of ids) {
    const job = await waitForState(queue, id, ['succeeded', 'failed'], 120_000);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    expect(((await queue.result(id)) as { rows: unknown[] }).rows).toStrictEqual(rows);
    for (const e of await engine.store.events(id, 0, 100_000))
      if (e.type === 'warning') warnings.push(`${e.data.code} ${e.data.message}`);
  }
  await queue.close();

  const retried = warnings.filter((w) => w.startsWith('WARN_CHUNK_RETRY'));
  expect(retried.length, warnings.join('\n')).toBeGreaterThanOrEqual(3);
  expect(retried[0]).toMatch(
    /^WARN_CHUNK_RETRY Chunk \d+ failed \(No such file: .* \(on worker bad, host .*\)\); it runs again on another worker$/,
  );
  const out = warnings.filter((w) => w.startsWith('WARN_CLUSTER_QUARANTINE'));
  expect(out.length, warnings.join('\n')).toBeGreaterThanOrEqual(1); // again after 60 s, on a slow machine
  expect(out[0]).toMatch(
    new RegExp(
      `^WARN_CLUSTER_QUARANTINE worker bad on ${hostname()} is out of rotation for 60 s: \\d+ chunks failed there by its own fault and then ran on other workers within 60 s \\(the last: No such file: `,
    ),
  );
  await bad.waitFor(/out of rotation for \d+ s, by a coordinator: \d+ chunks failed there/);
});

test('only the quarantined worker left: ERR_CLUSTER_NO_WORKERS naming it', { timeout: 60_000 }, async () => {
  await killAll(workers.filter((w) => w !== bad));
  const error = await rejectionOf(
    processDataset({ input, aggregate, cluster: { redis: redis.url, workerTimeout: 1_000 } }).result,
  );
  expect(error.code).toBe('ERR_CLUSTER_NO_WORKERS');
  expect(error.message).toMatch(
    new RegExp(
      `^No chunkmill worker at ${redis.url} takes chunks now \\(waited 1000 ms\\): bad on ${hostname()} \\(chunkmill [^)]+\\) out of rotation`,
    ),
  );
});
