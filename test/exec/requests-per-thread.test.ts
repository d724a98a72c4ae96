/**
 * A thread holds up to IN_FLIGHT_PER_THREAD requests (Piscina's concurrentTasksPerWorker), so the
 * next starts as soon as one ends; they share the thread's buffers and module memory, so they must
 * run one at a time. A task whose setup awaits makes every request a thread holds wait at once
 * (fixtures/tasks/one-chunk-at-a-time.mjs): without the chain in worker/entry.ts they would run
 * interleaved, and its rows would say so.
 */
import { expect, test } from 'vitest';
import { processDataset } from 'chunkmill';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const TASK = new URL('../../fixtures/tasks/one-chunk-at-a-time.mjs', import.meta.url).href;

test('the requests a thread holds run one at a time, in the order they came', { timeout: 60_000 }, async () => {
  let text = 'id,note\n';
  for (let i = 0; i < 2000; i++) text += `${i},"row ${i}\nacross a line"\n`;
  const input = tmp.file('rows.csv', text);
  for (const workers of [1, 2]) {
    const { value, stats } = await processDataset({ input, task: TASK, workers, chunkSize: 4096 }).result;
    expect([value, stats.rows, stats.workers], `workers ${workers}`).toStrictEqual([{ rows: 2000 }, 2000, workers]);
  }
});
