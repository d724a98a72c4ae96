/**
 * A job spec is checked by processDataset's own validate() and refused by add() with
 * ERR_INVALID_OPTION naming the option: a bad spec never enters the queue. What cannot be
 * stored (streams, arrays, signals, functions, class instances) is refused the same way.
 */
import { Readable } from 'node:stream';
import { expect, test } from 'vitest';
import { count, openQueue, sum, type JobSpec } from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const queue = openQueue(`${tmp.dir}/jobs.db`);
const aggregate = { measures: { n: count() } };

test.each([
  ['input', { input: Readable.from(['a\n1\n']), aggregate }],
  ['input', { input: [{ a: 1 }], aggregate }],
  ['signal', { input: 'x.csv', aggregate, signal: new AbortController().signal }],
  ['workerResourceLimits', { input: 'x.csv', aggregate, workerResourceLimits: { maxOldGenerationSizeMb: 64 } }],
  ['checkpoint', { input: 'x.csv', aggregate, checkpoint: 'x.journal' }],
  ['cluster', { input: 'x.csv', aggregate, cluster: { redis: 'redis://127.0.0.1:6379' } }],
  ['chunkSize', { input: 'x.csv', aggregate, chunkSize: 0 }],
  ['csv.delimeter', { input: 'x.csv', aggregate, csv: { delimeter: ';' } }],
  ['aggregate.measures.total', { input: 'x.csv', aggregate: { measures: { total: sum(undefined as never) } } }],
  ['colour', { input: 'x.csv', aggregate, colour: 'red' }],
  ['params.when', { input: 'x.csv', task: 'task.mjs', params: { when: new Date() } }],
  ['params.f', { input: 'x.csv', task: 'task.mjs', params: { f: () => 1 } }],
  ['params.big', { input: 'x.csv', task: 'task.mjs', params: { big: 1n } }],
  ['params.list[1]', { input: 'x.csv', task: 'task.mjs', params: { list: [1, Number.NaN] } }],
  ['output', { input: 'x.csv', transform: 't.mjs', output: { stream: process.stdout } }],
])('%s is refused before it is queued', async (option, spec) => {
  const error = await rejectionOf(queue.add(spec as unknown as JobSpec));
  expect(error).toMatchObject({ code: 'ERR_INVALID_OPTION', option });
  expect((await queue.list()).jobs).toEqual([]);
});

test('add options are checked too: priority, delay, attempts, repeat', async () => {
  const spec = { input: 'x.csv', aggregate };
  expect(await rejectionOf(queue.add(spec, { priority: 1.5 }))).toMatchObject({ option: 'priority' });
  expect(await rejectionOf(queue.add(spec, { delay: -1 }))).toMatchObject({ option: 'delay' });
  expect(await rejectionOf(queue.add(spec, { attempts: 0 }))).toMatchObject({ option: 'attempts' });
  expect(await rejectionOf(queue.add(spec, { repeat: { cron: '61 * * * *' } }))).toMatchObject({
    option: 'repeat.cron',
  });
  expect(await rejectionOf(queue.add(spec, { repeat: { cron: '* * * * *', tz: 'Mars/Olympus' } }))).toMatchObject({
    option: 'repeat.tz',
  });
  expect((await queue.list()).jobs).toEqual([]);
  expect(await queue.repeatRules()).toEqual([]);
});

test('paths are stored absolute (the engine may run elsewhere); modules as file: URLs', async () => {
  const job = await queue.add({ input: 'data/sales.csv', task: './tasks/t.mjs', params: { top: 3 } });
  expect(job.spec).toEqual({
    input: `${process.cwd()}/data/sales.csv`,
    task: `file://${process.cwd()}/tasks/t.mjs`,
    params: { top: 3 },
  });
  await queue.remove(job.id);
});
