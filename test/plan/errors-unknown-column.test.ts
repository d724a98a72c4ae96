/**
 * A column named in the aggregate that the header lacks is ERR_UNKNOWN_COLUMN, naming the column
 * and the option, found before any worker starts (no `start` event), the same from serial and
 * parallel runs. Without a header, columns are "1", "2", ...
 */
import { expect, test } from 'vitest';
import { count, max, processDataset, processSerial, sum, type ProcessOptions } from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { record, settle } from '../helpers/events.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const input = tmp.file('sales.csv', 'region,product,amount\nnorth,widget,10\nsouth,gadget,20\n');

async function expectUnknown(options: ProcessOptions, column: string, option: string): Promise<void> {
  for (const chunkSize of [1, 7, 4096]) {
    const job = processDataset({ ...options, chunkSize, workers: 2 });
    const events = record(job);
    const error = await rejectionOf(job.result);
    await settle();
    expect(error).toMatchObject({ code: 'ERR_UNKNOWN_COLUMN', column, option });
    expect(error.message).toContain(JSON.stringify(column));
    // Found while planning: no start, no progress, no chunk; only the error.
    expect(events.map((e) => e.name)).toEqual(['error']);
  }
  const serial = await rejectionOf(processSerial(options));
  expect(serial).toMatchObject({ code: 'ERR_UNKNOWN_COLUMN', column, option });
}

test('an unknown group-by column', { timeout: 30_000 }, async () => {
  await expectUnknown(
    { input, aggregate: { groupBy: ['regoin'], measures: { n: count() } } },
    'regoin',
    'aggregate.groupBy[0]',
  );
});

test('the second group-by column unknown', { timeout: 30_000 }, async () => {
  await expectUnknown(
    { input, aggregate: { groupBy: ['region', 'Product'], measures: { n: count() } } },
    'Product',
    'aggregate.groupBy[1]',
  );
});

test('an unknown measure column', { timeout: 30_000 }, async () => {
  await expectUnknown(
    { input, aggregate: { groupBy: ['region'], measures: { n: count(), total: sum('amout') } } },
    'amout',
    'aggregate.measures.total',
  );
});

test('without a header, columns are numbered from 1', { timeout: 30_000 }, async () => {
  const options = { input, csv: { header: false }, aggregate: { groupBy: ['1'], measures: { top: max('4') } } };
  await expectUnknown(options, '4', 'aggregate.measures.top');
});

test('the message lists the columns there are', { timeout: 30_000 }, async () => {
  const error = await rejectionOf(processSerial({ input, aggregate: { groupBy: ['x'], measures: { n: count() } } }));
  expect(error.message).toContain('"region", "product", "amount"');
  expect(error.file).toBe(input);
});

test('a did-you-mean: the same name in another case, else the nearest within a few edits', async () => {
  const hint = async (column: string) =>
    (await rejectionOf(processSerial({ input, aggregate: { groupBy: [column], measures: { n: count() } } }))).hint;
  expect(await hint('Region')).toBe('did you mean "region"?');
  expect(await hint('regoin')).toBe('did you mean "region"?');
  expect(await hint('prodcut')).toBe('did you mean "product"?');
  expect(await hint('amnt')).toBe('did you mean "amount"?');
  expect(await hint('zzz')).toBeUndefined();
  expect(await hint('customer')).toBeUndefined();
});
