/**
 * The job engine on a cluster (`createEngine({ cluster })`, `chunkmill serve --cluster`): its
 * jobs wait queued while no `chunkmill worker` is connected, then run on the workers with the
 * serial result; a cancel through the queue reaches the workers and leaves nothing in Redis; and
 * the server, as a real process, runs an HTTP-submitted job on the cluster. Real redis-server,
 * real worker processes.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { count, createEngine, type Engine, openQueue, processSerial, sum } from 'chunkmill';
import { startServer } from 'chunkmill/server';
import { generate } from '../../support/generate.ts';
import { freePort, startRedis, type RedisServer } from '../../support/redis-server.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { gate } from '../helpers/gate.ts';
import { killAll, settledLeftovers, startWorker, TASKS_DIR, type WorkerProcess } from '../helpers/cluster.ts';
import { waitForState } from '../helpers/jobs.ts';
import { waitFor } from '../helpers/threads.ts';
import { startServeChild, TOKEN } from '../helpers/server.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
let redis: RedisServer;
let input = '';
const workers: WorkerProcess[] = [];
const engines: Engine[] = [];
const aggregate = { groupBy: ['region'], measures: { n: count(), total: sum('amount') } };

beforeAll(async () => {
  redis = await startRedis();
  input = join(tmp.dir, 'sales.csv');
  await generate(input, 'sales', { rows: 30_000, seed: 21 });
}, 60_000);

afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
  await killAll(workers);
  await redis?.stop();
});

test('jobs wait queued until a worker connects, then run on it with the serial result', {
  timeout: 60_000,
}, async () => {
  const store = join(tmp.dir, 'wait.db');
  const engine = await createEngine({ store, cluster: { redis: redis.url }, pollInterval: 10 });
  engines.push(engine);
  const queue = openQueue(store);
  const { id } = await queue.add({ input, aggregate, chunkSize: 64 << 10 });
  await new Promise((r) => setTimeout(r, 1_500)); // three of the source's looks at the workers
  expect((await queue.get(id))!.state).toBe('queued');

  workers.push(await startWorker(redis.url, { name: 'e1', threads: 2 }));
  expect((await waitForState(queue, id, ['succeeded', 'failed'])).state).toBe('succeeded');
  const result = (await queue.result(id)) as { rows: unknown[]; stats: { workers: number } };
  expect(result.rows).toStrictEqual((await processSerial({ input, aggregate })).rows);
  expect(result.stats.workers).toBe(2); // the worker's two threads
  expect(await settledLeftovers(redis.client)).toEqual([]);
  await queue.close();
});

test('a cancel through the queue stops the chunks on the workers and leaves nothing in Redis', {
  timeout: 60_000,
}, async () => {
  if (workers.length === 0) workers.push(await startWorker(redis.url, { name: 'e1', threads: 2 }));
  const store = join(tmp.dir, 'cancel.db');
  const engine = await createEngine({ store, cluster: { redis: redis.url }, pollInterval: 10 });
  engines.push(engine);
  const queue = openQueue(store);
  const task = `${TASKS_DIR}slow-sum.mjs`;
  // Every chunk held by the gate: a chunk that ran on would hold its item in Redis for good.
  const held = gate(join(tmp.dir, 'cancel.gate'));
  const params = { column: 'amount', idle: true, gate: held.path };
  const { id } = await queue.add({ input, task, params, chunkSize: 32 << 10 });
  try {
    // A chunk on each of the worker's two threads: waited for, not slept on. It takes two items a
    // thread; a cancel may find the second between its checks and the pool, which then does not
    // start it (a signal that fired already is checked there).
    expect(await waitFor(() => held.held().length >= 2, 20_000)).toBe(true);
    const asked = performance.now();
    await queue.cancel(id);
    expect((await waitForState(queue, id, ['cancelled', 'succeeded', 'failed'])).state).toBe('cancelled');
    expect(await settledLeftovers(redis.client, 5_000)).toEqual([]);
    // Held chunks would never have ended: none is left, so the cancel stopped them. The bound
    // only keeps a loaded machine from failing a cancel that came.
    expect(performance.now() - asked).toBeLessThan(10_000);
  } finally {
    held.open();
  }
  await queue.close();
});

test('options a cluster cannot honour, and a Redis that is not there', { timeout: 30_000 }, async () => {
  const store = join(tmp.dir, 'bad.db');
  const refused = await rejectionOf(createEngine({ store, workers: 4, cluster: { redis: redis.url } }));
  expect({ code: refused.code, option: refused.option }).toEqual({ code: 'ERR_INVALID_OPTION', option: 'workers' });
  // The server leaves the refusal to its engine: the same error, before it listens.
  const served = await rejectionOf(startServer({ store, port: 0, workers: 2, cluster: { redis: redis.url } }));
  expect({ code: served.code, option: served.option }).toEqual({ code: 'ERR_INVALID_OPTION', option: 'workers' });
  const bad = await rejectionOf(createEngine({ store, cluster: { redis: 'http://127.0.0.1:6379' } }));
  expect({ code: bad.code, option: bad.option }).toEqual({ code: 'ERR_INVALID_OPTION', option: 'cluster.redis' });
  const url = `redis://127.0.0.1:${await freePort()}`;
  const started = performance.now();
  const unreachable = await rejectionOf(createEngine({ store, cluster: { redis: url, connectTimeout: 500 } }));
  expect(unreachable.code).toBe('ERR_CLUSTER_UNREACHABLE');
  expect(unreachable.message).toContain(url);
  expect(performance.now() - started).toBeLessThan(5_000);
});

test('chunkmill serve --cluster runs a job from the API on the workers', { timeout: 60_000 }, async () => {
  if (workers.length === 0) workers.push(await startWorker(redis.url, { name: 'e1', threads: 2 }));
  const args = ['--store', join(tmp.dir, 'serve.db'), '--data-dir', tmp.dir, '--tasks-dir', TASKS_DIR];
  const server = await startServeChild([...args, '--cluster', redis.url]);
  try {
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const spec = {
      input: 'sales.csv',
      aggregate: { groupBy: ['region'], measures: { n: { kind: 'count' } } },
      chunkSize: 65_536,
    };
    const posted = await fetch(`${server.url}/api/jobs`, { method: 'POST', headers, body: JSON.stringify({ spec }) });
    expect(posted.status).toBe(202);
    const { id } = (await posted.json()) as { id: string };
    let job: { state: string } = { state: 'queued' };
    for (const until = Date.now() + 30_000; !['succeeded', 'failed'].includes(job.state) && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 50));
      job = (await (await fetch(`${server.url}/api/jobs/${id}`, { headers })).json()) as { state: string };
    }
    expect(job.state).toBe('succeeded');
    const result = (await (await fetch(`${server.url}/api/jobs/${id}/result`, { headers })).json()) as {
      rows: unknown[];
      stats: { chunks: number };
    };
    const serial = await processSerial({ input, aggregate: { groupBy: ['region'], measures: { n: count() } } });
    expect(result.rows).toStrictEqual(serial.rows);
    expect(result.stats.chunks).toBeGreaterThan(1); // the server has no pool of its own: the chunks ran on the worker
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
});
