/**
 * queue.retry(): a failed or cancelled job runs again as a new job with the same spec and options,
 * whose first event names the original; the original keeps its record and log. A job that is
 * queued, running or succeeded is refused with ERR_JOB_NOT_RETRYABLE, an unknown or removed one
 * with ERR_JOB_NOT_FOUND. Both stores, through the same contract.
 */
import { writeFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { count, createEngine, openQueue, type JobEventRecord, type Queue } from 'chunkmill';
import { rejectionOf } from '../helpers/errors.ts';
import { waitForState } from '../helpers/jobs.ts';
import { storeKinds } from '../helpers/stores.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const kinds = storeKinds();
const csv = 'region,amount\nnorth,1\nsouth,2\n';
const aggregate = { measures: { n: count() } };

async function log(queue: Queue, id: string): Promise<JobEventRecord[]> {
  const events: JobEventRecord[] = [];
  for await (const e of queue.watch(id)) events.push(e);
  return events;
}

describe.each(kinds)('$name store', (kind) => {
  test('a failed job retried runs again as a new job pointing at it; the original stays failed', {
    timeout: 60_000,
  }, async () => {
    const store = await kind.fresh('failed');
    const queue = openQueue(store);
    const input = `${tmp.dir}/late-${kind.name}.csv`; // not there yet: the first run fails
    const failed = await queue.add({ input, aggregate }, { name: 'nightly', priority: 7, attempts: 5 });
    const engine = await createEngine({ store, workers: 1 });
    try {
      expect(await waitForState(queue, failed.id, ['failed'])).toMatchObject({ error: { code: 'ERR_FILE_NOT_FOUND' } });
      const before = await log(queue, failed.id);
      await writeFile(input, csv);

      const retried = await queue.retry(failed.id);
      expect(retried.id).not.toBe(failed.id);
      expect(retried).toMatchObject({ state: 'queued', spec: failed.spec, name: 'nightly', priority: 7 });
      expect(retried).toMatchObject({ maxAttempts: 5, attempts: 0, result: null, error: null, scheduleId: null });
      const done = await waitForState(queue, retried.id, ['succeeded', 'failed']);
      expect(done).toMatchObject({ state: 'succeeded', result: { kind: 'aggregate', rowCount: 1 } });

      const events = await log(queue, retried.id);
      expect(events[0]).toMatchObject({
        type: 'state',
        data: { state: 'queued', reason: 'retried', retryOf: failed.id },
      });
      expect(events.filter((e) => e.type === 'state').map((e) => e.data)).toMatchObject([
        { state: 'queued' },
        { state: 'running', attempt: 1 },
        { state: 'succeeded' },
      ]);
      // The original is as it ended: same record, same log.
      expect(await queue.get(failed.id)).toMatchObject({ state: 'failed', error: { code: 'ERR_FILE_NOT_FOUND' } });
      expect(await log(queue, failed.id)).toEqual(before);

      // Succeeded: nothing to retry.
      const refused = await rejectionOf(queue.retry(retried.id));
      expect(refused).toMatchObject({ code: 'ERR_JOB_NOT_RETRYABLE' });
      expect(refused.message).toBe(`Job ${retried.id} is succeeded; only a failed or cancelled job can be retried`);
    } finally {
      await engine.close();
      await queue.close();
    }
  });

  test('a cancelled job retried is queued at once; queued, running, unknown and removed jobs are refused', {
    timeout: 60_000,
  }, async () => {
    const store = await kind.fresh('cancelled');
    const queue = openQueue(store);
    const input = `${tmp.dir}/basic-${kind.name}.csv`;
    await writeFile(input, csv);
    const delayed = await queue.add({ input, aggregate }, { delay: 3_600_000 });
    expect(await rejectionOf(queue.retry(delayed.id))).toMatchObject({ code: 'ERR_JOB_NOT_RETRYABLE' });
    expect(await queue.cancel(delayed.id)).toBe('cancelled');

    const retried = await queue.retry(delayed.id);
    expect(retried.state).toBe('queued');
    expect(retried.runAt).toBeLessThan(delayed.runAt); // the delay is not copied: a retry runs now
    expect(await queue.retry(delayed.id)).not.toMatchObject({ id: retried.id }); // each retry is a job of its own

    // Running: taken by an engine that never runs it (its lease is long enough to outlast the test).
    const claim = await queue.store.claim('held-engine', 600_000, Date.now());
    expect(claim?.job.id).toBe(retried.id);
    const running = await rejectionOf(queue.retry(retried.id));
    expect(running).toMatchObject({ code: 'ERR_JOB_NOT_RETRYABLE' });
    expect(running.message).toMatch(/is running;/);

    expect(await rejectionOf(queue.retry('987654'))).toMatchObject({ code: 'ERR_JOB_NOT_FOUND' });
    expect(await queue.remove(delayed.id)).toBe(true);
    expect(await rejectionOf(queue.retry(delayed.id))).toMatchObject({ code: 'ERR_JOB_NOT_FOUND' });
    await queue.close();
  });
});
