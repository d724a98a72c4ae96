/**
 * GET /api/files with FIFOs in a real data dir, named like data files: one in a folder, one
 * behind a symlink that stays inside. An open() of a FIFO waits for a writer in libuv's thread
 * pool; the SRE's five listings (the pool has four threads) hung the whole server: uploads,
 * submissions, running jobs. Here ten listings at once all answer, list neither FIFO, and the
 * server goes on answering everything else: an upload, a job run to its end, readiness.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer, waitForJob } from '../helpers/server.ts';

let t: TestServer;
/** Generous for a loaded 2-core machine; a hang is what is tested, and it would last forever. */
const DEADLINE_MS = 20_000;

beforeAll(async () => {
  t = await startTestServer();
  writeFileSync(join(t.data, 'ok.csv'), 'k,v\na,1\n');
  mkdirSync(join(t.data, 'pipes'));
  execFileSync('mkfifo', [join(t.data, 'pipes', 'fifo.csv')]);
  execFileSync('mkfifo', [join(t.data, 'direct.csv')]);
  symlinkSync(join(t.data, 'pipes', 'fifo.csv'), join(t.data, 'linked.csv'));
});

const call = (path: string, init: RequestInit = {}) =>
  t.call(path, { ...init, signal: AbortSignal.timeout(DEADLINE_MS) });

test('ten listings at once with FIFOs in the data dir all answer, without the FIFOs; the server goes on', {
  timeout: 60_000,
}, async () => {
  const listings = await Promise.all(
    Array.from({ length: 10 }, async () => {
      const response = await call('/api/files');
      expect(response.status).toBe(200);
      return ((await response.json()) as { files: { name: string; columns: string[] | null }[] }).files;
    }),
  );
  for (const files of listings)
    expect(files).toEqual([expect.objectContaining({ name: 'ok.csv', columns: ['k', 'v'] })]);

  // The thread pool is free: an upload is written, a job reads it to the end, readiness holds.
  const upload = await call('/api/uploads?name=up.csv', { method: 'POST', body: 'k,v\nb,2\nb,3\n' });
  expect(upload.status).toBe(201);
  const posted = await call('/api/jobs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ spec: { input: 'uploads/up.csv', aggregate: { measures: { n: { kind: 'count' } } } } }),
  });
  expect(posted.status).toBe(202);
  const { id } = (await posted.json()) as { id: string };
  expect(await waitForJob(t, id, ['succeeded', 'failed'], DEADLINE_MS)).toMatchObject({ state: 'succeeded' });
  expect((await call('/api/ready')).status).toBe(200);
  // A job named on a FIFO is refused before it is opened, like any file that is not regular.
  const fifo = await call('/api/jobs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ spec: { input: 'linked.csv', aggregate: { measures: { n: { kind: 'count' } } } } }),
  });
  expect(fifo.status).toBe(400);
});
