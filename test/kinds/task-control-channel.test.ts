/**
 * ctx.log() and ctx.progress() in a worker reach the coordinator over the comlink channel and
 * come out of the Job as `log` and `taskProgress` events: every log line (setup's once per
 * worker, init's once per chunk) arrives, before the job's `done`.
 */
import { expect, test } from 'vitest';
import { processDataset, type TaskLog, type TaskProgress } from 'chunkmill';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const input = tmp.file('rows.csv', 'id\n' + Array.from({ length: 2000 }, (_, i) => `${i}\n`).join(''));
const task = new URL('../../fixtures/tasks/log-progress.mjs', import.meta.url);

test('log lines and progress values become Job events, all before done', { timeout: 60_000 }, async () => {
  const job = processDataset({ input, task, params: { tag: 'T' }, workers: 2, chunkSize: 1000 });
  const logs: TaskLog[] = [];
  const progress: TaskProgress[] = [];
  let chunks = 0;
  let logsAtDone = -1;
  job.on('start', (plan) => (chunks = plan.chunksTotal!));
  job.on('log', (l) => logs.push(l));
  job.on('taskProgress', (p) => progress.push(p));
  job.on('done', () => (logsAtDone = logs.length));
  const { value, stats } = await job.result;
  expect(value).toBe(2000);
  expect(stats.chunks).toBe(chunks);
  expect(chunks).toBeGreaterThan(4);
  const perChunk = logs.filter((l) => l.message.startsWith('chunk '));
  expect(perChunk.map((l) => l.chunkIndex).sort((a, b) => a - b)).toEqual(Array.from({ length: chunks }, (_, i) => i));
  for (const l of perChunk) expect(l.message).toBe(`chunk ${l.chunkIndex}`);
  const setups = logs.filter((l) => l.message === 'setup T');
  expect(setups.length).toBe(2); // once per worker thread
  for (const s of setups) expect(s.chunkIndex).toBe(-1);
  expect(logsAtDone).toBe(logs.length);
  expect(progress.length).toBeGreaterThanOrEqual(chunks); // the first call per chunk is never throttled
  for (const p of progress) expect((p.value as { seen: number }).seen).toBeGreaterThan(0);
});

test('without a log or taskProgress listener no channel is opened, and ctx.log is harmless', {
  timeout: 60_000,
}, async () => {
  const job = processDataset({ input, task, params: { tag: 'T' }, workers: 2, chunkSize: 1000 });
  const { value } = await job.result;
  expect(value).toBe(2000);
  expect(job.listenerCount('log')).toBe(0);
});
