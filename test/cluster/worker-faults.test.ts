/**
 * Worker processes that die, leave or are told to stop, for real: SIGKILL mid-chunk (BullMQ's
 * stalled-job check gives its items to the other worker once their lock expires), SIGTERM (running
 * chunks finish, or go back to the queue after --grace), and a cancelled job (its running chunks
 * stop, and nothing of it is left in Redis). Each result equals the serial one.
 *
 * "Mid-chunk" is made sure of by slow-sum's gate (test/helpers/gate.ts): chunks held until the
 * test lets them go cannot have ended before the kill, the stop or the cancel, however late this
 * process gets to it on a loaded machine.
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
import { gate, type Gate } from '../helpers/gate.ts';
import { waitFor } from '../helpers/threads.ts';
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
/** Gates a test held its chunks by: opened after it, so that no chunk stays held into the next. */
const gates: Gate[] = [];

afterEach(async () => {
  for (const g of gates.splice(0)) g.open();
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

/** A job of slow chunks; with `held`, chunks from the gate's count on wait for it. */
function slowJob(msPerChunk: number, chunkSize = 48 << 10, held?: Gate) {
  const job = processDataset({
    input,
    task,
    params: { column: 'amount', msPerChunk, idle: true, ...(held === undefined ? {} : { gate: held.path }) },
    chunkSize,
    cluster: { redis: redis.url },
  });
  jobs.push(job);
  const warnings: { at: number; warning: JobWarning }[] = [];
  job.on('warning', (warning) => warnings.push({ at: performance.now(), warning }));
  return { job, warnings };
}

/** A closed gate for this test's job, opened after the test whatever happens. */
function heldGate(name: string): Gate {
  const held = gate(`${tmp.dir}/${name}.gate`);
  gates.push(held);
  return held;
}

/** Until each worker runs a chunk of the job on its thread, held there by the gate. */
async function holding(held: Gate, ...on: WorkerProcess[]): Promise<void> {
  const all = () => on.every((w) => held.held().some((h) => h.pid === w.child.pid));
  expect(await waitFor(all, 20_000), `held: ${JSON.stringify(held.held())}`).toBe(true);
}

test('SIGKILL of a worker mid-chunk: its chunks run again on the other one, and the result is exact', {
  timeout: 60_000,
}, async () => {
  const a = await workerA();
  const held = heldGate('sigkill');
  const { job, warnings } = slowJob(50, 96 << 10, held);
  await holding(held, a); // its thread is in a chunk, held
  a.child.kill('SIGKILL');
  const killedAt = performance.now();
  held.open();
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

test('SIGTERM with a short --grace: a chunk still running goes back to the queue and runs on the other worker', {
  timeout: 60_000,
}, async () => {
  const a = await workerA({ grace: 200 });
  const held = heldGate('grace');
  const { job } = slowJob(100, 384 << 10, held);
  await holding(held, a); // its thread is in a chunk, held: it cannot end within the grace
  const stoppedAt = performance.now();
  expect(await a.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  // The chunk it holds would never end: exiting at all is the grace at work. The bound tells the
  // 200 ms grace from the default 30 s with room for a loaded machine.
  expect(performance.now() - stoppedAt).toBeLessThan(10_000);
  held.open();
  expect(
    a.lines.some((l) => /chunk \d+ of job \w+ handed back/.test(l)),
    a.lines.join('\n'),
  ).toBe(true);
  expect((await job.result).value).toStrictEqual(expected);
  expect(await settledLeftovers(redis.client)).toEqual([]);
});

test('cancel reaches every worker: its running chunks stop, nothing is left in Redis', {
  timeout: 60_000,
}, async () => {
  const a = await workerA();
  const held = heldGate('cancel');
  const { job } = slowJob(0, 128 << 10, held);
  // Both workers are in a chunk that the gate holds: only the cancel can end it.
  await holding(held, a, b);
  // Each worker takes two items a thread: the cancel may find the second between its checks and
  // the pool (a signal that fired already is now seen there: the item is not started).
  const before = [a.lines.length, b.lines.length];
  const cancelledAt = performance.now();
  job.cancel();
  const stops = await Promise.all(
    [a, b].map((w, i) => w.waitFor(/parse chunk \d+ of job \w+ cancelled/, 10_000, before[i])),
  );
  const stoppedIn = performance.now() - cancelledAt;
  expect(stops.length).toBe(2);
  // Typically tens of milliseconds; asserted loosely (a loaded machine), since the held chunks
  // would otherwise never have ended.
  console.info(`cancel reached both workers' running chunks in ${Math.round(stoppedIn)} ms`);
  expect(stoppedIn).toBeLessThan(5_000);
  expect((await rejectionOf(job.result)).code).toBe('ABORT_ERR');
  expect(await leftovers(redis.client)).toEqual([]); // at once: the job's end waited for its items to go
  // Let whatever still ran go on: a chunk the cancel had not stopped would now end and answer.
  held.open();
  await settle(1_000);
  expect(await settledLeftovers(redis.client)).toEqual([]);
  const after = [...a.lines.slice(before[0]), ...b.lines.slice(before[1])];
  expect(after.filter((l) => / done after /.test(l))).toEqual([]);
});
