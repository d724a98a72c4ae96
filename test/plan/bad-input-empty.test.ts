/**
 * An empty input is an empty result, never an error: an empty file, a file of blank lines, a
 * lone BOM, with and without a header. Without groupBy there is one row (count 0, the other
 * measures null); with one there are no rows. There is no header to check column names against,
 * so names are not checked; stats say 0 rows and 0 chunks; the job emits start, progress and done.
 */
import { expect, test } from 'vitest';
import { count, max, processDataset, processSerial, sum } from 'chunkmill';
import { record, settle } from '../helpers/events.ts';
import { runMatrix } from '../helpers/matrix.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const TIMEOUT = { timeout: 60_000 };

const EMPTY_INPUTS = [
  ['empty.csv', ''],
  ['blank-lines.csv', '\n\r\n\n'],
  ['bom-only.csv', '\ufeff'],
  ['bom-blank-lines.csv', '\ufeff\r\n\r\n'],
] as const;

for (const header of [true, false]) {
  test.each(EMPTY_INPUTS)(`%s, header: ${header}: an empty result`, TIMEOUT, async (name, text) => {
    const input = tmp.file(`${header}-${name}`, text);
    const csv = { header };
    // Column names are those a header would have had, or numbers: neither can be checked.
    const [key, value] = header ? ['region', 'amount'] : ['1', '2'];
    const global = await runMatrix(
      { input, csv, aggregate: { measures: { n: count(), s: sum(value), hi: max(value) } } },
      { chunkSizes: [1, 4096], workers: [1, 2] },
    );
    expect(global.rows).toStrictEqual([{ n: 0, s: null, hi: null }]);
    expect(global.stats).toMatchObject({
      rows: 0,
      rowsUsed: 0,
      rowsRejected: 0,
      chunks: 0,
      bytes: Buffer.byteLength(text),
    });
    const grouped = await runMatrix(
      { input, csv, aggregate: { groupBy: [key], measures: { n: count() } } },
      { chunkSizes: [1, 4096], workers: [1, 2] },
    );
    expect(grouped.rows).toStrictEqual([]);
  });
}

test('the events of an empty job: start, progress, done; no error', TIMEOUT, async () => {
  const input = tmp.file('events.csv', '');
  const job = processDataset({ input, aggregate: { measures: { n: count() } }, workers: 2, chunkSize: 1 });
  const events = record(job);
  const { rows } = await job.result;
  await settle();
  expect(rows).toStrictEqual([{ n: 0 }]);
  const names = events.map((e) => e.name);
  expect(names[0]).toBe('start');
  expect(names.at(-1)).toBe('done');
  expect(names.at(-2)).toBe('progress');
  expect(names.filter((n) => n !== 'progress')).toEqual(['start', 'done']);
  expect((await processSerial({ input, aggregate: { measures: { n: count() } } })).rows).toStrictEqual([{ n: 0 }]);
});
