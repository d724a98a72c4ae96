/**
 * Redis itself failing, for real: not there at the start (a coded error within seconds naming
 * the URL, from processDataset, the CLI and a worker alike), no worker connected, killed mid-job
 * and not back (the job fails within reconnectTimeout, never hangs), and killed then restarted
 * empty mid-job (the lost chunks run again and the result is exact).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { processDataset, processSerial, type Job } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { runCli } from '../helpers/cli.ts';
import { killAll, startWorker, TASKS_DIR, type WorkerProcess } from '../helpers/cluster.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { waitFor } from '../helpers/threads.ts';
import { freePort, startRedis, type RedisServer } from '../../support/redis-server.ts';
import { tempDir } from '../helpers/tmp.ts';
import { tooOldRedis } from '../../src/cluster/cluster-errors.ts';

const tmp = tempDir();
let redis: RedisServer;
let input = '';
let expected: unknown;
const workers: WorkerProcess[] = [];
const task = new URL('slow-sum.mjs', `file://${TASKS_DIR}`);
const params = { column: 'amount', msPerChunk: 150, idle: true };

beforeAll(async () => {
  redis = await startRedis();
  input = `${tmp.dir}/sales.csv`;
  await generate(input, 'sales', { rows: 20_000, seed: 8 }); // ~0.9 MB
  expected = (await processSerial({ input, task, params: { column: 'amount' } })).value;
}, 60_000);

afterAll(async () => {
  await killAll(workers);
  await redis?.stop();
});

test('Redis not there at the start: ERR_CLUSTER_UNREACHABLE within seconds, naming the URL', {
  timeout: 30_000,
}, async () => {
  const url = `redis://127.0.0.1:${await freePort()}`;
  const startedAt = performance.now();
  const [error, fromCli, worker] = await Promise.all([
    rejectionOf(processDataset({ input, task, params, cluster: { redis: url, connectTimeout: 1_000 } }).result),
    runCli(['aggregate', input, '--count', '--cluster', url]),
    runCli(['worker', '--redis', url]),
  ]);
  expect(error.code).toBe('ERR_CLUSTER_UNREACHABLE');
  expect(error.message).toContain(url);
  expect(error.message).toMatch(/ECONNREFUSED/);
  for (const run of [fromCli, worker]) {
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Cannot reach Redis at ${url} within 5000 ms`);
    expect(run.stderr).toMatch(/\[ERR_CLUSTER_UNREACHABLE\]\nhint: /);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }
  expect(performance.now() - startedAt).toBeLessThan(15_000);
});

test('no worker connected: ERR_CLUSTER_NO_WORKERS after workerTimeout', { timeout: 30_000 }, async () => {
  const error = await rejectionOf(
    processDataset({ input, task, params, cluster: { redis: redis.url, workerTimeout: 500 } }).result,
  );
  expect(error.code).toBe('ERR_CLUSTER_NO_WORKERS');
  expect(error.message).toContain(redis.url);
  expect(error.hint).toContain(`chunkmill worker --redis ${redis.url}`);
});

/** Resolves once the job has merged `n` chunks; rejects if it ends first. */
function merged(job: Job<unknown>, n: number): Promise<void> {
  let count = 0;
  return Promise.race([
    new Promise<void>((resolve) => job.on('chunk', () => ++count === n && resolve())),
    job.result.then(() => {
      throw new Error(`the job ended after ${count} chunks, before ${n}`);
    }),
  ]);
}

test('Redis restarted empty mid-job: the chunks it lost run again, the result is exact', {
  timeout: 60_000,
}, async () => {
  const a = await startWorker(redis.url, { name: 'a', threads: 2 });
  workers.push(a);
  const job = processDataset({ input, task, params, chunkSize: 48 << 10, cluster: { redis: redis.url } });
  const warnings: string[] = [];
  job.on('warning', (w) => warnings.push(`${w.code} ${w.message}`));
  await merged(job, 4);
  // Frozen, the worker answers nothing while Redis restarts: every chunk out is lost with it.
  a.child.kill('SIGSTOP');
  await redis.kill();
  await redis.restart();
  // The coordinator finds its items gone, and sends them again, while the worker is frozen:
  // waited for, not slept on (a loaded machine may take longer than a sleep).
  const resent = () => warnings.some((w) => /WARN_CHUNK_RETRY .*left Redis without a reply/.test(w));
  expect(await waitFor(resent, 20_000), warnings.join('\n')).toBe(true);
  a.child.kill('SIGCONT');
  expect((await job.result).value).toStrictEqual(expected);
  expect(
    warnings.some((w) => /WARN_CHUNK_RETRY .*left Redis without a reply/.test(w)),
    warnings.join('\n'),
  ).toBe(true);
  await workers[0]!.waitFor(/connected to Redis at .* again/);
});

test('Redis lost mid-job and not back: ERR_CLUSTER_CONNECTION within reconnectTimeout, workers wait on', {
  timeout: 60_000,
}, async () => {
  const job = processDataset({
    input,
    task,
    params,
    chunkSize: 48 << 10,
    cluster: { redis: redis.url, reconnectTimeout: 1_000 },
  });
  await merged(job, 2);
  await redis.kill();
  const lostAt = performance.now();
  const error = await rejectionOf(job.result);
  expect(error.code).toBe('ERR_CLUSTER_CONNECTION');
  expect(error.message).toContain(`Lost the connection to Redis at ${redis.url} for more than 1000 ms`);
  // The bound, a tick and the clean-up's, with room for a loaded machine: still under the 10 s
  // default, which the message above shows was not the one used.
  expect(performance.now() - lostAt).toBeLessThan(8_000);
  await workers[0]!.waitFor(/lost the connection to Redis/);
  expect(workers[0]!.child.exitCode).toBe(null); // a worker outlives Redis, and reconnects when it is back
  await redis.restart();
});

test('a Redis older than 7.0 is refused at the start, by its own INFO', async () => {
  const info = await redis.client.info('server');
  expect(tooOldRedis(redis.url, info)).toBe(null); // Debian's 7.0 will do
  const old = tooOldRedis(redis.url, info.replace(/redis_version:[\d.]+/, 'redis_version:6.2.14'));
  expect(old?.code).toBe('ERR_CLUSTER_CONNECTION');
  expect(old?.message).toBe(`Redis at ${redis.url} is version 6.2; cluster mode needs 7.0 or later`);
});
