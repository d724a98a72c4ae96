/**
 * serve's `retention` (`--retention`): finished jobs, with their results, and uploads are removed
 * by age. A first server runs a job; a second one on the same store and data dir, with a
 * retention of one second, removes the job (its record and result: 404) and the uploads older
 * than a second, and keeps a fresh upload, an old file outside uploads/, and a folder in
 * uploads/. Without retention nothing is removed. The `chunkmill engine --retention --data-dir`
 * side is checked too, as a real process.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { startServer, type ChunkmillServer } from 'chunkmill/server';
import { CLI, cliEnv } from '../helpers/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'chunkmill-retention-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CSV = 'g,v\na,1\nb,2\n';
const HOUR_AGO = (Date.now() - 3_600_000) / 1000;

function files(data: string): void {
  mkdirSync(join(data, 'uploads', 'kept-folder'), { recursive: true });
  for (const name of ['uploads/old.csv', 'uploads/new.csv', 'old-outside.csv']) writeFileSync(join(data, name), CSV);
  for (const name of ['uploads/old.csv', 'old-outside.csv', 'uploads/kept-folder'])
    utimesSync(join(data, name), HOUR_AGO, HOUR_AGO);
}

async function until<T>(what: () => Promise<T>, ok: (value: T) => boolean, ms = 15_000): Promise<T> {
  for (const end = Date.now() + ms; ; ) {
    const value = await what();
    if (ok(value) || Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const get = (server: ChunkmillServer, path: string) => fetch(server.url + path).then((r) => r.status);

test('serve --retention removes finished jobs with their results, and old uploads; keeps the rest', {
  timeout: 60_000,
}, async () => {
  const data = realpathSync(mkdtempSync(join(root, 'data-')));
  const store = join(root, 'serve.db');
  files(data);
  const options = { store, dataDir: data, port: 0, workers: 1, logLevel: 'silent' as const };

  const first = await startServer(options);
  const posted = await fetch(`${first.url}/api/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      spec: { input: 'uploads/new.csv', aggregate: { groupBy: ['g'], measures: { n: { kind: 'count' } } } },
    }),
  });
  const { id } = (await posted.json()) as { id: string };
  await until(
    () => get(first, `/api/jobs/${id}/result`),
    (s) => s === 200,
  );
  await first.close();
  // Without retention, nothing went.
  expect(existsSync(join(data, 'uploads/old.csv'))).toBe(true);

  await new Promise((r) => setTimeout(r, 1_100)); // the job is now older than a second
  const now = Date.now() / 1000;
  utimesSync(join(data, 'uploads/new.csv'), now, now);
  const second = await startServer({ ...options, retention: 1_000 });
  try {
    expect(
      await until(
        () => get(second, `/api/jobs/${id}`),
        (s) => s === 404,
      ),
    ).toBe(404);
    expect(await get(second, `/api/jobs/${id}/result`)).toBe(404);
    await until(
      async () => existsSync(join(data, 'uploads/old.csv')),
      (there) => !there,
    );
    expect(existsSync(join(data, 'uploads/old.csv'))).toBe(false);
    expect(existsSync(join(data, 'uploads/new.csv'))).toBe(true); // changed a moment ago
    expect(existsSync(join(data, 'old-outside.csv'))).toBe(true); // not an upload
    expect(existsSync(join(data, 'uploads/kept-folder'))).toBe(true); // not a file
  } finally {
    await second.close();
  }
  await expect(startServer({ ...options, retention: 10 })).rejects.toMatchObject({ option: 'retention' });
});

test('chunkmill engine --retention --data-dir removes old uploads there', { timeout: 60_000 }, async () => {
  const data = realpathSync(mkdtempSync(join(root, 'engine-data-')));
  files(data);
  const engine = spawn(
    process.execPath,
    [CLI, 'engine', '--store', join(root, 'engine.db'), '--data-dir', data, '--retention', '1h', '-w', '1', '-q'],
    { env: cliEnv(), stdio: 'ignore' },
  );
  try {
    // An hour and some seconds old: gone; the rest kept.
    utimesSync(join(data, 'uploads/old.csv'), HOUR_AGO - 60, HOUR_AGO - 60);
    await until(
      async () => existsSync(join(data, 'uploads/old.csv')),
      (there) => !there,
    );
    expect(existsSync(join(data, 'uploads/old.csv'))).toBe(false);
    expect(existsSync(join(data, 'uploads/new.csv'))).toBe(true);
    expect(existsSync(join(data, 'old-outside.csv'))).toBe(true);
  } finally {
    engine.kill('SIGTERM');
    await new Promise((r) => engine.on('exit', r));
  }
});
