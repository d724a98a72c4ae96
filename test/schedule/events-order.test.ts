/**
 * The Job's events, in their exact order: `start` first and once; `chunk` once per chunk in index
 * order, tiling the data range; `progress` monotone, the last one complete (bytesDone ===
 * bytesTotal) and after the last chunk; `done` last, once, with the result; nothing after it. On a
 * failure, `error` is last and there is no `done`.
 */
import { statSync } from 'node:fs';
import { beforeAll, expect, test } from 'vitest';
import { count, processDataset, sum, type ChunkEvent, type JobPlan, type Progress } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { payloads, record, settle } from '../helpers/events.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
let input = '';
const HEADER_BYTES = Buffer.byteLength('order_id,date,region,product,quantity,amount,note\n');

beforeAll(async () => {
  input = tmp.dir + '/sales.csv';
  await generate(input, 'sales', { rows: 3000, seed: 7 });
});

const aggregate = { groupBy: ['region'], measures: { orders: count(), amount: sum('amount') } };

test.each([
  { chunkSize: 4096, workers: 2 },
  { chunkSize: 1000, workers: 3 },
  { chunkSize: 1 << 20, workers: 2 },
])(
  'a successful job: $chunkSize-byte chunks, $workers workers',
  { timeout: 60_000 },
  async ({ chunkSize, workers }) => {
    const job = processDataset({ input, chunkSize, workers, progressInterval: 0, aggregate });
    const events = record(job);
    const result = await job.result;
    await settle();
    const size = statSync(input).size;
    const names = events.map((e) => e.name);

    // start first, once, announcing the plan.
    expect(names[0]).toBe('start');
    expect(names.filter((n) => n === 'start')).toHaveLength(1);
    const plan = events[0]!.payload as JobPlan;
    expect(plan.bytesTotal).toBe(size);
    expect(plan.chunkSize).toBe(chunkSize);
    expect(plan.chunksTotal).toBe(Math.ceil((size - HEADER_BYTES) / chunkSize));
    expect(plan.workers).toBeGreaterThanOrEqual(1);
    expect(plan.workers).toBeLessThanOrEqual(workers);
    expect(plan.columns).toEqual(['order_id', 'date', 'region', 'product', 'quantity', 'amount', 'note']);

    // chunk events: every index once, in order, tiling [end of header, end of file).
    const chunks = payloads<ChunkEvent>(events, 'chunk');
    expect(chunks.map((c) => c.index)).toEqual(Array.from({ length: plan.chunksTotal! }, (_, i) => i));
    expect(chunks[0]!.start).toBe(HEADER_BYTES);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.start).toBe(chunks[i - 1]!.end);
    expect(chunks.at(-1)!.end).toBe(size);
    expect(chunks.reduce((n, c) => n + c.rows, 0)).toBe(result.stats.rows);
    expect(result.stats.rows).toBe(3000);

    // progress: monotone; the last one is complete and comes after the last chunk.
    const progress = payloads<Progress>(events, 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.bytesDone).toBeGreaterThanOrEqual(progress[i - 1]!.bytesDone);
      expect(progress[i]!.chunksDone).toBeGreaterThanOrEqual(progress[i - 1]!.chunksDone);
      expect(progress[i]!.rowsDone).toBeGreaterThanOrEqual(progress[i - 1]!.rowsDone);
    }
    const last = progress.at(-1)!;
    expect(last).toMatchObject({
      bytesDone: size,
      bytesTotal: size,
      chunksDone: plan.chunksTotal,
      chunksTotal: plan.chunksTotal,
      rowsDone: 3000,
    });
    expect(last.etaMs === null || last.etaMs === 0).toBe(true);
    expect(names.lastIndexOf('progress')).toBeGreaterThan(names.lastIndexOf('chunk'));

    // done last, once, with the very result object; nothing after it; no warning or error.
    expect(names.at(-1)).toBe('done');
    expect(names.filter((n) => n === 'done')).toHaveLength(1);
    expect(events.at(-1)!.payload).toBe(result);
    expect(names).not.toContain('warning');
    expect(names).not.toContain('error');
    // Only these kinds, in this shape: start, then chunk/progress interleaved, then done.
    expect(names.slice(1, -1).every((n) => n === 'chunk' || n === 'progress')).toBe(true);
  },
);

test('listeners attached right after processDataset() returns see every event from start', {
  timeout: 60_000,
}, async () => {
  const job = processDataset({ input, chunkSize: 8192, workers: 2, aggregate });
  // Attached synchronously after the call: nothing may have been emitted yet.
  const events = record(job);
  await job.result;
  expect(events[0]?.name).toBe('start');
});

test('a failing job: start, then error last, no done', { timeout: 60_000 }, async () => {
  // Row 4 (line 5) has a non-number amount.
  const bad = tmp.file('bad.csv', 'k,v\na,1\nb,2\nc,3\nd,oops\ne,5\nf,6\n');
  const job = processDataset({
    input: bad,
    chunkSize: 4,
    workers: 2,
    aggregate: { groupBy: ['k'], measures: { s: sum('v') } },
  });
  const events = record(job);
  const error = await job.result.then(
    () => null,
    (e: unknown) => e,
  );
  await settle();
  const names = events.map((e) => e.name);
  expect(names[0]).toBe('start');
  expect(names.at(-1)).toBe('error');
  expect(names.filter((n) => n === 'error')).toHaveLength(1);
  expect(names).not.toContain('done');
  expect(events.at(-1)!.payload).toBe(error);
  expect(error).toMatchObject({ code: 'ERR_CSV_BAD_NUMBER', line: 5 });
  // Chunks before the failing one may have been merged, in order; none at or after it.
  const chunks = payloads<ChunkEvent>(events, 'chunk');
  expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
  expect(chunks.every((c) => c.end <= 16)).toBe(true); // 'd,oops' starts at byte 16
});
