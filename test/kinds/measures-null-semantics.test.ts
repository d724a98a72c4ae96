/**
 * NULL semantics of the measures: an empty field (plain or quoted "") is NULL, skipped by sum,
 * min, max and mean but counted by count(); a measure over no values is null (not 0); without a
 * groupBy there is always exactly one row, even for an empty file; with a groupBy and no records
 * there are no rows. Mean is the exact sum divided by the number of values (not rows).
 */
import { expect, test } from 'vitest';
import { count, max, mean, min, processSerial, sum } from 'chunkmill';
import { QUICK_MATRIX, runMatrix } from '../helpers/matrix.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const measures = { n: count(), s: sum('v'), lo: min('v'), hi: max('v'), avg: mean('v') };

test('empty and quoted-empty values are NULL; a group of NULLs has null measures and a count', {
  timeout: 120_000,
}, async () => {
  const input = tmp.file('nulls.csv', 'g,v\na,\nb,4\na,""\nb,\nb,-1\nc,0\n');
  const { rows } = await runMatrix({ input, aggregate: { groupBy: ['g'], measures } }, QUICK_MATRIX);
  expect(rows).toStrictEqual([
    { g: 'a', n: 2, s: null, lo: null, hi: null, avg: null },
    { g: 'b', n: 3, s: 3, lo: -1, hi: 4, avg: 1.5 }, // mean over the 2 values, not the 3 rows
    { g: 'c', n: 1, s: 0, lo: 0, hi: 0, avg: 0 }, // 0 is a value, not NULL
  ]);
});

test('no groupBy: one global row, also when every value is NULL', { timeout: 60_000 }, async () => {
  const input = tmp.file('all-null.csv', 'g,v\na,\nb,\n');
  const { rows } = await runMatrix({ input, aggregate: { measures } }, { chunkSizes: [1, 3, 64], workers: [1, 2] });
  expect(rows).toStrictEqual([{ n: 2, s: null, lo: null, hi: null, avg: null }]);
});

test('no records: one global row without groupBy, no rows with one', { timeout: 60_000 }, async () => {
  for (const [name, text] of [
    ['empty.csv', ''],
    ['header-only.csv', 'g,v\n'],
    ['header-no-newline.csv', 'g,v'],
    ['blank-lines.csv', 'g,v\n\n\r\n'],
  ] as const) {
    const input = tmp.file(name, text);
    const global = await runMatrix({ input, aggregate: { measures } }, { chunkSizes: [1, 4096], workers: [1, 2] });
    expect(global.rows, name).toStrictEqual([{ n: 0, s: null, lo: null, hi: null, avg: null }]);
    expect(global.stats.rows, name).toBe(0);
    const grouped = await processSerial({ input, aggregate: { groupBy: ['g'], measures } });
    expect(grouped.rows, name).toStrictEqual([]);
  }
});
