/**
 * What a worker checks before it runs a chunk, for real: the input must be the file the
 * coordinator planned (a worker that cannot read it, or sees another size, fails the chunk with
 * a coded error naming its host), a task module must be in its --tasks-dir with the coordinator's
 * bytes, and what travels through Redis is bounded by cluster.maxPayload.
 */
import { appendFileSync, copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { count, processDataset, processSerial, statsTask, sum } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { killAll, startWorker, TASKS_DIR, type WorkerProcess } from '../helpers/cluster.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { startRedis, type RedisServer } from '../../support/redis-server.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
let redis: RedisServer;
let input = '';
let workers: WorkerProcess[] = [];
const aggregate = { groupBy: ['region'], measures: { n: count(), total: sum('amount') } };
const task = new URL('sum-column.mjs', `file://${TASKS_DIR}`);

beforeAll(async () => {
  redis = await startRedis();
  input = `${tmp.dir}/sales.csv`;
  await generate(input, 'sales', { rows: 5_000, seed: 6 });
}, 60_000);

afterEach(async () => {
  await killAll(workers);
  workers = [];
});

afterAll(async () => {
  await redis?.stop();
});

async function only(args: { name: string; tasksDir?: string | null }): Promise<{ redis: string }> {
  workers.push(await startWorker(redis.url, args));
  return { redis: redis.url };
}

test('a worker that cannot read the input, or sees another size, names itself and its host', {
  timeout: 30_000,
}, async () => {
  const cluster = await only({ name: 'w1' });
  const away = `${input}.away`;
  // Planned here, gone on the worker (as on a machine without the shared mount).
  const missing = processDataset({ input, aggregate, cluster });
  missing.on('start', () => renameSync(input, away));
  const notFound = await rejectionOf(missing.result);
  renameSync(away, input);
  expect(notFound.code).toBe('ERR_FILE_NOT_FOUND');
  expect(notFound.message).toBe(`No such file: ${input} (on worker w1, host ${hostname()})`);
  expect(notFound.hint).toMatch(/same path .* on every worker|every worker must see the input at the same path/);

  const copy = `${tmp.dir}/copy.csv`;
  copyFileSync(input, copy);
  const changed = processDataset({ input: copy, aggregate, cluster });
  changed.on('start', () => appendFileSync(copy, '1,2024-01-01,north,widget,1,1.00,\n'));
  const error = await rejectionOf(changed.result);
  expect(error.code).toBe('ERR_FILE_CHANGED');
  expect(error.message).toMatch(new RegExp(`size \\d+ -> \\d+\\) \\(on worker w1, host ${hostname()}\\)$`));
});

test('task modules: none without --tasks-dir (built-ins run), none whose bytes differ', {
  timeout: 30_000,
}, async () => {
  const cluster = await only({ name: 'bare', tasksDir: null });
  const refused = await rejectionOf(processDataset({ input, task, params: { column: 'amount' }, cluster }).result);
  expect(refused.code).toBe('ERR_CLUSTER_TASK_MODULE');
  expect(refused.message).toBe(
    `Worker bare on ${hostname()} has no --tasks-dir, so it cannot run the task module sum-column.mjs`,
  );
  const stats = await processDataset({ input, task: statsTask, cluster }).result;
  expect(stats.value).toStrictEqual((await processSerial({ input, task: statsTask })).value);
  expect((await processDataset({ input, aggregate, cluster }).result).rows.length).toBe(8);
  // SIGTERM: unregistered at once. A SIGKILLed worker stays registered for up to 6 s, and a chunk
  // that fails on the next worker by that worker's own fault would wait to try it there.
  await Promise.all(workers.splice(0).map((w) => w.stop('SIGTERM')));

  // A module of the same name, other bytes: say, a worker nobody redeployed.
  const stale = `${tmp.dir}/tasks`;
  mkdirSync(stale);
  writeFileSync(
    `${stale}/sum-column.mjs`,
    'export default { init: () => 0, reduce: (n) => n + 1, combine: (a, b) => a + b };\n',
  );
  await only({ name: 'stale', tasksDir: stale });
  const differs = await rejectionOf(processDataset({ input, task, params: { column: 'amount' }, cluster }).result);
  expect(differs.code).toBe('ERR_CLUSTER_TASK_MODULE');
  expect(differs.message).toMatch(
    new RegExp(
      `^The task module sum-column.mjs on worker stale on ${hostname()} \\(.*\\) differs from the coordinator's`,
    ),
  );

  // The same bytes: the worker runs its own copy, not the file at the coordinator's path.
  copyFileSync(new URL('where-am-i.mjs', `file://${TASKS_DIR}`), `${stale}/where-am-i.mjs`);
  const job = processDataset({ input, task: new URL('where-am-i.mjs', `file://${TASKS_DIR}`), cluster });
  const logs: string[] = [];
  job.on('log', (l) => logs.push(l.message));
  expect((await job.result).value).toBe(5_000);
  expect(logs.length).toBeGreaterThan(0);
  for (const url of logs) expect(url.startsWith(`file://${stale}/where-am-i.mjs#chunkmill=`), url).toBe(true);
});

test('cluster.maxPayload bounds what goes through Redis, both ways', { timeout: 30_000 }, async () => {
  const cluster = { ...(await only({ name: 'w2' })), maxPayload: 4096 };
  const records = Array.from({ length: 2_000 }, (_, i) => ({ k: `key ${i % 3}`, v: 'x'.repeat(20) }));
  const big = await rejectionOf(
    processDataset({ input: records, aggregate: { measures: { n: count() } }, chunkRows: 500, cluster }).result,
  );
  expect(big).toMatchObject({ code: 'ERR_CLUSTER_PAYLOAD', chunkIndex: 0 });
  expect(big.message).toMatch(/^Chunk 0 is \d+ bytes as a work item, over cluster.maxPayload \(4096 bytes\)/);

  const transform = new URL('select.mjs', `file://${TASKS_DIR}`);
  const reply = await rejectionOf(
    processDataset({ input, transform, chunkSize: 32 << 10, output: { path: `${tmp.dir}/out.csv` }, cluster }).result,
  );
  expect(reply.code).toBe('ERR_CLUSTER_PAYLOAD');
  expect(reply.message).toMatch(/^Chunk \d+'s reply is \d+ bytes, over cluster.maxPayload \(4096 bytes\)/);
});

test('faults inside a worker go through the retry policy as from a local pool: a thread that exits, a chunk that hangs', {
  timeout: 30_000,
}, async () => {
  const cluster = await only({ name: 'w3' });
  const warnings: string[] = [];
  const crash = processDataset({
    input,
    task: new URL('crash-once.mjs', `file://${TASKS_DIR}`),
    params: { at: '2500', marker: `${tmp.dir}/crashed` },
    chunkSize: 32 << 10,
    cluster,
  });
  crash.on('warning', (w) => warnings.push(w.message));
  expect((await crash.result).value).toBe(5_000); // the chunk ran again, as a new item
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/^Chunk \d+ failed \(A worker thread exited .* \(on worker w3, host .*\)\); retrying/);

  const hang = await rejectionOf(
    processDataset({
      input,
      task: new URL('hang.mjs', `file://${TASKS_DIR}`),
      params: { at: '100' },
      timeout: 300,
      retries: 1,
      cluster,
    }).result,
  );
  expect(hang.code).toBe('ERR_CHUNK_TIMEOUT');
  expect(hang.message).toMatch(/ran longer than the timeout \(300 ms\); its worker was stopped \(on worker w3, host /);
});
