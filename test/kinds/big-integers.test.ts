/**
 * Integers beyond 2^53 - 1 are exact in sum, min and max (a BigInt in the library's rows), as
 * DuckDB's BIGINT / HUGEINT are, and every chunking gives the serial answer: the aggregate (by
 * runMatrix), the group-measures task and the stats task.
 */
import { expect, test } from 'vitest';
import {
  groupMeasuresTask,
  max,
  mean,
  min,
  processDataset,
  processSerial,
  statsTask,
  sum,
  type GroupMeasuresParams,
  type StatsResult,
} from 'chunkmill';
import { QUICK_MATRIX, runMatrix } from '../helpers/matrix.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();

// Interleaved groups, so that every chunking splits each group differently.
// a: big integers, whose doubles tie (…992 for …993 and …992); b: safe integers whose sum passes
// 2^53; c: a double beyond 2^53 (an exponent) among big integers: its sum is a double;
// d: negative big integers and an ordinary value; e: only ordinary values.
const LINES = [
  'a,9007199254740993',
  'b,4503599627370497',
  'c,9007199254740993',
  'd,-9223372036854775808',
  'e,1.5',
  'a,9007199254740992',
  'b,4503599627370497',
  'c,9.007199254740993e15',
  'd,5',
  'a,9223372036854775807',
  'b,1',
  'c,9007199254740995',
  'd,-9007199254740993',
  'e,-2',
  'a,9007199254740993',
];
const input = () => tmp.file('big.csv', 'g,v\n' + LINES.join('\n') + '\n');

const EXPECTED = [
  {
    g: 'a',
    s: 9007199254740993n + 9007199254740992n + 9223372036854775807n + 9007199254740993n,
    lo: 9007199254740992n,
    hi: 9223372036854775807n,
  },
  { g: 'b', s: 9007199254740995n, lo: 1, hi: 4503599627370497 },
  // 9007199254740993 + 9007199254740992 (the double of the exponent form) + 9007199254740995, rounded once.
  { g: 'c', s: 27021597764222980, lo: 9007199254740992, hi: 9007199254740995n },
  { g: 'd', s: -9223372036854775808n + 5n - 9007199254740993n, lo: -9223372036854775808n, hi: 5 },
  { g: 'e', s: -0.5, lo: -2, hi: 1.5 },
];

test('the aggregate: exact sums, mins and maxes at every chunk size x worker count', { timeout: 120_000 }, async () => {
  const { rows } = await runMatrix(
    {
      input: input(),
      aggregate: { groupBy: ['g'], measures: { s: sum('v'), lo: min('v'), hi: max('v'), m: mean('v') } },
    },
    QUICK_MATRIX,
  );
  expect(rows.map(({ m: _, ...rest }) => rest)).toStrictEqual(EXPECTED);
  // A mean is a double (as DuckDB's avg), from the exact sum.
  expect(rows[0]!.m).toBe(Number(EXPECTED[0]!.s) / 4);
});

test('the group-measures task: the same figures, at every chunking', { timeout: 60_000 }, async () => {
  const params: GroupMeasuresParams = {
    groupBy: ['g'],
    measures: [
      { name: 's', kind: 'sum', column: 'v' },
      { name: 'lo', kind: 'min', column: 'v' },
      { name: 'hi', kind: 'max', column: 'v' },
    ],
  };
  const file = input();
  const serial = await processSerial({ input: file, task: groupMeasuresTask.url, params });
  expect(serial.value).toStrictEqual(EXPECTED);
  for (const chunkSize of [1, 7, 64])
    expect(
      (await processDataset({ input: file, task: groupMeasuresTask.url, params, chunkSize, workers: 2 }).result).value,
    ).toStrictEqual(EXPECTED);
});

test('stats: exact min and max of a column of big integers, at every chunking; leading zeros are text', {
  timeout: 60_000,
}, async () => {
  const file = tmp.file(
    'stats.csv',
    'v,zip\n9007199254740993,00501\n9007199254740992,10001\n-9223372036854775808,0\n9007199254740993,02134\n5,7\n',
  );
  const run = async (chunkSize?: number) =>
    (
      (chunkSize === undefined
        ? await processSerial({ input: file, task: statsTask.url })
        : await processDataset({ input: file, task: statsTask.url, chunkSize, workers: 2 }).result) as {
        value: StatsResult;
      }
    ).value;
  const serial = await run();
  expect(serial.columns[0]).toMatchObject({ type: 'integer', min: -9223372036854775808n, max: 9007199254740993n });
  expect(serial.columns[1]).toMatchObject({ type: 'string', min: '0', max: '7' });
  for (const chunkSize of [1, 7, 64]) expect(await run(chunkSize)).toStrictEqual(serial);
});
