/**
 * The group-measures task (behind aggregate's --distinct, --median, --p90): exact distinct counts
 * and interpolated quantiles, and for count/sum/mean/min/max exactly the built-in aggregate's
 * figures, for every chunk size and worker count.
 */
import { expect, test } from 'vitest';
import {
  count,
  groupMeasuresTask,
  max,
  mean,
  min,
  processDataset,
  sum,
  typedValue,
  type GroupMeasuresParams,
} from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const lines = ['g,x,tag'];
// Values with fractions that do not add up exactly in doubles, an empty one, repeats, -0 and 0.
for (let i = 0; i < 400; i++)
  lines.push(
    `${['a', 'b', 'c"d'][i % 3] === 'c"d' ? '"c""d"' : ['a', 'b'][i % 3]},${i % 37 === 0 ? '' : ((i * 7919) % 1000) / 10 - 20.1},t${i % 11}`,
  );
lines.push('a,-0,t0', 'a,0,t0');
const input = tmp.file('groups.csv', lines.join('\n') + '\n');

const PARAMS: GroupMeasuresParams = {
  groupBy: ['g'],
  measures: [
    { name: 'n', kind: 'count' },
    { name: 'total', kind: 'sum', column: 'x' },
    { name: 'avg', kind: 'mean', column: 'x' },
    { name: 'lo', kind: 'min', column: 'x' },
    { name: 'hi', kind: 'max', column: 'x' },
    { name: 'tags', kind: 'distinct', column: 'tag' },
    { name: 'med', kind: 'quantile', column: 'x', q: 0.5 },
    { name: 'p90', kind: 'quantile', column: 'x', q: 0.9 },
  ],
};

/** Type-7 quantile, the slow obvious way: the oracle. */
function quantileOf(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!);
}

test('count, sum, mean, min, max equal the built-in aggregate; distinct and quantiles are exact', {
  timeout: 120_000,
}, async () => {
  const builtIn = await processDataset({
    input,
    aggregate: {
      groupBy: ['g'],
      measures: { n: count(), total: sum('x'), avg: mean('x'), lo: min('x'), hi: max('x') },
    },
  }).result;
  const rowsOf = (text: string) =>
    text
      .split('\n')
      .slice(1, -1)
      .map((l) => {
        const m = /^("(?:[^"]|"")*"|[^,]*),([^,]*),(.*)$/.exec(l)!;
        return { g: m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replaceAll('""', '"') : m[1]!, x: m[2]!, tag: m[3]! };
      });
  const all = rowsOf(lines.join('\n') + '\n');
  for (const [chunkSize, workers] of [
    [7, 3],
    [64, 2],
    [1 << 20, 1],
  ] as const) {
    const { value } = await processDataset({ input, task: groupMeasuresTask, params: PARAMS, chunkSize, workers })
      .result;
    expect(value.map(({ g, n, total, avg, lo, hi }) => ({ g, n, total, avg, lo, hi }))).toStrictEqual(builtIn.rows);
    for (const row of value) {
      const mine = all.filter((r) => r.g === row.g);
      const xs = mine.filter((r) => r.x !== '').map((r) => Number(r.x));
      expect(row.tags, `${row.g}`).toBe(new Set(mine.map((r) => r.tag)).size);
      expect(row.med, `${row.g}`).toBe(quantileOf(xs, 0.5));
      expect(row.p90, `${row.g}`).toBe(quantileOf(xs, 0.9));
    }
  }
});

test('no rows: one global row with nulls; an unknown column fails before the first row, with a suggestion', async () => {
  const empty = tmp.file('empty.csv', 'g,x,tag\n');
  const { value } = await processDataset({
    input: empty,
    task: groupMeasuresTask,
    params: {
      groupBy: [],
      measures: [
        { name: 'n', kind: 'count' },
        { name: 'med', kind: 'quantile', column: 'x', q: 0.5 },
      ],
    },
  }).result;
  expect(value).toEqual([{ n: 0, med: null }]);
  const error = await rejectionOf(
    processDataset({
      input,
      task: groupMeasuresTask,
      params: { groupBy: ['g'], measures: [{ name: 'med', kind: 'quantile', column: 'X', q: 0.5 }] },
    }).result,
  );
  expect(error).toMatchObject({
    code: 'ERR_UNKNOWN_COLUMN',
    option: 'aggregate.measures.med',
    hint: 'did you mean "x"?',
  });
});

test('typedValue: JSON numbers of up to 15 digits become numbers, empty is null, the rest stays text', () => {
  expect(['', '0', '-12', '3.50', '1e6', '-0.25', '123456789012345'].map(typedValue)).toEqual([
    null,
    0,
    -12,
    3.5,
    1e6,
    -0.25,
    123456789012345,
  ]);
  for (const text of ['007', '+1', ' 1', '.5', '1.', '1234567890123456789', 'NaN', 'true', 'N/A', '1,5'])
    expect(typedValue(text), text).toBe(text);
});
