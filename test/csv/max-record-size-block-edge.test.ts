/**
 * maxRecordSize is exact wherever the 1 MiB read blocks end: a record of exactly that many bytes
 * whose LF falls in the next block is accepted, serial and parallel. Its own file, because the
 * read buffer is per thread and earlier tests in a file can grow it and move the block edge.
 */
import { describe, expect, test } from 'vitest';
import { count, processDataset, processSerial, type ProcessOptions } from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
describe('a record of exactly maxRecordSize bytes is accepted wherever the read blocks end', () => {
  // The record "bbbbbbbbbb" ends exactly at the 1 MiB read block; its LF is in the next block.
  const filler = 'a\n'.repeat(((1 << 20) - 10) / 2); // reads start after the 2-byte header
  const path = tmp.file('block-edge.csv', 'k\n' + filler + 'bbbbbbbbbb\n' + 'c\n');
  const over = tmp.file('block-edge-over.csv', 'k\n' + filler.slice(2) + 'bbbbbbbbbbb\n' + 'c\n');
  const options = (input: string, workers: number, chunkSize: number): ProcessOptions => ({
    input,
    workers,
    chunkSize,
    maxRecordSize: 10,
    aggregate: { measures: { n: count() } },
  });
  test('serial and parallel both accept it', { timeout: 60_000 }, async () => {
    expect((await processSerial(options(path, 1, 1 << 20))).rows).toEqual([{ n: filler.length / 2 + 2 }]);
    expect((await processDataset(options(path, 2, 100_000)).result).rows).toEqual([{ n: filler.length / 2 + 2 }]);
  });
  test('one byte more is ERR_CSV_RECORD_TOO_LARGE in both', { timeout: 60_000 }, async () => {
    for (const run of [processSerial(options(over, 1, 1 << 20)), processDataset(options(over, 2, 100_000)).result]) {
      const e = await rejectionOf(run);
      expect(e.code).toBe('ERR_CSV_RECORD_TOO_LARGE');
      expect(e.byteOffset).toBe(2 + filler.length - 2);
    }
  });
});
