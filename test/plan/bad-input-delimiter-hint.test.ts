/**
 * A delimiter that never occurs, seen by the user: a ';' (or tab, '|') file read with ',' has one
 * column, so the columns the aggregate names are unknown. ERR_UNKNOWN_COLUMN then says which
 * delimiter the header seems to use, in its message and hint; the same from processSerial and
 * processDataset. A column that is missing for another reason gets no such hint.
 */
import { expect, test } from 'vitest';
import { count, processDataset, processSerial, sum } from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const TIMEOUT = { timeout: 60_000 };

test('a ; file read with ",": ERR_UNKNOWN_COLUMN suggests ";"', TIMEOUT, async () => {
  const input = tmp.file('semicolon.csv', 'region;product;amount\nnorth;widget;10\n');
  const options = { input, aggregate: { groupBy: ['region'], measures: { s: sum('amount') } } };
  for (const error of [
    await rejectionOf(processSerial(options)),
    await rejectionOf(processDataset({ ...options, workers: 2, chunkSize: 7 }).result),
  ]) {
    expect(error).toMatchObject({
      code: 'ERR_UNKNOWN_COLUMN',
      column: 'region',
      option: 'aggregate.groupBy[0]',
      file: input,
    });
    expect(error.message).toContain('Unknown column "region"');
    expect(error.message).toMatch(
      /; the columns are: "region;product;amount"\. The header was read as one column: is the delimiter ";"\?$/,
    );
    expect(error.hint).toBe('csv: { delimiter: ";" } reads the file with ";"');
  }
});

test('a tab-separated file read with ",": the hint names the tab', TIMEOUT, async () => {
  const input = tmp.file('tabs.tsv', 'k\tv\na\t1\n');
  const error = await rejectionOf(processSerial({ input, aggregate: { measures: { s: sum('v') } } }));
  expect(error.code).toBe('ERR_UNKNOWN_COLUMN');
  expect(error.hint).toContain('"\\t"');
});

test('an unknown column in a file whose delimiter does occur gets no delimiter hint', TIMEOUT, async () => {
  const input = tmp.file('comma.csv', 'k;x,v\na,1\n');
  const error = await rejectionOf(processSerial({ input, aggregate: { groupBy: ['nope'], measures: { n: count() } } }));
  expect(error.code).toBe('ERR_UNKNOWN_COLUMN');
  expect(error.message).not.toContain('delimiter');
  expect(error.hint).toBeUndefined();
});
