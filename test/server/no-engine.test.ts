/**
 * An API-only replica (`engine: false`, `serve --no-engine`) on a real SQLite store, with the
 * engine in another process (test/helpers/jobs.ts): a job posted to the replica is queued, run
 * by that engine, and followed to its end over the replica's SSE; health, readiness and metrics
 * answer without an engine; engine-only options are refused.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startServer, type ChunkmillServer } from 'chunkmill/server';
import { startEngineChild, type EngineChild } from '../helpers/jobs.ts';
import { startServeChild, TOKEN } from '../helpers/server.ts';
import { readSse } from '../helpers/sse.ts';

const dir = mkdtempSync(join(tmpdir(), 'chunkmill-api-only-'));
const store = join(dir, 'jobs.db');
let server: ChunkmillServer;
let engine: EngineChild | undefined;
const auth = { authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  writeFileSync(join(dir, 'small.csv'), 'region,amount\nnorth,1\nsouth,2\nnorth,3\n');
  server = await startServer({ store, dataDir: dir, port: 0, token: TOKEN, engine: false, logLevel: 'silent' });
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (engine !== undefined) {
    engine.child.kill('SIGTERM');
    await engine.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string) => fetch(server.url + path, { headers: auth });

test('health, readiness and metrics answer without an engine', async () => {
  expect(server.engine).toBeNull();
  const health = await get('/api/health');
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ status: 'ok', engine: null });
  const ready = await get('/api/ready');
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ ready: true, reasons: [], checks: { store: 'ok', threadPool: 'ok' } });
  const metrics = await get('/metrics');
  expect(metrics.status).toBe(200);
  expect(await metrics.text()).toMatch(/^chunkmill_jobs\{state="queued"\} 0$/m);
});

test('a job posted to the API-only server stays queued, then another engine runs it, followed over SSE', {
  timeout: 60_000,
}, async () => {
  const posted = await fetch(`${server.url}/api/jobs`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      spec: { input: 'small.csv', aggregate: { groupBy: ['region'], measures: { n: { kind: 'count' } } } },
    }),
  });
  expect(posted.status).toBe(202);
  const job = (await posted.json()) as { id: string; state: string; links: { events: string } };
  expect(job.state).toBe('queued');
  // No engine here: it is still queued a while later.
  await new Promise((r) => setTimeout(r, 500));
  expect(await (await get(`/api/jobs/${job.id}`)).json()).toMatchObject({ state: 'queued' });

  const stream = fetch(server.url + job.links.events); // a link token, as a browser's EventSource would
  engine = await startEngineChild(store, { workers: 1, concurrency: 1 });
  const read = await readSse(await stream);
  const states = read.events.filter((e) => e.event === 'state').map((e) => (e.data.data as { state: string }).state);
  expect(states).toEqual(['queued', 'running', 'succeeded']);
  expect(read.events.at(-1)).toMatchObject({ event: 'end', data: { reason: 'finished' } });
  expect(engine.lines).toContain(`claimed ${job.id}`);
  const result = await (await get(`/api/jobs/${job.id}/result`)).json();
  expect(result).toMatchObject({
    rows: [
      { region: 'north', n: 2 },
      { region: 'south', n: 1 },
    ],
  });
});

test('engine-only options are refused on an API-only server', async () => {
  for (const option of [
    { workers: 2 },
    { concurrency: 2 },
    { leaseMs: 1_000 },
    { cluster: { redis: 'redis://127.0.0.1:1' } },
  ])
    await expect(startServer({ store, dataDir: dir, port: 0, engine: false, ...option })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      option: Object.keys(option)[0],
    });
});

test('chunkmill serve --no-engine says so and runs no engine', { timeout: 60_000 }, async () => {
  const child = await startServeChild(['--no-engine', '--store', store, '--data-dir', dir]);
  try {
    expect(child.stderr()).toContain('API only, no engine');
    const health = await fetch(`${child.url}/api/health`, { headers: auth });
    expect(await health.json()).toMatchObject({ engine: null });
  } finally {
    child.child.kill('SIGTERM');
    await child.exited;
  }
});
