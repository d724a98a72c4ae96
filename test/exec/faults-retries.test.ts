/**
 * Faults in workers: a worker that exits, a chunk that never finishes (timeout). The failed chunk
 * runs again (a dead or stopped worker replaced by a new thread) up to `retries` times, each
 * failure a `warning`; then the job fails with the first failure. A task that throws fails at
 * once, unless retryTaskErrors asks for the same retries. No thread outlives the job.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { expect, test } from 'vitest';
import { processDataset, type JobWarning } from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { baseline, expectNoWorkersLeft } from '../helpers/threads.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const input = tmp.file('rows.csv', 'id,v\n' + Array.from({ length: 3000 }, (_, i) => `r${i},${i}\n`).join(''));
const module = (name: string) => new URL(`../../fixtures/tasks/${name}.mjs`, import.meta.url);

function warnings(job: { on(e: 'warning', f: (w: JobWarning) => void): unknown }): JobWarning[] {
  const list: JobWarning[] = [];
  job.on('warning', (w) => list.push(w));
  return list;
}

// The thread that exits holds the next chunk too (two requests a thread): that chunk did not
// fail, so it is sent again with no warning and names no error.
test('a worker that exits mid-chunk: the chunk is retried and the job succeeds', { timeout: 60_000 }, async () => {
  const before = baseline();
  const job = processDataset({
    input,
    task: module('crash-once'),
    params: { at: 'r1500', marker: `${tmp.dir}/crashed` },
    workers: 2,
    chunkSize: 4096,
  });
  const seen = warnings(job);
  const { value } = await job.result;
  expect(value).toBe(3000);
  expect(seen).toHaveLength(1);
  expect(seen[0]!.code).toBe('WARN_CHUNK_RETRY');
  expect(seen[0]!.message).toMatch(
    /^Chunk \d+ failed \(A worker thread exited while processing chunk \d+.*\); retrying \(retry 1 of 2\)$/,
  );
  await expectNoWorkersLeft(before);
});

test('with retries 0 the same exit fails the job with ERR_WORKER_EXITED', { timeout: 60_000 }, async () => {
  const error = await rejectionOf(
    processDataset({
      input,
      task: module('crash-once'),
      params: { at: 'r10', marker: `${tmp.dir}/crashed-2` },
      retries: 0,
      workers: 2,
      chunkSize: 4096,
    }).result,
  );
  expect(error.code).toBe('ERR_WORKER_EXITED');
  // r10 is in chunk 0, whatever its thread held next.
  expect([error.chunkIndex, error.message]).toStrictEqual([0, expect.stringMatching(/while processing chunk 0 /)]);
});

test('a chunk stuck past `timeout` is aborted, retried, and fails with ERR_CHUNK_TIMEOUT', {
  timeout: 60_000,
}, async () => {
  const before = baseline();
  const started = Date.now();
  const job = processDataset({
    input,
    task: module('hang'),
    params: { at: 'r2000' },
    // Far above a healthy chunk's time even with a cold worker on a loaded 2-core machine (at
    // 300 ms, a fresh thread's first chunk sometimes timed out too, with load 13); the stuck
    // chunk never ends, so any bound finds it.
    timeout: 1000,
    retries: 1,
    workers: 2,
    chunkSize: 4096,
  });
  const seen = warnings(job);
  const error = await rejectionOf(job.result);
  expect(error.code).toBe('ERR_CHUNK_TIMEOUT');
  expect(error.message).toMatch(/^Chunk \d+ ran longer than the timeout \(1000 ms\); its worker was stopped$/);
  expect(seen.map((w) => w.code)).toEqual(['WARN_CHUNK_RETRY']);
  expect(Date.now() - started).toBeLessThan(20_000);
  await expectNoWorkersLeft(before);
});

test('a timeout counts from when a chunk starts, not while it waits in the queue', { timeout: 60_000 }, async () => {
  // One worker, two chunks of 1500 ms each, both dispatched at once: the second waits 1500 ms,
  // then runs 1500 ms. Timed from dispatch it would pass the 2500 ms timeout; from its start it
  // does not, with a second to spare for a cold thread on a loaded machine (at 700 ms of 1000,
  // the 300 ms to spare was a deadline such a machine could miss).
  const params = { at: 'none', slow: ['r0', 'r2999'], slowMs: 1500 };
  const job = processDataset({
    input,
    task: module('hang'),
    params,
    timeout: 2500,
    retries: 0,
    workers: 1,
    chunkSize: 20_000,
  });
  job.on('start', (plan) => expect(plan.chunksTotal).toBe(2));
  expect((await job.result).value).toBe(3000);
});

/** A task that throws on row r100, on 2 workers; returns its error and the warnings before it. */
async function throwingTask(retryTaskErrors?: boolean) {
  const job = processDataset({
    input,
    task: module('throws'),
    params: { in: 'reduce', at: 'r100' },
    ...(retryTaskErrors !== undefined ? { retryTaskErrors } : {}),
    workers: 2,
    chunkSize: 4096,
  });
  const seen = warnings(job);
  const error = await rejectionOf(job.result);
  expect(error).toMatchObject({ code: 'ERR_TASK_FAILED', line: 102 });
  expect(error.message).toMatch(/^reduce\(\) threw: bad row r100 \(/);
  return seen;
}

test('a task that throws fails at once, with its error at its line, and no retry warning', {
  timeout: 60_000,
}, async () => {
  expect(await throwingTask()).toEqual([]);
});

test('with retryTaskErrors a task that throws is retried, then fails with its first error, at its line', {
  timeout: 60_000,
}, async () => {
  expect((await throwingTask(true)).map((w) => w.message)).toEqual([
    expect.stringMatching(/retry 1 of 2/),
    expect.stringMatching(/retry 2 of 2/),
  ]);
});

test('data errors are not retried', { timeout: 30_000 }, async () => {
  const bad = tmp.file('bad.csv', 'id,v\na,1\nb,"x\n');
  const job = processDataset({
    input: bad,
    aggregate: { measures: { n: { kind: 'count' } } },
    workers: 2,
    chunkSize: 4,
  });
  const seen = warnings(job);
  expect((await rejectionOf(job.result)).code).toBe('ERR_CSV_UNCLOSED_QUOTE');
  expect(seen).toEqual([]);
});

test('a stream chunk is retried too: its bytes stay in shared memory until it is merged', {
  timeout: 60_000,
}, async () => {
  const stream = Readable.from([readFileSync(input)]);
  const job = processDataset({
    input: stream,
    task: module('crash-once'),
    params: { at: 'r2500', marker: `${tmp.dir}/crashed-stream` },
    workers: 2,
    chunkSize: 4096,
  });
  const seen = warnings(job);
  expect((await job.result).value).toBe(3000);
  expect(seen.map((w) => w.code)).toEqual(['WARN_CHUNK_RETRY']);
});
