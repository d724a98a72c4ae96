/**
 * Header name policy. A name used by two columns is ERR_CSV_HEADER: the name, both column
 * positions, and the line and byte of the second one (a column name must say which column it
 * means). An empty name is named by its 1-based position, as in a file without a header ("a,,c"
 * has columns a, 2, c; a trailing delimiter makes the last one its number); if another column
 * already has that name, that is ERR_CSV_HEADER too. Names are compared exactly (case and spaces
 * count). Without a header the first record is data and none of this applies.
 */
import { expect, test } from 'vitest';
import { count, processDataset, sum, type JobPlan } from 'chunkmill';
import { payloads, record } from '../helpers/events.ts';
import { expectErrorEverywhere, QUICK_MATRIX, runMatrix } from '../helpers/matrix.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const TIMEOUT = { timeout: 120_000 };
const n = { n: count() };

async function columnsOf(input: string): Promise<string[]> {
  const job = processDataset({ input, aggregate: { measures: n }, workers: 1 });
  const events = record(job);
  await job.result;
  return payloads<JobPlan>(events, 'start')[0]!.columns;
}

test('a duplicate name: ERR_CSV_HEADER naming it, both positions, and where the second one is', TIMEOUT, async () => {
  // 'id,amount,region,' is 17 bytes: the second "amount" starts at byte 17, column 4.
  const input = tmp.file('dup.csv', 'id,amount,region,amount\n1,2,a,3\n');
  const error = await expectErrorEverywhere(
    { input, aggregate: { measures: { s: sum('amount') } } },
    { code: 'ERR_CSV_HEADER', line: 1, column: 'amount', byteOffset: 17 },
  );
  expect(error.columnIndex).toBe(4);
  expect(error.message).toMatch(
    /^The header names two columns "amount": columns 2 and 4 \(.*dup\.csv:1, column "amount", byte 17\)$/,
  );
  expect(error.hint).toContain('header: false');
});

test('a duplicate name fails even when the aggregate does not use it', TIMEOUT, async () => {
  // line 1 is blank; '"x\ny",' 1-6 spans lines 2-3; the second x\ny starts after its quote at 8.
  const input = tmp.file('dup-unused.csv', '\n"x\ny","x\ny",v\n1,2,3\n');
  await expectErrorEverywhere(
    { input, aggregate: { measures: { s: sum('v') } } },
    { code: 'ERR_CSV_HEADER', line: 3, column: 'x\ny', byteOffset: 8 },
  );
});

test('names differing in case or spaces are different names', TIMEOUT, async () => {
  const input = tmp.file('case.csv', 'a,A, a\n1,2,3\n');
  expect(await columnsOf(input)).toEqual(['a', 'A', ' a']);
});

test('empty names are named by their position, as without a header', TIMEOUT, async () => {
  const input = tmp.file('empty-names.csv', 'a,,"",d,\n1,2,3,4,5\n6,7,8,9,10\n');
  expect(await columnsOf(input)).toEqual(['a', '2', '3', 'd', '5']);
  const { rows } = await runMatrix(
    { input, aggregate: { groupBy: ['5'], measures: { two: sum('2'), three: sum('3') } } },
    QUICK_MATRIX,
  );
  expect(rows).toStrictEqual([
    { '5': '5', two: 2, three: 3 },
    { '5': '10', two: 7, three: 8 },
  ]);
});

test("an empty name whose number is another column's name: ERR_CSV_HEADER", TIMEOUT, async () => {
  // '2,' : column 2 is empty and would be "2", the name of column 1; it starts at byte 2.
  const later = tmp.file('clash-later.csv', '2,\n1,2\n');
  const e1 = await expectErrorEverywhere(
    { input: later, aggregate: { measures: n } },
    { code: 'ERR_CSV_HEADER', line: 1, column: '2', byteOffset: 2 },
  );
  expect(e1.message).toContain('Column 2 of the header has no name');
  // ',1' : column 1 is empty, so "1"; column 2 is named "1" too (at byte 1).
  const earlier = tmp.file('clash-earlier.csv', ',1\n1,2\n');
  const e2 = await expectErrorEverywhere(
    { input: earlier, aggregate: { measures: n } },
    { code: 'ERR_CSV_HEADER', line: 1, column: '1', byteOffset: 1 },
  );
  expect(e2.message).toContain('Column 1 of the header has no name');
  expect(e2.columnIndex).toBe(2);
});

test('without a header, repeated or empty values in the first record are data', TIMEOUT, async () => {
  const input = tmp.file('no-header.csv', 'x,x,\ny,y,\n');
  const { rows } = await runMatrix(
    { input, csv: { header: false }, aggregate: { groupBy: ['2', '3'], measures: n } },
    QUICK_MATRIX,
  );
  expect(rows).toStrictEqual([
    { '2': 'x', '3': '', n: 1 },
    { '2': 'y', '3': '', n: 1 },
  ]);
});
