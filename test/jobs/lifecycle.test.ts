/**
 * A job's life around its runs: a graceful close hands a running job back with its checkpoint
 * and the next engine resumes it; remove() and retention delete jobs with their journals; a
 * delay holds a job back; a repeat rule queues one record each time it fires, and slots missed
 * while no engine ran give one job, not one per slot.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { count, createEngine, openQueue, processSerial } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { settle } from '../helpers/events.ts';
import { gate } from '../helpers/gate.ts';
import { hasStoredJournal, waitForState } from '../helpers/jobs.ts';
import { storeKinds } from '../helpers/stores.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const kinds = storeKinds();
const task = new URL('../../fixtures/tasks/slow-sum.mjs', import.meta.url).href;
let input = '';
const aggregate = { measures: { n: count() } };

beforeAll(async () => {
  input = `${tmp.dir}/sales.csv`;
  await generate(input, 'sales', { rows: 30_000, seed: 9 });
}, 60_000);

describe.each(kinds)('$name store', (kind) => {
  test('close() hands a running job back with its journal; the next engine resumes it exactly', {
    timeout: 60_000,
  }, async () => {
    const store = await kind.fresh('close');
    const queue = openQueue(store);
    // Held after 12 of its ~40 chunks until the first engine has closed: still running then, however
    // late this process sees its eighth chunk.
    const held = gate(`${tmp.dir}/close-${kind.name}.gate`, 12);
    const params = { column: 'amount', gate: held.path };
    const job = await queue.add({ input, task, params, chunkSize: 32 << 10 });
    const first = await createEngine({ store, workers: 2 });
    let chunks = 0;
    for await (const e of queue.watch(job.id)) if (e.type === 'chunk' && ++chunks === 8) break;
    try {
      await first.close();
    } finally {
      held.open();
    }
    const handedBack = (await queue.get(job.id))!;
    expect(handedBack).toMatchObject({ state: 'queued', attempts: 0, owner: null });
    expect(await hasStoredJournal(queue.store, job.id)).toBe(true);

    const second = await createEngine({ store, workers: 2 });
    await waitForState(queue, job.id, ['succeeded', 'failed']);
    await second.close();
    const result = (await queue.result(job.id)) as { value: unknown; stats: { chunksResumed: number } };
    expect(result.value).toStrictEqual((await processSerial({ input, task, params: { column: 'amount' } })).value);
    expect(result.stats.chunksResumed).toBeGreaterThanOrEqual(8);
    expect(result.stats.chunksResumed).toBeLessThanOrEqual(12);
    expect(await hasStoredJournal(queue.store, job.id)).toBe(false);
    const states: string[] = [];
    for await (const e of queue.watch(job.id)) if (e.type === 'state') states.push(e.data.state);
    expect(states).toEqual(['queued', 'running', 'queued', 'running', 'succeeded']);
    await queue.close();
  });

  test('remove() refuses a running job, deletes a finished one with its log and rows; retention purges', {
    timeout: 60_000,
  }, async () => {
    const store = await kind.fresh('remove');
    const queue = openQueue(store);
    const engine = await createEngine({ store, workers: 2 });
    const held = gate(`${tmp.dir}/remove-${kind.name}.gate`, 4); // running until it is cancelled
    const params = { column: 'amount', gate: held.path };
    const slow = await queue.add({ input, task, params, chunkSize: 32 << 10 });
    try {
      await waitForState(queue, slow.id, ['running']);
      expect(await rejectionOf(queue.remove(slow.id))).toMatchObject({ code: 'ERR_JOB_RUNNING' });
      await queue.cancel(slow.id);
      await waitForState(queue, slow.id, ['cancelled']);
    } finally {
      held.open(); // its held chunks end and give the threads back
    }
    expect(await hasStoredJournal(queue.store, slow.id)).toBe(false); // not resumable: removed
    const done = await queue.add({ input, aggregate });
    await waitForState(queue, done.id, ['succeeded']);
    expect(await queue.remove(done.id)).toBe(true);
    expect(await queue.get(done.id)).toBe(null);
    expect(await queue.remove(done.id)).toBe(false);
    expect(await rejectionOf(queue.cancel(done.id))).toMatchObject({ code: 'ERR_JOB_NOT_FOUND' });
    await engine.close();

    const kept = await queue.add({ input, aggregate }, { delay: 3_600_000 }); // queued: never purged
    const purging = await createEngine({ store, workers: 1, retention: 1 });
    // Its first loop purges; waited for, not slept on (a loaded machine may take longer than a sleep).
    const purged = async () => (await queue.get(slow.id)) === null;
    for (const until = Date.now() + 20_000; !(await purged()) && Date.now() < until; ) await settle(20);
    await purging.close();
    expect(await purged()).toBe(true);
    expect((await queue.get(kept.id))!.state).toBe('queued');
    await queue.close();
  });

  test('delay holds a job back; a repeat rule queues a record each time it fires', { timeout: 60_000 }, async () => {
    const store = await kind.fresh('time');
    const queue = openQueue(store);
    const engine = await createEngine({ store, workers: 1 });
    const delayed = await queue.add({ input, aggregate }, { delay: 700 });
    const rule = await queue.add({ input, aggregate }, { repeat: { cron: '* * * * * *' }, name: 'every second' });
    expect(rule).toMatchObject({ cron: '* * * * * *', name: 'every second', lastJobId: null });
    expect((await queue.repeatRules()).map((r) => r.id)).toEqual([rule.id]);
    expect((await queue.schedules()).map((r) => r.id)).toEqual([rule.id]); // the deprecated name still answers
    const ran = await waitForState(queue, delayed.id, ['succeeded']);
    expect(ran.startedAt! - ran.createdAt).toBeGreaterThanOrEqual(700);
    // Two runs of the every-second rule, waited for: a fixed sleep counted on slots that an engine
    // on a loaded machine may see late (and missed slots give one run, not one each).
    const runsOf = async () => (await queue.list({ limit: 100 })).jobs.filter((j) => j.scheduleId === rule.id);
    for (const until = Date.now() + 30_000; (await runsOf()).length < 2 && Date.now() < until; ) await settle(50);
    expect(await queue.removeRepeatRule(rule.id)).toBe(true);
    expect(await queue.removeRepeatRule(rule.id)).toBe(false);
    expect(await queue.removeSchedule(rule.id)).toBe(false); // the deprecated name still answers
    await settle(200);
    const runs = await runsOf();
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
    for (const r of runs) expect((await waitForState(queue, r.id, ['succeeded'])).name).toBe('every second');
    await engine.close();
    await queue.close();
  });

  test('slots missed while no engine ran: one job when an engine starts, then the next slot', {
    timeout: 60_000,
  }, async () => {
    const store = await kind.fresh('missed');
    const queue = openQueue(store);
    const rule = await queue.add({ input, aggregate }, { repeat: { cron: '* * * * *' } }); // each minute
    await kind.setNextRun(store, rule.id, Date.now() - 10 * 60_000);
    const engine = await createEngine({ store, workers: 1 });
    // Until the engine has caught up (the next run is in the future): waited for, not slept on. An
    // engine that queued a run per missed slot, in one loop or one loop each, has ten by then.
    const caughtUp = async () => ((await queue.schedules())[0]!.nextRunAt ?? 0) > Date.now();
    for (const until = Date.now() + 20_000; !(await caughtUp()) && Date.now() < until; ) await settle(20);
    await engine.close();
    const queued = (await queue.list()).jobs.filter((j) => j.scheduleId === rule.id);
    expect(queued).toHaveLength(1);
    const [after] = await queue.repeatRules();
    expect(after!.nextRunAt).toBeGreaterThan(Date.now());
    expect(after!.nextRunAt % 60_000).toBe(0);
    expect(after!.lastJobId).toBe(queued[0]!.id);
    await queue.close();
  });

  test('a job whose engine died: recovered, failed with ERR_JOB_LOST when out of attempts, cancelled if asked', {
    timeout: 60_000,
  }, async () => {
    const store = await kind.fresh('lost');
    const queue = openQueue(store);
    const [once, again, unwanted] = [
      await queue.add({ input, aggregate }, { attempts: 1 }),
      await queue.add({ input, aggregate }),
      await queue.add({ input, aggregate }),
    ];
    // An engine that claims the three jobs and dies at once: it never renews its 1 ms leases.
    for (let i = 0; i < 3; i++) expect(await queue.store.claim('dead-engine', 1, Date.now())).not.toBe(null);
    expect(await queue.cancel(unwanted.id)).toBe('requested');
    await settle(20);
    const engine = await createEngine({ store, workers: 1 });
    for (const j of [once, again, unwanted]) await waitForState(queue, j.id, ['succeeded', 'failed', 'cancelled']);
    await engine.close();
    expect(await queue.get(once.id)).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'ERR_JOB_LOST' } });
    expect(await queue.get(again.id)).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(await queue.get(unwanted.id)).toMatchObject({ state: 'cancelled', error: { code: 'ABORT_ERR' } });
    await queue.close();
  });
});
