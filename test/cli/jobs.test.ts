/**
 * The job commands through the real binary: `submit` queues what aggregate/convert/stats/run
 * would run (same flags) and prints the id; `jobs list|show|cancel|rm` see and change the store
 * from another process while an engine runs; `engine` runs a store's jobs until SIGTERM.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { createEngine, openQueue, processSerial, sum, count } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { collect, runCli, startCli } from '../helpers/cli.ts';
import { waitForState } from '../helpers/jobs.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();

test('submit queues the job its command would run; jobs list/show/cancel/rm read and change the store', {
  timeout: 60_000,
}, async () => {
  const input = `${tmp.dir}/sales.csv`;
  await generate(input, 'sales', { rows: 20_000, seed: 4 });
  const store = `${tmp.dir}/jobs.db`;
  const submitted = await runCli([
    'submit',
    '--store',
    store,
    '--name',
    'by region',
    'aggregate',
    input,
    '-g',
    'region',
    '--sum',
    'amount',
    '--count',
    '--memory-budget',
    '64MiB',
  ]);
  expect(submitted).toMatchObject({ code: 0, stderr: '' });
  const id = submitted.stdout.trim();
  const converted = await runCli([
    'submit',
    '--store',
    store,
    'convert',
    input,
    '--select',
    'region',
    '-o',
    `${tmp.dir}/out.ndjson`,
  ]);
  const later = await runCli(['submit', '--store', store, '--delay', '3600000', 'stats', input]);
  expect([converted.code, later.code]).toEqual([0, 0]);

  expect(await runCli(['submit', '--store', store, 'aggregate', input, '-o', 'x.csv'])).toMatchObject({ code: 2 });
  expect((await runCli(['submit', '--store', store, 'aggregate', '-'])).stderr).toMatch(/reads a file/);

  const queue = openQueue(store);
  expect((await queue.get(id))?.spec).toMatchObject({ memoryBudget: 64 * 2 ** 20 });
  const engine = await createEngine({ store, workers: 2 });
  await waitForState(queue, id, ['succeeded']);
  await waitForState(queue, converted.stdout.trim(), ['succeeded']);
  await engine.close();
  const aggregate = { groupBy: ['region'], measures: { sum_amount: sum('amount'), count: count() } };
  const expected = (await processSerial({ input, aggregate })).rows;

  const shown = await runCli(['jobs', 'show', id, '--store', store]);
  expect(shown.code).toBe(0);
  const record = JSON.parse(shown.stdout) as { name: string; state: string; result: { rows: unknown[] } };
  expect(record).toMatchObject({ name: 'by region', state: 'succeeded' });
  expect(Object.keys(record.result.rows[0]!)).toEqual(['region', 'sum_amount', 'count']); // flag order
  expect(record.result.rows).toEqual(expected);
  expect(readFileSync(`${tmp.dir}/out.ndjson`, 'utf8').split('\n')[0]).toMatch(/^\{"region":/);

  const listed = await runCli(['jobs', 'list', '--store', store, '--format', 'json']);
  const rows = JSON.parse(listed.stdout) as { id: string; state: string; name: string | null }[];
  expect(rows.map((r) => [r.id, r.state])).toEqual([
    [later.stdout.trim(), 'queued'],
    [converted.stdout.trim(), 'succeeded'],
    [id, 'succeeded'],
  ]);
  const page = await runCli(['jobs', 'list', '--store', store, '--limit', '1', '--state', 'succeeded']);
  expect(page.stderr).toBe(`more: --cursor ${converted.stdout.trim()}\n`);

  expect(await runCli(['jobs', 'cancel', later.stdout.trim(), '--store', store])).toMatchObject({ code: 0 });
  expect((await queue.get(later.stdout.trim()))!.state).toBe('cancelled');
  expect(await runCli(['jobs', 'rm', id, '--store', store])).toMatchObject({ code: 0 });
  expect(await queue.get(id)).toBe(null);
  const gone = await runCli(['jobs', 'show', id, '--store', store]);
  expect(gone.code).toBe(1);
  expect(gone.stderr).toMatch(/\[ERR_JOB_NOT_FOUND\]/);
  await queue.close();
});

test('engine runs the store until SIGTERM, then hands running jobs back', { timeout: 60_000 }, async () => {
  const input = `${tmp.dir}/small.csv`;
  await generate(input, 'sales', { rows: 5_000, seed: 2 });
  const store = `${tmp.dir}/engine.db`;
  const queue = openQueue(store);
  const job = await queue.add({ input, aggregate: { measures: { n: count() } } });
  const child = startCli(['engine', '--store', store, '--workers', '1']);
  const done = collect(child);
  // The engine says so once it has stored the outcome: waited for, not slept on (on a loaded
  // machine a SIGTERM sent a fixed time after the store said succeeded could come first).
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.on('exit', () => reject(new Error(`the engine exited: ${stderr}`)));
    child.stderr.on('data', (d: string) => {
      stderr += d;
      if (stderr.includes(`job ${job.id} succeeded`)) resolve();
    });
  });
  expect((await queue.get(job.id))!.state).toBe('succeeded');
  child.kill('SIGTERM');
  const result = await done;
  expect(result.code).toBe(0);
  expect(result.stderr).toMatch(new RegExp(`job ${job.id} started\\n[^]*job ${job.id} succeeded`));
  expect(await queue.result(job.id)).toMatchObject({ rows: [{ n: 5_000 }] });
  await queue.close();
});

test('engine --data-dir: a job may open files only inside it, checked when it opens them; the store is out of reach', {
  timeout: 60_000,
}, async () => {
  const data = `${tmp.dir}/data`;
  mkdirSync(data, { recursive: true });
  writeFileSync(`${data}/in.csv`, 'region,amount\nnorth,1\nsouth,2\n');
  writeFileSync(`${tmp.dir}/outside.csv`, 'region,amount\nnorth,1\n');
  const store = `${data}/confined.db`; // inside the data dir, yet no job may open it
  const queue = openQueue(store);
  const aggregate = { measures: { n: count() } };
  const inside = await queue.add({ input: `${data}/in.csv`, aggregate });
  const outside = await queue.add({ input: `${tmp.dir}/outside.csv`, aggregate });
  const theStore = await queue.add({ input: store, aggregate });
  const child = startCli(['engine', '--store', store, '--workers', '1', '--data-dir', data]);
  const done = collect(child);
  try {
    for (const job of [inside, outside, theStore]) await waitForState(queue, job.id, ['succeeded', 'failed'], 30_000);
  } finally {
    child.kill('SIGTERM');
  }
  expect((await done).code).toBe(0);
  expect(await queue.result(inside.id)).toMatchObject({ rows: [{ n: 2 }] });
  expect((await queue.get(outside.id))!.error).toMatchObject({ code: 'ERR_PATH_FORBIDDEN' });
  expect((await queue.get(theStore.id))!.error).toMatchObject({ code: 'ERR_PATH_FORBIDDEN' });
  await queue.close();
});
