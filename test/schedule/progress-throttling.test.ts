/**
 * Progress throttling: no two `progress` events closer together than `progressInterval`, except
 * the final (complete) one, on a few-MB file cut into many small chunks; with interval 0 every
 * merged chunk reports, so the throttle is what keeps the events apart.
 */
import { statSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { beforeAll, expect, test } from 'vitest';
import { count, processDataset, sum, type JobPlan, type Progress } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { payloads, record } from '../helpers/events.ts';
import { waitFor } from '../helpers/threads.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
let input = '';

beforeAll(async () => {
  input = tmp.dir + '/sales.csv';
  await generate(input, 'sales', { rows: 50_000, seed: 11 }); // ~3 MB
});

const aggregate = { groupBy: ['region'], measures: { orders: count(), amount: sum('amount') } };
const CHUNK = 16 << 10; // ~200 chunks

test('no two progress events closer than progressInterval, except the final one', { timeout: 60_000 }, async () => {
  const interval = 25;
  const job = processDataset({ input, chunkSize: CHUNK, workers: 2, progressInterval: interval, aggregate });
  const events = record(job);
  const { stats } = await job.result;
  const plan = payloads<JobPlan>(events, 'start')[0]!;
  expect(plan.chunksTotal).toBeGreaterThan(100);
  const progress = payloads<Progress>(events, 'progress');
  const last = progress.at(-1)!;
  expect(last.bytesDone).toBe(statSync(input).size);
  expect(last.rowsDone).toBe(stats.rows);
  // elapsedMs is measured on one clock from one origin: differences are exact up to rounding.
  for (let i = 1; i < progress.length - 1; i++) {
    const gap = progress[i]!.elapsedMs - progress[i - 1]!.elapsedMs;
    expect(gap, `events ${i - 1} and ${i}`).toBeGreaterThanOrEqual(interval - 1e-6);
  }
});

test('progressInterval 0 reports every merged chunk (the throttle above is doing the work)', {
  timeout: 60_000,
}, async () => {
  const job = processDataset({ input, chunkSize: CHUNK, workers: 2, progressInterval: 0, aggregate });
  const events = record(job);
  await job.result;
  const plan = payloads<JobPlan>(events, 'start')[0]!;
  const progress = payloads<Progress>(events, 'progress');
  expect(progress.length).toBeGreaterThanOrEqual(plan.chunksTotal!);
  // Each merged chunk's report counts it.
  const chunkCounts = new Set(progress.map((p) => p.chunksDone));
  for (let k = 1; k <= plan.chunksTotal!; k++) expect(chunkCounts.has(k), `chunksDone ${k}`).toBe(true);
});

test('a long interval gives the first report and the final one only', { timeout: 60_000 }, async () => {
  // 10 minutes: far longer than the job can take, so only the forced final report may follow the first.
  const job = processDataset({ input, chunkSize: CHUNK, workers: 2, progressInterval: 600_000, aggregate });
  const events = record(job);
  await job.result;
  const progress = payloads<Progress>(events, 'progress');
  expect(progress.length).toBeLessThanOrEqual(2);
  expect(progress.at(-1)!.bytesDone).toBe(progress.at(-1)!.bytesTotal);
  expect(progress.at(-1)!.chunksDone).toBe(progress.at(-1)!.chunksTotal);
});

test('a throttled update is still reported when no merge follows (input that trickles in)', {
  timeout: 30_000,
}, async () => {
  // Everything but the end of a stream arrives at once; then the stream stays open. Chunks merge
  // within one interval, and no later merge would carry their progress out.
  const stream = new PassThrough();
  stream.write('k,v\n' + Array.from({ length: 20_000 }, (_, i) => `${i % 10},${i}\n`).join(''));
  const job = processDataset({
    input: stream,
    chunkSize: 8 << 10,
    workers: 2,
    progressInterval: 200,
    aggregate: { measures: { n: count() } },
  });
  let merged = 0;
  let mergedAt = 0;
  let last: Progress | undefined;
  job.on('chunk', (c) => {
    merged += c.rows;
    mergedAt = performance.now();
  });
  job.on('progress', (p) => (last = p));
  // Until all but the buffered tail is merged and no merge has come for two intervals: waited for,
  // not slept on (a loaded machine may take longer than any fixed sleep). The trailing event is
  // due one interval after the last merge, and its timer runs before the one that ends this wait.
  await waitFor(() => merged > 15_000 && performance.now() - mergedAt > 400, 20_000);
  expect(merged).toBeGreaterThan(15_000); // all but the buffered tail
  expect(last?.rowsDone).toBe(merged);
  stream.end();
  expect((await job.result).rows).toEqual([{ n: 20_000 }]);
});
