/**
 * The API and the dashboard mounted in an app of one's own under a path, as bull-board's adapters
 * do: chunkmillPlugin in a real Fastify app (app.register, prefix /jobs) and chunkmillMiddleware
 * in a real Express 5 app (app.use('/jobs')), each listening on a loopback port. The same checks
 * for both: the app's own routes untouched by chunkmill's token check; the dashboard's page and
 * assets under the path (and /jobs redirected to /jobs/, which its relative URLs need); a
 * multipart upload, a job whose Location and link token name the mounted path, its SSE stream
 * followed through the link to the end, its result; confinement; file removal; a close that
 * ends an open event stream with `end: shutdown` (else the app would wait on it for ever).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, expect, test } from 'vitest';
import { chunkmillMiddleware, chunkmillPlugin } from 'chunkmill/server';
import { TOKEN } from '../helpers/server.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function folders() {
  const data = mkdtempSync(join(tmpdir(), 'chunkmill-embed-data-'));
  const outside = mkdtempSync(join(tmpdir(), 'chunkmill-embed-store-'));
  dirs.push(data, outside);
  return { dataDir: data, store: join(outside, 'jobs.db') };
}

const CSV = 'region,amount\nnorth,1\nsouth,2\nnorth,3\n';

/**
 * An event stream of every job, open while the app closes: closing ends it with `end: shutdown`
 * (the app would otherwise wait for the connection forever). Resolves with what it received.
 */
async function openStream(base: string): Promise<{ text: Promise<string> }> {
  const response = await fetch(`${base}/jobs/api/events`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  return { text: response.text() }; // wrapped: an async function would wait for a promise it returns
}

/** What both mounts must do; `base` is the app's URL, chunkmill under `${base}/jobs`. */
async function exercise(base: string): Promise<void> {
  const auth = { authorization: `Bearer ${TOKEN}` };
  // The app's own route: no token asked for, no chunkmill header.
  const hello = await fetch(`${base}/hello`);
  expect(await hello.text()).toBe('hello');
  expect(hello.headers.get('x-content-type-options')).toBe(null);

  // The token check and the health route, under the path.
  expect((await fetch(`${base}/jobs/api/health`)).status).toBe(401);
  expect((await fetch(`${base}/jobs/api/health`, { headers: auth })).status).toBe(200);

  // The dashboard: /jobs goes to /jobs/, whose page loads its assets relative to itself.
  const bare = await fetch(`${base}/jobs`, { redirect: 'manual' });
  expect(bare.status).toBe(302);
  expect(new URL(bare.headers.get('location')!, `${base}/jobs`).pathname).toBe('/jobs/');
  const page = await (await fetch(`${base}/jobs/`)).text();
  expect(page).toContain('src="assets/main.js"');
  const script = await fetch(`${base}/jobs/assets/main.js`);
  expect(script.status).toBe(200);
  expect(script.headers.get('content-type')).toContain('javascript');

  // A multipart upload, as a browser's FormData sends it.
  const form = new FormData();
  form.append('file', new Blob([CSV], { type: 'text/csv' }), 'sales.csv');
  const uploaded = await fetch(`${base}/jobs/api/uploads`, { method: 'POST', headers: auth, body: form });
  expect(uploaded.status).toBe(201);
  expect(await uploaded.json()).toEqual({ name: 'uploads/sales.csv', bytes: CSV.length });

  // A job: its Location and links carry the mounted path; the link token reads its events.
  const posted = await fetch(`${base}/jobs/api/jobs`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      spec: { input: 'uploads/sales.csv', aggregate: { groupBy: ['region'], measures: { n: { kind: 'count' } } } },
    }),
  });
  expect(posted.status).toBe(202);
  const job = (await posted.json()) as { id: string; links: { events: string; result: string } };
  expect(posted.headers.get('location')).toBe(`/jobs/api/jobs/${job.id}`);
  expect(job.links.events).toMatch(new RegExp(`^/jobs/api/jobs/${job.id}/events\\?access=`));
  const stream = await (await fetch(base + job.links.events)).text(); // no bearer: the link token
  expect(stream).toMatch(/event: state\ndata: .*"state":"succeeded"[\s\S]*event: end\ndata: .*"reason":"finished"/);
  const result = (await (await fetch(base + job.links.result)).json()) as { rows: unknown[] };
  expect(result.rows).toEqual([
    { region: 'north', n: 2 },
    { region: 'south', n: 1 },
  ]);

  // Confined to the data dir, as serve is.
  const outside = await fetch(`${base}/jobs/api/jobs`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ spec: { input: '../etc/passwd', aggregate: { measures: { n: { kind: 'count' } } } } }),
  });
  expect(outside.status).toBe(403);

  // The upload is listed with its size, and removed.
  const listed = (await (await fetch(`${base}/jobs/api/files`, { headers: auth })).json()) as {
    files: { name: string; bytes: number; modifiedAt: number }[];
  };
  expect(listed.files).toEqual([expect.objectContaining({ name: 'uploads/sales.csv', bytes: CSV.length })]);
  const remove = () => fetch(`${base}/jobs/api/files/uploads/sales.csv`, { method: 'DELETE', headers: auth });
  expect((await remove()).status).toBe(204);
  expect((await remove()).status).toBe(404);
}

test('chunkmillPlugin in a Fastify app, under /jobs', { timeout: 60_000 }, async () => {
  const app = Fastify();
  app.get('/hello', async () => 'hello');
  await app.register(chunkmillPlugin, { prefix: '/jobs', ...folders(), token: TOKEN, workers: 1 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  let stream: { text: Promise<string> } | undefined;
  try {
    await exercise(base);
    stream = await openStream(base);
  } finally {
    await app.close();
  }
  expect(await stream?.text).toMatch(/event: end\ndata: \{"reason":"shutdown"/);
});

test('chunkmillMiddleware in an Express 5 app, under /jobs', { timeout: 60_000 }, async () => {
  const jobs = chunkmillMiddleware({ ...folders(), token: TOKEN, workers: 1, logLevel: 'silent' });
  const app = express();
  app.use('/jobs', jobs);
  app.use(express.json()); // after chunkmill: the app's own body parser does not reach it
  app.get('/hello', (_req, res) => {
    res.send('hello');
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let stream: { text: Promise<string> } | undefined;
  try {
    await jobs.ready();
    await exercise(base);
    stream = await openStream(base);
  } finally {
    await jobs.close();
    await new Promise((resolve) => server.close(resolve));
  }
  expect(await stream?.text).toMatch(/event: end\ndata: \{"reason":"shutdown"/);
});

test('a bad option is refused at the call, naming it; a listener option is the app’s', () => {
  expect(() => chunkmillMiddleware({ concurrency: 0 })).toThrow(expect.objectContaining({ option: 'concurrency' }));
  expect(() => chunkmillMiddleware({ port: 8080 } as never)).toThrow(
    expect.objectContaining({ code: 'ERR_INVALID_OPTION', option: 'port' }),
  );
});

test('mounted after a body parser that took the body: next(error) says to mount chunkmill first', async () => {
  const jobs = chunkmillMiddleware({ ...folders(), engine: false, logLevel: 'silent' });
  const app = express();
  app.use(express.json());
  app.use('/jobs', jobs);
  let told = '';
  app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    told = error.message;
    res.status(500).end();
  });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jobs/api/jobs`;
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(500);
    expect(told).toMatch(/mount chunkmill before express\.json\(\)/);
  } finally {
    await jobs.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
