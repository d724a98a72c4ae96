/**
 * Webhooks: an engine POSTs each job's end to the operator's URLs, signed with HMAC-SHA256 of
 * `<t>.<body>`; a non-2xx or no answer is retried with backoff, and every attempt is logged in the
 * job's events (`webhook`, after the final state). A real receiver on loopback, both stores. A
 * request cannot name a URL: the server refuses a spec or body with a webhook field.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { count, createEngine, openQueue, type Engine, type JobEventRecord, type JobOutcome } from 'chunkmill';
import { settle } from '../helpers/events.ts';
import { waitForState } from '../helpers/jobs.ts';
import { startTestServer } from '../helpers/server.ts';
import { storeKinds } from '../helpers/stores.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const kinds = storeKinds();
const SECRET = 'whsec-test-0123456789';
const aggregate = { groupBy: ['region'], measures: { n: count() } };

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A receiver on loopback: `answer` decides each request's fate (a status, or null: never answer). */
async function receiver(answer: (n: number) => number | null) {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => {
      body += d;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      const status = answer(received.length);
      if (status === null) hanging.push(res);
      else res.writeHead(status).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return { url: `http://127.0.0.1:${port}/hooks/chunkmill?token=query-secret`, received, close };
}

/** What a receiver does: the signature is the HMAC of `<t>.<body>`, and t is recent. */
function verify(header: string | string[] | undefined, body: string, secret: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(header));
  if (m === null || Math.abs(Date.now() / 1000 - Number(m[1])) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'));
}

async function webhookEvents(engine: Engine, id: string, until: (e: JobEventRecord[]) => boolean) {
  for (let i = 0; i < 600; i++) {
    const hooks = (await engine.store.events(id, 0, 1000)).filter((e) => e.type === 'webhook');
    if (until(hooks)) return hooks;
    await settle(20);
  }
  throw new Error('the webhook events did not come');
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

describe.each(kinds)('$name store', (kind) => {
  test('a 500 then a 200: retried, signed, and both attempts logged after the end', { timeout: 60_000 }, async () => {
    const hook = await receiver((n) => (n === 1 ? 500 : 200));
    open.push(hook);
    const store = await kind.fresh('hooks');
    const input = `${tmp.dir}/sales-${kind.name}.csv`;
    await writeFile(input, 'region,amount\nnorth,1\nsouth,2\nnorth,3\n');
    const engine = await createEngine({
      store,
      workers: 1,
      webhooks: [{ url: hook.url, secret: SECRET }],
      webhookRetry: { backoffMs: 50, timeoutMs: 5_000 },
    });
    open.push(engine);
    const ended: [string, JobOutcome | null][] = [];
    engine.on('ended', (id, outcome) => ended.push([id, outcome]));
    const queue = openQueue(store);
    open.push(queue);
    const job = await queue.add({ input, aggregate }, { name: 'by region' });
    await waitForState(queue, job.id, ['succeeded', 'failed']);
    const hooks = await webhookEvents(engine, job.id, (h) => h.length >= 2);

    expect(hook.received).toHaveLength(2);
    for (const r of hook.received) {
      expect(verify(r.headers['chunkmill-signature'], r.body, SECRET)).toBe(true);
      expect(verify(r.headers['chunkmill-signature'], r.body, 'another secret')).toBe(false);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['chunkmill-event']).toBe('job.succeeded');
    }
    expect(hook.received[1]!.body).toBe(hook.received[0]!.body); // the same delivery, tried again
    const record = await queue.get(job.id);
    expect(JSON.parse(hook.received[0]!.body)).toEqual({
      event: 'job.succeeded',
      id: job.id,
      name: 'by region',
      state: 'succeeded',
      summary: { kind: 'aggregate', rowCount: 2, stats: record!.result!.stats },
      finishedAt: record!.finishedAt,
    });
    // Logged after the final state; the URL as its origin and a hash of its path, without its
    // query: each may hold a secret (Slack's webhook URLs carry their token in the path).
    const shown = `${new URL(hook.url).origin}/…#${createHash('sha256').update('/hooks/chunkmill').digest('hex').slice(0, 8)}`;
    expect(hooks.map((e) => e.data)).toEqual([
      { url: shown, event: 'job.succeeded', attempt: 1, status: 500, outcome: 'retrying' },
      { url: shown, event: 'job.succeeded', attempt: 2, status: 200, outcome: 'delivered' },
    ]);
    const log = await engine.store.events(job.id, 0, 1000);
    const final = log.findIndex((e) => e.type === 'state' && e.data.state === 'succeeded');
    expect(log.slice(final + 1).every((e) => e.type === 'webhook')).toBe(true);
    expect(JSON.stringify(log)).not.toContain(SECRET);
    expect(JSON.stringify(log)).not.toContain('query-secret');
    expect(JSON.stringify(log)).not.toContain('/hooks/chunkmill');
    expect(ended).toEqual([[job.id, { state: 'succeeded', result: record!.result }]]);
  });
});

test('a receiver that never answers: each attempt times out, is retried, and the last is abandoned', {
  timeout: 60_000,
}, async () => {
  const hook = await receiver(() => null);
  open.push(hook);
  const store = `${tmp.dir}/hang.db`;
  const engine = await createEngine({
    store,
    workers: 1,
    webhooks: [{ url: hook.url, secret: SECRET }],
    webhookRetry: { timeoutMs: 300, attempts: 3, backoffMs: 20 },
  });
  open.push(engine);
  const queue = openQueue(store);
  open.push(queue);
  const job = await queue.add({ input: `${tmp.dir}/missing.csv`, aggregate }); // fails: no such file
  await waitForState(queue, job.id, ['failed']);
  const hooks = await webhookEvents(engine, job.id, (h) =>
    h.some((e) => e.type === 'webhook' && e.data.outcome === 'abandoned'),
  );
  expect(hooks.map((e) => e.data)).toMatchObject([
    { attempt: 1, error: 'no answer within 300 ms', outcome: 'retrying', event: 'job.failed' },
    { attempt: 2, error: 'no answer within 300 ms', outcome: 'retrying' },
    { attempt: 3, error: 'no answer within 300 ms', outcome: 'abandoned' },
  ]);
  expect(hook.received).toHaveLength(3);
  const payload = JSON.parse(hook.received[0]!.body) as { summary: { error: { code: string } } };
  expect(payload).toMatchObject({
    event: 'job.failed',
    state: 'failed',
    summary: { error: { code: 'ERR_FILE_NOT_FOUND' } },
  });
});

test('close() stops pending retries within its bounded wait, and logs them as abandoned', {
  timeout: 30_000,
}, async () => {
  const hook = await receiver(() => 503);
  open.push(hook);
  const store = `${tmp.dir}/close.db`;
  const engine = await createEngine({
    store,
    workers: 1,
    webhooks: [{ url: hook.url, secret: SECRET }],
    webhookRetry: { backoffMs: 60_000 },
  });
  const queue = openQueue(store);
  open.push(queue);
  const job = await queue.add({ input: `${tmp.dir}/missing.csv`, aggregate });
  await waitForState(queue, job.id, ['failed']);
  await webhookEvents(engine, job.id, (h) => h.length >= 1);
  const started = Date.now();
  await engine.close();
  expect(Date.now() - started).toBeLessThan(5_000);
  const reader = openQueue(store);
  open.push(reader);
  const hooks = (await reader.store.events(job.id, 0, 100)).filter((e) => e.type === 'webhook');
  expect(hooks.map((e) => e.data)).toMatchObject([
    { attempt: 1, status: 503, outcome: 'retrying' },
    { attempt: 2, outcome: 'abandoned' },
  ]);
});

test("a webhook is the operator's: an engine refuses a URL that is not http(s), and the API refuses one in a request", {
  timeout: 60_000,
}, async () => {
  await expect(createEngine({ store: `${tmp.dir}/bad.db`, webhooks: ['file:///etc/passwd'] })).rejects.toMatchObject({
    code: 'ERR_INVALID_OPTION',
  });
  const hook = await receiver(() => 200);
  open.push(hook);
  const t = await startTestServer({ webhooks: [{ url: hook.url, secret: SECRET }] });
  await writeFile(`${t.data}/s.csv`, 'region\nnorth\n');
  const spec = { input: 's.csv', aggregate };
  for (const body of [
    { spec: { ...spec, webhook: 'http://169.254.169.254/' } },
    { spec: { ...spec, webhooks: ['http://169.254.169.254/'] } },
    { spec, webhook: 'http://169.254.169.254/' },
    { spec, webhooks: ['http://169.254.169.254/'] },
  ])
    expect((await t.json('POST', '/api/jobs', body)).status).toBe(400);
  // The operator's webhook (serve's --webhook) gets the job's end.
  const posted = await t.json<{ id: string }>('POST', '/api/jobs', { spec });
  expect(posted.status).toBe(202);
  for (let i = 0; i < 500 && hook.received.length === 0; i++) await settle(20);
  expect(hook.received).toHaveLength(1);
  expect(JSON.parse(hook.received[0]!.body)).toMatchObject({ id: posted.body.id, event: 'job.succeeded' });
});
