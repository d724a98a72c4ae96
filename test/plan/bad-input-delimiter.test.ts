/**
 * A delimiter that never occurs: the header is read as one column. That is a real layout (a
 * one-column file works as ever), so it is no error by itself; planning notes the likely
 * delimiter (the most frequent of , ; tab | in that one field), and an aggregate naming a column
 * that is not there gets it as a hint (bad-input-delimiter-hint.test.ts).
 */
import { expect, test } from 'vitest';
import { count, sum } from 'chunkmill';
import { inspectInput } from '../../src/plan/input-layout.ts';
import { QUICK_MATRIX, runMatrix } from '../helpers/matrix.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const COMMA = { delimiter: 44, quote: 34 };
const SEMICOLON = { delimiter: 59, quote: 34 };

const hintFor = async (text: string, dialect = COMMA, header = true) =>
  (await inspectInput({ name: tmp.file('h.csv', text) }, dialect, header, 1 << 20)).likelyDelimiter;

test('a one-column header holding ; tab or | suggests that delimiter', async () => {
  expect(await hintFor('region;product;amount\nn;w;1\n')).toBe(';');
  expect(await hintFor('region\tamount\nn\t1\n')).toBe('\t');
  expect(await hintFor('a|b|c\n')).toBe('|');
  // The most frequent candidate wins: a ';' file whose names hold a '|'.
  expect(await hintFor('a|x;b;c\n')).toBe(';');
  // Read with ';', a ',' file.
  expect(await hintFor('a,b\n1,2\n', SEMICOLON)).toBe(',');
  // Without a header the first record is looked at the same way.
  expect(await hintFor('1;2;3\n', COMMA, false)).toBe(';');
});

test('no hint for a plain one-column header, or for several columns', async () => {
  expect(await hintFor('name\nx\n')).toBeUndefined();
  expect(await hintFor('a;b,c;d\n')).toBeUndefined(); // two columns: the delimiter does occur
  expect(await hintFor('"a;b"\n', SEMICOLON)).toBeUndefined(); // the configured delimiter is no suggestion
});

test('real one-column files work, also when the one name holds a ;', { timeout: 60_000 }, async () => {
  const plain = tmp.file('one-column.csv', 'name\nx\ny\nx\n');
  const { rows } = await runMatrix(
    { input: plain, aggregate: { groupBy: ['name'], measures: { n: count() } } },
    QUICK_MATRIX,
  );
  expect(rows).toStrictEqual([
    { name: 'x', n: 2 },
    { name: 'y', n: 1 },
  ]);
  const semi = tmp.file('one-column-semi.csv', 'a;b\n1\n2\n');
  const sums = await runMatrix({ input: semi, aggregate: { measures: { s: sum('a;b') } } }, QUICK_MATRIX);
  expect(sums.rows).toStrictEqual([{ s: 3 }]);
});
