/**
 * The event streams over real HTTP, read with a parser of the SSE format: a job's stream from
 * the start (every event with an increasing id, in the order the log has them, ending with
 * done, the final state and `end: finished`), resumed from Last-Event-ID with exactly what came
 * after, a reconnect after the end, heartbeats, a bad Last-Event-ID, and the all-jobs feed; a
 * failure sent as `failed` (not `error`, EventSource's own), and an unknown ?types= name refused.
 */
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { generate } from '../../support/generate.ts';
import { startTestServer, TASKS_DIR, waitForJob, type TestServer } from '../helpers/server.ts';
import { gate } from '../helpers/gate.ts';
import { readSse, type SseMessage, type SseRead } from '../helpers/sse.ts';
import { waitFor } from '../helpers/threads.ts';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ tasksDir: TASKS_DIR, heartbeatMs: 40 });
  await generate(join(t.data, 'sales.csv'), 'sales', { rows: 20_000, seed: 6 });
}, 60_000);

const events = (id: string, after?: number) =>
  t.call(`/api/jobs/${id}/events`, after === undefined ? {} : { headers: { 'last-event-id': String(after) } });

const slowJob = async (params: Record<string, unknown> = { column: 'amount', msPerChunk: 30 }) =>
  (
    await t.json<{ id: string }>('POST', '/api/jobs', {
      spec: { input: 'sales.csv', task: 'slow-sum', params, chunkSize: 65_536 },
    })
  ).body.id;

test("a job's stream: its whole log with increasing ids, ending with done, the final state and end: finished", {
  timeout: 60_000,
}, async () => {
  // Held after 3 chunks until the stream has carried a heartbeat: a job that ended sooner would
  // leave the stream no time for one.
  const held = gate(join(t.outside, 'stream.gate'), 3);
  const id = await slowJob({ column: 'amount', gate: held.path });
  const response = await events(id);
  expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const read: SseRead = { events: [], comments: [] };
  const reading = readSse(response, undefined, read);
  try {
    expect(await waitFor(() => read.comments.includes('heartbeat'), 20_000)).toBe(true);
  } finally {
    held.open();
  }
  const { events: all, comments } = await reading;
  const ids = all.filter((e) => e.id !== null).map((e) => e.id!);
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
  expect(new Set(ids).size).toBe(ids.length);
  const types = all.map((e) => e.event);
  expect(types.slice(0, 3)).toEqual(['state', 'state', 'start']);
  expect(types.slice(-3)).toEqual(['done', 'state', 'end']);
  expect(types).toContain('chunk');
  expect(types).toContain('progress');
  expect(all.at(-2)!.data).toMatchObject({ jobId: id, data: { state: 'succeeded' } });
  expect(all.at(-1)).toEqual({ id: null, event: 'end', data: { reason: 'finished', message: `Job ${id} succeeded` } });
  expect(comments).toContain('heartbeat');
  const start = all.find((e) => e.event === 'start')!.data as { data: { input: string } };
  expect(start.data.input).toBe('sales.csv'); // a client sees the data dir's names, not the server's paths
});

test('Last-Event-ID resumes with exactly the events after it; after the end a reconnect gets the end at once', {
  timeout: 60_000,
}, async () => {
  const id = await slowJob();
  // Cut the connection after the third chunk, as a dropped network would.
  const first = await readSse(await events(id), (_e, seen) => seen.filter((s) => s.event === 'chunk').length === 3);
  const last = first.events.at(-1)!.id!;
  const rest = await readSse(await events(id, last));
  const whole = await readSse(await events(id));
  const ids = (m: SseMessage[]) => m.filter((e) => e.id !== null).map((e) => e.id);
  expect(Math.min(...ids(rest.events).map(Number))).toBeGreaterThan(last);
  // Once a job ends its log keeps only the last progress event; every other event is there to compare.
  const kept = (m: SseMessage[]) => ids(m.filter((e) => e.event !== 'progress'));
  expect([...kept(first.events), ...kept(rest.events)]).toEqual(kept(whole.events));
  expect(kept(whole.events).length).toBeGreaterThan(10);
  expect(rest.events.at(-1)).toMatchObject({ event: 'end', data: { reason: 'finished' } });

  const lastOfAll = ids(whole.events).at(-1)!;
  const after = await readSse(await events(id, lastOfAll));
  expect(after.events).toEqual([
    { id: null, event: 'end', data: { reason: 'finished', message: `Job ${id} succeeded` } },
  ]);
  const metrics = await (await t.call('/metrics')).text();
  expect(metrics).toMatch(/^chunkmill_sse_clients 0$/m); // every stream above is counted out again
  const refused = await t.call(`/api/jobs/${id}/events`, { headers: { 'last-event-id': 'x1' } });
  expect(refused.status).toBe(400);
  expect(await refused.json()).toMatchObject({ error: { code: 'ERR_INVALID_REQUEST', field: 'Last-Event-ID' } });
});

test('GET /api/events follows every job from lastEventId, only the types asked for', { timeout: 60_000 }, async () => {
  const { body } = await t.json<{ lastEventId: number }>('GET', '/api/jobs?limit=1');
  const feed = t.call('/api/events?types=state', { headers: { 'last-event-id': String(body.lastEventId) } });
  const a = await slowJob();
  const b = (
    await t.json<{ id: string }>('POST', '/api/jobs', {
      spec: { input: 'sales.csv', aggregate: { measures: { n: { kind: 'count' } } } },
    })
  ).body.id;
  const finals = new Set<string>();
  const read = await readSse(await feed, (e) => {
    const { jobId, data } = e.data as { jobId: string; data: { state: string } };
    if (data.state === 'succeeded') finals.add(jobId);
    return finals.has(a) && finals.has(b);
  });
  expect(new Set(read.events.map((e) => e.event))).toEqual(new Set(['state']));
  const states = (id: string) =>
    read.events.filter((e) => e.data.jobId === id).map((e) => (e.data.data as { state: string }).state);
  expect(states(a)).toEqual(['queued', 'running', 'succeeded']);
  expect(states(b)).toEqual(['queued', 'running', 'succeeded']);
  expect(read.events[0]!.id!).toBeGreaterThan(body.lastEventId);
  await waitForJob(t, b, ['succeeded']);
});

test("a failure goes as `failed`, never `error` (EventSource's own event); ?types=failed follows it", {
  timeout: 60_000,
}, async () => {
  const { body } = await t.json<{ lastEventId: number }>('GET', '/api/jobs?limit=1');
  const after = { headers: { 'last-event-id': String(body.lastEventId) } };
  const feed = t.call('/api/events?types=failed', after);
  // The name it had before the rename still asks for the same events, for one release.
  const old = t.call('/api/events?types=error', after);
  const id = (
    await t.json<{ id: string }>('POST', '/api/jobs', {
      spec: { input: 'sales.csv', task: 'throws', params: { in: 'init' } },
    })
  ).body.id;
  const mine = (e: SseMessage) => e.data.jobId === id;
  const job = await readSse(await events(id));
  const types = job.events.map((e) => e.event);
  expect(types).not.toContain('error');
  expect(types.slice(-3)).toEqual(['failed', 'state', 'end']);
  const failed = job.events.at(-3)!;
  expect(failed.data).toMatchObject({ jobId: id, data: { message: expect.stringContaining('boom in init') } });
  expect(job.events.at(-2)!.data).toMatchObject({ data: { state: 'failed' } });
  for (const stream of [await feed, await old]) {
    const read = await readSse(stream, mine);
    expect(read.events.filter(mine)).toEqual([failed]);
  }
});

test('?types= with a name that is not an event type: 400 naming it and listing the types', async () => {
  for (const types of ['bogus', 'state,bogus']) {
    const response = await t.call(`/api/events?types=${types}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const { error } = (await response.json()) as { error: { code: string; field: string; message: string } };
    expect(error).toMatchObject({ code: 'ERR_INVALID_REQUEST', field: 'types' });
    expect(error.message).toContain('"bogus"');
    expect(error.message).toContain('state, start, progress, chunk, warning, log, taskProgress, done, failed');
  }
});
