/**
 * Header name policy (csv/header-names.ts): DuckDB's. An empty name becomes `column` and its
 * 0-based position (zero-padded to the width of the last one); a repeated name gets `_1`, `_2`;
 * a suffixed name that is taken gets another suffix. Each renaming is WARN_HEADER_RENAMED; with
 * headerNames: 'error' the first one is ERR_CSV_HEADER naming the column, its position, and the
 * line and byte where it is. Names are compared exactly (case and spaces count: chunkmill's column
 * names are case-sensitive, DuckDB's are not). Without a header the first record is data and none
 * of this applies. test/cli/messy-files.test.ts compares the names with DuckDB's.
 */
import { expect, test } from 'vitest';
import { count, processDataset, sum, type JobPlan, type JobWarning } from 'chunkmill';
import { payloads, record } from '../helpers/events.ts';
import { expectErrorEverywhere, QUICK_MATRIX, runMatrix } from '../helpers/matrix.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const TIMEOUT = { timeout: 120_000 };
const n = { n: count() };

async function namesOf(input: string): Promise<{ columns: string[]; warnings: JobWarning[] }> {
  const job = processDataset({ input, aggregate: { measures: n }, workers: 1 });
  const events = record(job);
  await job.result;
  return { columns: payloads<JobPlan>(events, 'start')[0]!.columns, warnings: payloads<JobWarning>(events, 'warning') };
}

test(
  'a duplicate name under headerNames: error: ERR_CSV_HEADER naming it, both positions, and where',
  TIMEOUT,
  async () => {
    // 'id,amount,region,' is 17 bytes: the second "amount" starts at byte 17, column 4.
    const input = tmp.file('dup.csv', 'id,amount,region,amount\n1,2,a,3\n');
    const error = await expectErrorEverywhere(
      { input, headerNames: 'error', aggregate: { measures: { s: sum('amount') } } },
      { code: 'ERR_CSV_HEADER', line: 1, column: 'amount', byteOffset: 17 },
    );
    expect(error.columnIndex).toBe(4);
    expect(error.message).toMatch(
      /^The header names two columns "amount": columns 2 and 4 \(.*dup\.csv:1, column "amount", byte 17\)$/,
    );
    expect(error.hint).toContain('headerNames: "rename"');
  },
);

test('headerNames: error refuses an unused duplicate and an empty name too, located', TIMEOUT, async () => {
  // line 1 is blank; '"x\ny",' 1-6 spans lines 2-3; the second x\ny starts after its quote at 8.
  const input = tmp.file('dup-unused.csv', '\n"x\ny","x\ny",v\n1,2,3\n');
  await expectErrorEverywhere(
    { input, headerNames: 'error', aggregate: { measures: { s: sum('v') } } },
    { code: 'ERR_CSV_HEADER', line: 3, column: 'x\ny', byteOffset: 8 },
  );
  const empty = tmp.file('empty-refused.csv', 'a,,c\n1,2,3\n');
  const e = await expectErrorEverywhere(
    { input: empty, headerNames: 'error', aggregate: { measures: n } },
    { code: 'ERR_CSV_HEADER', line: 1, column: '', byteOffset: 2 },
  );
  expect(e.columnIndex).toBe(2);
  expect(e.message).toMatch(/^Column 2 of the header has no name/);
});

test('a duplicate name is renamed as DuckDB does, with one WARN_HEADER_RENAMED', TIMEOUT, async () => {
  const input = tmp.file('dup-renamed.csv', 'id,amount,region,amount\n1,2,a,3\n');
  const { columns, warnings } = await namesOf(input);
  expect(columns).toEqual(['id', 'amount', 'region', 'amount_1']);
  expect(warnings.map((w) => w.code)).toEqual(['WARN_HEADER_RENAMED']);
  expect(warnings[0]!.message).toContain('column 4 "amount" -> "amount_1"');
  const { rows } = await runMatrix(
    { input, aggregate: { measures: { a: sum('amount'), b: sum('amount_1') } } },
    QUICK_MATRIX,
  );
  expect(rows).toStrictEqual([{ a: 2, b: 3 }]);
});

test('names differing in case or spaces are different names, and no warning is given', TIMEOUT, async () => {
  const input = tmp.file('case.csv', 'a,A, a\n1,2,3\n');
  expect(await namesOf(input)).toEqual({ columns: ['a', 'A', ' a'], warnings: [] });
});

test('empty names are column + their 0-based position, as in DuckDB', TIMEOUT, async () => {
  const input = tmp.file('empty-names.csv', 'a,,"",d,\n1,2,3,4,5\n6,7,8,9,10\n');
  expect((await namesOf(input)).columns).toEqual(['a', 'column1', 'column2', 'd', 'column4']);
  const { rows } = await runMatrix(
    { input, aggregate: { groupBy: ['column4'], measures: { two: sum('column1'), three: sum('column2') } } },
    QUICK_MATRIX,
  );
  expect(rows).toStrictEqual([
    { column4: '5', two: 2, three: 3 },
    { column4: '10', two: 7, three: 8 },
  ]);
});

test('a generated or suffixed name that is taken gets another suffix', TIMEOUT, async () => {
  expect((await namesOf(tmp.file('clash1.csv', 'a,,column1\n1,2,3\n'))).columns).toEqual(['a', 'column1', 'column1_1']);
  expect((await namesOf(tmp.file('clash2.csv', 'a,a_1,a,a\n1,2,3,4\n'))).columns).toEqual(['a', 'a_1', 'a_1_1', 'a_2']);
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
