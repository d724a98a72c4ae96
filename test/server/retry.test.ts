/**
 * POST /api/jobs/:id/retry over real HTTP, with a real engine behind it: a failed job and a
 * cancelled one retried (201, Location, the new job's record, which then runs; its log names the
 * original), a job that is queued or succeeded refused (409 ERR_JOB_NOT_RETRYABLE), an unknown or
 * removed one 404, and the same token and same-site rules as every job route.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, expect, test } from 'vitest';
import { openQueue, type JobEventRecord } from 'chunkmill';
import { startTestServer, TASKS_DIR, waitForJob, type TestServer } from '../helpers/server.ts';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ tasksDir: TASKS_DIR });
  writeFileSync(join(t.data, 'small.csv'), 'region,amount\nnorth,1\nsouth,2\n');
}, 60_000);

type Job = { id: string; state: string; name: string | null; spec: Record<string, unknown>; error: unknown };
type Failure = { error: { code: string; message: string } };

const retry = (id: string, init: RequestInit & { token?: string | null } = {}) =>
  t.call(`/api/jobs/${id}/retry`, { method: 'POST', ...init });

test('a failed job retried: 201 with the new job (Location); it runs, and its log names the original', {
  timeout: 60_000,
}, async () => {
  const spec = { input: 'small.csv', task: 'throws', params: { in: 'init' } };
  const posted = await t.json<Job>('POST', '/api/jobs', { spec, name: 'flaky', priority: 3 });
  const failed = await waitForJob(t, posted.body.id, ['failed', 'succeeded']);
  expect(failed).toMatchObject({ state: 'failed', error: { code: 'ERR_TASK_FAILED' } });

  const response = await retry(posted.body.id);
  expect(response.status).toBe(201);
  const job = (await response.json()) as Job;
  expect(response.headers.get('location')).toBe(`/api/jobs/${job.id}`);
  expect(job.id).not.toBe(posted.body.id);
  expect(job).toMatchObject({ state: 'queued', name: 'flaky', priority: 3, spec, error: null });
  // The same spec fails the same way: what matters here is that it ran again, as its own job.
  expect(await waitForJob(t, job.id, ['failed', 'succeeded'])).toMatchObject({ state: 'failed' });
  expect((await t.json<Job>('GET', `/api/jobs/${posted.body.id}`)).body).toMatchObject({ state: 'failed' });

  const queue = openQueue(join(t.outside, 'jobs.db'));
  try {
    const first: JobEventRecord[] = await queue.store.events(job.id, 0, 1);
    expect(first[0]).toMatchObject({ type: 'state', data: { state: 'queued', reason: 'retried', retryOf: failed.id } });
  } finally {
    await queue.close();
  }
});

test('a cancelled job retried runs to success; queued and succeeded jobs are 409, unknown and removed ones 404', {
  timeout: 60_000,
}, async () => {
  const spec = { input: 'small.csv', aggregate: { groupBy: ['region'], measures: { n: { kind: 'count' } } } };
  const delayed = (await t.json<Job>('POST', '/api/jobs', { spec, delay: 3_600_000 })).body;
  const queued = await retry(delayed.id);
  expect(queued.status).toBe(409);
  expect(await queued.json()).toEqual({
    error: {
      code: 'ERR_JOB_NOT_RETRYABLE',
      message: `Job ${delayed.id} is queued; only a failed or cancelled job can be retried`,
    },
  });
  expect((await t.json('POST', `/api/jobs/${delayed.id}/cancel`)).status).toBe(200);

  // A JSON content type with no body, as many clients send on every call, is no body (as for cancel).
  const response = await retry(delayed.id, { headers: { 'content-type': 'application/json' } });
  expect(response.status).toBe(201);
  const job = (await response.json()) as Job;
  const done = await waitForJob(t, job.id, ['succeeded', 'failed']);
  expect(done).toMatchObject({ state: 'succeeded', result: { kind: 'aggregate', rowCount: 2 } });

  const succeeded = await retry(job.id);
  expect(succeeded.status).toBe(409);
  expect(((await succeeded.json()) as Failure).error.code).toBe('ERR_JOB_NOT_RETRYABLE');

  for (const id of ['987654', 'not-an-id', delayed.id]) {
    if (id === delayed.id) expect((await t.call(`/api/jobs/${id}`, { method: 'DELETE' })).status).toBe(204);
    const missing = await retry(id);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as Failure).error.code).toBe('ERR_JOB_NOT_FOUND');
  }
});

test('it needs the token (401) and refuses another site (403), as every job route does', async () => {
  const spec = { input: 'small.csv', aggregate: { measures: { n: { kind: 'count' } } } };
  const posted = await t.json<Job>('POST', '/api/jobs', { spec, delay: 3_600_000 });
  await t.json('POST', `/api/jobs/${posted.body.id}/cancel`);
  const jobs = async () => (await t.json<{ jobs: unknown[] }>('GET', '/api/jobs')).body.jobs.length;
  const before = await jobs();
  for (const token of [null, 'wrong-token-0123456789']) {
    const response = await retry(posted.body.id, { token });
    expect(response.status).toBe(401);
    expect(((await response.json()) as Failure).error.code).toBe('ERR_UNAUTHORIZED');
  }
  const foreign = await retry(posted.body.id, { headers: { origin: 'https://evil.example' } });
  expect(foreign.status).toBe(403);
  expect(((await foreign.json()) as Failure).error.code).toBe('ERR_CROSS_ORIGIN');
  expect(await jobs()).toBe(before); // nothing was queued by them
});

test('a stored job whose module is outside the tasks dir (queued by another client of the store) is not retried: 403', {
  timeout: 60_000,
}, async () => {
  // Queued straight into the server's store, as `chunkmill submit` or the library may, with a
  // module the server would never run for a request; cancelled before any engine took it.
  const outsideModule = join(t.outside, 'elsewhere.mjs');
  writeFileSync(outsideModule, 'export default { init: () => 0, reduce: (a) => a, combine: (a, b) => a + b };\n');
  const queue = openQueue(join(t.outside, 'jobs.db'));
  try {
    const input = join(t.data, 'small.csv');
    const jobsBefore = (await queue.list({ limit: 100 })).jobs.length;
    const spec = { input, task: pathToFileURL(outsideModule).href };
    const job = await queue.add(spec, { delay: 3_600_000 });
    expect(await queue.cancel(job.id)).toBe('cancelled');
    const refused = await retry(job.id);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as Failure).error).toMatchObject({ code: 'ERR_MODULE_FORBIDDEN' });
    const dataUrl = `data:text/javascript,${encodeURIComponent('export default {}')}`;
    const inline = await queue.add({ input, task: dataUrl }, { delay: 3_600_000 });
    await queue.cancel(inline.id);
    expect((await retry(inline.id)).status).toBe(403);
    expect((await queue.list({ limit: 100 })).jobs.length).toBe(jobsBefore + 2); // neither retry queued a job
  } finally {
    await queue.close();
  }
});
