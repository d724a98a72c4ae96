/**
 * Invalid UTF-8 in a group-by key is ERR_CSV_INVALID_UTF8 with the line and byte of the bad byte
 * and the key's column, the same from the serial path and every chunk size x worker count. Before,
 * each bad byte became U+FFFD, so different keys ("Z\xfcrich", "Z\xfdrich") silently merged into
 * one group. The aggregate sink reports it like a bad number (a sink error, located by the
 * reader), so a chunk parsed from a disputed start cannot fail the job.
 */
import { expect, test } from 'vitest';
import { count } from 'chunkmill';
import { expectErrorEverywhere } from '../helpers/matrix.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const TIMEOUT = { timeout: 120_000 };
const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

test('a Latin-1 group key: line, byte and column of the bad byte', TIMEOUT, async () => {
  // 'k,v\n' 0-3 (1) | 'a,1\n' 4-7 (2) | 'Z' 8, 0xfc at 9 (3)
  const input = tmp.file('latin1-key.csv', bytes('k,v\na,1\nZ', [0xfc], 'rich,2\n'));
  const error = await expectErrorEverywhere(
    { input, aggregate: { groupBy: ['k'], measures: { n: count() } } },
    { code: 'ERR_CSV_INVALID_UTF8', line: 3, column: 'k', byteOffset: 9 },
  );
  expect(error.columnIndex).toBe(1);
  expect(error.message).toMatch(/^Invalid UTF-8 \(0xfc .*\) \(.*latin1-key\.csv:3, column "k", byte 9\)$/);
});

test('the second key column, inside a quoted multi-line field with doubled quotes', TIMEOUT, async () => {
  // 'a,b,v\n' 0-5 (1) | 'x,"q""\n' 6-12 (2; LF at 12) | 0xe9 at 13 (3)
  const input = tmp.file('quoted-key.csv', bytes('a,b,v\nx,"q""\n', [0xe9], '",1\n'));
  await expectErrorEverywhere(
    { input, aggregate: { groupBy: ['a', 'b'], measures: { n: count() } } },
    { code: 'ERR_CSV_INVALID_UTF8', line: 3, column: 'b', byteOffset: 13 },
  );
});

test(
  'a key that is fine in its first row is checked when it first appears, also in later chunks',
  TIMEOUT,
  async () => {
    // 'k\n' 0-1 | 'ok\n' 2-4 | 'ok\n' 5-7 | 0xc3 0x28 at 8 (line 4): an invalid 2-byte sequence
    const input = tmp.file('late-key.csv', bytes('k\nok\nok\n', [0xc3, 0x28], '\nok\n'));
    await expectErrorEverywhere(
      { input, aggregate: { groupBy: ['k'], measures: { n: count() } } },
      { code: 'ERR_CSV_INVALID_UTF8', line: 4, column: 'k', byteOffset: 8 },
    );
  },
);
