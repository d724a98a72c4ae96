/**
 * GET /api/health is liveness (the process answers); GET /api/ready is readiness, and each of
 * its checks is made to fail for real on a real server:
 *   - the thread pool: every libuv thread of this process blocked in an open() of a FIFO with no
 *     writer (what a FIFO in the data dir did to the SRE's server), then released by a writer;
 *   - the store: its disk full (the store on a real 1 MiB tmpfs, filled), then freed; and its
 *     connection closed under the running server.
 * Health keeps answering 200 through the first two: that is the difference.
 */
import { spawn, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { mountTmpfs } from '../helpers/tmpfs.ts';

const DEADLINE_MS = 20_000;

interface Ready {
  ready: boolean;
  reasons: { check: string; code: string; message: string }[];
  checks: Record<string, unknown>;
}

async function ready(t: TestServer): Promise<{ status: number; body: Ready }> {
  return t.json<Ready>('GET', '/api/ready');
}

/** Polls /api/ready until `check(body)` holds; returns that answer. */
async function readyUntil(t: TestServer, want: (r: { status: number; body: Ready }) => boolean) {
  for (const until = Date.now() + DEADLINE_MS; ; ) {
    const r = await ready(t);
    if (want(r)) return r;
    if (Date.now() > until) throw new Error(`/api/ready never matched; last: ${r.status} ${JSON.stringify(r.body)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('ready normally; a blocked thread pool is 503 naming it (health stays 200); released, ready again', {
  timeout: 60_000,
}, async () => {
  const t = await startTestServer();
  expect(await ready(t)).toEqual({
    status: 200,
    body: { ready: true, reasons: [], checks: { store: 'ok', threadPool: 'ok' } },
  });
  // Every thread of the pool waits in open() for a writer that is not there.
  const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  const fifos = Array.from({ length: threads }, (_, i) => join(t.outside, `block-${i}.fifo`));
  for (const fifo of fifos) spawnSync('mkfifo', [fifo]);
  const blocked = fifos.map((fifo) => open(fifo, 'r'));
  try {
    const r = await readyUntil(t, (r) => r.status === 503);
    expect(r.body).toMatchObject({
      ready: false,
      reasons: [{ check: 'threadPool', code: 'ERR_THREAD_POOL_BLOCKED' }],
      checks: { store: 'ok', threadPool: 'blocked' },
    });
    expect((await t.call('/api/health')).status).toBe(200);
  } finally {
    // A writer on each FIFO (another process: this one's pool is the blocked one) lets its open() return.
    await Promise.all(
      fifos.map((fifo) => new Promise((resolve) => spawn('sh', ['-c', `exec 3>'${fifo}'`]).on('exit', resolve))),
    );
    for (const handle of await Promise.all(blocked)) await handle.close();
  }
  expect((await readyUntil(t, (r) => r.status === 200)).body.ready).toBe(true);
  await t.server.close(); // before the tmpfs goes
});

test('a closed store connection: 503 naming the store, no path or driver text', async () => {
  const t = await startTestServer();
  await t.server.queue.close();
  const r = await ready(t);
  expect(r.status).toBe(503);
  expect(r.body.reasons).toEqual([
    { check: 'store', code: 'ERR_STORE', message: 'The job store cannot be written (ERR_STORE)' },
  ]);
  expect(JSON.stringify(r.body)).not.toContain(t.outside);
});

test('the store on a full disk: 503 naming the store (health stays 200); space freed, ready again', {
  timeout: 60_000,
}, async () => {
  const mnt = mountTmpfs('1m');
  const t = await startTestServer({ store: join(mnt, 'jobs.db') });
  expect((await ready(t)).status).toBe(200);
  // Fill the disk: the write stops at ENOSPC with what fitted kept.
  const filler = join(mnt, 'filler');
  try {
    writeFileSync(filler, Buffer.alloc(2 << 20));
  } catch (e) {
    expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
  }
  const r = await readyUntil(t, (r) => r.status === 503);
  expect(r.body).toMatchObject({
    ready: false,
    reasons: [{ check: 'store', code: 'ERR_STORE_FULL' }],
    checks: { store: 'failed', threadPool: 'ok' },
  });
  expect((await t.call('/api/health')).status).toBe(200);
  // A job cannot be queued on a full store: the client is told the storage is full (507), not a 500.
  writeFileSync(join(t.data, 'ok.csv'), 'a\n1\n');
  const post = await t.json('POST', '/api/jobs', {
    spec: { input: 'ok.csv', aggregate: { measures: { n: { kind: 'count' } } } },
  });
  expect(post).toMatchObject({ status: 507, body: { error: { code: 'ERR_NO_SPACE' } } });
  rmSync(filler);
  expect((await readyUntil(t, (r) => r.status === 200)).body.ready).toBe(true);
  await t.server.close(); // before the tmpfs goes
});
