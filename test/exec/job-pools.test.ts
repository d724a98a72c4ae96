/**
 * processDataset's pools (src/exec/job-pools.ts): a job that succeeds leaves its threads idle for
 * the process's next job of as many threads, which runs on them; a failed job's pool, and one
 * with workerResourceLimits, is destroyed; closeIdlePools ends the idle ones; and an idle pool
 * never keeps a process alive (a real child process, ended by its own event loop running dry).
 */
import { execFileSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { closeIdlePools, processDataset, sum } from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir('chunkmill-job-pools-');
const input = tmp.file('rows.csv', `id,amount\n${Array.from({ length: 400 }, (_, i) => `r${i},${i}`).join('\n')}\n`);
const THREAD_IDS = new URL('../../fixtures/tasks/thread-ids.mjs', import.meta.url);
const THROWS = new URL('../../fixtures/tasks/throws.mjs', import.meta.url);

/** The worker threads a job of `workers` ran on, sorted. */
async function threadsOf(workers: number, more: Record<string, unknown> = {}): Promise<number[]> {
  const { value } = await processDataset<number[]>({ input, task: THREAD_IDS, workers, chunkSize: 256, ...more })
    .result;
  expect(value.length).toBe(workers); // 400 rows in 256-byte chunks: every thread gets chunks
  return [...value].sort((a, b) => a - b);
}

test('the next job of as many threads runs on the threads the last one left; other sizes get their own', async () => {
  await closeIdlePools();
  const first = await threadsOf(2);
  expect(await threadsOf(2)).toEqual(first);
  const three = await threadsOf(3);
  expect(three.filter((id) => first.includes(id))).toEqual([]);
  // Both sizes were kept: each comes back.
  expect(await threadsOf(2)).toEqual(first);
  expect(await threadsOf(3)).toEqual(three);
  // The answer on reused threads is the answer on fresh ones.
  const options = { input, aggregate: { groupBy: [], measures: { total: sum('amount') } }, chunkSize: 300 } as const;
  const warm = await processDataset({ ...options, workers: 2 }).result;
  await closeIdlePools();
  const cold = await processDataset({ ...options, workers: 2 }).result;
  expect(warm.rows).toEqual(cold.rows);
  expect(warm.rows).toEqual([{ total: (399 * 400) / 2 }]);
});

test('closeIdlePools ends the idle threads: the next job starts new ones', async () => {
  const before = await threadsOf(2);
  await closeIdlePools();
  const after = await threadsOf(2);
  expect(after.filter((id) => before.includes(id))).toEqual([]);
});

test('a failed job and a job with workerResourceLimits leave no pool to the next job', async () => {
  const kept = await threadsOf(2);
  // The failed job took the idle pool and destroyed it.
  const failed = await rejectionOf(
    processDataset({ input, task: THROWS, params: { in: 'reduce', at: 'r300' }, workers: 2, chunkSize: 256 }).result,
  );
  expect(failed.code).toBe('ERR_TASK_FAILED');
  const next = await threadsOf(2);
  expect(next.filter((id) => kept.includes(id))).toEqual([]);
  // Limits: the job starts its own pool and destroys it.
  const limits = { workerResourceLimits: { maxOldGenerationSizeMb: 256 } };
  const limited = await threadsOf(2, limits);
  expect(limited.filter((id) => next.includes(id))).toEqual([]);
  expect(await threadsOf(2)).toEqual(next); // the idle pool waited for its next job meanwhile
  const again = await threadsOf(2, limits);
  expect(again.filter((id) => limited.includes(id))).toEqual([]);
});

test('an idle pool does not keep a process alive', () => {
  // The child ends when its event loop runs dry: with a ref'd idle pool it would wait the 5 s of
  // IDLE_POOL_MS (or forever). It prints how long after its job's result its 'exit' came.
  const code = `
    import { processDataset, sum } from 'chunkmill';
    const r = await processDataset({ input: ${JSON.stringify(input)}, aggregate: { groupBy: [], measures: { t: sum('amount') } }, workers: 2, chunkSize: 300 }).result;
    const done = performance.now();
    process.on('exit', () => console.log(JSON.stringify({ rows: r.rows, afterResultMs: performance.now() - done })));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: new URL('../..', import.meta.url),
    encoding: 'utf8',
    timeout: 60_000,
  });
  const { rows, afterResultMs } = JSON.parse(out) as { rows: unknown; afterResultMs: number };
  expect(rows).toEqual([{ t: (399 * 400) / 2 }]);
  expect(afterResultMs).toBeLessThan(5_000);
});
