/**
 * The queue's controls through the real binary, on both stores: `submit --meta --backoff
 * --attempts` queue a job with them; `jobs list --meta` filters on a label; `jobs pause|resume`
 * set the store's flag; `jobs cancel --state queued` and `jobs remove --state cancelled` act on
 * every such job and say how many; an id with --state, or neither, is a usage error (exit 2).
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { openQueue } from 'chunkmill';
import { runCli } from '../helpers/cli.ts';
import { storeKinds } from '../helpers/stores.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();

describe.each(storeKinds())('$name store', (kind) => {
  test('submit with labels and a backoff; list by label; pause, resume; cancel and remove by state', {
    timeout: 90_000,
  }, async () => {
    const input = `${tmp.dir}/small-${kind.name}.csv`;
    writeFileSync(input, 'region,amount\nnorth,1\nsouth,2\n');
    const store = await kind.fresh('cli');
    const submit = (...flags: string[]) =>
      runCli(['submit', '--store', store, ...flags, '--delay', '3600000', 'aggregate', input, '--count']);
    const labelled = await submit(
      '--meta',
      'userId=u-7',
      '--meta',
      'team=eu',
      '--backoff',
      'exponential:500',
      '--attempts',
      '4',
    );
    expect(labelled).toMatchObject({ code: 0, stderr: '' });
    const other = await submit('--meta', 'userId=u-8');
    const id = labelled.stdout.trim();
    const queue = openQueue(store);
    try {
      expect(await queue.get(id)).toMatchObject({
        meta: { userId: 'u-7', team: 'eu' },
        backoff: { type: 'exponential', delayMs: 500 },
        maxAttempts: 4,
      });
      const listed = await runCli(['jobs', 'list', '--store', store, '--meta', 'userId=u-7', '-f', 'csv']);
      expect(listed.code).toBe(0);
      expect(
        listed.stdout
          .trim()
          .split('\n')
          .slice(1)
          .map((line) => line.split(',')[0]),
      ).toEqual([id]);

      expect(await runCli(['jobs', 'pause', '--store', store])).toMatchObject({ code: 0, stdout: 'queue paused\n' });
      expect(await queue.isPaused()).toBe(true);
      expect(await runCli(['jobs', 'resume', '--store', store])).toMatchObject({ code: 0, stdout: 'queue resumed\n' });
      expect(await queue.isPaused()).toBe(false);

      const cancelled = await runCli(['jobs', 'cancel', '--state', 'queued', '--store', store]);
      expect(cancelled).toMatchObject({ code: 0, stdout: '2 queued jobs cancelled\n', stderr: '' });
      expect(await queue.get(other.stdout.trim())).toMatchObject({ state: 'cancelled' });
      const removed = await runCli(['jobs', 'remove', '--state', 'cancelled', '--store', store]);
      expect(removed).toMatchObject({ code: 0, stdout: '2 cancelled jobs removed\n' });
      expect(await queue.get(id)).toBe(null);

      expect(await runCli(['jobs', 'cancel', '--store', store])).toMatchObject({ code: 2, stdout: '' });
      expect(await runCli(['jobs', 'cancel', id, '--state', 'queued', '--store', store])).toMatchObject({ code: 2 });
      expect(await runCli(['jobs', 'rm', '--state', 'running', '--store', store])).toMatchObject({ code: 2 });
      const badBackoff = await submit('--backoff', 'linear:5');
      expect(badBackoff.code).toBe(2);
      expect(badBackoff.stderr).toMatch(/fixed:<ms> or exponential:<ms>/);
    } finally {
      await queue.close();
    }
  });
});
