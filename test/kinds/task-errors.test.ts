/**
 * A task module that does not load, has no valid default export, or throws in setup, init,
 * reduce, combine or finalize fails the job with a stable code and the task's own message;
 * reduce failures name the file line of the row that threw. Serial and parallel agree, and no
 * worker thread outlives the failed job.
 */
import { expect, test } from 'vitest';
import { processDataset, processSerial, type TaskOptions } from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { baseline, expectNoWorkersLeft } from '../helpers/threads.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const lines = ['id,amount', ...Array.from({ length: 300 }, (_, i) => `r${i},${i}`)];
const input = tmp.file('rows.csv', lines.join('\n') + '\n');
const module = (name: string) => new URL(`../../fixtures/tasks/${name}.mjs`, import.meta.url);

async function expectEverywhere(options: TaskOptions, code: string, message: RegExp, line?: number): Promise<void> {
  const serial = await rejectionOf(processSerial(options));
  expect(serial.code, 'serial').toBe(code);
  expect(serial.message).toMatch(message);
  expect(serial.line).toBe(line);
  for (const [chunkSize, workers] of [
    [64, 2],
    [1000, 3],
  ] as const) {
    const before = baseline();
    const error = await rejectionOf(processDataset({ ...options, chunkSize, workers }).result);
    expect(error.code, `chunkSize ${chunkSize}`).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.line, `chunkSize ${chunkSize}`).toBe(line);
    await expectNoWorkersLeft(before);
  }
}

test('a module that does not load: ERR_TASK_LOAD with the import error', { timeout: 60_000 }, async () => {
  await expectEverywhere(
    { input, task: module('does-not-load') },
    'ERR_TASK_LOAD',
    /Cannot load the task module .*does-not-load\.mjs: .*nowhere\.mjs/,
  );
});

test('a missing file: ERR_TASK_LOAD', { timeout: 60_000 }, async () => {
  await expectEverywhere({ input, task: module('no-such-task') }, 'ERR_TASK_LOAD', /no-such-task\.mjs/);
});

test('no default export, or one without reduce/combine: ERR_TASK_INVALID', { timeout: 60_000 }, async () => {
  await expectEverywhere(
    { input, task: module('no-default') },
    'ERR_TASK_INVALID',
    /has no default export; its default export must be defineTask/,
  );
  await expectEverywhere({ input, task: module('not-a-task') }, 'ERR_TASK_INVALID', /has no combine\(\) function/);
});

test.each(['setup', 'init', 'combine', 'finalize'])(
  'a throw in %s: ERR_TASK_FAILED with its message',
  { timeout: 60_000 },
  async (step) => {
    const options = { input, task: module('throws'), params: { in: step } };
    if (step === 'combine') {
      // combine only runs with two or more chunks: the serial run has one.
      const error = await rejectionOf(processDataset({ ...options, chunkSize: 64, workers: 2 }).result);
      expect(error.code).toBe('ERR_TASK_FAILED');
      expect(error.message).toBe('combine() threw: boom in combine');
      return;
    }
    await expectEverywhere(options, 'ERR_TASK_FAILED', new RegExp(`^${step}\\(\\) threw: boom in ${step}$`));
  },
);

test('a throw in reduce: ERR_TASK_FAILED at the file line of the row', { timeout: 60_000 }, async () => {
  // r150 is on line 152: the header is line 1, r0 line 2.
  await expectEverywhere(
    { input, task: module('throws'), params: { in: 'reduce', at: 'r150' } },
    'ERR_TASK_FAILED',
    /^reduce\(\) threw: bad row r150 \(.*rows\.csv:152, byte \d+\)$/,
    152,
  );
});

test('a bad number read through row.number(): ERR_CSV_BAD_NUMBER with line and column', {
  timeout: 60_000,
}, async () => {
  const bad = tmp.file('bad.csv', 'id,amount\na,1\nb,x2\n');
  await expectEverywhere(
    { input: bad, task: module('sum-column'), params: { column: 'amount' } },
    'ERR_CSV_BAD_NUMBER',
    /"x2" is not a number .*bad\.csv:3, column "amount"/,
    3,
  );
  const skipped = await processSerial({
    input: bad,
    task: module('sum-column'),
    params: { column: 'amount' },
    onBadNumber: 'skip',
  });
  expect(skipped.value).toMatchObject({ rows: 2, sum: 1 });
});

test('an unknown column name in row.get(): ERR_UNKNOWN_COLUMN on the first row', { timeout: 60_000 }, async () => {
  await expectEverywhere(
    { input, task: module('sum-column'), params: { column: 'amuont' } },
    'ERR_UNKNOWN_COLUMN',
    /No column "amuont" in this row; the columns are "id", "amount"/,
    2,
  );
});

test('an accumulator that cannot cross threads: ERR_TASK_FAILED saying so, serial and parallel alike', {
  timeout: 60_000,
}, async () => {
  await expectEverywhere(
    { input, task: module('function-acc'), retries: 0 },
    'ERR_TASK_FAILED',
    /^The accumulator cannot be sent between threads: .*could not be cloned/,
  );
});
