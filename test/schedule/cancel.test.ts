/**
 * Cancelling: job.cancel() mid-job and the `signal` option (aborted mid-job or before the start)
 * reject `result` with an AbortError (code ABORT_ERR), promptly, with no `done`, and leave no
 * worker threads behind.
 */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { beforeAll, expect, test } from 'vitest';
import { AbortError, ChunkmillError, count, processDataset, sum, type ChunkEvent, type JobPlan } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { payloads, record, settle } from '../helpers/events.ts';
import { baseline, expectNoWorkersLeft, threadCount, waitFor } from '../helpers/threads.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
let input = '';
const aggregate = { groupBy: ['region'], measures: { orders: count(), amount: sum('amount') } };
/** Generous: cancelling must not wait for the rest of the file, but the machine is shared. */
const PROMPT_MS = 5_000;

beforeAll(async () => {
  input = tmp.dir + '/sales.csv';
  await generate(input, 'sales', { rows: 60_000, seed: 3 }); // ~2.7 MB
  // One full job first, so lazily started threads (libuv's pool) are not counted as the job's.
  await processDataset({ input: tmp.file('warm.csv', 'region,amount\nx,1\n'), workers: 2, aggregate }).result;
}, 60_000);

function expectAbortError(e: unknown): void {
  expect(e).toBeInstanceOf(ChunkmillError);
  expect(e).toBeInstanceOf(AbortError);
  expect(e).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
}

test('job.cancel() mid-job rejects with AbortError, promptly, and stops every worker', {
  timeout: 60_000,
}, async () => {
  const before = baseline();
  const job = processDataset({ input, chunkSize: 32 << 10, workers: 2, aggregate });
  const events = record(job);
  let cancelledAt = 0;
  let threadsDuringJob: number | null = null;
  job.on('chunk', (c) => {
    if (c.index === 2) {
      threadsDuringJob = threadCount();
      cancelledAt = performance.now();
      job.cancel();
    }
  });
  const error = await job.result.then(
    () => null,
    (e: unknown) => e,
  );
  const tookMs = performance.now() - cancelledAt;
  expect(cancelledAt).toBeGreaterThan(0);
  expectAbortError(error);
  expect(job.cancelled).toBe(true);
  expect(tookMs).toBeLessThan(PROMPT_MS);
  // It really was mid-job: workers were running, and most chunks never got merged.
  if (before.threads !== null) expect(threadsDuringJob).toBeGreaterThan(before.threads);
  const plan = payloads<JobPlan>(events, 'start')[0]!;
  const merged = payloads<ChunkEvent>(events, 'chunk');
  expect(merged.length).toBeLessThan(plan.chunksTotal!);
  // The error says how far the job got: the chunks merged before the cancel took effect.
  const rows = merged.reduce((n, c) => n + c.rows, 0);
  expect((error as AbortError).progress).toMatchObject({ chunksDone: merged.length, rowsDone: rows });
  expect((error as AbortError).message).toMatch(
    new RegExp(`^The job was cancelled after ${merged.length} chunks, ${rows} rows, \\d+ bytes$`),
  );
  await expectNoWorkersLeft(before);
  await settle();
  const names = events.map((e) => e.name);
  expect(names).not.toContain('done');
  expect(names.at(-1)).toBe('error');
  expect(events.at(-1)!.payload).toBe(error);
});

test('aborting the signal option mid-job rejects with AbortError and stops every worker', {
  timeout: 60_000,
}, async () => {
  const before = baseline();
  const controller = new AbortController();
  const job = processDataset({ input, chunkSize: 32 << 10, workers: 2, aggregate, signal: controller.signal });
  const events = record(job);
  job.on('chunk', (c) => {
    if (c.index === 1) controller.abort();
  });
  const error = await job.result.then(
    () => null,
    (e: unknown) => e,
  );
  expectAbortError(error);
  expect(job.cancelled).toBe(true);
  await expectNoWorkersLeft(before);
  expect(events.map((e) => e.name)).not.toContain('done');
});

test('cancelling several jobs in a row leaves no worker threads behind', { timeout: 60_000 }, async () => {
  const before = baseline();
  for (let i = 0; i < 4; i++) {
    const controller = new AbortController();
    const viaSignal = i % 2 === 1;
    const job = processDataset({
      input,
      chunkSize: 32 << 10,
      workers: 2,
      aggregate,
      ...(viaSignal ? { signal: controller.signal } : {}),
    });
    job.on('chunk', (c) => {
      if (c.index === 1 + i) {
        if (viaSignal) controller.abort();
        else job.cancel();
      }
    });
    expectAbortError(
      await job.result.then(
        () => null,
        (e: unknown) => e,
      ),
    );
  }
  await expectNoWorkersLeft(before);
});

test('an already-aborted signal rejects with AbortError before anything starts', { timeout: 60_000 }, async () => {
  const before = baseline();
  const job = processDataset({ input, workers: 2, aggregate, signal: AbortSignal.abort() });
  const events = record(job);
  const error = await job.result.then(
    () => null,
    (e: unknown) => e,
  );
  expectAbortError(error);
  await settle();
  expect(events.map((e) => e.name)).not.toContain('start');
  expect(events.map((e) => e.name)).not.toContain('done');
  await expectNoWorkersLeft(before);
});

test('cancel() right after processDataset() rejects with AbortError and starts nothing', {
  timeout: 60_000,
}, async () => {
  const before = baseline();
  const job = processDataset({ input, workers: 2, aggregate });
  const events = record(job);
  job.cancel();
  const error = await job.result.then(
    () => null,
    (e: unknown) => e,
  );
  expectAbortError(error);
  expect(events.map((e) => e.name)).not.toContain('start');
  await expectNoWorkersLeft(before);
});

test('cancel() after done changes nothing', { timeout: 60_000 }, async () => {
  const small = tmp.file('small.csv', 'region,amount\nx,1\ny,2\n');
  const job = processDataset({ input: small, workers: 2, aggregate });
  const events = record(job);
  const result = await job.result;
  job.cancel();
  await settle();
  expect(result.rows).toEqual([
    { region: 'x', orders: 1, amount: 1 },
    { region: 'y', orders: 1, amount: 2 },
  ]);
  expect(events.map((e) => e.name).at(-1)).toBe('done');
  await expect(job.result).resolves.toBe(result);
});

test('cancel() from a start or the first progress listener rejects with AbortError', { timeout: 60_000 }, async () => {
  for (const event of ['start', 'progress'] as const) {
    const job = processDataset({ input, workers: 2, chunkSize: 1 << 16, aggregate });
    job.on(event, () => job.cancel());
    const error = await job.result.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error, event).toBeInstanceOf(AbortError);
  }
});

test('a long-lived signal keeps no listener once jobs have finished', { timeout: 60_000 }, async () => {
  const shutdown = new AbortController();
  for (let i = 0; i < 3; i++) await processDataset({ input, workers: 1, signal: shutdown.signal, aggregate }).result;
  await settle();
  expect(EventEmitter.getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
});

test('cancelling a job that waits on an idle stream settles promptly and stops the stream', {
  timeout: 30_000,
}, async () => {
  const stream = new PassThrough();
  stream.write('region,amount\n' + 'x,1\n'.repeat(1000)); // a header and some rows, then nothing more
  const before = baseline();
  const job = processDataset({ input: stream, workers: 2, aggregate });
  // Started, and all that was written read: it waits for more. Waited for, not slept on, so that a
  // loaded machine does not turn this into a cancel before the start.
  await new Promise((resolve) => job.once('start', resolve));
  expect(await waitFor(() => stream.readableLength === 0, 10_000)).toBe(true);
  const started = Date.now();
  job.cancel();
  expectAbortError(await job.result.catch((e: unknown) => e));
  expect(Date.now() - started).toBeLessThan(PROMPT_MS);
  expect(stream.destroyed).toBe(true);
  await expectNoWorkersLeft(before);
});
