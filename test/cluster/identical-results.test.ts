/**
 * A job on `chunkmill worker` processes through a real redis-server gives exactly the result of
 * the serial parse, for 1, 2 and 3 worker processes, for every kind of job and input: the
 * cluster is a second executor behind the seam, and the scheduler merges its replies in chunk
 * order as it does the local pool's. Events come as with a local pool, task logs included.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { count, max, mean, min, processDataset, processSerial, statsTask, sum, type TaskLog } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { runCli } from '../helpers/cli.ts';
import { killAll, settledLeftovers, startWorker, TASKS_DIR, type WorkerProcess } from '../helpers/cluster.ts';
import { payloads, record } from '../helpers/events.ts';
import { startRedis, type RedisServer } from '../../support/redis-server.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
let redis: RedisServer;
let input = '';
const workers: WorkerProcess[] = [];
const aggregate = {
  groupBy: ['region', 'product'],
  measures: { n: count(), total: sum('amount'), avg: mean('amount'), lo: min('quantity'), hi: max('quantity') },
};

beforeAll(async () => {
  redis = await startRedis();
  input = `${tmp.dir}/sales.csv`;
  await generate(input, 'sales', { rows: 40_000, seed: 13 }); // ~1.8 MB, quoted newlines included
  workers.push(await startWorker(redis.url, { name: 'w1' }));
}, 60_000);

afterAll(async () => {
  await killAll(workers);
  await redis?.stop();
});

test('an aggregate is bit-identical to the serial parse with 1, 2 and 3 worker processes', {
  timeout: 60_000,
}, async () => {
  const serial = await processSerial({ input, aggregate });
  for (const n of [1, 2, 3]) {
    while (workers.length < n) workers.push(await startWorker(redis.url, { name: `w${workers.length + 1}` }));
    const job = processDataset({ input, aggregate, chunkSize: 48 << 10, cluster: { redis: redis.url } });
    const events = record(job);
    const { rows, stats } = await job.result;
    expect(rows, `${n} worker processes`).toStrictEqual(serial.rows);
    expect(stats.rows).toBe(serial.stats.rows);
    expect(stats.workers).toBe(n); // one thread each: the job used every thread there was
    // The event order of a local job: start, chunks in chunk order, a final progress, done.
    expect(events[0]!.name).toBe('start');
    expect(events.at(-1)!.name).toBe('done');
    expect(events.at(-2)!.name).toBe('progress');
    const chunks = payloads<{ index: number }>(events, 'chunk').map((c) => c.index);
    expect(chunks).toEqual(chunks.map((_, i) => i));
    expect(chunks.length).toBe(stats.chunks);
    expect(payloads(events, 'warning')).toEqual([]);
  }
  expect(await settledLeftovers(redis.client)).toEqual([]);
});

test('a task module from --tasks-dir, with its ctx.log lines and progress, and the built-in stats', {
  timeout: 60_000,
}, async () => {
  const cluster = { redis: redis.url };
  const task = new URL('log-progress.mjs', `file://${TASKS_DIR}`);
  const job = processDataset({ input, task, params: { tag: 'T' }, chunkSize: 64 << 10, cluster });
  const logs: TaskLog[] = [];
  let progress = 0;
  let chunks = 0;
  job.on('log', (l) => logs.push(l));
  job.on('taskProgress', () => progress++);
  job.on('chunk', (c) => {
    chunks++;
    // A chunk's log lines arrive before its chunk event, as from a local pool.
    expect(logs.some((l) => l.message === `chunk ${c.index}`)).toBe(true);
  });
  const { value } = await job.result;
  expect(value).toBe(40_000);
  expect(logs.filter((l) => l.message.startsWith('chunk ')).length).toBe(chunks);
  expect(logs.filter((l) => l.message === 'setup T').length).toBeGreaterThanOrEqual(1);
  expect(progress).toBeGreaterThanOrEqual(chunks);

  const stats = await processDataset({ input, task: statsTask, chunkSize: 64 << 10, cluster }).result;
  expect(stats.value).toStrictEqual((await processSerial({ input, task: statsTask })).value);
});

test('a transform writes the bytes a local run writes; stream and array inputs travel through Redis', {
  timeout: 60_000,
}, async () => {
  const cluster = { redis: redis.url };
  const transform = new URL('select.mjs', `file://${TASKS_DIR}`);
  const params = { keep: ['order_id', 'region', 'note'] };
  const local = `${tmp.dir}/local.csv`;
  const remote = `${tmp.dir}/remote.csv`;
  await processDataset({ input, transform, params, chunkSize: 32 << 10, workers: 2, output: { path: local } }).result;
  const out = await processDataset({ input, transform, params, chunkSize: 32 << 10, cluster, output: { path: remote } })
    .result;
  expect(out.rowsOut).toBe(40_000);
  expect(readFileSync(remote).equals(readFileSync(local))).toBe(true);

  const serial = await processSerial({ input, aggregate });
  const streamed = await processDataset({ input: createReadStream(input), aggregate, chunkSize: 40 << 10, cluster })
    .result;
  expect(streamed.rows).toStrictEqual(serial.rows);
  const records = Array.from({ length: 5000 }, (_, i) => ({ k: `k${i % 7}`, v: i * 0.1 }));
  const agg = { groupBy: ['k'], measures: { n: count(), s: sum('v') } };
  const fromArray = await processDataset({ input: records, aggregate: agg, chunkRows: 300, cluster }).result;
  expect(fromArray.rows).toStrictEqual((await processSerial({ input: records, aggregate: agg })).rows);
  expect(await settledLeftovers(redis.client)).toEqual([]);
});

test('the CLI with --cluster prints what it prints with a local pool; a bad URL is a usage error', {
  timeout: 60_000,
}, async () => {
  const args = ['aggregate', input, '-g', 'region,product', '--count', '--sum', 'amount', '--format', 'csv'];
  const [local, remote] = await Promise.all([
    runCli([...args, '--chunk-size', '64KiB']),
    runCli([...args, '--chunk-size', '64KiB', '--cluster', redis.url]),
  ]);
  expect(remote.code).toBe(0);
  expect(remote.stdout).toBe(local.stdout);
  expect(remote.stdout.split('\n').length).toBeGreaterThan(40);
  const bad = await runCli([...args, '--cluster', 'http://127.0.0.1:6379']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain(
    'Invalid option "cluster.redis": expected a redis:// or rediss:// URL, got "http://127.0.0.1:6379"',
  );
});
