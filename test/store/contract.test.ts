/**
 * The JobStore contract, once, against both stores (SQLite and PostgreSQL): what the queue and
 * the engine rely on, called through the interface as they call it. Claims in priority then age
 * order, delays, concurrent claims that never take one job twice, leases renewed, expired and
 * recovered, cancels, the event log (ids increasing, written by the lease holder only, progress
 * compacted), result pages, hand-backs, removal and retention, repeat rules firing once per slot,
 * and the cheap looks (changed, due) that see other connections' writes.
 */
import { describe, expect, test } from 'vitest';
import { count, openQueue, type JobStore, type Queue } from 'chunkmill';
import { settle } from '../helpers/events.ts';
import { storeKinds } from '../helpers/stores.ts';

const aggregate = { measures: { n: count() } };
const spec = { input: '/data/sales.csv', aggregate };
const error = { code: 'ERR_INTERNAL' as const, message: 'boom' };

/** Polls `look` until it answers `want` (a look may lag a write by a poll or a notification). */
async function until(look: () => Promise<boolean>, want: boolean, ms = 5_000): Promise<void> {
  for (const end = Date.now() + ms; (await look()) !== want; await settle(10))
    if (Date.now() > end) throw new Error(`still ${!want} after ${ms} ms`);
}

describe.each(storeKinds())('$name store', (kind) => {
  const open = async (label: string): Promise<{ queue: Queue; store: JobStore; name: string }> => {
    const name = await kind.fresh(label);
    const queue = openQueue(name);
    return { queue, store: queue.store, name };
  };

  test('add, get, list (newest first, in pages, by state), counts', async () => {
    const { queue, store } = await open('list');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await queue.add(spec, { name: `job ${i}` })).id);
    expect(await store.get(ids[0]!)).toMatchObject({ id: ids[0], name: 'job 0', state: 'queued', attempts: 0 });
    expect(await store.get('999999')).toBe(null);
    expect(await store.get('not an id')).toBe(null);
    const first = await queue.list({ limit: 2 });
    expect(first.jobs.map((j) => j.id)).toEqual([ids[4], ids[3]]);
    const second = await queue.list({ limit: 2, cursor: first.next! });
    expect(second.jobs.map((j) => j.id)).toEqual([ids[2], ids[1]]);
    const last = await queue.list({ limit: 2, cursor: second.next! });
    expect([last.jobs.map((j) => j.id), last.next]).toEqual([[ids[0]], null]);
    await queue.cancel(ids[2]!);
    expect((await queue.list({ state: 'cancelled' })).jobs.map((j) => j.id)).toEqual([ids[2]]);
    expect(await store.counts()).toEqual({ queued: 4, running: 0, succeeded: 0, failed: 0, cancelled: 1 });
    await queue.close();
  });

  test('claims take the highest priority first, then the oldest; a delayed job waits; due() says so', async () => {
    const { queue, store } = await open('claims');
    expect(await store.due(Date.now())).toBe(false);
    const low = await queue.add(spec);
    const high = await queue.add(spec, { priority: 5 });
    const low2 = await queue.add(spec);
    await queue.add(spec, { priority: 9, delay: 60_000 });
    await until(() => store.due(Date.now()), true);
    const order: string[] = [];
    for (let c = await store.claim('a', 60_000, Date.now()); c !== null; c = await store.claim('a', 60_000, Date.now()))
      order.push(c.job.id);
    expect(order).toEqual([high.id, low.id, low2.id]);
    const running = (await store.get(high.id))!;
    expect(running).toMatchObject({ state: 'running', owner: 'a', attempts: 1, cancelRequested: false });
    expect(running.leaseExpiresAt! - Date.now()).toBeGreaterThan(50_000);
    await until(() => store.due(Date.now()), false);
    await queue.close();
  });

  test('engines claiming at once, each on its own connection, never take one job twice', async () => {
    const { queue, name } = await open('race');
    const ids = new Set<string>();
    for (let i = 0; i < 30; i++) ids.add((await queue.add(spec)).id);
    const queues = Array.from({ length: 4 }, () => openQueue(name));
    const claimed = await Promise.all(
      queues.map(async (q, i) => {
        const mine: string[] = [];
        for (let c = await q.store.claim(`e${i}`, 60_000, Date.now()); c !== null; ) {
          mine.push(c.job.id);
          c = await q.store.claim(`e${i}`, 60_000, Date.now());
        }
        return mine;
      }),
    );
    const all = claimed.flat();
    expect(all.length).toBe(30);
    expect(new Set(all)).toEqual(ids);
    for (const q of queues) await q.close();
    await queue.close();
  });

  test('leases: renewed by their owner only; an expired one is recovered first; out of attempts it fails', async () => {
    const { queue, store } = await open('leases');
    const job = await queue.add(spec, { attempts: 2 });
    const waiting = await queue.add(spec, { priority: 9 });
    await store.claim('a', 60_000, Date.now()); // takes `waiting` (priority)
    expect((await store.claim('a', 1, Date.now()))!.job.id).toBe(job.id);
    await settle(30);
    expect(await store.renew('b', [job.id], 60_000, Date.now())).toEqual([]);
    const recovered = (await store.claim('b', 60_000, Date.now()))!;
    expect(recovered).toMatchObject({ recovered: true, job: { id: job.id, attempts: 2, owner: 'b' } });
    expect(await store.renew('b', [job.id, waiting.id], 60_000, Date.now())).toEqual([job.id]);
    expect(await store.renew('a', [waiting.id], 60_000, Date.now())).toEqual([waiting.id]);
    const states = (await store.events(job.id, 0, 100)).filter((e) => e.type === 'state').map((e) => e.data);
    expect(states).toEqual([
      { state: 'queued' },
      { state: 'running', attempt: 1, owner: 'a' },
      { state: 'running', attempt: 2, owner: 'b', reason: 'recovered: the lease of a expired' },
    ]);
    await store.renew('b', [job.id], 1, Date.now()); // b dies too: two attempts spent
    await settle(30);
    expect(await store.claim('c', 60_000, Date.now())).toBe(null);
    expect(await store.get(job.id)).toMatchObject({ state: 'failed', error: { code: 'ERR_JOB_LOST' }, owner: null });
    await queue.close();
  });

  test('cancel: a queued job at once, a running one by request to its engine, a finished one not', async () => {
    const { queue, store } = await open('cancel');
    const [queued, running] = [await queue.add(spec), await queue.add(spec, { priority: 1 })];
    expect(await store.cancel(queued.id)).toBe('cancelled');
    expect(await store.get(queued.id)).toMatchObject({ state: 'cancelled', error: { code: 'ABORT_ERR' } });
    await store.claim('a', 60_000, Date.now());
    expect(await store.cancelRequests('a')).toEqual([]);
    expect(await store.cancel(running.id)).toBe('requested');
    expect((await store.get(running.id))!.cancelRequested).toBe(true);
    for (const end = Date.now() + 6_000; (await store.cancelRequests('a')).length === 0; await settle(10))
      if (Date.now() > end) throw new Error('the cancel request was not seen');
    expect(await store.cancelRequests('b')).toEqual([]);
    expect(await store.cancel(queued.id)).toBe('finished');
    expect(await store.cancel('424242')).toBe(null);
    await queue.close();
  });

  test('the log: only the lease holder writes; ids increase across jobs; progress is compacted at the end', async () => {
    const { queue, store } = await open('log');
    const a = await queue.add(spec);
    const b = await queue.add(spec);
    const before = await store.lastEventId();
    await store.claim('x', 60_000, Date.now());
    await store.claim('y', 60_000, Date.now());
    const progress = (n: number) => ({
      bytesDone: n,
      bytesTotal: 10,
      rowsDone: n,
      chunksDone: n,
      chunksTotal: 10,
      elapsedMs: n,
      bytesPerSec: 1,
      etaMs: null,
    });
    const chunk = { index: 0, start: 0, end: 10, rows: 1 };
    await store.write('x', [
      {
        jobId: a.id,
        events: [
          { type: 'chunk', data: chunk },
          { type: 'progress', data: progress(1) },
        ],
        progress: progress(1),
      },
      { jobId: b.id, events: [{ type: 'chunk', data: chunk }] }, // y's: skipped
    ]);
    await store.write('y', [{ jobId: b.id, events: [{ type: 'progress', data: progress(2) }], progress: progress(2) }]);
    await store.write('x', [{ jobId: a.id, events: [{ type: 'progress', data: progress(3) }], progress: progress(3) }]);
    expect((await store.get(a.id))!.progress).toEqual(progress(3));
    const all = await store.eventsAfter(before, 100);
    const ids = all.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((p, q) => p - q));
    expect(new Set(ids).size).toBe(ids.length);
    expect(all.filter((e) => e.jobId === b.id).map((e) => e.type)).toEqual(['state', 'progress']);
    const aLog = await store.events(a.id, 0, 100);
    expect(aLog.map((e) => e.type)).toEqual(['state', 'state', 'chunk', 'progress', 'progress']);
    expect((await store.events(a.id, aLog[2]!.id, 2)).map((e) => e.id)).toEqual([aLog[3]!.id, aLog[4]!.id]);
    expect(await store.lastEventId()).toBe(ids.at(-1));
    expect(await store.finish('y', a.id, { state: 'failed', error })).toBe(false);
    const value = new Map<string, bigint>([['big', 2n ** 70n]]);
    const stats = (await store.get(a.id))!.progress as never;
    expect(await store.finish('x', a.id, { state: 'succeeded', result: { kind: 'task', value, stats } })).toBe(true);
    const ended = await store.events(a.id, 0, 100);
    expect(ended.map((e) => e.type)).toEqual(['state', 'state', 'chunk', 'progress', 'done', 'state']);
    expect(ended.find((e) => e.type === 'progress')!.data).toEqual(progress(3)); // the last one is kept
    expect(ended.find((e) => e.type === 'done')!.data).toEqual({ kind: 'task', stats }); // the value stays out
    expect((await store.get(a.id))!.result).toEqual({ kind: 'task', value, stats }); // v8: Map and BigInt survive
    expect(await store.get(a.id)).toMatchObject({ state: 'succeeded', owner: null, leaseExpiresAt: null });
    await queue.close();
  });

  test('result pages: written by the holder, the pages past a rerun’s end dropped, read one by one', async () => {
    const { queue, store } = await open('pages');
    const job = await queue.add(spec);
    await store.claim('x', 60_000, Date.now());
    for (let part = 0; part < 3; part++) await store.writeRows('x', job.id, part, [{ part }, { part, second: true }]);
    await store.writeRows('y', job.id, 3, [{ not: 'the holder' }]);
    await store.writeRows('x', job.id, 0, [{ part: 0, again: true }]); // a rerun overwrites
    const stats = { rows: 0 } as never;
    const result = { kind: 'aggregate' as const, rowCount: 3, stats };
    expect(await store.finish('x', job.id, { state: 'succeeded', result, rows: [[], []] })).toBe(true);
    expect(await store.resultRows(job.id, 0)).toEqual([{ part: 0, again: true }]);
    expect(await store.resultRows(job.id, 1)).toEqual([{ part: 1 }, { part: 1, second: true }]);
    expect(await store.resultRows(job.id, 2)).toBe(null);
    expect(await store.resultRows(job.id, 3)).toBe(null);
    await queue.close();
  });

  test('hand-back: queued again, its attempt given back, its journal kept; only by the holder', async () => {
    const { queue, store } = await open('handback');
    const job = await queue.add(spec);
    await store.claim('x', 60_000, Date.now());
    const journal = store.journal('x', job.id);
    await journal.truncate(0);
    await journal.append(Buffer.from('key\n'));
    expect(await store.handBack('y', job.id, 'not mine')).toBe(false);
    expect(await store.handBack('x', job.id, 'closing')).toBe(true);
    expect(await store.get(job.id)).toMatchObject({ state: 'queued', attempts: 0, owner: null });
    expect(Buffer.from((await store.journal('z', job.id).read())!).toString()).toBe('key\n');
    expect((await store.events(job.id, 0, 10)).at(-1)!.data).toEqual({ state: 'queued', reason: 'closing' });
    expect(await store.handBack('x', job.id, 'again')).toBe(false);
    await queue.close();
  });

  test('remove refuses a running job and deletes a finished one whole; purge removes the old finished ones', async () => {
    const { queue, store } = await open('remove');
    const [a, b, c] = [await queue.add(spec), await queue.add(spec), await queue.add(spec)];
    await store.claim('x', 60_000, Date.now());
    expect(await store.remove(a.id)).toBe('running');
    await store.writeRows('x', a.id, 0, [{ n: 1 }]);
    await store.finish('x', a.id, { state: 'failed', error });
    await store.cancel(b.id);
    expect(await store.remove(b.id)).toBe(true);
    expect([await store.get(b.id), await store.events(b.id, 0, 10), await store.remove(b.id)]).toEqual([
      null,
      [],
      false,
    ]);
    await settle(20);
    expect(await store.purge(Date.now() + 1_000)).toEqual([a.id]);
    expect(await store.get(a.id)).toBe(null);
    expect(await store.events(a.id, 0, 10)).toEqual([]);
    expect((await store.get(c.id))!.state).toBe('queued'); // not finished: never purged
    await queue.close();
  });

  test('a repeat rule fires once per slot, however many engines fire it at once; a last slot ends it', async () => {
    const { queue, store, name } = await open('rules');
    const rule = await queue.add(spec, { repeat: { cron: '* * * * *' }, name: 'each minute' });
    expect(await store.dueRepeatRules(Date.now())).toEqual([]);
    expect(await store.dueRepeatRules(rule.nextRunAt)).toMatchObject([{ id: rule.id, nextRunAt: rule.nextRunAt }]);
    const queues = Array.from({ length: 4 }, () => openQueue(name));
    const next = rule.nextRunAt + 60_000;
    const fired = await Promise.all(
      queues.map((q) => q.store.fireRepeatRule(rule.id, rule.nextRunAt, next, rule.nextRunAt)),
    );
    const jobs = fired.filter((j) => j !== null);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ state: 'queued', name: 'each minute', scheduleId: rule.id });
    expect(await store.repeatRules()).toMatchObject([{ id: rule.id, nextRunAt: next, lastJobId: jobs[0]!.id }]);
    expect(await store.fireRepeatRule(rule.id, next, null, next)).not.toBe(null);
    expect(await store.repeatRules()).toEqual([]);
    expect(await store.removeRepeatRule(rule.id)).toBe(false);
    for (const q of queues) await q.close();
    await queue.close();
  });

  test('the cheap looks see another connection’s writes: changed() and due()', async () => {
    const { queue, store, name } = await open('looks');
    const other = openQueue(name);
    await until(() => store.changed(), false);
    await until(() => store.due(Date.now()), false);
    await other.add(spec);
    await until(() => store.changed(), true, 2_000);
    await until(() => store.due(Date.now()), true, 2_000);
    await other.close();
    await queue.close();
  });
});
