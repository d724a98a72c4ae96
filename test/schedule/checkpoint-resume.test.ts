/**
 * Checkpoint and resume: a job killed with SIGKILL part-way (a real child process) resumes from
 * its journal, skips the chunks done before the kill, and returns exactly the result of an
 * uninterrupted run. A journal that does not match the input or the options is refused.
 */
import { appendFileSync, existsSync, utimesSync } from 'node:fs';
import { beforeAll, expect, test } from 'vitest';
import { count, processDataset, processSerial, sum } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { settle } from '../helpers/events.ts';
import { killPartWay } from '../helpers/checkpoint-kill.ts';
import { journalEntries as entries } from '../helpers/jobs.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
let input = '';
const task = new URL('../../fixtures/tasks/slow-sum.mjs', import.meta.url);

beforeAll(async () => {
  input = `${tmp.dir}/sales.csv`;
  await generate(input, 'sales', { rows: 60_000, seed: 5 }); // ~2.7 MB: ~40 chunks of 64 KiB
}, 60_000);

test('kill -9 part-way, then resume: done chunks are skipped and the result is exact', {
  timeout: 120_000,
}, async () => {
  const journal = `${tmp.dir}/sales.journal`;
  const { held, before } = await killPartWay(input, journal, `${tmp.dir}/sales.gate`);

  held.open();
  const params = { column: 'amount', msPerChunk: 20, gate: held.path }; // the journal's options
  const resumed = await processDataset({ input, task, params, workers: 2, chunkSize: 64 << 10, checkpoint: journal })
    .result;
  const uninterrupted = await processSerial({ input, task, params: { column: 'amount' } });
  expect(resumed.value).toStrictEqual(uninterrupted.value);
  expect(resumed.stats.rows).toBe(uninterrupted.stats.rows);
  // Every journaled chunk was reused (a line cut short by the kill at most is redone).
  expect(resumed.stats.chunksResumed).toBeGreaterThanOrEqual(before - 1);
  expect(resumed.stats.chunksResumed).toBeLessThan(resumed.stats.chunks);
  expect(existsSync(journal)).toBe(false); // removed after success
});

test('an aggregate cancelled part-way resumes to the exact rows', { timeout: 60_000 }, async () => {
  const journal = `${tmp.dir}/agg.journal`;
  const aggregate = { groupBy: ['region'], measures: { n: count(), amount: sum('amount') } };
  const job = processDataset({ input, aggregate, workers: 2, chunkSize: 32 << 10, checkpoint: journal });
  let merged = 0;
  job.on('chunk', () => {
    if (++merged === 20) job.cancel();
  });
  expect((await rejectionOf(job.result)).code).toBe('ABORT_ERR');
  await settle(200);
  expect(entries(journal)).toBeGreaterThanOrEqual(20);
  const resumed = await processDataset({ input, aggregate, workers: 2, chunkSize: 32 << 10, checkpoint: journal })
    .result;
  expect(resumed.rows).toStrictEqual((await processSerial({ input, aggregate })).rows);
  expect(resumed.stats.chunksResumed).toBeGreaterThanOrEqual(20);
});

test('a journal for other options or a changed input is refused with ERR_CHECKPOINT_MISMATCH', {
  timeout: 60_000,
}, async () => {
  const journal = `${tmp.dir}/other.journal`;
  const aggregate = { measures: { n: count() } };
  const job = processDataset({ input, aggregate, workers: 2, chunkSize: 32 << 10, checkpoint: journal });
  job.on('chunk', (c) => c.index === 5 && job.cancel());
  await rejectionOf(job.result);
  expect(entries(journal)).toBeGreaterThan(0);
  const otherChunks = await rejectionOf(
    processDataset({ input, aggregate, chunkSize: 16 << 10, checkpoint: journal }).result,
  );
  expect(otherChunks).toMatchObject({ code: 'ERR_CHECKPOINT_MISMATCH', option: 'checkpoint', file: journal });
  const otherWork = await rejectionOf(
    processDataset({ input, aggregate: { measures: { m: count() } }, chunkSize: 32 << 10, checkpoint: journal }).result,
  );
  expect(otherWork.code).toBe('ERR_CHECKPOINT_MISMATCH');
  utimesSync(input, new Date(), new Date(Date.now() + 5_000)); // the input "changed"
  const touched = await rejectionOf(
    processDataset({ input, aggregate, chunkSize: 32 << 10, checkpoint: journal }).result,
  );
  expect(touched.code).toBe('ERR_CHECKPOINT_MISMATCH');
  expect(touched.hint).toMatch(/delete it to start over/);
  expect(entries(journal)).toBeGreaterThan(0); // refused, not overwritten
});

test('checkpoint needs a plain CSV file and an aggregate or a task', async () => {
  const stream = await rejectionOf(
    processDataset({ input: [{ a: 1 }], aggregate: { measures: { n: count() } }, checkpoint: `${tmp.dir}/x` }).result,
  );
  expect(stream).toMatchObject({ code: 'ERR_INVALID_OPTION', option: 'checkpoint' });
  const transform = await rejectionOf(
    processDataset({ input, transform: task, output: { path: `${tmp.dir}/o.csv` }, checkpoint: `${tmp.dir}/y` }).result,
  );
  expect(transform).toMatchObject({ code: 'ERR_INVALID_OPTION', option: 'checkpoint' });
});

test('a journal cut short by a crash: a torn key line starts afresh, a torn last line is cut off before appending', {
  timeout: 60_000,
}, async () => {
  const aggregate = { measures: { n: count() } };
  const tornKey = tmp.file('torn-key.journal', '{"chunkmill":1,"ke');
  expect((await processDataset({ input, aggregate, chunkSize: 32 << 10, checkpoint: tornKey }).result).rows).toEqual([
    { n: 60_000 },
  ]);

  const journal = `${tmp.dir}/torn-line.journal`;
  const cancelAt = async (n: number) => {
    const job = processDataset({ input, aggregate, workers: 2, chunkSize: 32 << 10, checkpoint: journal });
    let merged = 0;
    job.on('chunk', () => ++merged === n && job.cancel());
    await rejectionOf(job.result);
    await settle(100);
  };
  await cancelAt(10);
  const before = entries(journal);
  appendFileSync(journal, 'AAAAAAA'); // a line cut short, without its newline
  await cancelAt(before + 10);
  const resumed = await processDataset({ input, aggregate, workers: 2, chunkSize: 32 << 10, checkpoint: journal })
    .result;
  expect(resumed.rows).toEqual([{ n: 60_000 }]);
  expect(resumed.stats.chunksResumed).toBeGreaterThanOrEqual(before + 10);
});

test('a task module changed since the journal was written is refused, not resumed', { timeout: 60_000 }, async () => {
  // A module of its own (no import: it lives outside the package), edited between the runs.
  const copy = tmp.file(
    'my-task.mjs',
    'export default { init: () => 0, reduce: (n) => n + 1, combine: (a, b) => a + b };\n',
  );
  const journal = `${tmp.dir}/module.journal`;
  const job = processDataset({ input, task: copy, workers: 2, chunkSize: 32 << 10, checkpoint: journal });
  job.on('chunk', (c) => c.index === 5 && job.cancel());
  await rejectionOf(job.result);
  appendFileSync(copy, '\n// fixed a bug\n');
  expect(entries(journal)).toBeGreaterThan(0);
  const error = await rejectionOf(
    processDataset({ input, task: copy, workers: 2, chunkSize: 32 << 10, checkpoint: journal }).result,
  );
  expect(error.code).toBe('ERR_CHECKPOINT_MISMATCH');
  expect(error.message).toMatch(/task module/);
});
