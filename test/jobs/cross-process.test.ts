/**
 * Queue and engine in different processes: a job added here is run by an engine child, watched
 * from here through the store (events in their documented order), its progress written while it
 * runs, and a cancel written here stops a running job there at the engine's next look at the
 * store, while the engine's pool stays up for the next job. On each store (SQLite, PostgreSQL).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { count, openQueue, processSerial, sum, type JobEventRecord, type Queue } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { gate } from '../helpers/gate.ts';
import { startEngineChild, waitForState, type EngineChild } from '../helpers/jobs.ts';
import { storeKinds } from '../helpers/stores.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const kinds = storeKinds();
const task = new URL('../../fixtures/tasks/slow-sum.mjs', import.meta.url).href;
let input = '';

beforeAll(async () => {
  input = `${tmp.dir}/sales.csv`;
  await generate(input, 'sales', { rows: 60_000, seed: 11 }); // ~2.7 MB
}, 60_000);

describe.each(kinds)('$name store', (kind) => {
  let engine: EngineChild;
  let queue: Queue;

  beforeAll(async () => {
    const store = await kind.fresh('cross');
    queue = openQueue(store);
    // Leases renewed every 20 s: a cancel that waited for a renewal would show as one.
    engine = await startEngineChild(store, { workers: 2, concurrency: 2, leaseMs: 60_000 });
  }, 60_000);

  afterAll(async () => {
    engine.child.kill('SIGTERM');
    await engine.exited;
    await queue.close();
  });

  test('a job added here runs in the engine process; watch sees its events in order, then the end', {
    timeout: 60_000,
  }, async () => {
    const aggregate = { groupBy: ['region'], measures: { n: count(), revenue: sum('amount') } };
    const job = await queue.add({ input, aggregate, chunkSize: 256 << 10 }, { name: 'by region' });
    expect(job).toMatchObject({ state: 'queued', name: 'by region', attempts: 0 });
    const events: JobEventRecord[] = [];
    for await (const event of queue.watch(job.id)) events.push(event);

    const kinds = events.map((e) => (e.type === 'state' ? `state:${e.data.state}` : e.type));
    expect(kinds.slice(0, 3)).toEqual(['state:queued', 'state:running', 'start']);
    expect(kinds.slice(-3)).toEqual(['progress', 'done', 'state:succeeded']);
    // Between them only chunks and progress. Whether a progress event comes before the last one is
    // timing (the engine writes every 250 ms; a fast job ends first): the test below, whose job is
    // held until it has seen one, checks that progress is written while a job runs.
    expect(kinds.slice(3, -3).filter((k) => k !== 'progress' && k !== 'chunk')).toEqual([]);
    const done = events.flatMap((e) => (e.type === 'progress' ? [e.data.bytesDone] : []));
    expect(done).toEqual([...done].sort((a, b) => a - b));
    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const chunks = events.flatMap((e) => (e.type === 'chunk' ? [e.data.index] : []));
    const total = events.flatMap((e) => (e.type === 'start' ? [e.data.chunksTotal!] : []))[0]!;
    expect(chunks).toEqual(Array.from({ length: total }, (_, i) => i)); // every chunk, in chunk order
    const last = events.at(-3)!;
    expect(last.type === 'progress' && last.data.bytesDone === last.data.bytesTotal).toBe(true);

    const stored = await queue.result(job.id);
    expect(stored).toMatchObject({ rows: (await processSerial({ input, aggregate })).rows });
    expect(await queue.get(job.id)).toMatchObject({ state: 'succeeded', attempts: 1, owner: null });
    // Replays from an event id (an SSE client's Last-Event-ID) give the rest of the log. Once the
    // job has ended, its log keeps only the last progress event.
    const replay = async (after: number) => {
      const got: JobEventRecord[] = [];
      for await (const e of queue.watch(job.id, { after })) got.push(e);
      return got;
    };
    const kept = await replay(0);
    expect(kept.filter((e) => e.type === 'progress')).toHaveLength(1);
    expect(kept.map((e) => e.id)).toEqual(ids.filter((id) => kept.some((e) => e.id === id)));
    expect((await replay(kept[4]!.id)).map((e) => e.id)).toEqual(kept.slice(5).map((e) => e.id));
  });

  test('progress is written while a job runs; a cancel written here stops it there; the pool runs the next job', {
    timeout: 60_000,
  }, async () => {
    // Held after 10 chunks until the cancel: it cannot end by itself, however the machine is loaded.
    const held = gate(`${tmp.dir}/cancel-${kind.name}.gate`, 10);
    const params = { column: 'amount', msPerChunk: 20, gate: held.path };
    const slow = await queue.add({ input, task, params, chunkSize: 32 << 10 });
    const queued = await queue.add({ input, aggregate: { measures: { n: count() } } }, { delay: 3_600_000 });
    try {
      const seen: string[] = [];
      for await (const e of queue.watch(slow.id)) {
        seen.push(e.type);
        if (e.type === 'progress' && seen.includes('chunk')) break; // written while it runs
      }
      const asked = performance.now();
      expect(await queue.cancel(slow.id)).toBe('requested');
      const cancelled = await waitForState(queue, slow.id, ['cancelled', 'succeeded', 'failed']);
      const tookMs = performance.now() - asked;
      expect(cancelled.state).toBe('cancelled');
      expect(cancelled.error?.code).toBe('ABORT_ERR');
      // The engine looks for cancels every 20 ms; its next lease renewal is 20 s away, and the job
      // would never have ended. The bound leaves a loaded machine seconds.
      expect(tookMs).toBeLessThan(5_000);
      const { progress } = (await queue.get(slow.id))!;
      expect(progress!.chunksDone).toBeLessThanOrEqual(10);
      expect(progress!.chunksDone).toBeLessThan(progress!.chunksTotal!); // it did not run to the end
    } finally {
      held.open(); // the two chunks it held end, and give the pool's threads back
    }

    expect(await queue.cancel(queued.id)).toBe('cancelled'); // a queued job is cancelled at once
    expect(await queue.cancel(queued.id)).toBe('finished');
    const after = await queue.add({ input, aggregate: { measures: { n: count() } } });
    expect((await waitForState(queue, after.id, ['succeeded', 'failed'])).state).toBe('succeeded');
    expect(await queue.result(after.id)).toMatchObject({ rows: [{ n: 60_000 }] });
  });
});
