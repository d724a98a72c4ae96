/**
 * kill -9 of an engine's process while a job runs and others wait: once its lease expires, the
 * next engine on the store resumes the interrupted job from its checkpoint journal and runs the
 * queued ones. Every job completes exactly once, with the result of an uninterrupted run. On each
 * store (SQLite, PostgreSQL).
 */
import { describe, expect, test } from 'vitest';
import { count, createEngine, openQueue, processSerial, sum, type JobEventRecord, type Queue } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { settle } from '../helpers/events.ts';
import { gate } from '../helpers/gate.ts';
import { hasStoredJournal, startEngineChild, storedJournalEntries, waitForState } from '../helpers/jobs.ts';
import { storeKinds } from '../helpers/stores.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const kinds = storeKinds();
const task = new URL('../../fixtures/tasks/slow-sum.mjs', import.meta.url).href;

async function log(queue: Queue, id: string): Promise<JobEventRecord[]> {
  const events: JobEventRecord[] = [];
  for await (const e of queue.watch(id)) events.push(e);
  return events;
}

describe.each(kinds)('$name store', (kind) => {
  test('kill -9 mid-job with others queued: a new engine finishes each job once, exactly', {
    timeout: 120_000,
  }, async () => {
    const input = `${tmp.dir}/sales.csv`;
    await generate(input, 'sales', { rows: 60_000, seed: 7 });
    const store = await kind.fresh('crash');
    const queue = openQueue(store);
    // Held after 10 of its ~40 chunks until the kill: still running then, however late this process
    // sees the journal's eighth entry.
    const held = gate(`${tmp.dir}/slow-${kind.name}.gate`, 10);
    const params = { column: 'amount', msPerChunk: 20, gate: held.path };
    const aggregate = { groupBy: ['region'], measures: { n: count(), amount: sum('amount') } };
    const slow = await queue.add({ input, task, params, chunkSize: 64 << 10 }, { priority: 1 });
    const waiting = [
      await queue.add({ input, aggregate, chunkSize: 128 << 10 }),
      await queue.add({ input, task, params: { column: 'amount' } }),
    ];
    const engine = await startEngineChild(store, { workers: 2, concurrency: 1, leaseMs: 1_000 });
    while ((await storedJournalEntries(queue.store, slow.id)) < 8) {
      expect(engine.child.exitCode).toBe(null);
      await settle(10);
    }
    engine.child.kill('SIGKILL');
    expect(await engine.exited).toBe('SIGKILL');
    held.open();
    const lost = (await queue.get(slow.id))!;
    expect(lost.state).toBe('running'); // as the dead engine left it
    for (const w of waiting) expect((await queue.get(w.id))!.state).toBe('queued');

    const next = await createEngine({ store, workers: 2, concurrency: 2, leaseMs: 1_000 });
    try {
      for (const id of [slow.id, ...waiting.map((w) => w.id)]) await waitForState(queue, id, ['succeeded', 'failed']);
    } finally {
      await next.close();
    }
    const resumed = (await queue.result(slow.id)) as { value: unknown; stats: { chunksResumed: number } };
    expect(resumed.value).toStrictEqual((await processSerial({ input, task, params: { column: 'amount' } })).value);
    expect(resumed.stats.chunksResumed).toBeGreaterThanOrEqual(7); // a line torn by the kill at most is redone
    expect(await queue.result(waiting[0]!.id)).toMatchObject({
      rows: (await processSerial({ input, aggregate })).rows,
    });
    expect(await hasStoredJournal(queue.store, slow.id)).toBe(false);

    const slowLog = await log(queue, slow.id);
    const runs = slowLog.filter((e) => e.type === 'state' && e.data.state === 'running');
    expect(runs.map((e) => e.type === 'state' && e.data.attempt)).toEqual([1, 2]);
    expect(runs[1]!.type === 'state' && runs[1]!.data.reason).toMatch(/lease .* expired/);
    expect((await queue.get(slow.id))!.attempts).toBe(2);
    for (const job of [slow, ...waiting]) {
      const events = await log(queue, job.id);
      expect(events.filter((e) => e.type === 'done')).toHaveLength(1);
      expect(events.at(-1)).toMatchObject({ type: 'state', data: { state: 'succeeded' } });
    }
    for (const w of waiting) expect((await queue.get(w.id))!.attempts).toBe(1);
    await queue.close();
  });
});
