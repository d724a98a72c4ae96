/**
 * A job never reads or writes the server's job store or SQLite's files beside it, however it
 * names them: the data dir reached through a symlink (the store's path given through it too), a
 * hard link to the store, its -wal and -shm. The SRE's repro was `--data-dir d2link --store
 * d2link/jobs.db` and a job with `rejects: "jobs.db"`: accepted, the store cut to 25 bytes, and
 * ERR_STORE_CORRUPT at the next start. Here every such spec is a 403 before anything is opened,
 * the store keeps its bytes, and a server started again on it finds its jobs.
 */
import { linkSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { startServer } from 'chunkmill/server';
import { TASKS_DIR, TOKEN, waitForJob } from '../helpers/server.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const aggregate = { measures: { n: { kind: 'count' } } };

test('the store, its -wal and -shm, through a symlinked data dir or a hard link: never an input or an output (403)', {
  timeout: 60_000,
}, async () => {
  const real = join(tmp.dir, 'd2');
  mkdirSync(real);
  const link = join(tmp.dir, 'd2link');
  symlinkSync(real, link);
  writeFileSync(join(real, 'ok.csv'), 'k,v\na,1\nb\n'); // line 3 is a bad row: `report` writes it
  const options = {
    store: join(link, 'jobs.db'), // the store's path through the symlink, as the SRE gave it
    dataDir: link,
    tasksDir: TASKS_DIR,
    port: 0,
    workers: 1,
    token: TOKEN,
    logLevel: 'silent' as const,
  };
  let server = await startServer(options);
  const post = async (spec: unknown) => {
    const response = await fetch(`${server.url}/api/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ spec }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, Record<string, unknown>> };
  };
  try {
    // A job first, so the store has a WAL and a shared-memory file beside it.
    const first = await post({ input: 'ok.csv', onBadRow: 'skip', aggregate });
    expect(first.status).toBe(202);
    await waitForJob({ json: json(() => server.url) }, String(first.body.id), ['succeeded']);
    linkSync(join(real, 'jobs.db'), join(real, 'copy.csv')); // the same file under a data name
    const storeBytes = readFileSync(join(real, 'jobs.db'));

    const cases: [unknown, string][] = [
      [{ input: 'ok.csv', onBadRow: 'report', rejects: 'jobs.db', aggregate }, 'spec.rejects'],
      [{ input: 'ok.csv', onBadRow: 'report', rejects: 'jobs.db-wal', aggregate }, 'spec.rejects'],
      [{ input: 'ok.csv', onBadRow: 'report', rejects: 'jobs.db-shm', aggregate }, 'spec.rejects'],
      [{ input: 'ok.csv', onBadRow: 'report', rejects: 'jobs.db-journal', aggregate }, 'spec.rejects'],
      [{ input: 'ok.csv', onBadRow: 'report', rejects: 'copy.csv', aggregate }, 'spec.rejects'],
      [{ input: 'ok.csv', transform: 'select', output: { path: 'jobs.db' } }, 'spec.output.path'],
      [{ input: 'ok.csv', transform: 'select', output: { path: 'copy.csv' } }, 'spec.output.path'],
      [{ input: 'jobs.db', aggregate }, 'spec.input'],
      [{ input: 'jobs.db-wal', aggregate }, 'spec.input'],
      [{ input: 'jobs.db-shm', aggregate }, 'spec.input'],
      [{ input: 'copy.csv', aggregate }, 'spec.input'],
    ];
    for (const [spec, field] of cases) {
      const { status, body } = await post(spec);
      expect([spec, status, body.error?.code, body.error?.field]).toEqual([spec, 403, 'ERR_PATH_FORBIDDEN', field]);
      expect(String(body.error?.message)).toContain("the server's job store");
    }
    // Nothing was queued, and the store's file is as it was (SQLite writes to the WAL meanwhile).
    const list = await fetch(`${server.url}/api/jobs`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await list.json()) as { jobs: unknown[] }).jobs).toHaveLength(1);
    expect(statSync(join(real, 'jobs.db')).size).toBe(storeBytes.length);

    // A rejects file of its own is fine.
    const ok = await post({ input: 'ok.csv', onBadRow: 'report', rejects: 'rejects.csv', aggregate });
    expect(ok.status).toBe(202);
    await waitForJob({ json: json(() => server.url) }, String(ok.body.id), ['succeeded']);
    expect(readFileSync(join(real, 'rejects.csv'), 'utf8')).toContain('b');

    // The store survives a restart, with its checkpointed jobs.
    await server.close();
    server = await startServer(options);
    const ready = await fetch(`${server.url}/api/ready`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ready.status).toBe(200);
    const after = await fetch(`${server.url}/api/jobs`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await after.json()) as { jobs: { state: string }[] }).jobs.map((j) => j.state)).toEqual([
      'succeeded',
      'succeeded',
    ]);
  } finally {
    await server.close();
  }
});

/** A json() for waitForJob against whichever server is current. */
function json(url: () => string) {
  return async <T = Record<string, unknown>>(method: string, path: string) => {
    const response = await fetch(url() + path, { method, headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: response.status, body: (await response.json()) as T };
  };
}
