/**
 * Invalid UTF-8 in text the engine decodes is ERR_CSV_INVALID_UTF8, never a silent U+FFFD: in the
 * header (found while planning: line, byte, column number), and in decodeField, which every
 * decoded value goes through (InvalidUtf8Error, with the bad byte's index for the caller to
 * locate). Bytes the engine never decodes (a column no task reads, numbers) are not checked.
 * Group keys: bad-input-utf8-keys.test.ts.
 */
import { isUtf8 } from 'node:buffer';
import { describe, expect, test } from 'vitest';
import { count, processSerial, sum } from 'chunkmill';
import { decodeField, invalidUtf8At, InvalidUtf8Error } from '../../src/csv/fields.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { expectErrorEverywhere, QUICK_MATRIX, runMatrix } from '../helpers/matrix.ts';
import { rng } from '../helpers/random-csv.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const TIMEOUT = { timeout: 120_000 };
const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe('invalidUtf8At', () => {
  test.each([
    ['ascii', [0x61, 0x62], -1],
    ['2, 3 and 4-byte characters', [...Buffer.from('é€😀')], -1],
    ['a real U+FFFD', [0xef, 0xbf, 0xbd], -1],
    ['Latin-1 é', [0x61, 0xe9, 0x74], 1],
    ['a lone continuation byte', [0x80], 0],
    ['overlong 2-byte (C0 80)', [0x41, 0xc0, 0x80], 1],
    ['overlong 3-byte (E0 80 80)', [0xe0, 0x80, 0x80], 0],
    ['overlong 4-byte (F0 80 80 80)', [0xf0, 0x80, 0x80, 0x80], 0],
    ['a surrogate (ED A0 80)', [0xed, 0xa0, 0x80], 0],
    ['above U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80], 0],
    ['F5 and up', [0x61, 0xf5, 0x80, 0x80, 0x80], 1],
    ['a sequence cut by the end', [0x61, 0xe2, 0x82], 1],
    ['a sequence cut by ASCII', [0xe2, 0x41, 0x42], 0],
    ['the second error is not reported first', [0x61, 0xc3, 0xa9, 0xff, 0xfe], 3],
  ])('%s', (_, list, expected) => {
    expect(invalidUtf8At(Uint8Array.from(list), 0, list.length)).toBe(expected);
  });

  test('only the range is checked: a character cut by `end` is invalid, bytes outside do not matter', () => {
    const buf = bytes([0xff], 'aé', [0xff]); // ff 61 c3 a9 ff
    expect(invalidUtf8At(buf, 1, 4)).toBe(-1);
    expect(invalidUtf8At(buf, 1, 3)).toBe(2);
    expect(invalidUtf8At(buf, 0, 4)).toBe(0);
  });

  test('agrees with node:buffer isUtf8 on random bytes, and finds the longest valid prefix', () => {
    const random = rng(606);
    // Mostly bytes that form or nearly form UTF-8 sequences, so both answers occur often.
    const palette = [
      0x41, 0x2c, 0x22, 0x0a, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xc3, 0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0,
      0xf4, 0xf5, 0xff,
    ];
    let valid = 0;
    for (let n = 0; n < 5000; n++) {
      const length = Math.floor(random() * 10);
      const buf = Uint8Array.from({ length }, () =>
        random() < 0.5 ? palette[Math.floor(random() * palette.length)]! : Math.floor(random() * 256),
      );
      const at = invalidUtf8At(buf, 0, length);
      expect(at === -1, Buffer.from(buf).toString('hex')).toBe(isUtf8(buf));
      if (at === -1) {
        valid++;
        continue;
      }
      // `at` is the end of the longest valid prefix.
      let longest = 0;
      for (let k = 0; k <= length; k++) if (isUtf8(buf.subarray(0, k))) longest = k;
      expect(at, Buffer.from(buf).toString('hex')).toBe(longest);
    }
    expect(valid).toBeGreaterThan(500);
    expect(valid).toBeLessThan(4500);
  });
});

describe('decodeField', () => {
  test('decodes UTF-8, keeps a real U+FFFD, unescapes doubled quotes', () => {
    const buf = bytes('x東京\uFFFDy"', '"z');
    expect(decodeField(buf, 1, 10, 1, '"')).toBe('東京\uFFFD');
    expect(decodeField(buf, 10, 14, 2, '"')).toBe('y"z');
  });

  test('bytes that are not UTF-8 throw InvalidUtf8Error (ERR_CSV_INVALID_UTF8) with the index of the bad byte', () => {
    const buf = bytes('ab,Z', [0xfc], 'rich');
    let thrown: unknown;
    try {
      decodeField(buf, 3, buf.length, 0, '"');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(InvalidUtf8Error);
    expect(thrown).toMatchObject({ code: 'ERR_CSV_INVALID_UTF8', at: 4 });
    expect((thrown as Error).message).toContain('0xfc');
  });
});

describe('the header', () => {
  test('a Latin-1 header name: line, byte and column number of the bad byte, everywhere', TIMEOUT, async () => {
    // '\n' 0 (1) | '\n' 1 (2) | 'id,r' 2-5, 0xe9 at 6 (3): column 2.
    const input = tmp.file('latin1-header.csv', bytes('\n\nid,r', [0xe9], 'gion,amount\n1,a,2\n'));
    const error = await expectErrorEverywhere(
      { input, aggregate: { measures: { n: count() } } },
      { code: 'ERR_CSV_INVALID_UTF8', line: 3, byteOffset: 6 },
    );
    expect(error.columnIndex).toBe(2);
    expect(error.message).toMatch(
      /^Invalid UTF-8 \(0xe9 .*\) in column 2 of the header \(.*latin1-header\.csv:3, byte 6\)$/,
    );
    expect(error.hint).toContain('UTF-8');
  });

  test('a bad byte on the second line of a quoted header name', TIMEOUT, async () => {
    // '"a\nb' 0-3 (LF at 2), 0xff at 4 (line 2)
    const input = tmp.file('multiline-header.csv', bytes('"a\nb', [0xff], '",c\n1,2\n'));
    await expectErrorEverywhere(
      { input, aggregate: { measures: { n: count() } } },
      { code: 'ERR_CSV_INVALID_UTF8', line: 2, byteOffset: 4 },
    );
  });

  test('without a header the first record is data: bad bytes in a column nothing reads are fine', TIMEOUT, async () => {
    const input = tmp.file('no-header.csv', bytes('a', [0xe9], ',1\nb,2\n'));
    const { rows } = await runMatrix(
      { input, csv: { header: false }, aggregate: { measures: { n: count(), s: sum('2') } } },
      QUICK_MATRIX,
    );
    expect(rows).toStrictEqual([{ n: 2, s: 3 }]);
  });
});

describe('values', () => {
  test('bad bytes in a text column that no measure or key reads are not checked', TIMEOUT, async () => {
    const input = tmp.file(
      'latin1-notes.csv',
      bytes('k,note,v\na,caf', [0xe9], ',1\nb,"x', [0xff, 0xfe], '",2\na,ok,3\n'),
    );
    const { rows } = await runMatrix(
      { input, aggregate: { groupBy: ['k'], measures: { n: count(), s: sum('v') } } },
      QUICK_MATRIX,
    );
    expect(rows).toStrictEqual([
      { k: 'a', n: 2, s: 4 },
      { k: 'b', n: 1, s: 2 },
    ]);
  });

  test('a real U+FFFD in a group key is text like any other', TIMEOUT, async () => {
    const input = tmp.file('replacement-char.csv', 'k,v\n\uFFFD,1\na,2\n\uFFFD,3\n');
    const { rows } = await runMatrix({ input, aggregate: { groupBy: ['k'], measures: { s: sum('v') } } }, QUICK_MATRIX);
    expect(rows).toStrictEqual([
      { k: '\uFFFD', s: 4 },
      { k: 'a', s: 2 },
    ]);
  });

  test('a measure value with bad bytes is not a number (ERR_CSV_BAD_NUMBER), not a UTF-8 error', TIMEOUT, async () => {
    const input = tmp.file('bad-number.csv', bytes('k,v\na,1', [0xff], '\n'));
    const error = await rejectionOf(processSerial({ input, aggregate: { measures: { s: sum('v') } } }));
    expect({ code: error.code, line: error.line, byteOffset: error.byteOffset }).toEqual({
      code: 'ERR_CSV_BAD_NUMBER',
      line: 2,
      byteOffset: 6,
    });
  });
});
