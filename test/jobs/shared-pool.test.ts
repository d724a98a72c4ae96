/**
 * Jobs sharing one engine's warm pool: a small job is not starved by a huge one; jobs with the
 * same module but other params, or a module edited between jobs, never see each other's (or a
 * stale) setup() state; two engines on one store never run one job (on each store: SQLite,
 * PostgreSQL).
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { count, createEngine, openQueue, type Engine, type Queue } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { gate } from '../helpers/gate.ts';
import { waitForState } from '../helpers/jobs.ts';
import { storeKinds } from '../helpers/stores.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const kinds = storeKinds();
const task = new URL('../../fixtures/tasks/slow-sum.mjs', import.meta.url).href;
let input = '';
let queue: Queue;
let engine: Engine;

beforeAll(async () => {
  input = `${tmp.dir}/sales.csv`;
  await generate(input, 'sales', { rows: 30_000, seed: 3 }); // ~1.3 MB
  queue = openQueue(`${tmp.dir}/jobs.db`);
  engine = await createEngine({ store: `${tmp.dir}/jobs.db`, workers: 2, concurrency: 2 });
}, 60_000);

afterAll(async () => {
  await engine.close();
  await queue.close();
});

test('a small job added behind a huge one finishes while the huge one still runs', { timeout: 60_000 }, async () => {
  // The huge job (~160 chunks) is held twice by its gate: at chunk 4 until the small one is
  // planned, so the small one surely queues behind it; and at chunk 40, a quarter of the way,
  // until the end of the test. The small one's ~6 chunks must therefore get turns between the
  // huge one's: a pool that served the huge job first would leave them behind its held chunks,
  // and the small job would never finish. (Timed by a slow task instead, how far the huge job got
  // depended on how late this process looked.)
  const held = gate(`${tmp.dir}/huge.gate`, 4);
  const params = { column: 'amount', msPerChunk: 25, idle: true, gate: held.path };
  const huge = await queue.add({ input, task, params, chunkSize: 8 << 10 });
  try {
    for await (const e of queue.watch(huge.id)) if (e.type === 'chunk') break;
    const small = await queue.add({ input, aggregate: { measures: { n: count() } }, chunkSize: 256 << 10 });
    for await (const e of queue.watch(small.id)) if (e.type === 'start') break;
    held.release(40);
    const done = await waitForState(queue, small.id, ['succeeded', 'failed'], 30_000);
    expect(done.state).toBe('succeeded');
    const big = (await queue.get(huge.id))!;
    expect(big.state).toBe('running');
    expect(big.progress!.chunksTotal).toBeGreaterThan(150);
    expect(big.progress!.chunksDone).toBeLessThanOrEqual(40);
    await queue.cancel(huge.id);
    await waitForState(queue, huge.id, ['cancelled']);
  } finally {
    held.open(); // its held chunks end and give the threads back
  }
});

test('one module, other params or an edited file: each job gets its own setup() state', {
  timeout: 60_000,
}, async () => {
  const module = `${tmp.dir}/factor.mjs`;
  const source = (k: number) =>
    `let factor = null;\nexport default { setup(ctx) { factor = ctx.params.factor * ${k}; },\n` +
    `  init: () => 0, reduce: (acc) => acc + factor, combine: (a, b) => a + b };\n`;
  writeFileSync(module, source(1));
  const spec = (factor: number) => ({ input, task: module, params: { factor }, chunkSize: 16 << 10 });
  const [one, ten] = [await queue.add(spec(1)), await queue.add(spec(10))];
  for (const j of [one, ten]) await waitForState(queue, j.id, ['succeeded', 'failed']);
  expect(await queue.result(one.id)).toMatchObject({ value: 30_000 });
  expect(await queue.result(ten.id)).toMatchObject({ value: 300_000 });
  writeFileSync(module, source(2)); // edited while the pool is warm
  const edited = await queue.add(spec(1));
  await waitForState(queue, edited.id, ['succeeded', 'failed']);
  expect(await queue.result(edited.id)).toMatchObject({ value: 60_000 });
});

describe.each(kinds)('$name store', (kind) => {
  test('two engines on one store: each job runs once, on one of them', { timeout: 60_000 }, async () => {
    const store = await kind.fresh('two');
    const q = openQueue(store);
    const engines = [
      await createEngine({ store, workers: 1, concurrency: 2 }),
      await createEngine({ store, workers: 1, concurrency: 2 }),
    ];
    const claimedBy = new Map<string, string[]>();
    for (const e of engines)
      e.on('claimed', ({ job }) => claimedBy.set(job.id, [...(claimedBy.get(job.id) ?? []), e.id]));
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await q.add({ input, aggregate: { measures: { n: count() } } })).id);
    for (const id of ids) await waitForState(q, id, ['succeeded', 'failed']);
    await Promise.all(engines.map((e) => e.close()));
    for (const id of ids) {
      expect(claimedBy.get(id), `job ${id}`).toHaveLength(1);
      expect(await q.get(id)).toMatchObject({ state: 'succeeded', attempts: 1 });
      const runs: string[] = [];
      for await (const e of q.watch(id)) if (e.type === 'state' && e.data.state === 'running') runs.push(e.data.owner!);
      expect(runs).toEqual(claimedBy.get(id));
    }
    await q.close();
  });
});
