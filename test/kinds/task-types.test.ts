/**
 * Types flow end to end: taskModule<typeof import(...)> gives job.result (and processSerial) the
 * task's finalize() type; a plain URL gives unknown. Checked by the type-check step of npm test
 * (expectTypeOf) and at run time.
 */
import { expect, expectTypeOf, test } from 'vitest';
import {
  defineTask,
  processDataset,
  processSerial,
  taskModule,
  type JobStats,
  type TaskDefinition,
  type TaskResult,
  type TaskResultOf,
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

test('defineTask<Params>() types ctx.params and infers the accumulator and result', () => {
  interface Params {
    min: number;
  }
  const task = defineTask<Params>()({
    init: () => ({ orders: 0, long: 0 }),
    reduce(acc, row, ctx) {
      expectTypeOf(ctx.params).toEqualTypeOf<Params>();
      acc.orders++;
      if ((row.number('quantity') ?? 0) >= ctx.params.min) acc.long++;
    },
    combine: (a, b) => ({ orders: a.orders + b.orders, long: a.long + b.long }),
    finalize: (acc, ctx) => ({ ...acc, min: ctx.params.min }),
  });
  expectTypeOf(task).toEqualTypeOf<
    TaskDefinition<{ orders: number; long: number }, { orders: number; long: number; min: number }, Params>
  >();
  expectTypeOf<TaskResultOf<typeof task>>().toEqualTypeOf<{ orders: number; long: number; min: number }>();
  // Without finalize the result is the accumulator.
  const counter = defineTask<Params>()({ init: () => 0, reduce: (n) => n + 1, combine: (a, b) => a + b });
  expectTypeOf<TaskResultOf<typeof counter>>().toEqualTypeOf<number>();
  // @ts-expect-error: Params has no 'max'
  defineTask<Params>()({ init: () => 0, reduce: (n, _row, ctx) => n + ctx.params.max, combine: (a, b) => a + b });
  // Both forms return the definition itself: nothing wraps the user's functions.
  const definition = { init: () => 0, reduce: (n: number) => n + 1, combine: (a: number, b: number) => a + b };
  expect(defineTask<Params>()(definition)).toBe(definition);
  expect(defineTask(definition)).toBe(definition);
});
