/**
 * maxRecordSize, "the longest record accepted, in bytes": a longer record is
 * ERR_CSV_RECORD_TOO_LARGE at the record's first byte and line, from serial and parallel runs.
 */
import { expect, test } from 'vitest';
import { count, processSerial } from 'chunkmill';
import { expectErrorEverywhere } from '../helpers/matrix.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const aggregate = { groupBy: ['k'], measures: { n: count() } };

test('a 3 MiB quoted record with maxRecordSize 2 MiB', { timeout: 120_000 }, async () => {
  // 'k,v\n' 0-3 (1) | 'a,1\n' 4-7 (2) | 'b,"xxx..."\n' starts at byte 8 (3)
  const input = tmp.file('huge.csv', 'k,v\na,1\nb,"' + 'x'.repeat(3 << 20) + '"\nc,3\n');
  await expectErrorEverywhere(
    { input, aggregate, maxRecordSize: 2 << 20 },
    { code: 'ERR_CSV_RECORD_TOO_LARGE', line: 3, byteOffset: 8 },
    { chunkSizes: [4096, 1 << 20, 8 << 20], workers: [1, 2] },
  );
});

test('the same record is fine under a limit it fits', { timeout: 60_000 }, async () => {
  const input = tmp.file('fits.csv', 'k,v\na,1\nb,"' + 'x'.repeat(3 << 20) + '"\nc,3\n');
  const { rows } = await processSerial({ input, aggregate, maxRecordSize: 4 << 20 });
  expect(rows).toEqual([
    { k: 'a', n: 1 },
    { k: 'b', n: 1 },
    { k: 'c', n: 1 },
  ]);
});

test('a small file: a 203-byte record with maxRecordSize 64', { timeout: 120_000 }, async () => {
  // 'k,v\n' 0-3 (1) | 'a,1\n' 4-7 (2) | 'b,yyy...\n' (2 + 200 + 1 bytes) starts at byte 8 (3)
  const input = tmp.file('long-line.csv', 'k,v\na,1\nb,' + 'y'.repeat(200) + '\nc,3\n');
  await expectErrorEverywhere(
    { input, aggregate, maxRecordSize: 64 },
    { code: 'ERR_CSV_RECORD_TOO_LARGE', line: 3, byteOffset: 8 },
    { chunkSizes: [7, 64, 4096], workers: [1, 2] },
  );
});
