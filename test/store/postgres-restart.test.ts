/**
 * PostgreSQL going away under running engines: a restart and a crash mid-job (the engine
 * reconnects and goes on; the job ends once, with the uninterrupted result), a database gone for
 * longer than the store waits (the host does not fail its job; it runs when the database is
 * back), and the wake-ups: a job added here starts at once on an engine in another process
 * (NOTIFY, not its poll), and when the listening connection is cut a poll takes over until it
 * is back.
 */
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { count, createEngine, openQueue, PostgresStore, processSerial, type Queue } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { settle } from '../helpers/events.ts';
import { startEngineChild, waitForState } from '../helpers/jobs.ts';
import { usePostgres } from '../helpers/postgres.ts';
import { tempDir } from '../helpers/tmp.ts';

const pgs = usePostgres();
const tmp = tempDir();
const task = new URL('../../fixtures/tasks/slow-sum.mjs', import.meta.url).href;
let input = '';
let expected: unknown;

beforeAll(async () => {
  input = join(tmp.dir, 'sales.csv');
  await generate(input, 'sales', { rows: 60_000, seed: 21 });
  expected = (await processSerial({ input, task, params: { column: 'amount' } })).value;
}, 60_000);

const slowJob = (queue: Queue) =>
  queue.add({ input, task, params: { column: 'amount', msPerChunk: 50 }, chunkSize: 48 << 10 });

async function chunksSeen(queue: Queue, id: string, n: number): Promise<void> {
  let chunks = 0;
  for await (const e of queue.watch(id)) if (e.type === 'chunk' && ++chunks === n) return;
}

async function endedOnce(queue: Queue, id: string): Promise<void> {
  const job = await waitForState(queue, id, ['succeeded', 'failed', 'cancelled'], 90_000);
  expect(job.state).toBe('succeeded');
  expect(((await queue.result(id)) as { value: unknown }).value).toStrictEqual(expected);
  const log = await queue.store.events(id, 0, 100_000);
  expect(log.filter((e) => e.type === 'done')).toHaveLength(1);
  expect(log.filter((e) => e.type === 'error')).toEqual([]);
  const ids = log.map((e) => e.id);
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
}

test('the database restarts, then crashes, mid-job: the engine reconnects and goes on; the job ends once', {
  timeout: 120_000,
}, async () => {
  const url = await pgs.store('restart');
  const server = await pgs.server();
  const queue = openQueue(url);
  const engine = await createEngine({ store: url, workers: 2, concurrency: 1 });
  const job = await slowJob(queue);
  await chunksSeen(queue, job.id, 5);
  await server.restart(500); // a clean shutdown: every session is ended
  await chunksSeen(queue, job.id, 12);
  await server.crash(500); // an immediate shutdown: the next start recovers from the WAL
  await endedOnce(queue, job.id);
  await engine.close();
  const states = (await queue.store.events(job.id, 0, 100_000)).filter((e) => e.type === 'state');
  expect(states.map((e) => e.data.state)).toEqual(['queued', 'running', 'succeeded']); // no rerun
  expect((await queue.get(job.id))!.attempts).toBe(1);
  // After the crash the event ids jumped: none a reader saw before it can come again.
  const log = await queue.store.events(job.id, 0, 100_000);
  expect(log.at(-1)!.id - log[0]!.id).toBeGreaterThan(1_000_000);
  await queue.close();
});

test('a host that cannot reach the database does not fail its job; the job runs once the database is back', {
  timeout: 120_000,
}, async () => {
  const url = await pgs.store('gone');
  const server = await pgs.server();
  const queue = openQueue(url);
  // Gives up on the database after half a second (the default waits 30 s), as for one gone for good.
  const store = new PostgresStore(url, { retryMs: 500 });
  const engine = await createEngine({ store, workers: 2, concurrency: 1, leaseMs: 1_000 });
  const errors: string[] = [];
  engine.on('error', (e) => errors.push((e as { code?: string }).code ?? ''));
  const job = await slowJob(queue);
  await chunksSeen(queue, job.id, 3);
  await server.halt();
  await settle(4_000); // the run's writes fail, and its end
  expect(errors).toContain('ERR_STORE_UNREACHABLE');
  await server.start();
  await endedOnce(queue, job.id);
  await engine.close();
  await queue.close();
});

test('a job added here starts at once on an engine in another process: NOTIFY wakes it, not its 5 s poll', {
  timeout: 60_000,
}, async () => {
  const url = await pgs.store('wake');
  const queue = openQueue(url);
  const engine = await startEngineChild(url, { workers: 1, concurrency: 1, pollInterval: 5_000 });
  try {
    await settle(500); // its listener is up
    for (let i = 0; i < 3; i++) {
      const asked = performance.now();
      const job = await queue.add({ input, aggregate: { measures: { n: count() } } });
      while (!engine.lines.includes(`claimed ${job.id}`)) await settle(5);
      expect(performance.now() - asked).toBeLessThan(1_000);
      await waitForState(queue, job.id, ['succeeded']);
    }
  } finally {
    engine.child.kill('SIGTERM');
    await engine.exited;
    await queue.close();
  }
});

test('the listening connection is cut and cannot come back: a poll takes over; then the listener returns', {
  timeout: 60_000,
}, async () => {
  const server = await pgs.server();
  await pgs.store(); // makes chunkmill_test
  // The engine logs in as a role of its own, so that its connections can be capped.
  await server.sql('CREATE ROLE engine LOGIN; GRANT CREATE ON DATABASE chunkmill_test TO engine');
  const url = (await pgs.store('poll')).replace('postgres@', 'engine@');
  const queue = openQueue(url);
  const engine = await startEngineChild(url, { workers: 1, concurrency: 1, pollInterval: 50 });
  const sessions = async (app = '%') =>
    Number(
      (
        await server.sql(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE usename = 'engine' AND application_name LIKE '${app}'`,
        )
      ).rows[0].n,
    );
  try {
    for (const end = Date.now() + 10_000; (await sessions('chunkmill listener')) === 0; await settle(50))
      if (Date.now() > end) throw new Error('no listener');
    // Cap the role at the sessions it has less the listener's, and cut the listener: it cannot come back.
    await server.sql(`ALTER ROLE engine CONNECTION LIMIT ${(await sessions()) - 1}`);
    await server.sql(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'chunkmill listener'",
    );
    await settle(300);
    expect(await sessions('chunkmill listener')).toBe(0);
    // Found by the engine's poll (every 50 ms), long before the 5 s safety look.
    const asked = performance.now();
    const job = await queue.add({ input, aggregate: { measures: { n: count() } } });
    while (!engine.lines.includes(`claimed ${job.id}`)) await settle(5);
    expect(performance.now() - asked).toBeLessThan(2_000);
    expect(await sessions('chunkmill listener')).toBe(0);
    await server.sql('ALTER ROLE engine CONNECTION LIMIT -1');
    for (const end = Date.now() + 10_000; (await sessions('chunkmill listener')) === 0; await settle(100))
      if (Date.now() > end) throw new Error('the listener did not come back');
    expect((await waitForState(queue, job.id, ['succeeded'])).state).toBe('succeeded');
  } finally {
    engine.child.kill('SIGTERM');
    await engine.exited;
    await queue.close();
  }
});
