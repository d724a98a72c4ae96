/**
 * Data errors are located exactly: code, 1-based physical line, column name (for values) and
 * 0-based file byte offset, worked out by hand from the bytes below, and identical from the
 * serial path and from processDataset at every chunk size x worker count. Line numbers count
 * every LF before the spot: inside quoted fields, in a multi-line header, on blank lines.
 */
import { expect, test } from 'vitest';
import { count, sum } from 'chunkmill';
import { expectErrorEverywhere } from '../helpers/matrix.ts';
import { salesHeader, salesRow, rng } from '../../support/generate.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const TIMEOUT = { timeout: 120_000 };

/** Aggregates that read every column of a 3-column file, so values get parsed. */
const sumOf = (column: string, groupBy: string[] = []) => ({
  aggregate: { groupBy, measures: { n: count(), s: sum(column) } },
});

test('unclosed quote: the line and byte of the opening quote', TIMEOUT, async () => {
  // 'id,note,amount\n' 0-14 (line 1) | '1,ok,5\n' 15-21 (2) | '2,"multi\nline",6\n' 22-38 (3-4)
  // '3,"never closed,7\n' 39- (5): the quote is byte 41.
  const input = tmp.file('unclosed.csv', 'id,note,amount\n1,ok,5\n2,"multi\nline",6\n3,"never closed,7\n4,x,8\n');
  await expectErrorEverywhere(
    { input, ...sumOf('amount') },
    { code: 'ERR_CSV_UNCLOSED_QUOTE', line: 5, byteOffset: 41 },
  );
});

test('bad number: line and byte of the value, after a quoted LF in the same record', TIMEOUT, async () => {
  // 'id,note,amount\n' 0-14 (1) | '1,plain,5\n' 15-24 (2) | '2,"two\nlines",x7\n' 25-: LF at 31, so
  // the value x7 (byte 39) is on line 4.
  const input = tmp.file('bad-number.csv', 'id,note,amount\n1,plain,5\n2,"two\nlines",x7\n3,z,8\n');
  await expectErrorEverywhere(
    { input, ...sumOf('amount', ['note']) },
    { code: 'ERR_CSV_BAD_NUMBER', line: 4, column: 'amount', byteOffset: 39 },
  );
});

test('bad number: byte offsets count bytes, not characters (multi-byte keys before it)', TIMEOUT, async () => {
  // 'k,v\n' 0-3 | '東京,1\n' 4-12 (東京 is 6 bytes) | 'Zürich,zwei\n' 13-: Zürich is 7 bytes, zwei at byte 21.
  const input = tmp.file('bad-number-utf8.csv', 'k,v\n東京,1\nZürich,zwei\n');
  await expectErrorEverywhere(
    { input, ...sumOf('v', ['k']) },
    { code: 'ERR_CSV_BAD_NUMBER', line: 3, column: 'v', byteOffset: 21 },
  );
});

test('bad number in a last record without a line break', TIMEOUT, async () => {
  // 'k,v\n' 0-3 | '1,2\n' 4-7 | '3,x' 8-10: x at byte 10, line 3.
  const input = tmp.file('bad-number-eof.csv', 'k,v\n1,2\n3,x');
  await expectErrorEverywhere(
    { input, ...sumOf('v') },
    { code: 'ERR_CSV_BAD_NUMBER', line: 3, column: 'v', byteOffset: 10 },
  );
});

test('too few fields: the line and first byte of the record, after a blank line', TIMEOUT, async () => {
  // 'a,b,c\n' 0-5 (1) | '1,2,3\n' 6-11 (2) | '\n' 12 (3) | '4,5\n' 13- (4)
  const input = tmp.file('too-few.csv', 'a,b,c\n1,2,3\n\n4,5\n6,7,8\n');
  await expectErrorEverywhere({ input, ...sumOf('c') }, { code: 'ERR_CSV_FIELD_COUNT', line: 4, byteOffset: 13 });
});

test('too many fields in a CRLF file, after a quoted CRLF', TIMEOUT, async () => {
  // 'a,b,c\r\n' 0-6 (1) | '"x\r\ny",2,3\r\n' 7-18 (2-3) | 'p,q,r,s\r\n' 19- (4)
  const input = tmp.file('too-many.csv', 'a,b,c\r\n"x\r\ny",2,3\r\np,q,r,s\r\nu,v,w\r\n');
  await expectErrorEverywhere(
    { input, aggregate: { groupBy: ['a'], measures: { n: count() } } },
    { code: 'ERR_CSV_FIELD_COUNT', line: 4, byteOffset: 19 },
  );
});

test('invalid closing quote: the byte after the closing quote', TIMEOUT, async () => {
  // 'k,v\n' 0-3 (1) | '"a\nb",1\n' 4-11 (2-3) | 'x,"ab"c\n' 12-: closing quote at 17, c at 18 (4)
  const input = tmp.file('closing-quote.csv', 'k,v\n"a\nb",1\nx,"ab"c\ny,2\n');
  await expectErrorEverywhere(
    { input, aggregate: { groupBy: ['k'], measures: { n: count() } } },
    { code: 'ERR_CSV_INVALID_CLOSING_QUOTE', line: 4, byteOffset: 18 },
  );
});

test('a header spanning two lines shifts every line number', TIMEOUT, async () => {
  // '"a\nb",c\n' 0-7 (lines 1-2) | '1,2\n' 8-11 (3) | '1,2,3\n' 12- (4)
  const input = tmp.file('multiline-header.csv', '"a\nb",c\n1,2\n1,2,3\n');
  await expectErrorEverywhere(
    { input, aggregate: { groupBy: ['c'], measures: { n: count() } } },
    { code: 'ERR_CSV_FIELD_COUNT', line: 4, byteOffset: 12 },
  );
});

test('blank lines before the header count as lines', TIMEOUT, async () => {
  // '\n' 0 (1) | '\r\n' 1-2 (2) | 'k,v\n' 3-6 (3) | 'a,1\n' 7-10 (4) | 'b\n' 11- (5)
  const input = tmp.file('blank-before-header.csv', '\n\r\nk,v\na,1\nb\n');
  await expectErrorEverywhere({ input, ...sumOf('v') }, { code: 'ERR_CSV_FIELD_COUNT', line: 5, byteOffset: 11 });
});

test('a UTF-8 BOM counts in byte offsets', TIMEOUT, async () => {
  // BOM 0-2 | 'k,v\n' 3-6 (1) | '1,2\n' 7-10 (2) | '3\n' 11- (3)
  const input = tmp.file('bom.csv', '\ufeffk,v\n1,2\n3\n');
  await expectErrorEverywhere({ input, ...sumOf('v') }, { code: 'ERR_CSV_FIELD_COUNT', line: 3, byteOffset: 11 });
});

test('an unclosed quote in the header: line 1, byte 0, and the file is named', TIMEOUT, async () => {
  const input = tmp.file('header-unclosed.csv', '"a,b\n1,2\n');
  await expectErrorEverywhere(
    { input, aggregate: { measures: { n: count() } } },
    { code: 'ERR_CSV_UNCLOSED_QUOTE', line: 1, byteOffset: 0 },
  );
});

test('deep in a larger file with quoted line breaks: line and byte from the bytes before it', TIMEOUT, async () => {
  const random = rng(5);
  let before = salesHeader();
  for (let i = 1; i <= 2000; i++) before += salesRow(i, random); // notes hold quoted LF and CRLF; regions multi-byte
  const badRecord = '2001,2024-01-01,Zürich,widget,many,1.00,ok\n';
  let after = '';
  for (let i = 2002; i <= 2500; i++) after += salesRow(i, random);
  const input = tmp.file('deep.csv', before + badRecord + after);
  // The physical line of the bad record: 1 + the LF bytes before it. Its value 'many' follows 4 fields.
  const line = 1 + (before.match(/\n/g) ?? []).length;
  const byteOffset = Buffer.byteLength(before) + Buffer.byteLength('2001,2024-01-01,Zürich,widget,');
  expect(line).toBeGreaterThan(2001); // quoted LFs in notes add lines
  await expectErrorEverywhere(
    { input, aggregate: { groupBy: ['region'], measures: { q: sum('quantity') } } },
    { code: 'ERR_CSV_BAD_NUMBER', line, column: 'quantity', byteOffset },
    { chunkSizes: [64, 1000, 4096, 1 << 20] },
  );
});

test(
  'a syntax error in a multi-line header: the line of the faulty byte, with file:line in the message',
  TIMEOUT,
  async () => {
    // '"a\nb"x': quote 0, a 1, LF 2 (line 1), b 3, closing quote 4, then 'x' at 5 on line 2
    const input = tmp.file('bad-header.csv', '"a\nb"x,c\n1,2\n');
    const error = await expectErrorEverywhere(
      { input, aggregate: { measures: { n: count() } } },
      { code: 'ERR_CSV_INVALID_CLOSING_QUOTE', line: 2, byteOffset: 5 },
    );
    expect(error.message).toContain(`${input}:2`);
  },
);
