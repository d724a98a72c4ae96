/**
 * Sums and means are exact (correctly rounded sums of the parsed doubles), so they are
 * bit-identical for every chunk size and worker count, even where naive left-to-right addition
 * would give a different answer for every way of splitting the values.
 */
import { expect, test } from 'vitest';
import { count, mean, sum } from 'chunkmill';
import { runMatrix } from '../helpers/matrix.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();

const options = (input: string) => ({
  input,
  aggregate: { groupBy: ['g'], measures: { n: count(), s: sum('v'), avg: mean('v') } },
});

test('cancellation, 0.1s and 2^53 sum exactly at every chunk size x worker count', { timeout: 120_000 }, async () => {
  // Groups interleaved so that every chunking splits each group's values differently.
  const lines = [
    'a,1e16',
    'b,0.1',
    'c,0.1',
    'd,9007199254740992',
    'a,1',
    'b,0.1',
    'c,0.2',
    'd,1',
    'a,-1e16',
    'b,0.1',
    'c,0.3',
    'd,1',
    'a,1',
    'b,0.1',
    'b,0.1',
    'a,1',
    'b,0.1',
    'b,0.1',
    'b,0.1',
    'b,0.1',
    'b,0.1',
  ];
  const input = tmp.file('exact.csv', 'g,v\n' + lines.join('\n') + '\n');
  const { rows } = await runMatrix(options(input));
  // By hand: a = 1e16 + 1 - 1e16 + 1 + 1 = 3 (naive: 2); b = ten 0.1s = 1 (naive 0.9999999999999999);
  // c = 0.1 + 0.2 + 0.3 = 0.6 (naive 0.6000000000000001); d = 2^53 + 2 (naive 2^53), a sum of
  // integers beyond 2^53 - 1, so exact as a BigInt.
  expect(rows).toStrictEqual([
    { g: 'a', n: 5, s: 3, avg: 3 / 5 },
    { g: 'b', n: 10, s: 1, avg: 1 / 10 },
    { g: 'c', n: 3, s: 0.6, avg: 0.6 / 3 },
    { g: 'd', n: 3, s: 9007199254740994n, avg: 9007199254740994 / 3 },
  ]);
});

test('a running sum that overflows midway still gives the exact sum, at every chunk size', {
  timeout: 60_000,
}, async () => {
  // True sum: 1e308 (representable). Added in file order, 1e308 + 1e308 overflows. The first
  // record is padded to 30 bytes (leading spaces are allowed in numbers) so that 30-byte chunks
  // put it alone in chunk 0 and the other four in chunk 1, whose partial is 0: no overflow.
  const input = tmp.file('overflow.csv', 'g,v\nx,' + ' '.repeat(22) + '1e308\nx,1e308\nx,-1e308\nx,-1e308\nx,1e308\n');
  const { rows } = await runMatrix(options(input), { chunkSizes: [1, 7, 30, 64, 1000], workers: [1, 2] });
  expect(rows).toStrictEqual([{ g: 'x', n: 5, s: 1e308, avg: 1e308 / 5 }]);
});
