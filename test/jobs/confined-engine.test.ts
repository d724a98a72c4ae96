/**
 * createEngine's `confine`: the engine checks every file its jobs open against its root, behind
 * whatever checked the paths before they were queued. Protected files (the store) are refused
 * even inside the root; a bad `confine` is ERR_INVALID_OPTION; an engine without it opens its
 * jobs' paths as processDataset does (a symlink is followed, as always).
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { count, createEngine, openQueue } from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { storeFiles, waitForState } from '../helpers/jobs.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const aggregate = { measures: { n: count() } };

test('the store inside the root, protected: neither read nor written by a job', { timeout: 60_000 }, async () => {
  const root = join(tmp.dir, 'root');
  mkdirSync(root);
  const store = join(root, 'jobs.db');
  const input = join(root, 'bad.csv');
  writeFileSync(input, 'k,v\na,1\nb\n');
  const queue = openQueue(store);
  const engine = await createEngine({ store, workers: 1, confine: { root, protect: storeFiles(store) } });
  const asRejects = await queue.add({ input, aggregate, onBadRow: 'report', rejects: store });
  const asInput = await queue.add({ input: `${store}-wal`, aggregate });
  for (const [id, file] of [
    [asRejects.id, store],
    [asInput.id, `${store}-wal`],
  ] as const) {
    const job = await waitForState(queue, id, ['succeeded', 'failed']);
    expect(job.error).toMatchObject({ code: 'ERR_PATH_FORBIDDEN', file });
    expect(job.error!.message).toMatch(/job store/);
  }
  // The store still works: the engine goes on with the next job.
  const ok = await queue.add({ input, aggregate, onBadRow: 'skip' });
  expect((await waitForState(queue, ok.id, ['succeeded', 'failed'])).state).toBe('succeeded');
  await engine.close();
  await queue.close();
});

test('a bad confine is ERR_INVALID_OPTION naming it', async () => {
  const store = join(tmp.dir, 'bad-confine.db');
  const file = join(tmp.dir, 'a-file');
  writeFileSync(file, '');
  for (const [confine, option] of [
    [{ root: join(tmp.dir, 'nope') }, 'confine.root'],
    [{ root: file }, 'confine.root'],
    [{ root: tmp.dir, protect: 'x' }, 'confine.protect'],
    ['/tmp', 'confine'],
  ] as const) {
    const error = await rejectionOf(createEngine({ store, confine: confine as never }));
    expect(error).toMatchObject({ code: 'ERR_INVALID_OPTION', option });
  }
});

test('without confine, a job opens its paths as processDataset does: a symlink is followed', {
  timeout: 60_000,
}, async () => {
  const real = join(tmp.dir, 'real.csv');
  writeFileSync(real, 'k,v\na,1\nb,2\n');
  symlinkSync(real, join(tmp.dir, 'link.csv'));
  const store = join(tmp.dir, 'free.db');
  const queue = openQueue(store);
  const engine = await createEngine({ store, workers: 1 });
  const job = await queue.add({ input: join(tmp.dir, 'link.csv'), aggregate });
  expect((await waitForState(queue, job.id, ['succeeded', 'failed'])).state).toBe('succeeded');
  expect(await queue.result(job.id)).toMatchObject({ rows: [{ n: 2 }] });
  await engine.close();
  await queue.close();
  expect(readFileSync(real, 'utf8')).toBe('k,v\na,1\nb,2\n');
});
