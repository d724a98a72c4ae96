/**
 * Groups come out in order of first appearance in the file, whatever the chunking; group keys
 * are the exact field text (no trimming, case-sensitive), and multi-column keys never collide,
 * whatever delimiters or separators the values hold.
 */
import { expect, test } from 'vitest';
import { count, sum } from 'chunkmill';
import { QUICK_MATRIX, runMatrix } from '../helpers/matrix.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();

test('first appearance order across chunk boundaries', { timeout: 120_000 }, async () => {
  // Later chunks see 'a' and 'b' before 'm' and 'z' reappear; order must still be z, a, m, b, A, ' a'.
  const input = tmp.file('order.csv', 'k,v\nz,1\na,2\nz,3\nm,4\na,5\nb,6\nb,7\nz,8\nA,9\n a,10\na,11\n');
  const { rows } = await runMatrix(
    { input, aggregate: { groupBy: ['k'], measures: { n: count(), s: sum('v') } } },
    QUICK_MATRIX,
  );
  expect(rows).toStrictEqual([
    { k: 'z', n: 3, s: 12 },
    { k: 'a', n: 3, s: 18 },
    { k: 'm', n: 1, s: 4 },
    { k: 'b', n: 2, s: 13 },
    { k: 'A', n: 1, s: 9 },
    { k: ' a', n: 1, s: 10 },
  ]);
});

test('multi-column keys that a naive join would confuse stay apart', { timeout: 120_000 }, async () => {
  // Joined with ',' or ':' or by length prefixes these pairs could collide; they are 6 groups.
  const input = tmp.file(
    'pairs.csv',
    'p,q,v\n"a,b",c,1\na,"b,c",2\n"1:a",b,4\n1,"a:b",8\n"a""",b,16\na,"""b",32\n"a,b",c,64\n',
  );
  const { rows } = await runMatrix(
    { input, aggregate: { groupBy: ['p', 'q'], measures: { n: count(), s: sum('v') } } },
    QUICK_MATRIX,
  );
  expect(rows).toStrictEqual([
    { p: 'a,b', q: 'c', n: 2, s: 65 },
    { p: 'a', q: 'b,c', n: 1, s: 2 },
    { p: '1:a', q: 'b', n: 1, s: 4 },
    { p: '1', q: 'a:b', n: 1, s: 8 },
    { p: 'a"', q: 'b', n: 1, s: 16 },
    { p: 'a', q: '"b', n: 1, s: 32 },
  ]);
});
