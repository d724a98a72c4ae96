/**
 * A quote that is never closed runs to the end of the file: ERR_CSV_UNCLOSED_QUOTE with the line
 * and byte of the opening quote (not of the end of the file), from the serial path and from
 * every chunk size (each from 1 byte to the whole file) with 2 workers, and the usual sweep with
 * 1 and 3. (Mid-file cases and the header: errors-line-numbers.test.ts.)
 */
import { statSync } from 'node:fs';
import { expect, test } from 'vitest';
import { count, processSerial, sum } from 'chunkmill';
import { rejectionOf, where } from '../helpers/errors.ts';
import { expectErrorEverywhere } from '../helpers/matrix.ts';
import { tempDir } from '../helpers/tmp.ts';
import { processOnWarmPool } from '../helpers/warm-pools.ts';

const tmp = tempDir();
const TIMEOUT = { timeout: 120_000 };
const aggregate = { groupBy: ['k'], measures: { n: count(), s: sum('v') } };

/**
 * The serial error, then every chunk size from 1 to the file's size with 2 workers: on the file's
 * warm pools (test/helpers/warm-pools.ts: the same jobs, without a pool started and destroyed for
 * each of ~40 runs), and the usual sweep (expectErrorEverywhere, one run of it on a pool of its own).
 */
async function expectAtEveryChunkSize(input: string, expected: { line: number; byteOffset: number }): Promise<void> {
  const want = {
    code: 'ERR_CSV_UNCLOSED_QUOTE',
    line: expected.line,
    column: undefined,
    byteOffset: expected.byteOffset,
  };
  const serial = await rejectionOf(processSerial({ input, aggregate }));
  expect(where(serial)).toStrictEqual(want);
  expect(serial.message).toContain(`:${expected.line}, byte ${expected.byteOffset})`);
  const size = statSync(input).size;
  for (let chunkSize = 1; chunkSize <= size; chunkSize++) {
    const error = await rejectionOf(processOnWarmPool({ input, aggregate, chunkSize, workers: 2 }).result);
    expect(where(error), `chunkSize ${chunkSize}`).toStrictEqual(want);
  }
  await expectErrorEverywhere({ input, aggregate }, { code: 'ERR_CSV_UNCLOSED_QUOTE', ...expected });
}

test('CRLF, a quoted CRLF before it, no line break at the end', TIMEOUT, async () => {
  // 'k,v\r\n' 0-4 (1) | '"a\r\nb",1\r\n' 5-14 (2-3) | 'c,"2\r\nd,3\r\ne,4' 15-: the quote at 17 (4)
  const input = tmp.file('crlf.csv', 'k,v\r\n"a\r\nb",1\r\nc,"2\r\nd,3\r\ne,4');
  await expectAtEveryChunkSize(input, { line: 4, byteOffset: 17 });
});

test('the quote is the last byte of the file', TIMEOUT, async () => {
  // 'k,v\n' 0-3 | 'a,1\n' 4-7 | '"' 8 (3)
  await expectAtEveryChunkSize(tmp.file('last-byte.csv', 'k,v\na,1\n"'), { line: 3, byteOffset: 8 });
});

test('a bare quote earlier in the file (quote parity disagrees) does not change the answer', TIMEOUT, async () => {
  // 'k,v\n' 0-3 | 'a"b,1\n' 4-9 (bare quote at 5, data) | 'c,"2\n' 10-: the quote at 12 (3)
  await expectAtEveryChunkSize(tmp.file('bare-then-unclosed.csv', 'k,v\na"b,1\nc,"2\nd,3\n'), {
    line: 3,
    byteOffset: 12,
  });
});
