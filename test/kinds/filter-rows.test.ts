/**
 * The where filter on real files and workers: which records it keeps (SQL's three-valued logic
 * over NULL, numbers parsed from bytes, text compared by bytes, quoted fields), the same for
 * every chunk size and worker count, in front of aggregates, tasks and transforms alike, and how
 * the records it drops are counted.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { count, processDataset, processSerial, sum } from 'chunkmill';
import { expectErrorEverywhere, QUICK_MATRIX, runMatrix } from '../helpers/matrix.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
// id 3 has no delay (NULL), id 5 a quoted origin with a doubled quote, id 6 a multi-byte one.
const FLIGHTS = tmp.file(
  'flights.csv',
  [
    'id,origin,delay',
    '1,LAS,75',
    '2,SFO,10',
    '3,LAS,',
    '4,LAX, 61 ',
    '5,"L""A",90',
    '6,Zürich,-5',
    '7,LAS,60',
    '',
  ].join('\n'),
);

/** The ids of the rows `where` keeps, by a group-by on id (in file order). */
async function kept(where: string): Promise<string[]> {
  const { rows } = await processSerial({
    input: FLIGHTS,
    where,
    aggregate: { groupBy: ['id'], measures: { n: count() } },
  });
  return rows.map((r) => String(r.id));
}

test.each([
  ['delay > 60', ['1', '4', '5']],
  ['delay >= 60 and origin = "LAS"', ['1', '7']],
  ["delay < 0 or origin = 'SFO'", ['2', '6']],
  ['not delay > 60', ['2', '6', '7']], // NULL stays out: not UNKNOWN is UNKNOWN
  ['delay is empty', ['3']],
  ['delay is not empty and not (origin = "LAS")', ['2', '4', '5', '6']],
  ['origin != "LAS"', ['2', '4', '5', '6']],
  ["origin = 'L\"A'", ['5']], // the quoted field's doubled quote is undone before comparing
  ['origin > "LAX"', ['2', '6']], // bytes: "SFO" > "LAX", and "Zürich" > "LAX"
  ['origin >= "Zürich"', ['6']],
  ['delay = 61', ['4']], // spaces around a number, as the aggregate reads them
  ['delay > 60 or delay is empty', ['1', '3', '4', '5']], // true or UNKNOWN is true
  ['id = 3 and delay < 100', []], // true and UNKNOWN is UNKNOWN
])('%s keeps %j', async (where, ids) => {
  expect(await kept(where)).toEqual(ids);
});

test('every chunk size and worker count keeps the same rows, counted the same', { timeout: 120_000 }, async () => {
  const serial = await runMatrix(
    {
      input: FLIGHTS,
      where: 'delay > 0 and origin != "SFO"',
      aggregate: { groupBy: ['origin'], measures: { n: count(), delay: sum('delay') } },
    },
    QUICK_MATRIX,
  );
  expect(serial.rows).toEqual([
    { origin: 'LAS', n: 2, delay: 135 },
    { origin: 'LAX', n: 1, delay: 61 },
    { origin: 'L"A', n: 1, delay: 90 },
  ]);
  expect(serial.stats).toMatchObject({ rows: 7, rowsUsed: 4, rowsFiltered: 3, rowsRejected: 0 });
});

test('rows of the wrong width are rejected by onBadRow, not filtered', async () => {
  const input = tmp.file('ragged.csv', 'a,b\n1,2\n3\n4,5\n6,7,8\n');
  const { stats } = await processDataset({
    input,
    where: 'a > 3',
    onBadRow: 'skip',
    aggregate: { measures: { n: count() } },
    workers: 2,
    chunkSize: 4,
  }).result;
  expect(stats).toMatchObject({ rows: 4, rowsUsed: 1, rowsRejected: 2, rowsFiltered: 1 });
});

test('a value that is not a number: a located error, or NULL with onBadNumber skip', { timeout: 60_000 }, async () => {
  const input = tmp.file('bad.csv', 'id,delay\n1,5\n2,n/a\n3,70\n');
  const error = await expectErrorEverywhere(
    { input, where: 'delay > 60', aggregate: { measures: { n: count() } } },
    { code: 'ERR_CSV_BAD_NUMBER', line: 3, column: 'delay', byteOffset: 15 },
  );
  expect(error.message).toMatch(/^"n\/a" is not a number, but where compares delay with one/);
  const { rows, stats } = await processDataset({
    input,
    where: 'delay > 60',
    onBadNumber: 'skip',
    aggregate: { measures: { n: count() } },
  }).result;
  expect(rows).toEqual([{ n: 1 }]);
  expect(stats).toMatchObject({ rowsFiltered: 2, valuesSkipped: 1 });
});

test('an unknown column: ERR_UNKNOWN_COLUMN naming where, with a did-you-mean', async () => {
  const error = await rejectionOf(
    processDataset({ input: FLIGHTS, where: 'dealy > 60', aggregate: { measures: { n: count() } } }).result,
  );
  expect(error).toMatchObject({
    code: 'ERR_UNKNOWN_COLUMN',
    column: 'dealy',
    option: 'where',
    hint: 'did you mean "delay"?',
  });
  expect(error.message).toMatch(
    /^Unknown column "dealy" in where \(.*flights\.csv\); the columns are: "id", "origin", "delay"$/,
  );
});

test('in front of a task and a transform too; NDJSON and in-memory records alike', { timeout: 60_000 }, async () => {
  const task = new URL('../../fixtures/tasks/sum-column.mjs', import.meta.url);
  const { value, stats } = await processDataset({
    input: FLIGHTS,
    where: 'origin = "LAS"',
    task,
    params: { column: 'delay' },
    workers: 2,
    chunkSize: 16,
  }).result;
  expect(value).toMatchObject({ rows: 3, sum: 135 });
  expect(stats).toMatchObject({ rowsUsed: 3, rowsFiltered: 4 });

  const out = `${tmp.dir}/late.ndjson`;
  const select = new URL('../../dist/kinds/builtin/select.js', import.meta.url);
  await processDataset({
    input: FLIGHTS,
    where: 'delay >= 75',
    transform: select,
    params: { to: 'ndjson', select: ['id'] },
    output: { path: out },
    workers: 2,
    chunkSize: 8,
  }).result;
  expect(readFileSync(out, 'utf8')).toBe('{"id":"1"}\n{"id":"5"}\n');

  const ndjson = tmp.file('f.ndjson', '{"id":1,"delay":70}\n{"id":2,"delay":null}\n{"id":3}\n{"id":4,"delay":90}\n');
  const nd = await processDataset({ input: ndjson, where: 'delay > 60', aggregate: { measures: { n: count() } } })
    .result;
  expect(nd.rows).toEqual([{ n: 2 }]);
  const array = await processDataset({
    input: [{ k: 'a' }, { k: 'b' }, { k: 'a' }],
    where: 'k = "a"',
    aggregate: { measures: { n: count() } },
  }).result;
  expect(array.rows).toEqual([{ n: 2 }]);
});
