/**
 * Group-by expressions over HTTP: the submit-time column check reads the columns an expression
 * uses (so `month(date) as m` is queued, and `month(dat)` is a 400 with a did-you-mean), and the
 * CSV result's header names an expression's column by its `as` name, as the rows do.
 */
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { generate } from '../../support/generate.ts';
import { startTestServer, TASKS_DIR, waitForJob, type TestServer } from '../helpers/server.ts';

let t: TestServer;
const count = { n: { kind: 'count' } };

beforeAll(async () => {
  t = await startTestServer({ tasksDir: TASKS_DIR });
  await generate(join(t.data, 'sales.csv'), 'sales', { rows: 2_000, seed: 8 });
}, 60_000);

const submit = (spec: Record<string, unknown>) =>
  t.json<{ id?: string; error?: Record<string, unknown> }>('POST', '/api/jobs', { spec });

test('an expression that reads a missing column is a 400 naming it; a good one runs, its column named by as', {
  timeout: 60_000,
}, async () => {
  const bad = await submit({ input: 'sales.csv', aggregate: { groupBy: ['region', 'month(dat)'], measures: count } });
  expect(bad.status).toBe(400);
  expect(bad.body.error).toMatchObject({
    code: 'ERR_UNKNOWN_COLUMN',
    field: 'spec.aggregate.groupBy[1]',
    column: 'dat',
    hint: 'did you mean "date"?',
  });
  const good = await submit({ input: 'sales.csv', aggregate: { groupBy: ['month(date) as m'], measures: count } });
  expect(good.status).toBe(202);
  await waitForJob(t, good.body.id!, ['succeeded']);
  const csv = await (await t.call(`/api/jobs/${good.body.id}/result?format=csv`)).text();
  const [header, ...rows] = csv.trim().split('\n');
  expect(header).toBe('m,n');
  expect(rows.map((r) => Number(r.split(',')[0])).sort((a, b) => a - b)).toEqual([
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
  ]);
  expect(rows.reduce((total, r) => total + Number(r.split(',')[1]), 0)).toBe(2_000);
});
