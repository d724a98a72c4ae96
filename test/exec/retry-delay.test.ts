/**
 * retryDelay: a failed chunk waits before it runs again (doubling at each further retry), and a
 * cancel cuts the wait short. The failure is real (a task that ends its worker thread once); the
 * wait is checked from below only (the chunk cannot be done sooner than the delay after its
 * failure), which no load can make false.
 */
import { expect, test } from 'vitest';
import { processDataset, type JobWarning } from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const input = tmp.file('rows.csv', 'id,v\n' + Array.from({ length: 3000 }, (_, i) => `r${i},${i}\n`).join(''));
const task = new URL('../../fixtures/tasks/crash-once.mjs', import.meta.url);

test('a chunk whose worker died runs again only after retryDelay, and the job succeeds', {
  timeout: 60_000,
}, async () => {
  const job = processDataset({
    input,
    task,
    params: { at: 'r1500', marker: `${tmp.dir}/crashed-1` },
    workers: 2,
    chunkSize: 4096,
    retryDelay: 700,
  });
  let retried: { at: number; warning: JobWarning } | null = null;
  let doneAt = 0;
  job.on('warning', (warning) => (retried ??= { at: performance.now(), warning }));
  job.on('chunk', (c) => {
    if (retried !== null && c.index === Number(/^Chunk (\d+)/.exec(retried.warning.message)?.[1]))
      doneAt = performance.now();
  });
  expect((await job.result).value).toBe(3000);
  expect(retried!.warning.message).toMatch(/; retrying in 700 ms \(retry 1 of 2\)$/);
  expect(doneAt - retried!.at).toBeGreaterThanOrEqual(690); // timers may fire a millisecond early
});

test('a cancel during the wait ends the job at once', { timeout: 60_000 }, async () => {
  const job = processDataset({
    input,
    task,
    params: { at: 'r1500', marker: `${tmp.dir}/crashed-2` },
    workers: 2,
    chunkSize: 4096,
    retryDelay: 600_000, // ten minutes: only the cancel can end it
  });
  job.on('warning', () => job.cancel());
  const started = performance.now();
  expect(await rejectionOf(job.result)).toMatchObject({ code: 'ABORT_ERR' });
  expect(performance.now() - started).toBeLessThan(30_000);
});
