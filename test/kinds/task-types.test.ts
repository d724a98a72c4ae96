/**
 * Types flow end to end: taskModule<typeof import(...)> gives job.result (and processSerial) the
 * task's finalize() type; a plain URL gives unknown. Checked by the type-check step of npm test
 * (expectTypeOf) and at run time.
 */
import { expect, expectTypeOf, test } from 'vitest';
import {
  processDataset,
  processSerial,
  taskModule,
  type JobStats,
  type TaskResult,
  type TransformResult,
} from 'chunkmill';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const input = tmp.file('amounts.csv', 'id,amount\na,1.5\nb,\nc,2\n');
const url = new URL('../../fixtures/tasks/sum-column.mjs', import.meta.url);

test('taskModule carries the result type', { timeout: 30_000 }, async () => {
  const task = taskModule<typeof import('../../fixtures/tasks/sum-column.mjs')>(url);
  const job = processDataset({ input, task, params: { column: 'amount' }, workers: 2, chunkSize: 8 });
  expectTypeOf(job.result).resolves.toEqualTypeOf<
    TaskResult<{ rows: number; sum: number } & { mean: number | null }>
  >();
  const { value, stats } = await job.result;
  expectTypeOf(stats).toEqualTypeOf<JobStats>();
  expect(value).toEqual({ rows: 3, sum: 3.5, mean: 3.5 / 3 });
  const serial = await processSerial({ input, task, params: { column: 'amount' } });
  expectTypeOf(serial.value.mean).toEqualTypeOf<number | null>();
  expect(serial.value).toEqual(value);
});

test('a plain URL gives unknown; a transform gives TransformResult', () => {
  expectTypeOf(processDataset({ input, task: url }).result).resolves.toEqualTypeOf<TaskResult<unknown>>();
  expectTypeOf(
    processDataset({ input, transform: url, output: { path: `${tmp.dir}/x.csv` } }).result,
  ).resolves.toEqualTypeOf<TransformResult>();
});
