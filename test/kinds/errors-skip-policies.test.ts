/**
 * onBadRow: 'skip' and onBadNumber: 'skip': a record with the wrong field count is left out and
 * counted in stats.rowsRejected; a value that is not a number is treated as empty (NULL) and
 * counted in stats.valuesSkipped (once per value, however many measures read its column); an
 * empty field is NULL and is not counted. With either policy left at 'error', the matching error
 * is raised instead. The same from serial and parallel runs at several chunk sizes.
 */
import { expect, test } from 'vitest';
import { count, max, processDataset, processSerial, sum, type ProcessOptions } from 'chunkmill';
import { expectErrorEverywhere, QUICK_MATRIX, runMatrix } from '../helpers/matrix.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
// line 1: header; 2: good; 3: bad v; 4: too few fields; 5: bad w; 6: empty v (NULL);
// 7: bad v and bad w; 8: too many fields (its values are never parsed); 9: good.
const input = tmp.file('dirty.csv', 'k,v,w\na,1,2\nb,x,3\na,2\nc,4,y\na,,5\nb,z,q\nd,1,2,3\nc,6,7\n');
const aggregate = { groupBy: ['k'], measures: { n: count(), sv: sum('v'), mv: max('v'), sw: sum('w') } };
const base: ProcessOptions = { input, aggregate };

test('skip both: rows and values are left out and counted', { timeout: 120_000 }, async () => {
  const { rows, stats } = await runMatrix({ ...base, onBadRow: 'skip', onBadNumber: 'skip' }, QUICK_MATRIX);
  expect(rows).toStrictEqual([
    { k: 'a', n: 2, sv: 1, mv: 1, sw: 7 },
    { k: 'b', n: 2, sv: null, mv: null, sw: 3 },
    { k: 'c', n: 2, sv: 10, mv: 6, sw: 7 },
  ]);
  expect(stats).toMatchObject({ rows: 8, rowsUsed: 6, rowsRejected: 2, valuesSkipped: 4 });
});

test('the counters come back from the parallel path too', { timeout: 60_000 }, async () => {
  const { stats } = await processDataset({ ...base, onBadRow: 'skip', onBadNumber: 'skip', chunkSize: 5, workers: 3 })
    .result;
  expect(stats).toMatchObject({ rows: 8, rowsUsed: 6, rowsRejected: 2, valuesSkipped: 4 });
});

test('skip rows only: the first bad value is an error', { timeout: 120_000 }, async () => {
  // 'k,v,w\n' 0-5 | 'a,1,2\n' 6-11 | 'b,x,3\n' 12-: x at 14, line 3.
  await expectErrorEverywhere(
    { ...base, onBadRow: 'skip' },
    { code: 'ERR_CSV_BAD_NUMBER', line: 3, column: 'v', byteOffset: 14 },
  );
});

test('skip values only: the first short row is an error', { timeout: 120_000 }, async () => {
  // ... | 'b,x,3\n' 12-17 | 'a,2\n' 18-: line 4.
  await expectErrorEverywhere(
    { ...base, onBadNumber: 'skip' },
    { code: 'ERR_CSV_FIELD_COUNT', line: 4, byteOffset: 18 },
  );
});

test('nothing to skip: counters are 0', { timeout: 30_000 }, async () => {
  const clean = tmp.file('clean.csv', 'k,v,w\na,1,2\nb,,3\n');
  const { stats } = await processSerial({ input: clean, aggregate, onBadRow: 'skip', onBadNumber: 'skip' });
  expect(stats).toMatchObject({ rows: 2, rowsUsed: 2, rowsRejected: 0, valuesSkipped: 0 });
});
