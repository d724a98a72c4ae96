/**
 * GET /api/jobs/:id/result?limit=&offset= (issue #22, defect 7): a page of a large result, in
 * json, csv and ndjson, read from the stored pages it falls in and never the whole result. A real
 * server and a real job of 25,000 groups (three stored pages of ROWS_PER_PAGE rows); to show
 * which stored pages a request reads, the test removes the others from the real SQLite store.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, expect, test } from 'vitest';
import { ROWS_PER_PAGE } from 'chunkmill';
import { startTestServer, waitForJob, type TestServer } from '../helpers/server.ts';

const GROUPS = 25_000;
const row = (i: number) => ({ k: String(i), n: 1, v: i % 7 });
const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => row(from + i));
let t: TestServer;
let id: string;

beforeAll(async () => {
  t = await startTestServer();
  const lines = ['k,v'];
  for (let i = 0; i < GROUPS; i++) lines.push(`${i},${i % 7}`);
  writeFileSync(join(t.data, 'keys.csv'), `${lines.join('\n')}\n`);
  const { body } = await t.json<{ id: string }>('POST', '/api/jobs', {
    spec: {
      input: 'keys.csv',
      aggregate: { groupBy: ['k'], measures: { n: { kind: 'count' }, v: { kind: 'sum', column: 'v' } } },
    },
  });
  id = body.id;
  await waitForJob(t, id, ['succeeded']);
}, 120_000);

const get = (query: string) => t.call(`/api/jobs/${id}/result?${query}`);

test('json: a page of rows with total, offset and limit, across a stored page boundary and past the end', async () => {
  expect(ROWS_PER_PAGE).toBe(10_000); // the boundaries below
  const first = await get('limit=1000');
  expect(first.headers.get('x-total-count')).toBe(String(GROUPS));
  const body = (await first.json()) as {
    rows: unknown[];
    total: number;
    offset: number;
    limit: number;
    stats: unknown;
  };
  expect(body).toMatchObject({ total: GROUPS, offset: 0, limit: 1000, stats: { rows: GROUPS } });
  expect(body.rows).toEqual(rows(0, 1000));
  expect(Object.keys(body)).toEqual(['rows', 'total', 'offset', 'limit', 'stats']);
  const across = (await (await get('limit=1000&offset=9500')).json()) as { rows: unknown[] };
  expect(across.rows).toEqual(rows(9500, 10_500));
  const last = (await (await get('offset=24500&limit=1000')).json()) as { rows: unknown[] };
  expect(last.rows).toEqual(rows(24_500, GROUPS));
  // Only offset: at most the documented maximum (10,000) rows.
  const onlyOffset = (await (await get('offset=12000')).json()) as { rows: unknown[]; limit: number };
  expect([onlyOffset.rows.length, onlyOffset.limit]).toEqual([10_000, 10_000]);
  const past = (await (await get('offset=30000&limit=10')).json()) as { rows: unknown[]; total: number };
  expect(past).toMatchObject({ rows: [], total: GROUPS });
  // Without limit and offset: the whole result, as before (no paging keys, no header).
  const whole = await get('');
  expect(whole.headers.get('x-total-count')).toBe(null);
  const all = (await whole.json()) as Record<string, unknown[]>;
  expect(Object.keys(all)).toEqual(['rows', 'stats']);
  expect(all.rows).toHaveLength(GROUPS);
});

test('csv and ndjson: the same page; csv repeats its header', async () => {
  const csv = await (await get('format=csv&limit=3&offset=19999')).text();
  expect(csv).toBe('k,n,v\n19999,1,0\n20000,1,1\n20001,1,2\n');
  const ndjson = await get('format=ndjson&limit=2&offset=10000');
  expect(ndjson.headers.get('x-total-count')).toBe(String(GROUPS));
  expect(await ndjson.text()).toBe(`${JSON.stringify(row(10_000))}\n${JSON.stringify(row(10_001))}\n`);
});

test('bad limit or offset: a 400 naming the parameter', async () => {
  for (const [query, field] of [
    ['limit=0', 'limit'],
    ['limit=10001', 'limit'],
    ['limit=ten', 'limit'],
    ['offset=-1', 'offset'],
    ['offset=1.5', 'offset'],
    ['limit=5&offset=x', 'offset'],
  ] as const) {
    const r = await get(query);
    const { error } = (await r.json()) as { error: { code: string; field: string; message: string } };
    expect([query, r.status, error.code, error.field]).toEqual([query, 400, 'ERR_INVALID_REQUEST', field]);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  }
});

test('a page reads only the stored pages it falls in: with the others gone from the store it is still whole', async () => {
  const db = new Database(join(t.outside, 'jobs.db'));
  try {
    const removed = db.prepare('DELETE FROM job_rows WHERE job_id = ? AND part IN (0, 2)').run(Number(id));
    expect(removed.changes).toBe(2);
  } finally {
    db.close();
  }
  const inside = (await (await get('limit=5000&offset=15000')).json()) as { rows: unknown[] };
  expect(inside.rows).toEqual(rows(15_000, 20_000));
  // A read from the first stored page now finds none: the page above never needed it.
  expect(await (await get('format=ndjson')).text()).toBe('');
  // A page that needs a removed stored page shows it: the rows of part 1 alone.
  const over = (await (await get('limit=2000&offset=19000')).json()) as { rows: unknown[] };
  expect(over.rows).toEqual(rows(19_000, 20_000));
});
