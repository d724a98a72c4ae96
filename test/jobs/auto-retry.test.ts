/**
 * Automatic retry: a job queued with a `backoff` whose run fails with a transient fault (here a
 * worker thread that dies: ERR_WORKER_EXITED, with chunk retries off) goes back to the queue for
 * the backoff's wait, while attempts are left; each failed attempt is in its log (`state:
 * queued`, reason 'attempt failed', its code and when it runs again). Without a backoff, out of
 * attempts, or for a data error, the job fails as before. Both stores.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { count, createEngine, openQueue, type JobEventRecord, type Queue } from 'chunkmill';
import { waitForState } from '../helpers/jobs.ts';
import { storeKinds } from '../helpers/stores.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const kinds = storeKinds();
const task = fileURLToPath(new URL('../../fixtures/tasks/crash-once.mjs', import.meta.url));
let files = 0;

async function log(queue: Queue, id: string): Promise<JobEventRecord[]> {
  const events: JobEventRecord[] = [];
  for await (const e of queue.watch(id)) events.push(e);
  return events;
}

/** A job whose worker thread dies the first time it runs (the marker remembers), with chunk retries off. */
async function crashOnce() {
  const n = ++files;
  const input = `${tmp.dir}/in-${n}.csv`;
  await writeFile(input, 'k,v\na,1\nb,2\n');
  return { input, task, params: { at: 'b', marker: `${tmp.dir}/crashed-${n}` }, retries: 0 };
}

describe.each(kinds)('$name store', (kind) => {
  test('a transient fault is retried after its backoff, and the failed attempt is logged', {
    timeout: 60_000,
  }, async () => {
    const store = await kind.fresh('retry');
    const queue = openQueue(store);
    const engine = await createEngine({ store, workers: 1 });
    try {
      const backoff = { type: 'fixed' as const, delayMs: 300 };
      const job = await queue.add(await crashOnce(), { attempts: 3, backoff, meta: { userId: 'u-7' } });
      expect(job).toMatchObject({ backoff, meta: { userId: 'u-7' }, maxAttempts: 3 });
      const done = await waitForState(queue, job.id, ['succeeded', 'failed']);
      expect(done).toMatchObject({ state: 'succeeded', attempts: 2, result: { kind: 'task', value: 2 } });
      const states = (await log(queue, job.id)).filter((e) => e.type === 'state');
      expect(states.map((e) => e.data)).toMatchObject([
        { state: 'queued' },
        { state: 'running', attempt: 1 },
        { state: 'queued', reason: 'attempt failed', attempt: 1, error: { code: 'ERR_WORKER_EXITED' } },
        { state: 'running', attempt: 2 },
        { state: 'succeeded' },
      ]);
      const failed = states[2]!;
      const retryAt = (failed.data as { retryAt: number }).retryAt;
      expect(retryAt).toBeGreaterThanOrEqual(failed.at + 300 - 50); // the store's clock may lag the engine's a little
      // The second run waited for the backoff.
      expect(states[3]!.at).toBeGreaterThanOrEqual(retryAt - 50);
    } finally {
      await engine.close();
      await queue.close();
    }
  });

  test('without a backoff, out of attempts, or for a data error, the job fails at once', {
    timeout: 60_000,
  }, async () => {
    const store = await kind.fresh('noretry');
    const queue = openQueue(store);
    const engine = await createEngine({ store, workers: 1 });
    try {
      const backoff = { type: 'exponential' as const, delayMs: 10 };
      const plain = await queue.add(await crashOnce(), { attempts: 3 });
      const spent = await queue.add(await crashOnce(), { attempts: 1, backoff });
      const data = await queue.add(
        { ...(await crashOnce()), input: `${tmp.dir}/missing.csv` },
        { attempts: 3, backoff },
      );
      for (const [job, code] of [
        [plain, 'ERR_WORKER_EXITED'],
        [spent, 'ERR_WORKER_EXITED'],
        [data, 'ERR_FILE_NOT_FOUND'],
      ] as const) {
        const done = await waitForState(queue, job.id, ['succeeded', 'failed']);
        expect(done).toMatchObject({ state: 'failed', attempts: 1, error: { code } });
        const reasons = (await log(queue, job.id)).map((e) => (e.data as { reason?: string }).reason);
        expect(reasons).not.toContain('attempt failed');
      }
    } finally {
      await engine.close();
      await queue.close();
    }
  });
});

test('a backoff is checked where the job is queued, and refused with a repeat rule: coded errors naming the option', async () => {
  const queue = openQueue(`${tmp.dir}/checks.db`);
  const spec = { input: '/data/x.csv', aggregate: { measures: { n: count() } } };
  const bad = [
    [{ backoff: { type: 'linear', delayMs: 1 } }, 'backoff'],
    [{ backoff: { type: 'fixed', delayMs: -1 } }, 'backoff.delayMs'],
    [{ backoff: { type: 'fixed', delayMs: 1, jitter: 1 } }, 'backoff.jitter'],
  ] as const;
  for (const [options, option] of bad)
    await expect(queue.add(spec, options as never)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', option });
  // A repeat rule keeps no backoff or labels for its jobs: refused, not dropped.
  const backoff = { type: 'fixed', delayMs: 1 };
  for (const [extra, option] of [
    [{ backoff }, 'backoff'],
    [{ meta: { a: 'b' } }, 'meta'],
  ] as const)
    await expect(queue.add(spec, { repeat: { cron: '0 3 * * *' }, ...extra } as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      option,
    });
  await queue.close();
});
