/**
 * `chunkmill jobs retry ID --store F` through the real binary: it prints the new job's id as
 * submit does (and nothing else), the new job is queued with the original's spec and its first
 * event names the original; a job that is not failed or cancelled, an unknown one and a missing
 * --store fail as the other jobs subcommands do.
 */
import { writeFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { count, openQueue } from 'chunkmill';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();

test('jobs retry prints the new job id; refused states and unknown ids exit 1 with their codes', {
  timeout: 60_000,
}, async () => {
  const input = `${tmp.dir}/small.csv`;
  writeFileSync(input, 'region,amount\nnorth,1\nsouth,2\n');
  const store = `${tmp.dir}/jobs.db`;
  const queue = openQueue(store);
  const spec = { input, aggregate: { measures: { n: count() } } };
  const cancelled = await queue.add(spec, { name: 'nightly', delay: 3_600_000 });
  await queue.cancel(cancelled.id);
  // Failed as an engine fails it: claimed and finished through the store, by an owner of the test's.
  const failed = await queue.add(spec);
  expect((await queue.store.claim('test-engine', 60_000, Date.now()))?.job.id).toBe(failed.id);
  const error = { code: 'ERR_WORKER_EXITED' as const, message: 'A worker thread exited' };
  expect(await queue.store.finish('test-engine', failed.id, { state: 'failed', error })).toBe(true);

  for (const original of [cancelled, failed]) {
    const retried = await runCli(['jobs', 'retry', original.id, '--store', store]);
    expect(retried).toMatchObject({ code: 0, stderr: '' });
    expect(retried.stdout).toMatch(/^\d+\n$/);
    const id = retried.stdout.trim();
    expect(await queue.get(id)).toMatchObject({ state: 'queued', spec: original.spec, name: original.name });
    const [first] = await queue.store.events(id, 0, 1);
    expect(first).toMatchObject({ type: 'state', data: { state: 'queued', reason: 'retried', retryOf: original.id } });
  }

  const queued = (await queue.list({ state: 'queued', limit: 1 })).jobs[0]!;
  const refused = await runCli(['jobs', 'retry', queued.id, '--store', store]);
  expect(refused).toMatchObject({ code: 1, stdout: '' });
  expect(refused.stderr).toBe(
    `chunkmill: Job ${queued.id} is queued; only a failed or cancelled job can be retried [ERR_JOB_NOT_RETRYABLE]\n`,
  );
  const unknown = await runCli(['jobs', 'retry', '987654', '--store', store]);
  expect(unknown).toMatchObject({ code: 1, stdout: '' });
  expect(unknown.stderr).toMatch(/\[ERR_JOB_NOT_FOUND\]/);
  expect(await runCli(['jobs', 'retry', failed.id])).toMatchObject({ code: 2, stdout: '' }); // no --store
  expect((await queue.list({ limit: 100 })).jobs).toHaveLength(4); // the refusals queued nothing
  await queue.close();
});
