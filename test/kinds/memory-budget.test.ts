/**
 * The memoryBudget option: an aggregate whose groups need more than its budget fails with
 * ERR_MEMORY_BUDGET, naming the budget and the option, at whatever chunk size it runs; chunking
 * does not move the point where it fails (the estimate is per group, in order of first
 * appearance); under a budget it fits in, the job gives the serial result. And the rules the
 * budget is made by: the default and the cap from the heap limit, the process's share.
 */
import { statSync } from 'node:fs';
import { expect, test } from 'vitest';
import { count, processDataset, processSerial, sum } from 'chunkmill';
import { AggregateMerger } from '../../src/kinds/aggregate/merge.ts';
import { BudgetMeter, overBudget, resolveBudget } from '../../src/kinds/aggregate/memory-budget.ts';
import { compileAggregate } from '../../src/kinds/aggregate/plan.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { runMatrix } from '../helpers/matrix.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const MiB = 2 ** 20;

// 3,000 groups of two keys, each seen twice (the second time in reverse order, so chunks share
// groups): ~620 estimated bytes a group with a count and an exact sum, ~1.8 MiB in all.
const GROUPS = 3_000;
const lines = ['id,tag,v'];
for (let i = 0; i < GROUPS; i++) lines.push(`${i},t${i % 7},${i % 13}.5`);
for (let i = GROUPS - 1; i >= 0; i--) lines.push(`${i},t${i % 7},-${i % 5}`);
const input = tmp.file('pairs.csv', `${lines.join('\n')}\n`);
const job = { input, aggregate: { groupBy: ['id', 'tag'], measures: { n: count(), total: sum('v') } } };
/** 7 and 64 bytes: thousands of chunks, the merged groups pass the budget; the whole file: one chunk's own groups do. */
const CHUNK_SIZES = [7, 64, 4096, statSync(input).size];

test('past its budget a job fails with ERR_MEMORY_BUDGET at every chunk size, after the same groups', {
  timeout: 120_000,
}, async () => {
  const small = { ...job, memoryBudget: MiB };
  const errors = [await rejectionOf(processSerial(small))];
  for (const chunkSize of CHUNK_SIZES)
    errors.push(await rejectionOf(processDataset({ ...small, chunkSize, workers: 2 }).result));
  const reached = new Set<string>();
  for (const e of errors) {
    expect(e.code).toBe('ERR_MEMORY_BUDGET');
    expect(e.option).toBe('memoryBudget');
    expect(e.message).toMatch(/^Over the memory budget at chunk \d+: /);
    expect(e.message).toContain("more than 1 MiB, the job's budget (set by memoryBudget; at most ");
    expect(e.hint).toBe('group by fewer or coarser columns, or raise memoryBudget');
    reached.add(/([\d,]+) groups/.exec(e.message)![1]!);
  }
  // Both checks ran: the coordinator's, on the merged groups, and a worker's, on one chunk's (and the serial run's).
  expect(errors.filter((e) => e.message.includes('that chunk alone has'))).toHaveLength(2);
  // The estimate is per group in order of first appearance: chunking does not move the point.
  expect(reached.size, [...reached].join(' ')).toBe(1);
  const groups = Number([...reached][0]!.replaceAll(',', ''));
  expect(groups).toBeGreaterThan(1_000);
  expect(groups).toBeLessThan(GROUPS);
});

test('under a budget it fits in, the job gives the serial result at every chunk size', {
  timeout: 120_000,
}, async () => {
  const fits = await runMatrix({ ...job, memoryBudget: 4 * MiB }, { chunkSizes: CHUNK_SIZES, workers: [1, 2] });
  expect(fits.rows).toHaveLength(GROUPS);
  expect(fits.rows).toStrictEqual((await processSerial(job)).rows);
});

test('the budget: a quarter of the heap limit by default; a request is held to half of it', () => {
  const heap = 400 * MiB;
  expect(resolveBudget(undefined, heap)).toStrictEqual({
    bytes: 100 * MiB,
    why: 'the default, a quarter of the 400 MiB heap limit; memoryBudget raises it to at most 200 MiB',
    atCap: false,
  });
  expect(resolveBudget(64 * MiB, heap)).toMatchObject({ bytes: 64 * MiB, atCap: false });
  expect(resolveBudget(2 ** 40, heap)).toStrictEqual({
    bytes: 200 * MiB,
    why: 'memoryBudget asked for 1 TiB; a job gets at most half of the 400 MiB heap limit',
    atCap: true,
  });
});

test("an engine's memoryBudget: its jobs' default and the most one gets, unless the heap's rule gives less", () => {
  const heap = 400 * MiB;
  const raise = "raise the engine's memoryBudget (chunkmill serve or engine --memory-budget)";
  expect(resolveBudget(undefined, heap, 64 * MiB)).toStrictEqual({
    bytes: 64 * MiB,
    why: "the engine's memoryBudget option, 64 MiB",
    atCap: true,
    raise,
  });
  expect(resolveBudget(2 ** 40, heap, 64 * MiB)).toStrictEqual({
    bytes: 64 * MiB,
    why: 'memoryBudget asked for 1 TiB; this engine gives a job at most 64 MiB, its memoryBudget option',
    atCap: true,
    raise,
  });
  expect(resolveBudget(32 * MiB, heap, 64 * MiB)).toMatchObject({ bytes: 32 * MiB, atCap: false });
  // Above the heap's own rule, the heap's rule holds: a quarter by default, half at most.
  expect(resolveBudget(undefined, heap, 300 * MiB)).toStrictEqual(resolveBudget(undefined, heap));
  expect(resolveBudget(2 ** 40, heap, 300 * MiB)).toStrictEqual(resolveBudget(2 ** 40, heap));
  // The hint names what raises it.
  expect(overBudget(resolveBudget(undefined, heap, 64 * MiB), 10, 0, false).hint).toBe(
    `group by fewer or coarser columns, or ${raise}`,
  );
});

test("the process's running jobs together hold at most half the heap; a released job gives its share back", () => {
  const heap = 8 * MiB; // the process's share: 4 MiB
  const a = new BudgetMeter(resolveBudget(3 * MiB, heap), heap);
  const b = new BudgetMeter(resolveBudget(3 * MiB, heap), heap);
  expect(a.charge(3 * MiB, 1, 0)).toBe(null);
  const e = b.charge(1.5 * MiB, 1, 4);
  expect(e).toMatchObject({ code: 'ERR_MEMORY_BUDGET', chunkIndex: 4 });
  expect(e!.message).toContain("Over this process's memory budget at chunk 4: the groups of its running jobs");
  a.release();
  expect(b.charge(1, 1, 5)).toBe(null); // a's 3 MiB went back
  expect(b.charge(2 * MiB, 1, 5)).toMatchObject({ code: 'ERR_MEMORY_BUDGET' }); // past b's own 3 MiB
  b.release();
});

test('a merger past its budget drops its groups and gives its share back', () => {
  const plan = {
    ...compileAggregate({ groupBy: ['k'], measures: { n: count() } }, ['k'], {
      onBadRow: 'error',
      onBadNumber: 'error',
      quote: '"',
    }),
    budget: resolveBudget(MiB),
  };
  const merger = new AggregateMerger(plan);
  const keys = Array.from({ length: 20_000 }, (_, i) => `key-${i}`);
  const partial = {
    keys,
    rows: new Float64Array(keys.length).fill(1),
    counts: new Float64Array(keys.length),
    extremes: new Float64Array(keys.length),
    sumSizes: new Int32Array(2 * keys.length),
    sumValues: new Float64Array(0),
    rowsUsed: keys.length,
    rowsRejected: 0,
    valuesSkipped: 0,
  };
  expect(() => merger.add(partial, 7)).toThrow(
    /^Over the memory budget at chunk 7: [\d,]+ groups need more than 1 MiB/,
  );
  expect(merger.rows()).toEqual([]); // the groups are gone
  // Its share of the process went back: a budget of the whole share fits again.
  const whole = new BudgetMeter(resolveBudget(2 ** 50));
  expect(whole.charge(whole.budget.bytes, 1, 0)).toBe(null);
  whole.release();
});
