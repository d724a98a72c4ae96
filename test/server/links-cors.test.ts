/**
 * Browser access without a proxy, on a real server: link tokens (POST /api/jobs and retry return
 * `links`, accepted only on GET of that job's record, events and result; refused on another job,
 * on a write, on any other route, expired or tampered) and the CORS allow-list (a listed origin
 * gets its headers and a preflight answer, any other gets none and is refused as cross-site).
 * The link token never reaches the request log.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { startServer } from 'chunkmill/server';
import { startServeChild, startTestServer, TOKEN, type TestServer } from '../helpers/server.ts';
import { readSse } from '../helpers/sse.ts';

const APP = 'https://app.example.com';
type Links = { job: string; events: string; result: string; expiresAt: number | null };
type Job = { id: string; state: string; links: Links };
type Failure = { error: { code: string; message: string; field?: string } };

let t: TestServer;
const spec = { input: 'small.csv', aggregate: { groupBy: ['region'], measures: { n: { kind: 'count' } } } };

beforeAll(async () => {
  t = await startTestServer({ corsOrigins: [APP, 'http://localhost:3000'] });
  writeFileSync(join(t.data, 'small.csv'), 'region,amount\nnorth,1\nsouth,2\nnorth,3\n');
}, 60_000);

const anon = (path: string, init: RequestInit = {}) => t.call(path, { ...init, token: null });
const post = async () => (await t.json<Job>('POST', '/api/jobs', { spec })).body;
const accessOf = (link: string) => new URL(link, t.url).searchParams.get('access')!;

test('POST /api/jobs returns links that read the job, its events and its result without the token', {
  timeout: 60_000,
}, async () => {
  const before = Date.now();
  const job = await post();
  const { links } = job;
  expect(links.job).toMatch(new RegExp(`^/api/jobs/${job.id}\\?access=[0-9a-z]+\\.[A-Za-z0-9_-]{43}$`));
  expect(links.events.startsWith(`/api/jobs/${job.id}/events?access=`)).toBe(true);
  expect(links.result.startsWith(`/api/jobs/${job.id}/result?access=`)).toBe(true);
  expect(links.expiresAt).toBeGreaterThanOrEqual(before + 86_400_000);
  expect(links.expiresAt).toBeLessThanOrEqual(Date.now() + 86_400_000);
  expect(JSON.stringify(links)).not.toContain(TOKEN);

  const read = await readSse(await anon(links.events));
  expect(read.events.at(-1)).toMatchObject({ event: 'end', data: { reason: 'finished' } });
  expect(
    read.events.some(
      (e) => e.event === 'state' && e.data.data && (e.data.data as { state: string }).state === 'succeeded',
    ),
  ).toBe(true);
  const record = await anon(links.job);
  expect(record.status).toBe(200);
  expect(await record.json()).toMatchObject({ id: job.id, state: 'succeeded' });
  // The result route's query schema refuses unknown fields: `access` is taken off before it.
  const result = await anon(`${links.result}&format=csv&limit=1`);
  expect(result.status).toBe(200);
  expect(result.headers.get('x-total-count')).toBe('2');
  // Without a link or the token: refused as before.
  expect((await anon(`/api/jobs/${job.id}`)).status).toBe(401);
});

test('a link token is refused on another job, on writes, on other routes, expired or tampered', {
  timeout: 60_000,
}, async () => {
  const a = await post();
  const b = await post();
  const access = accessOf(a.links.job);
  const refused = async (path: string, init: RequestInit = {}, code = 'ERR_UNAUTHORIZED') => {
    const response = await anon(path, init);
    expect(response.status, path).toBe(401);
    expect(((await response.json()) as Failure).error.code, path).toBe(code);
  };
  // Another job's record, events and result.
  await refused(`/api/jobs/${b.id}?access=${access}`);
  await refused(`/api/jobs/${b.id}/events?access=${access}`);
  await refused(`/api/jobs/${b.id}/result?access=${access}`);
  // Writes on its own job, and routes that are not its record, events or result.
  await refused(`/api/jobs/${a.id}?access=${access}`, { method: 'DELETE' });
  await refused(`/api/jobs/${a.id}/cancel?access=${access}`, { method: 'POST' });
  await refused(`/api/jobs/${a.id}/retry?access=${access}`, { method: 'POST' });
  await refused(`/api/jobs/${a.id}/links?access=${access}`);
  await refused(`/api/jobs?access=${access}`);
  await refused(`/api/jobs?access=${access}`, {
    method: 'POST',
    body: JSON.stringify({ spec }),
    headers: { 'content-type': 'application/json' },
  });
  await refused(`/api/events?access=${access}`);
  await refused(`/api/files?access=${access}`);
  await refused(`/metrics?access=${access}`);
  // Tampered: another expiry under the same MAC, a changed MAC, a truncated one, two of them.
  const [expiry, mac] = access.split('.') as [string, string];
  const later = (Number.parseInt(expiry, 36) + 86_400_000).toString(36);
  await refused(`/api/jobs/${a.id}?access=${later}.${mac}`);
  const flipped = (mac[0] === 'A' ? 'B' : 'A') + mac.slice(1);
  await refused(`/api/jobs/${a.id}?access=${expiry}.${flipped}`);
  await refused(`/api/jobs/${a.id}?access=${expiry}.${mac.slice(1)}`);
  await refused(`/api/jobs/${a.id}?access=${access}&access=${access}`);
  // The main token itself is not a link token.
  await refused(`/api/jobs/${a.id}?access=${TOKEN}`);
  // Still good on its own job.
  expect((await anon(`/api/jobs/${a.id}?access=${access}`)).status).toBe(200);
});

test('an expired link is refused with ERR_LINK_EXPIRED; GET /links with the token mints a fresh one', {
  timeout: 60_000,
}, async () => {
  const short = await startTestServer({ linkTtlMs: 1_000 });
  writeFileSync(join(short.data, 'small.csv'), 'region\nnorth\n');
  const job = (await short.json<Job>('POST', '/api/jobs', { spec })).body;
  expect((await short.call(job.links.job, { token: null })).status).toBe(200);
  await new Promise((r) => setTimeout(r, 1_100));
  const expired = await short.call(job.links.job, { token: null });
  expect(expired.status).toBe(401);
  expect(((await expired.json()) as Failure).error).toMatchObject({ code: 'ERR_LINK_EXPIRED', field: 'access' });
  const fresh = await short.json<Links>('GET', `/api/jobs/${job.id}/links`);
  expect(fresh.status).toBe(200);
  expect((await short.call(fresh.body.job, { token: null })).status).toBe(200);
  expect((await short.json('GET', '/api/jobs/nope/links')).status).toBe(404);
  // Another server with another token does not accept this one's links; one with the same token does.
  const other = await startTestServer({ token: 'another-token-0123456789' });
  expect((await other.call(fresh.body.job, { token: null })).status).toBe(401);
});

test('a replica sharing the token and store accepts the links; retry returns links too', {
  timeout: 60_000,
}, async () => {
  const delayed = (await t.json<Job>('POST', '/api/jobs', { spec, delay: 3_600_000 })).body;
  expect((await t.json('POST', `/api/jobs/${delayed.id}/cancel`)).status).toBe(200);
  const retried = await t.call(`/api/jobs/${delayed.id}/retry`, { method: 'POST' });
  expect(retried.status).toBe(201);
  const job = (await retried.json()) as Job;
  expect(job.links.job.startsWith(`/api/jobs/${job.id}?access=`)).toBe(true);

  const replica = await startServer({
    store: join(t.outside, 'jobs.db'),
    dataDir: t.data,
    port: 0,
    token: TOKEN,
    engine: false,
    logLevel: 'silent',
  });
  try {
    const response = await fetch(replica.url + job.links.job);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: job.id });
  } finally {
    await replica.close();
  }
});

test('on a server without a token, links are plain URLs with no access parameter', { timeout: 60_000 }, async () => {
  const open = await startTestServer({ token: null });
  writeFileSync(join(open.data, 'small.csv'), 'region\nnorth\n');
  const job = (await open.json<Job>('POST', '/api/jobs', { spec })).body;
  expect(job.links).toEqual({
    job: `/api/jobs/${job.id}`,
    events: `/api/jobs/${job.id}/events`,
    result: `/api/jobs/${job.id}/result`,
    expiresAt: null,
  });
  expect((await open.call(job.links.job, { token: null })).status).toBe(200);
});

test('CORS: a listed origin gets its headers and a preflight answer; another gets none and is refused', async () => {
  const preflight = await anon('/api/jobs', {
    method: 'OPTIONS',
    headers: {
      origin: APP,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe(APP);
  expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
  expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
  expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Content-Type/);
  expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
  expect(preflight.headers.get('vary')).toMatch(/Origin/);

  const posted = await t.call('/api/jobs', {
    method: 'POST',
    body: JSON.stringify({ spec }),
    headers: { origin: APP, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
  });
  expect(posted.status).toBe(202);
  expect(posted.headers.get('access-control-allow-origin')).toBe(APP);
  expect(posted.headers.get('access-control-expose-headers')).toMatch(/Location/);
  expect(posted.headers.get('access-control-expose-headers')).toMatch(/X-Total-Count/);
  // A 401 carries the headers too, so the page can read why.
  const denied = await anon('/api/jobs', { headers: { origin: APP } });
  expect(denied.status).toBe(401);
  expect(denied.headers.get('access-control-allow-origin')).toBe(APP);

  for (const origin of [
    'https://evil.example.com',
    'https://app.example.com.evil.com',
    'http://app.example.com',
    'null',
  ]) {
    const pre = await anon('/api/jobs', {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST' },
    });
    expect(pre.headers.get('access-control-allow-origin'), origin).toBeNull();
    expect(pre.headers.get('access-control-allow-methods'), origin).toBeNull();
    const get = await t.call('/api/jobs', { headers: { origin } });
    expect(get.status, origin).toBe(403);
    expect(get.headers.get('access-control-allow-origin'), origin).toBeNull();
    expect(((await get.json()) as Failure).error.code).toBe('ERR_CROSS_ORIGIN');
  }
});

test('without corsOrigins nothing changes: no CORS headers, OPTIONS is not answered; bad origins are refused at start', async () => {
  const plain = await startTestServer();
  const pre = await plain.call('/api/jobs', {
    method: 'OPTIONS',
    headers: { origin: APP, 'access-control-request-method': 'GET' },
  });
  expect(pre.status).toBeGreaterThanOrEqual(400); // as before: no route answers OPTIONS
  expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  expect((await plain.call('/api/jobs', { headers: { origin: APP } })).status).toBe(403);
  for (const corsOrigins of [
    ['https://app.example.com/'],
    ['app.example.com'],
    ['https://a.com/path'],
    ['ftp://a.com'],
  ])
    await expect(startTestServer({ corsOrigins })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      option: 'corsOrigins',
    });
  // `*` without a token would let any page drive a loopback server.
  await expect(startTestServer({ token: null, corsOrigins: ['*'] })).rejects.toMatchObject({ option: 'corsOrigins' });
  const any = await startTestServer({ corsOrigins: ['*'] });
  const star = await any.call('/api/jobs', { headers: { origin: 'https://anywhere.example' } });
  expect(star.status).toBe(200);
  expect(star.headers.get('access-control-allow-origin')).toBe('*');
  expect(star.headers.get('access-control-allow-credentials')).toBeNull();
});

test('the request log never shows a link token', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chunkmill-links-'));
  writeFileSync(join(dir, 'small.csv'), 'region\nnorth\n');
  const child = await startServeChild([
    '--log-level',
    'info',
    '--link-ttl',
    '2h',
    '--store',
    join(dir, 'jobs.db'),
    '--data-dir',
    dir,
    '--workers',
    '1',
  ]);
  try {
    const response = await fetch(`${child.url}/api/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ spec }),
    });
    const job = (await response.json()) as Job;
    expect(job.links.expiresAt! - Date.now()).toBeGreaterThan(7_100_000);
    expect(job.links.expiresAt! - Date.now()).toBeLessThanOrEqual(7_200_000);
    expect((await fetch(child.url + job.links.job)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(child.stderr()).toContain(`/api/jobs/${job.id}?access=[redacted]`);
    expect(child.stderr()).not.toContain(accessOf(job.links.job));
    expect(child.stderr()).not.toContain(accessOf(job.links.job).split('.')[1]);
  } finally {
    child.child.kill('SIGTERM');
    await child.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
