/**
 * onBadRow: 'report': records with the wrong field count are skipped, counted, and written with
 * their file line to the rejects file; rows read = rows used + rows rejected. The rejects file is
 * the same for every chunk size, worker count and input kind, and matches a hand-written one.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { expect, test } from 'vitest';
import { count, processDataset, processSerial, sum } from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const CSV = [
  'id,region,amount',
  '1,north,10',
  '2,south',
  '3,"we,st",30,extra',
  '4,"nor',
  'th",40',
  '5,"a""b",x,y',
  '6,south,60',
  '',
].join('\n');
const input = tmp.file('bad.csv', CSV);
const EXPECTED = [
  'line,fields,record',
  '3,2,"2,south"',
  '4,4,"3,""we,st"",30,extra"',
  '7,4,"5,""a""""b"",x,y"',
  '',
].join('\n');
const aggregate = { groupBy: ['region'], measures: { n: count(), total: sum('amount') } };

test('the rejects file lists each bad record with its line, for every chunk size and worker count', {
  timeout: 60_000,
}, async () => {
  const serial = await processSerial({ input, aggregate, onBadRow: 'report', rejects: `${tmp.dir}/serial.csv` });
  expect(readFileSync(`${tmp.dir}/serial.csv`, 'utf8')).toBe(EXPECTED);
  expect(serial.rows).toEqual([
    { region: 'north', n: 1, total: 10 },
    { region: 'nor\nth', n: 1, total: 40 },
    { region: 'south', n: 1, total: 60 },
  ]);
  expect(serial.stats).toMatchObject({ rows: 6, rowsUsed: 3, rowsRejected: 3 });
  for (const chunkSize of [1, 5, 16, 64, 1000]) {
    for (const workers of [1, 3]) {
      const rejects = `${tmp.dir}/p-${chunkSize}-${workers}.csv`;
      const r = await processDataset({ input, aggregate, onBadRow: 'report', rejects, chunkSize, workers }).result;
      expect(readFileSync(rejects, 'utf8'), `chunkSize ${chunkSize}, workers ${workers}`).toBe(EXPECTED);
      expect(r.rows).toStrictEqual(serial.rows);
      expect(r.stats.rows).toBe(r.stats.rowsUsed + r.stats.rowsRejected);
      expect(r.stats.rowsRejected).toBe(3);
    }
  }
});

test('the same for a user task and a stream input', { timeout: 60_000 }, async () => {
  const task = new URL('../../fixtures/tasks/rows-in-order.mjs', import.meta.url);
  const rejects = `${tmp.dir}/task.csv`;
  const r = await processDataset({
    input: Readable.from([Buffer.from(CSV)]),
    task,
    onBadRow: 'report',
    rejects,
    chunkSize: 9,
    workers: 2,
  }).result;
  expect(readFileSync(rejects, 'utf8')).toBe(EXPECTED);
  expect((r.value as { rows: number }).rows).toBe(3);
  expect(r.stats).toMatchObject({ rows: 6, rowsUsed: 3, rowsRejected: 3 });
});

test('arrays of arrays: a record of the wrong length is reported with its index + 1', { timeout: 30_000 }, async () => {
  const rejects = `${tmp.dir}/array.csv`;
  const r = await processDataset({
    input: [['a', 1], ['b'], ['c', 3], ['d', 4, 5]],
    aggregate: { measures: { n: count() } },
    onBadRow: 'report',
    rejects,
    chunkRows: 1,
    workers: 2,
  }).result;
  expect(r.rows).toEqual([{ n: 2 }]);
  expect(readFileSync(rejects, 'utf8')).toBe('line,fields,record\n2,1,b\n4,3,"d,4,5"\n');
});

test('report needs a rejects path, and rejects needs report', async () => {
  expect(await rejectionOf(processDataset({ input, aggregate, onBadRow: 'report' }).result)).toMatchObject({
    code: 'ERR_INVALID_OPTION',
    option: 'rejects',
  });
  expect(await rejectionOf(processDataset({ input, aggregate, rejects: 'x.csv' }).result)).toMatchObject({
    code: 'ERR_INVALID_OPTION',
    option: 'rejects',
  });
});
