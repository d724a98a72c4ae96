/**
 * What the API checks and sends at the edges (#22), over real HTTP with a real engine:
 *   - an aggregate's columns checked against the file's header at submit: 400 naming the field,
 *     with a "did you mean", read as the job will read it (gzip, NDJSON, no header); a file whose
 *     header cannot be read is queued as before;
 *   - a cancel (and a delete) with `content-type: application/json` and no body;
 *   - progress times and rates, and a file's modifiedAt, as whole numbers;
 *   - a cancelled job's message and its record's progress saying the same.
 */
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, expect, test } from 'vitest';
import { generate } from '../../support/generate.ts';
import { gate } from '../helpers/gate.ts';
import { startTestServer, TASKS_DIR, waitForJob, type TestServer } from '../helpers/server.ts';
import { readSse } from '../helpers/sse.ts';
import { waitFor } from '../helpers/threads.ts';

let t: TestServer;
const count = { n: { kind: 'count' } };

beforeAll(async () => {
  t = await startTestServer({ tasksDir: TASKS_DIR });
  await generate(join(t.data, 'sales.csv'), 'sales', { rows: 20_000, seed: 8 });
  writeFileSync(join(t.data, 'small.csv.gz'), gzipSync('city,temp\nOslo,3\n'));
  writeFileSync(join(t.data, 'small.ndjson'), '{"city":"Oslo","temp":3}\n');
  writeFileSync(join(t.data, 'open-quote.csv'), '"never closed,a\n');
}, 60_000);

const submit = (spec: Record<string, unknown>) =>
  t.json<{ id?: string; error?: Record<string, unknown> }>('POST', '/api/jobs', { spec });

test('an unknown column is a 400 at submit, naming the field, with a did-you-mean; nothing is queued', async () => {
  const before = (await t.json<{ counts: Record<string, number> }>('GET', '/api/jobs?limit=1')).body.counts;
  const cases: [Record<string, unknown>, string, string, string][] = [
    [{ groupBy: ['regoin'], measures: count }, 'spec.aggregate.groupBy[0]', 'regoin', 'region'],
    [{ groupBy: ['region', 'prodcut'], measures: count }, 'spec.aggregate.groupBy[1]', 'prodcut', 'product'],
    [
      { groupBy: ['region'], measures: { ...count, total: { kind: 'sum', column: 'amont' } } },
      'spec.aggregate.measures.total.column',
      'amont',
      'amount',
    ],
    [{ groupBy: ['Region'], measures: count }, 'spec.aggregate.groupBy[0]', 'Region', 'region'],
  ];
  for (const [aggregate, field, column, meant] of cases) {
    const { status, body } = await submit({ input: 'sales.csv', aggregate });
    expect([field, status]).toEqual([field, 400]);
    expect(body.error).toMatchObject({
      code: 'ERR_UNKNOWN_COLUMN',
      field,
      column,
      hint: `did you mean "${meant}"?`,
      message: expect.stringMatching(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}: Unknown column "${column}"`)),
    });
    expect(body.error!.message).toContain('"order_id", "date", "region"');
  }
  // Far from every column: no hint, still a 400.
  const far = await submit({ input: 'sales.csv', aggregate: { groupBy: ['zzzzzzzz'], measures: count } });
  expect(far.status).toBe(400);
  expect(far.body.error).not.toHaveProperty('hint');
  const after = (await t.json<{ counts: Record<string, number> }>('GET', '/api/jobs?limit=1')).body.counts;
  expect(after).toEqual(before);
});

test('the header is read as the job reads it: gzip, NDJSON, no header; an unreadable one is queued as before', async () => {
  const refused = async (spec: Record<string, unknown>) => (await submit(spec)).body.error?.hint;
  expect(await refused({ input: 'small.csv.gz', aggregate: { groupBy: ['cty'], measures: count } })).toBe(
    'did you mean "city"?',
  );
  expect(await refused({ input: 'small.ndjson', aggregate: { groupBy: ['cty'], measures: count } })).toBe(
    'did you mean "city"?',
  );
  for (const spec of [
    { input: 'small.csv.gz', aggregate: { groupBy: ['city'], measures: { t: { kind: 'max', column: 'temp' } } } },
    { input: 'small.ndjson', aggregate: { groupBy: ['city'], measures: count } },
    // Without a header the columns are named 1, 2, ...: "city" is a value, not a column.
    { input: 'sales.csv', csv: { header: false }, aggregate: { groupBy: ['3'], measures: count } },
  ]) {
    const { status, body } = await submit(spec);
    expect(status).toBe(202);
    expect(await waitForJob(t, body.id!, ['succeeded', 'failed'])).toMatchObject({ state: 'succeeded' });
  }
  const noHeader = await submit({
    input: 'sales.csv',
    csv: { header: false },
    aggregate: { groupBy: ['region'], measures: count },
  });
  expect(noHeader.status).toBe(400);
  // A header that cannot be read: queued, and the job says what is wrong, as before.
  const bad = await submit({ input: 'open-quote.csv', aggregate: { groupBy: ['x'], measures: count } });
  expect(bad.status).toBe(202);
  const ended = await waitForJob(t, bad.body.id!, ['succeeded', 'failed']);
  expect(ended).toMatchObject({ state: 'failed', error: { code: 'ERR_CSV_UNCLOSED_QUOTE' } });
});

test('cancel and delete with content-type: application/json and no body are answered, not refused', async () => {
  const json = { 'content-type': 'application/json' };
  const { body } = await submit({ input: 'sales.csv', aggregate: { measures: count } });
  await waitForJob(t, body.id!, ['succeeded']);
  const cancel = await t.call(`/api/jobs/${body.id}/cancel`, { method: 'POST', headers: json });
  expect(cancel.status).toBe(409); // ended: the answer to the request, not to its empty body
  expect(await cancel.json()).toMatchObject({ error: { code: 'ERR_JOB_FINISHED' } });
  const removed = await t.call(`/api/jobs/${body.id}`, { method: 'DELETE', headers: json });
  expect(removed.status).toBe(204);
  // A body that is there is still parsed: bad JSON is a 400.
  const bad = await t.call('/api/jobs/1/cancel', { method: 'POST', headers: json, body: '{' });
  expect(bad.status).toBe(400);
  // POST /api/jobs still needs its body.
  const empty = await t.call('/api/jobs', { method: 'POST', headers: json });
  expect(empty.status).toBe(400);
});

test("GET /api/files: modifiedAt in whole milliseconds, though the file's mtime has fractions", async () => {
  utimesSync(join(t.data, 'small.ndjson'), 1764583100.1234567, 1764583100.7654321);
  const { body } = await t.json<{ files: { name: string; modifiedAt: number }[] }>('GET', '/api/files');
  const file = body.files.find((f) => f.name === 'small.ndjson')!;
  expect(file.modifiedAt).toBe(1764583100765);
});

test("a cancelled job: progress in whole numbers while it runs, and its message's figures are its record's", {
  timeout: 60_000,
}, async () => {
  // One progress event a minute: the throttle holds back every merge after the first, so the
  // record lags the work unless the end puts them level.
  const held = gate(join(t.outside, 'cancel.gate'), 3);
  const { body } = await submit({
    input: 'sales.csv',
    task: 'slow-sum',
    params: { column: 'amount', gate: held.path },
    chunkSize: 65_536,
    progressInterval: 60_000,
  });
  const id = body.id!;
  const read = { events: [], comments: [] };
  const stream = readSse(await t.call(`/api/jobs/${id}/events`), undefined, read);
  try {
    expect(await waitFor(() => held.held().some((h) => h.chunk === 3), 30_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 500)); // chunks 0 to 2 merge meanwhile
    const running = await t.json<{ progress: Record<string, number> }>('GET', `/api/jobs/${id}`);
    for (const key of ['elapsedMs', 'bytesPerSec', 'etaMs'])
      expect(Number.isInteger(running.body.progress[key])).toBe(true);
    expect((await t.json('POST', `/api/jobs/${id}/cancel`)).status).toBe(202);
    const ended = await waitForJob(t, id, ['cancelled', 'failed', 'succeeded']);
    const p = ended.progress as { chunksDone: number; rowsDone: number; bytesDone: number };
    const message = (ended.error as { message: string }).message;
    expect(message).toBe(
      `The job was cancelled after ${p.chunksDone} chunks, ${p.rowsDone} rows, ${p.bytesDone} bytes`,
    );
    expect(p.chunksDone).toBe(3);
  } finally {
    held.open();
  }
  const { events } = await stream;
  const progress = events.filter((e) => e.event === 'progress').map((e) => e.data.data as Record<string, number>);
  expect(progress.length).toBeGreaterThan(0);
  for (const p of progress) expect([p.elapsedMs, p.bytesPerSec, p.etaMs].every(Number.isInteger)).toBe(true);
});
