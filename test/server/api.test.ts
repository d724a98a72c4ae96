/**
 * The API over real HTTP on a loopback port, with a real engine behind it: a job posted, read,
 * listed and paged, its result in each format (equal to processSerial), cancel and delete with
 * their statuses, the files listing with columns, an upload a job then reads, health, metrics.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, expect, test } from 'vitest';
import { count, processSerial, sum } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { gate } from '../helpers/gate.ts';
import { startTestServer, TASKS_DIR, waitForJob, type TestServer } from '../helpers/server.ts';

let t: TestServer;
const measures = { n: { kind: 'count' }, revenue: { kind: 'sum', column: 'amount' } };

beforeAll(async () => {
  t = await startTestServer({ concurrency: 2 });
  await generate(join(t.data, 'sales.csv'), 'sales', { rows: 20_000, seed: 5 });
}, 60_000);

test('POST /api/jobs queues a job (202, Location); its record, result in json, csv and ndjson match processSerial', {
  timeout: 60_000,
}, async () => {
  const posted = await t.call('/api/jobs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'by region',
      spec: { input: 'sales.csv', aggregate: { groupBy: ['region'], measures } },
    }),
  });
  expect(posted.status).toBe(202);
  const job = (await posted.json()) as { id: string; state: string; spec: { input: string } };
  expect(posted.headers.get('location')).toBe(`/api/jobs/${job.id}`);
  expect(job).toMatchObject({ state: 'queued', name: 'by region', spec: { input: 'sales.csv' } });

  const done = await waitForJob(t, job.id, ['succeeded', 'failed']);
  expect(done).toMatchObject({ state: 'succeeded', result: { kind: 'aggregate' }, error: null });
  const expected = await processSerial({
    input: join(t.data, 'sales.csv'),
    aggregate: { groupBy: ['region'], measures: { n: count(), revenue: sum('amount') } },
  });
  const json = await t.json<{ rows: unknown[]; stats: { rows: number } }>('GET', `/api/jobs/${job.id}/result`);
  expect(json.status).toBe(200);
  expect(json.body.rows).toEqual(expected.rows);
  expect(json.body.stats.rows).toBe(20_000);

  const csv = await t.call(`/api/jobs/${job.id}/result?format=csv`);
  expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
  expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="job-${job.id}.csv"`);
  const lines = (await csv.text()).trimEnd().split('\n');
  expect(lines[0]).toBe('region,n,revenue');
  expect(lines.slice(1)).toEqual(expected.rows.map((r) => `${r.region},${r.n},${r.revenue}`));

  const ndjson = await (await t.call(`/api/jobs/${job.id}/result?format=ndjson`)).text();
  expect(
    ndjson
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l)),
  ).toEqual(expected.rows);
});

test('GET /api/jobs lists newest first with counts, filters by state and pages with the cursor', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const { body } = await t.json<{ id: string }>('POST', '/api/jobs', {
      spec: { input: 'sales.csv', aggregate: { measures: { n: { kind: 'count' } } } },
      delay: 3_600_000,
    });
    ids.push(body.id);
  }
  const page1 = await t.json<{ jobs: { id: string }[]; next: string; counts: Record<string, number> }>(
    'GET',
    '/api/jobs?state=queued&limit=2',
  );
  expect(page1.body.jobs.map((j) => j.id)).toEqual([ids[2], ids[1]]);
  expect(page1.body.counts.queued).toBe(3);
  const page2 = await t.json<{ jobs: { id: string }[]; next: null }>(
    'GET',
    `/api/jobs?state=queued&limit=2&cursor=${page1.body.next}`,
  );
  expect(page2.body).toMatchObject({ jobs: [{ id: ids[0] }], next: null });
  expect((await t.json('GET', '/api/jobs?limit=0')).status).toBe(400);

  // Cancel: a queued job at once (200), a finished one is a conflict (409), an unknown one 404.
  const cancelled = await t.json<{ outcome: string; job: { state: string } }>('POST', `/api/jobs/${ids[0]}/cancel`);
  expect(cancelled).toMatchObject({ status: 200, body: { outcome: 'cancelled', job: { state: 'cancelled' } } });
  const again = await t.json<{ error: { code: string } }>('POST', `/api/jobs/${ids[0]}/cancel`);
  expect(again).toMatchObject({ status: 409, body: { error: { code: 'ERR_JOB_FINISHED' } } });
  expect((await t.json('POST', '/api/jobs/999999/cancel')).status).toBe(404);
  // Delete: 204, then it is gone.
  expect((await t.json('DELETE', `/api/jobs/${ids[0]}`)).status).toBe(204);
  expect((await t.json('GET', `/api/jobs/${ids[0]}`)).status).toBe(404);
  expect((await t.json('DELETE', `/api/jobs/${ids[0]}`)).status).toBe(404);
  for (const id of ids.slice(1)) await t.json('POST', `/api/jobs/${id}/cancel`);
});

test('a running job: cancel is asked of its engine (202), DELETE is refused (409), its result is 409', {
  timeout: 30_000,
}, async () => {
  const { body } = await t.json<{ id: string }>('POST', '/api/jobs', {
    spec: { input: 'sales.csv', task: 'slow-sum', params: { column: 'amount', msPerChunk: 200 }, chunkSize: 65_536 },
  });
  // No tasks dir on this server: a module is refused before anything is queued.
  expect(body).toMatchObject({ error: { code: 'ERR_MODULE_FORBIDDEN', field: 'spec.task' } });
  const slow = await startTestServer({ tasksDir: TASKS_DIR });
  await generate(join(slow.data, 'sales.csv'), 'sales', { rows: 20_000, seed: 5 });
  // Held after 2 chunks until the cancel: still running for every call below, however slow they are.
  const held = gate(join(slow.outside, 'running.gate'), 2);
  const posted = await slow.json<{ id: string }>('POST', '/api/jobs', {
    spec: { input: 'sales.csv', task: 'slow-sum', params: { column: 'amount', gate: held.path }, chunkSize: 65_536 },
  });
  expect(posted.status).toBe(202);
  const id = posted.body.id;
  try {
    await waitForJob(slow, id, ['running']);
    expect(await slow.json('GET', `/api/jobs/${id}/result`)).toMatchObject({
      status: 409,
      body: { error: { code: 'ERR_JOB_NOT_DONE' } },
    });
    expect(await slow.json('DELETE', `/api/jobs/${id}`)).toMatchObject({
      status: 409,
      body: { error: { code: 'ERR_JOB_RUNNING' } },
    });
    const cancel = await slow.json<{ outcome: string }>('POST', `/api/jobs/${id}/cancel`);
    expect(cancel).toMatchObject({ status: 202, body: { outcome: 'requested' } });
    const ended = await waitForJob(slow, id, ['cancelled', 'succeeded', 'failed']);
    expect(ended).toMatchObject({ state: 'cancelled', error: { code: 'ABORT_ERR' } });
  } finally {
    held.open(); // its held chunks end, and give the server's threads back
  }
});

test('GET /api/files lists data files with their columns (CSV, gzip, NDJSON, TSV) and says why a header is unreadable', async () => {
  writeFileSync(join(t.data, 'b.csv.gz'), gzipSync('"x, y",z\n1,2\n'));
  writeFileSync(join(t.data, 'c.ndjson'), '{"k":1,"v":"a"}\n');
  writeFileSync(join(t.data, 'd.tsv'), 'p\tq\n1\t2\n');
  writeFileSync(join(t.data, 'e.csv'), '"never closed,a\n');
  writeFileSync(join(t.data, 'notes.md'), 'not data');
  const { status, body } = await t.json<{
    files: { name: string; columns: string[] | null; error?: { code: string } }[];
  }>('GET', '/api/files');
  expect(status).toBe(200);
  const byName = Object.fromEntries(body.files.map((f) => [f.name, f]));
  expect(Object.keys(byName)).not.toContain('notes.md');
  expect(byName['b.csv.gz']).toMatchObject({ columns: ['x, y', 'z'], gzip: true });
  expect(byName['c.ndjson']).toMatchObject({ columns: ['k', 'v'], format: 'ndjson' });
  expect(byName['d.tsv']).toMatchObject({ columns: ['p', 'q'] });
  expect(byName['sales.csv']!.columns).toContain('amount');
  expect(byName['e.csv']).toMatchObject({ columns: null, error: { code: 'ERR_CSV_UNCLOSED_QUOTE' } });
});

test('POST /api/uploads streams a file into uploads/ (a taken name gets a suffix) and a job reads it', {
  timeout: 30_000,
}, async () => {
  const send = (name: string, body: string) =>
    t.call(`/api/uploads?name=${name}`, { method: 'POST', body, headers: { 'content-type': 'text/csv' } });
  const first = await send('mine.csv', 'k,v\na,1\nb,2\na,3\n');
  expect(first.status).toBe(201);
  expect(await first.json()).toEqual({ name: 'uploads/mine.csv', bytes: 16 });
  expect(await (await send('mine.csv', 'k,v\n')).json()).toEqual({ name: 'uploads/mine-2.csv', bytes: 4 });
  const { body } = await t.json<{ id: string }>('POST', '/api/jobs', {
    spec: { input: 'uploads/mine.csv', aggregate: { groupBy: ['k'], measures: { s: { kind: 'sum', column: 'v' } } } },
  });
  await waitForJob(t, body.id, ['succeeded']);
  expect((await t.json('GET', `/api/jobs/${body.id}/result`)).body).toMatchObject({
    rows: [
      { k: 'a', s: 4 },
      { k: 'b', s: 2 },
    ],
  });
});

test('GET /api/health answers; GET /metrics is Prometheus text with chunkmill_ names that move', async () => {
  const health = await t.json<{ status: string; jobs: Record<string, number> }>('GET', '/api/health');
  expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
  expect(health.body.jobs.succeeded).toBeGreaterThanOrEqual(1);
  const metrics = await t.call('/metrics');
  expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
  const text = await metrics.text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  expect(value('chunkmill_jobs\\{state="succeeded"\\}')).toBe(health.body.jobs.succeeded);
  expect(value('chunkmill_processed_rows_total')).toBeGreaterThanOrEqual(20_000);
  expect(value('chunkmill_processed_bytes_total')).toBeGreaterThan(0);
  expect(value('chunkmill_queue_wait_seconds_count')).toBeGreaterThanOrEqual(1);
  for (const name of [
    'chunkmill_throughput_bytes_per_second',
    'chunkmill_sse_clients',
    'chunkmill_http_requests_total',
  ])
    expect(text).toContain(`# TYPE ${name}`);
  expect(text).toMatch(/^chunkmill_process_resident_memory_bytes \d+/m);
});
