/**
 * An engine's journal for a queued job over a dataset (engine/job-run.ts resolve()): a job over
 * a glob of plain CSV files, its engine process killed with SIGKILL part-way, is resumed by the next
 * engine from the journal in the store and gives the uninterrupted result. A dataset of gzip
 * parts cannot be checkpointed, and is known to be gzip only once its files are: the engine's
 * journal is dropped there and the job succeeds (a user's `checkpoint` on it is still refused:
 * dataset-checkpoint.test.ts). Real engine child process, real threads, real SQLite store.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, expect, test } from 'vitest';
import { count, createEngine, openQueue, processSerial, sum } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { gate } from '../helpers/gate.ts';
import { hasStoredJournal, killWhenJournaled, startEngineChild, waitForState } from '../helpers/jobs.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const task = new URL('../../fixtures/tasks/slow-sum.mjs', import.meta.url).href;
const parts = join(tmp.dir, 'parts');
const files = [1, 2, 3].map((i) => join(parts, `day-${i}.csv`));
const aggregate = { groupBy: ['region'], measures: { n: count(), amount: sum('amount') } };

beforeAll(async () => {
  mkdirSync(parts);
  // ~0.9 MB each: ~42 chunks of 64 KiB over the three.
  for (const [i, path] of files.entries()) await generate(path, 'sales', { rows: 20_000, seed: 40 + i });
}, 60_000);

test('kill -9 of the engine mid-way through a dataset job: the next engine resumes it from its journal', {
  timeout: 120_000,
}, async () => {
  const store = join(tmp.dir, 'resume.db');
  const queue = openQueue(store);
  // Held after 10 of its ~42 chunks until the kill (test/helpers/gate.ts).
  const held = gate(join(tmp.dir, 'dataset.gate'), 10);
  const params = { column: 'amount', msPerChunk: 20, gate: held.path };
  const job = await queue.add({ input: join(parts, 'day-*.csv'), task, params, chunkSize: 64 << 10 });
  const engine = await startEngineChild(store, { workers: 2, concurrency: 1, leaseMs: 1_000 });
  await killWhenJournaled(engine, queue.store, job.id);
  held.open();
  expect((await queue.get(job.id))!.state).toBe('running'); // as the dead engine left it

  const next = await createEngine({ store, workers: 2, concurrency: 1, leaseMs: 1_000 });
  try {
    expect((await waitForState(queue, job.id, ['succeeded', 'failed'])).state).toBe('succeeded');
  } finally {
    await next.close();
  }
  const resumed = (await queue.result(job.id)) as { value: unknown; stats: { chunks: number; chunksResumed: number } };
  const uninterrupted = await processSerial({ input: files, task, params: { column: 'amount' } });
  expect(resumed.value).toStrictEqual(uninterrupted.value);
  expect((resumed.value as { rows: number }).rows).toBe(60_000);
  expect(resumed.stats.chunksResumed).toBeGreaterThanOrEqual(7); // a line torn by the kill at most is redone
  expect(resumed.stats.chunksResumed).toBeLessThan(resumed.stats.chunks);
  expect(resumed.stats.chunks).toBeGreaterThan(40); // the chunks of all three files
  expect(await hasStoredJournal(queue.store, job.id)).toBe(false);
  expect((await queue.get(job.id))!.attempts).toBe(2);
  await queue.close();
});

test('a dataset of gzip parts on an engine succeeds: the journal it was given is dropped, not refused', {
  timeout: 60_000,
}, async () => {
  const zipped = join(tmp.dir, 'zipped');
  mkdirSync(zipped);
  // No `gzip` option: the files are gzip by their names, known once the scheduler expands the glob.
  for (const [i, path] of files.entries())
    writeFileSync(join(zipped, `part-${i}.csv.gz`), gzipSync(readFileSync(path)));
  const glob = join(zipped, 'part-*.csv.gz');
  const store = join(tmp.dir, 'gzip.db');
  const queue = openQueue(store);
  const engine = await createEngine({ store, workers: 2, concurrency: 1 });
  try {
    const job = await queue.add({ input: glob, aggregate, chunkSize: 64 << 10 });
    const done = await waitForState(queue, job.id, ['succeeded', 'failed']);
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    const result = (await queue.result(job.id)) as { rows: unknown; stats: { chunks: number } };
    expect(result.rows).toStrictEqual((await processSerial({ input: files, aggregate })).rows);
    expect(result.stats.chunks).toBe(files.length); // one whole file per worker: the gzip parts path
    expect(await hasStoredJournal(queue.store, job.id)).toBe(false);
  } finally {
    await engine.close();
    await queue.close();
  }
});
