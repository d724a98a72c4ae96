/**
 * Result rows hold every group column and measure under its own name, whatever the name:
 * "__proto__", "constructor" and "toString" are fields like any other.
 */
import { expect, test } from 'vitest';
import { count, max, processDataset, processSerial } from 'chunkmill';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();

test('columns and measures named like Object.prototype members are kept', { timeout: 30_000 }, async () => {
  const input = tmp.file('names.csv', '__proto__,constructor\nx,1\ny,2\nx,3\n');
  const options = {
    input,
    workers: 2,
    chunkSize: 5,
    aggregate: { groupBy: ['__proto__'], measures: { toString: count(), constructor: max('constructor') } },
  };
  for (const { rows } of [await processSerial(options), await processDataset(options).result]) {
    expect(rows.map((r) => Object.entries(r))).toEqual([
      [
        ['__proto__', 'x'],
        ['toString', 2],
        ['constructor', 3],
      ],
      [
        ['__proto__', 'y'],
        ['toString', 1],
        ['constructor', 2],
      ],
    ]);
  }
});
