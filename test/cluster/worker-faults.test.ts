/**
 * Worker processes that die, leave or are told to stop, for real: SIGKILL mid-chunk (BullMQ's
 * stalled-job check gives its items to the other worker once their lock expires), SIGTERM (running
 * chunks finish, or go back to the queue after --grace), and a cancelled job (its running chunks
 * stop within a second, and nothing of it is left in Redis). Each result equals the serial one.
 */
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { processDataset, processSerial, type JobWarning } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import {
  killAll,
  leftovers,
  settledLeftovers,
  startWorker,
  TASKS_DIR,
  type WorkerProcess,
} from '../helpers/cluster.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { settle } from '../helpers/events.ts';
import { startRedis, type RedisServer } from '../../support/redis-server.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
let redis: RedisServer;
let input = '';
let expected: unknown;
/** The worker that stays: it takes over from the ones each test kills or stops. */
let b: WorkerProcess;
let workers: WorkerProcess[] = [];
const task = new URL('slow-sum.mjs', `file://${TASKS_DIR}`);
/** Short locks: a dead worker's chunks are taken over within about 1 to 2 seconds. */
const LOCK_MS = 1000;

beforeAll(async () => {
  redis = await startRedis();
  input = `${tmp.dir}/sales.csv`;
  await generate(input, 'sales', { rows: 30_000, seed: 21 }); // ~1.3 MB
  expected = (await processSerial({ input, task, params: { column: 'amount' } })).value;
  b = await startWorker(redis.url, { name: 'b', lockDuration: LOCK_MS, verbose: true });
}, 60_000);

/** Jobs a test started: a test that fails part-way must not leave its job running into the next. */
const jobs: { cancel(): void; result: Promise<unknown> }[] = [];

afterEach(async () => {
  for (const job of jobs.splice(0)) {
    job.cancel();
    await job.result.catch(() => {});
  }
  await killAll(workers);
  workers = [];
});

afterAll(async () => {
  if (b !== undefined) await killAll([b]);
  await redis?.stop();
});

/** Worker a, the one a test kills or stops, with b already there. */
async function workerA(extra: { grace?: number } = {}): Promise<WorkerProcess> {
  const a = await startWorker(redis.url, { name: 'a', lockDuration: LOCK_MS, verbose: true, ...extra });
  workers.push(a);
  return a;
}

function slowJob(msPerChunk: number, chunkSize = 48 << 10) {
  const job = processDataset({
    input,
    task,
    params: { column: 'amount', msPerChunk, idle: true },
    chunkSize,
    cluster: { redis: redis.url },
  });
  jobs.push(job);
  const warnings: { at: number; warning: JobWarning }[] = [];
  job.on('warning', (warning) => warnings.push({ at: performance.now(), warning }));
  return { job, warnings };
}

test('SIGKILL of a worker mid-chunk: its chunks run again on the other one, and the result is exact', {
  timeout: 60_000,
}, async () => {
  const a = await workerA();
  const { job, warnings } = slowJob(300, 96 << 10);
  await a.waitFor(/parse chunk \d+ of job \w+ taken/);
  await settle(100); // its thread is in the chunk's 300 ms now
  a.child.kill('SIGKILL');
  const killedAt = performance.now();
  const { value } = await job.result;
  expect(value).toStrictEqual(expected);
  const reruns = warnings.filter((w) => /stopped answering .* runs again on worker b/.test(w.warning.message));
  expect(reruns.length, warnings.map((w) => w.warning.message).join('\n')).toBeGreaterThanOrEqual(1);
  expect(reruns[0]!.warning.code).toBe('WARN_CHUNK_RETRY');
  console.info(
    `recovery after SIGKILL with --lock-duration ${LOCK_MS}: ${Math.round(reruns[0]!.at - killedAt)} ms to the rerun`,
  );
  expect(await settledLeftovers(redis.client)).toEqual([]);
});

test('SIGTERM: running chunks finish, the worker exits 0, the job completes on the other', {
  timeout: 60_000,
}, async () => {
  const a = await workerA();
  const { job } = slowJob(150, 96 << 10);
  await a.waitFor(/parse chunk \d+ of job \w+ taken/);
  const exit = a.stop('SIGTERM');
  expect(await exit).toEqual({ code: 0, signal: null });
  expect(a.lines.some((l) => /handed back/.test(l))).toBe(false);
  expect((await job.result).value).toStrictEqual(expected);
  expect(await settledLeftovers(redis.client)).toEqual([]);
});

test('SIGTERM with a short --grace: a long chunk goes back to the queue and runs on the other worker', {
  timeout: 60_000,
}, async () => {
  const a = await workerA({ grace: 200 });
  const { job } = slowJob(1_000, 384 << 10);
  await a.waitFor(/parse chunk \d+ of job \w+ taken/);
  await settle(100);
  const stoppedAt = performance.now();
  expect(await a.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  expect(performance.now() - stoppedAt).toBeLessThan(1_800); // not the two 1 s chunks it held, one after the other
  expect(
    a.lines.some((l) => /chunk \d+ of job \w+ handed back/.test(l)),
    a.lines.join('\n'),
  ).toBe(true);
  expect((await job.result).value).toStrictEqual(expected);
  expect(await settledLeftovers(redis.client)).toEqual([]);
});

test('cancel reaches every worker: running chunks stop within a second, nothing is left in Redis', {
  timeout: 60_000,
}, async () => {
  const a = await workerA();
  const from = b.lines.length;
  const { job } = slowJob(1_500, 128 << 10);
  // Both workers are in a 1.5 s chunk.
  await Promise.all([a, b].map((w) => w.waitFor(/parse chunk \d+ of job \w+ taken/, 10_000, w === b ? from : 0)));
  await settle(200);
  const before = [a.lines.length, b.lines.length];
  const cancelledAt = performance.now();
  job.cancel();
  const stops = await Promise.all(
    [a, b].map((w, i) => w.waitFor(/parse chunk \d+ of job \w+ cancelled/, 10_000, before[i])),
  );
  const stoppedIn = performance.now() - cancelledAt;
  expect(stops.length).toBe(2);
  expect(stoppedIn).toBeLessThan(1_000);
  expect((await rejectionOf(job.result)).code).toBe('ABORT_ERR');
  expect(await leftovers(redis.client)).toEqual([]); // at once: the job's end waited for its items to go
  // Long after the chunks would have ended: none of them ran on and answered.
  await settle(1_700);
  expect(await settledLeftovers(redis.client)).toEqual([]);
  const after = [...a.lines.slice(before[0]), ...b.lines.slice(before[1])];
  expect(after.filter((l) => / done after /.test(l))).toEqual([]);
});
