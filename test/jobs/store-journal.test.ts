/**
 * Checkpoint journals kept by the store (JobStore.journal), not in files beside it: what a killed
 * engine appended is there for the next one, in the bytes a checkpoint file would hold, and goes
 * with the job when it is removed; only the lease holder writes a journal; a journal of an input
 * that changed since is discarded with a warning (on each store: SQLite, PostgreSQL); a SQLite
 * store of schema version 1 is migrated.
 */
import { copyFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, test } from 'vitest';
import { count, createEngine, openQueue, processDataset, processSerial, type JobEventRecord } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { settle } from '../helpers/events.ts';
import {
  hasStoredJournal,
  killWhenJournaled,
  startEngineChild,
  storedJournalEntries,
  waitForState,
} from '../helpers/jobs.ts';
import { storeKinds } from '../helpers/stores.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const kinds = storeKinds();
const task = new URL('../../fixtures/tasks/slow-sum.mjs', import.meta.url).href;
let input = '';
let expected: unknown;
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const text = (bytes: Uint8Array | null) => (bytes === null ? null : Buffer.from(bytes).toString('latin1'));

beforeAll(async () => {
  input = `${tmp.dir}/sales.csv`;
  await generate(input, 'sales', { rows: 60_000, seed: 13 }); // ~2.7 MB: ~40 chunks of 64 KiB
  expected = (await processSerial({ input, task, params: { column: 'amount' } })).value;
}, 60_000);

describe.each(kinds)('$name store', (kind) => {
  test('a journal kept by the store survives kill -9 of its engine and is removed with the job', {
    timeout: 120_000,
  }, async () => {
    const store = await kind.fresh('kill');
    const queue = openQueue(store);
    const params = { column: 'amount', msPerChunk: 100 };
    const job = await queue.add({ input, task, params, chunkSize: 64 << 10 });
    const engine = await startEngineChild(store, { workers: 2, concurrency: 1, leaseMs: 1_000 });
    await killWhenJournaled(engine, queue.store, job.id);

    // What the dead process committed is in the store, and nothing was written beside it.
    const entries = await storedJournalEntries(queue.store, job.id);
    expect(entries).toBeGreaterThanOrEqual(8);
    if (kind.name === 'sqlite') {
      const file = basename(store);
      expect(readdirSync(dirname(store)).filter((f) => f.startsWith(file))).toEqual([
        file,
        `${file}-shm`,
        `${file}-wal`,
      ]);
    }

    // The same bytes a checkpoint file holds: processDataset resumes from a copy, every chunk of it.
    const copy = `${tmp.dir}/copy.journal`;
    writeFileSync(copy, (await queue.store.journal('reader', job.id).read())!);
    const fromCopy = await processDataset({ input, task, params, workers: 2, chunkSize: 64 << 10, checkpoint: copy })
      .result;
    expect(fromCopy.value).toStrictEqual(expected);
    expect(fromCopy.stats.chunksResumed).toBe(entries); // an append is a transaction: none is torn

    // The next engine resumes from it; closed part-way, it hands the job back with its journal.
    const next = await createEngine({ store, workers: 2, leaseMs: 1_000 });
    while ((await queue.get(job.id))!.attempts < 2) await settle(10);
    await next.close();
    expect(await queue.get(job.id)).toMatchObject({ state: 'queued', attempts: 1 });
    expect(await storedJournalEntries(queue.store, job.id)).toBeGreaterThanOrEqual(entries);

    expect(await queue.remove(job.id)).toBe(true);
    expect(await hasStoredJournal(queue.store, job.id)).toBe(false);
    await queue.close();
  });

  test('only the lease holder writes a journal; a hand-back keeps it, the end of the job drops it', async () => {
    const queue = openQueue(await kind.fresh('lease'));
    const { store } = queue;
    const job = await queue.add({ input, aggregate: { measures: { n: count() } } });
    expect(await store.claim('engine-a', 60_000, Date.now())).toMatchObject({ job: { id: job.id } });
    const mine = store.journal('engine-a', job.id);
    expect(await mine.read()).toBe(null);
    await mine.truncate(0);
    await mine.append(Buffer.from('key\n'));
    await mine.append(new TextEncoder().encode('one\ntw')); // a plain Uint8Array too; a torn last line
    expect(text(await mine.read())).toBe('key\none\ntw');
    await mine.truncate(8); // what a resume keeps: the whole lines
    await mine.append(Buffer.from('two\n'));
    expect(text(await mine.read())).toBe('key\none\ntwo\n');

    const theirs = store.journal('engine-b', job.id); // an engine that does not hold the job
    await theirs.append(Buffer.from('three\n'));
    await theirs.truncate(0);
    await theirs.remove();
    expect(text(await theirs.read())).toBe('key\none\ntwo\n');

    expect(await store.handBack('engine-a', job.id, 'closing')).toBe(true);
    await mine.remove(); // no longer engine-a's
    expect(text(await store.journal('anyone', job.id).read())).toBe('key\none\ntwo\n');

    await store.claim('engine-b', 60_000, Date.now());
    expect(text(await theirs.read())).toBe('key\none\ntwo\n'); // the next holder finds it
    const error = { code: 'ERR_INTERNAL' as const, message: 'boom' };
    expect(await store.finish('engine-b', job.id, { state: 'failed', error })).toBe(true);
    expect(await theirs.read()).toBe(null);
    await queue.close();
  });

  test('a journal of an input that changed since is discarded with a warning; the job starts over', {
    timeout: 60_000,
  }, async () => {
    const changing = `${tmp.dir}/changing.csv`;
    copyFileSync(input, changing);
    const store = await kind.fresh('changed');
    const queue = openQueue(store);
    const job = await queue.add({
      input: changing,
      task,
      params: { column: 'amount', msPerChunk: 40 },
      chunkSize: 32 << 10,
    });
    const first = await createEngine({ store, workers: 2 });
    let chunks = 0;
    for await (const e of queue.watch(job.id)) if (e.type === 'chunk' && ++chunks === 8) break;
    await first.close();
    expect(await storedJournalEntries(queue.store, job.id)).toBeGreaterThanOrEqual(8);
    const later = new Date(Date.now() + 60_000);
    utimesSync(changing, later, later); // same bytes, another mtime: the journal's key no longer matches

    const second = await createEngine({ store, workers: 2 });
    await waitForState(queue, job.id, ['succeeded', 'failed']);
    await second.close();
    const result = (await queue.result(job.id)) as { value: unknown; stats: { chunksResumed: number } };
    expect(result.value).toStrictEqual(expected);
    expect(result.stats.chunksResumed).toBe(0);
    const events: JobEventRecord[] = [];
    for await (const e of queue.watch(job.id)) events.push(e);
    const warnings = events.filter((e) => e.type === 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.data).toMatchObject({
      code: 'WARN_CHECKPOINT_DISCARDED',
      message: expect.stringMatching(
        new RegExp(
          `^The checkpoint ${literal(queue.store.location)} \\(journal of job ${job.id}\\) belongs to .*; it was discarded`,
        ),
      ),
    });
    expect(await hasStoredJournal(queue.store, job.id)).toBe(false);
    await queue.close();
  });
});

test('a store of schema version 1 (journals were files then) is migrated to keep them', async () => {
  const path = `${tmp.dir}/v1.db`;
  const before = openQueue(path);
  const job = await before.add({ input, aggregate: { measures: { n: count() } } });
  await before.close();
  const db = new Database(path);
  // What version 1 had: everything else. (Version 3's labels, backoff, owed webhooks and pause
  // flag go too: the migrations from 1 bring them back.)
  db.exec(`DROP TABLE job_journals; DROP TABLE job_meta; DROP TABLE queue_state; DROP INDEX jobs_webhook_owed;
           ALTER TABLE jobs DROP COLUMN meta; ALTER TABLE jobs DROP COLUMN backoff; ALTER TABLE jobs DROP COLUMN webhook_owed;`);
  db.pragma('user_version = 1');
  db.close();

  const queue = openQueue(path);
  expect(await queue.get(job.id)).toMatchObject({ state: 'queued', meta: {}, backoff: null });
  expect(await queue.isPaused()).toBe(false);
  await queue.store.claim('engine-a', 60_000, Date.now());
  const journal = queue.store.journal('engine-a', job.id);
  await journal.truncate(0);
  await journal.append(Buffer.from('key\n'));
  expect(text(await journal.read())).toBe('key\n');
  await queue.close();
  const after = new Database(path, { readonly: true });
  expect(after.pragma('user_version', { simple: true })).toBe(3);
  after.close();
});
