/**
 * min and max keep the first of tied values (0 and -0 compare equal), in the chunk and in the
 * merge, so parallel runs give serial's answer bit for bit.
 */
import { expect, test } from 'vitest';
import { max, min } from 'chunkmill';
import { runMatrix } from '../helpers/matrix.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();

test.each([
  ['0 before -0', 'v\n0\n-0\n5\n-0\n', 0, 5],
  ['-0 before 0', 'v\n-0\n0\n-5\n0\n', -5, -0],
  ['only zeros, -0 first', 'v\n-0\n0\n', -0, -0],
])('%s', { timeout: 60_000 }, async (_, text, lo, hi) => {
  const result = await runMatrix({
    input: tmp.file('ties.csv', text),
    aggregate: { measures: { lo: min('v'), hi: max('v') } },
  });
  expect(Object.is(result.rows[0]!.lo, lo)).toBe(true);
  expect(Object.is(result.rows[0]!.hi, hi)).toBe(true);
});
