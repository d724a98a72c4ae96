/**
 * With several errors in a file, the one reported is the first in file order, whichever chunk's
 * worker finishes first: later chunks may fail sooner, but results merge in chunk order.
 */
import { test } from 'vitest';
import { count, sum } from 'chunkmill';
import { expectErrorEverywhere } from '../helpers/matrix.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();

test('a bad value on line 3 wins over later field-count and quote errors', { timeout: 120_000 }, async () => {
  // 'k,v\n' 0-3 (1) | 'a,1\n' 4-7 (2) | 'b,oops\n' 8-: oops at byte 10 (3) | then many good rows,
  // a short row, a row with an invalid closing quote and an unclosed quote, all later.
  const good = 'c,5\n'.repeat(40);
  const input = tmp.file('several.csv', `k,v\na,1\nb,oops\n${good}d\n${good}"e"x,1\n${good}"f,1\n`);
  await expectErrorEverywhere(
    { input, aggregate: { groupBy: ['k'], measures: { n: count(), s: sum('v') } } },
    { code: 'ERR_CSV_BAD_NUMBER', line: 3, column: 'v', byteOffset: 10 },
  );
});
