/**
 * The queue's controls, against both stores: labels (meta) stored, returned and filtered on (one
 * label, two, with the name and the state), copied by a retry; bulk cancel and remove by state,
 * and the combinations refused; pause and resume seen by every connection: a paused store claims
 * nothing and says nothing is due, and a running job is not disturbed; a store of the schema
 * before them (SQLite 2, PostgreSQL 1) holding a job is migrated, and the job has no labels.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { count, openQueue, type Queue } from 'chunkmill';
import { settle } from '../helpers/events.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { storeKinds } from '../helpers/stores.ts';

const spec = { input: '/data/sales.csv', aggregate: { measures: { n: count() } } };

async function ids(queue: Queue, options: Parameters<Queue['list']>[0]): Promise<string[]> {
  return (await queue.list(options)).jobs.map((j) => j.id);
}

/** Takes a store back to the schema before labels, backoff, owed webhooks and the pause flag. */
async function downgrade(kind: 'sqlite' | 'postgres', store: string): Promise<void> {
  if (kind === 'sqlite') {
    const db = new Database(store);
    db.exec(`DROP TABLE job_meta; DROP TABLE queue_state; DROP INDEX jobs_webhook_owed;
             ALTER TABLE jobs DROP COLUMN meta; ALTER TABLE jobs DROP COLUMN backoff; ALTER TABLE jobs DROP COLUMN webhook_owed;`);
    db.pragma('user_version = 2');
    db.close();
    return;
  }
  const url = new URL(store);
  const S = `"${url.searchParams.get('schema')}"`;
  url.search = '';
  const client = new pg.Client(url.href);
  await client.connect();
  await client.query(`DROP TABLE ${S}.job_meta; ALTER TABLE ${S}.jobs DROP COLUMN meta, DROP COLUMN backoff,
                      DROP COLUMN webhook_owed; ALTER TABLE ${S}.chunkmill_store DROP COLUMN paused;
                      UPDATE ${S}.chunkmill_store SET version = 1`);
  await client.end();
}

describe.each(storeKinds())('$name store', (kind) => {
  test('a store of the schema before labels and pausing, holding a job, is migrated', async () => {
    const name = await kind.fresh('migrate');
    const before = openQueue(name);
    const old = await before.add(spec, { name: 'old' });
    await before.close();
    await downgrade(kind.name, name);
    const queue = openQueue(name);
    expect(await queue.get(old.id)).toMatchObject({ name: 'old', state: 'queued', meta: {}, backoff: null });
    expect(await queue.isPaused()).toBe(false);
    const labelled = await queue.add(spec, { meta: { userId: 'u-7' } });
    expect(await ids(queue, { meta: { userId: 'u-7' } })).toEqual([labelled.id]);
    await queue.close();
  });

  test('labels are stored, returned, filtered on (with name and state) and kept by a retry', async () => {
    const name = await kind.fresh('meta');
    const queue = openQueue(name);
    const a = await queue.add(spec, { name: 'Nightly sales', meta: { userId: 'u-7', team: 'x' } });
    const b = await queue.add(spec, { name: 'hourly', meta: { userId: 'u-7' } });
    const c = await queue.add(spec, { name: 'nightly costs', meta: { userId: 'u-8', team: 'x' } });
    const plain = await queue.add(spec);
    expect(a.meta).toEqual({ userId: 'u-7', team: 'x' });
    expect((await queue.get(plain.id))!.meta).toEqual({});
    expect(await ids(queue, { meta: { userId: 'u-7' } })).toEqual([b.id, a.id]);
    expect(await ids(queue, { meta: { userId: 'u-7', team: 'x' } })).toEqual([a.id]);
    expect(await ids(queue, { meta: { team: 'x' }, name: 'NIGHTLY' })).toEqual([c.id, a.id]);
    expect(await ids(queue, { meta: { userId: 'nobody' } })).toEqual([]);
    // Paged: the cursor goes with the filter.
    const first = await queue.list({ meta: { userId: 'u-7' }, limit: 1 });
    expect(first.jobs.map((j) => j.id)).toEqual([b.id]);
    expect(await ids(queue, { meta: { userId: 'u-7' }, limit: 1, cursor: first.next! })).toEqual([a.id]);
    await queue.cancel(a.id);
    expect(await ids(queue, { meta: { userId: 'u-7' }, state: 'cancelled' })).toEqual([a.id]);
    const again = await queue.retry(a.id);
    expect(again.meta).toEqual({ userId: 'u-7', team: 'x' });
    expect(await ids(queue, { meta: { team: 'x' } })).toEqual([again.id, c.id, a.id]);
    // A removed job's labels go with it.
    await queue.remove(a.id);
    expect(await ids(queue, { meta: { team: 'x' } })).toEqual([again.id, c.id]);
    for (const [meta, option] of [
      [{ 'bad key': 'x' }, 'meta.bad key'],
      [{ userId: 7 }, 'meta.userId'],
      [{ long: 'x'.repeat(257) }, 'meta.long'],
      [Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])), 'meta'],
    ] as const)
      expect(await rejectionOf(queue.add(spec, { meta: meta as never }))).toMatchObject({
        code: 'ERR_INVALID_OPTION',
        option,
      });
    await queue.close();
  });

  test('bulk cancel and remove by state, in one call; what a state does not allow is refused', async () => {
    const name = await kind.fresh('bulk');
    const queue = openQueue(name);
    const queued = [await queue.add(spec), await queue.add(spec), await queue.add(spec)];
    const running = await queue.add(spec);
    // Claimed by a pretend engine: the queued one it takes is the oldest.
    const claim = await queue.store.claim('engine-a', 60_000, Date.now());
    expect(claim!.job.id).toBe(queued[0]!.id);
    const cancelled = await queue.bulk('cancel', 'queued');
    expect(cancelled).toEqual({
      action: 'cancel',
      state: 'queued',
      done: [queued[1]!.id, queued[2]!.id, running.id],
      requested: [],
    });
    expect((await queue.get(queued[1]!.id))!).toMatchObject({ state: 'cancelled', error: { code: 'ABORT_ERR' } });
    const asked = await queue.bulk('cancel', 'running');
    expect(asked).toMatchObject({ done: [], requested: [queued[0]!.id] });
    expect((await queue.get(queued[0]!.id))!).toMatchObject({ state: 'running', cancelRequested: true });
    expect(await queue.store.cancelRequests('engine-a')).toEqual([queued[0]!.id]);
    expect(await rejectionOf(queue.bulk('remove', 'running'))).toMatchObject({
      code: 'ERR_INVALID_OPTION',
      option: 'state',
    });
    expect(await rejectionOf(queue.bulk('cancel', 'failed'))).toMatchObject({
      code: 'ERR_INVALID_OPTION',
      option: 'state',
    });
    const removed = await queue.bulk('remove', 'cancelled');
    expect(removed.done).toEqual([queued[1]!.id, queued[2]!.id, running.id]);
    expect(await queue.get(queued[1]!.id)).toBe(null);
    expect(await queue.store.events(queued[1]!.id, 0, 10)).toEqual([]);
    expect(await queue.counts()).toMatchObject({ queued: 0, running: 1, cancelled: 0 });
    await queue.close();
  });

  test('a paused store claims nothing and has nothing due, for every connection, until resumed', async () => {
    const name = await kind.fresh('pause');
    const producer = openQueue(name);
    const engineSide = openQueue(name); // another connection, as another engine's
    const first = await producer.add(spec);
    const held = await engineSide.store.claim('engine-a', 60_000, Date.now());
    expect(held!.job.id).toBe(first.id);
    const job = await producer.add(spec);
    expect(await producer.isPaused()).toBe(false);
    await producer.pause();
    expect(await engineSide.isPaused()).toBe(true);
    // The other connection's look may lag the write by a notification.
    for (const end = Date.now() + 5_000; await engineSide.store.due(Date.now()); await settle(10))
      if (Date.now() > end) throw new Error('still due while paused');
    expect(await engineSide.store.claim('engine-b', 60_000, Date.now())).toBe(null);
    // The running job goes on: its owner still renews and writes it.
    expect(await engineSide.store.renew('engine-a', [first.id], 60_000, Date.now())).toEqual([first.id]);
    await producer.resume();
    expect(await engineSide.isPaused()).toBe(false);
    let claim = null;
    for (const end = Date.now() + 5_000; claim === null; await settle(10)) {
      claim = await engineSide.store.claim('engine-b', 60_000, Date.now());
      if (claim === null && Date.now() > end) throw new Error('nothing claimed after resume');
    }
    expect(claim.job.id).toBe(job.id);
    await producer.close();
    await engineSide.close();
  });
});
