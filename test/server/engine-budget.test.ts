/**
 * `chunkmill engine --memory-budget`, as a real process: a queued group-by on unique keys that
 * sets no budget gets the engine's, and fails with ERR_MEMORY_BUDGET naming it and the flag; a
 * job asking for more is held to it; a job asking for less keeps its own.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { openQueue } from 'chunkmill';
import { CLI, cliEnv } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const store = join(tmp.dir, 'jobs.db');
const input = join(tmp.dir, 'keys.csv');
const queue = openQueue(store);
afterAll(() => queue.close());

test('an engine with --memory-budget 2MiB gives its jobs that budget, and at most that', {
  timeout: 60_000,
}, async () => {
  writeFileSync(input, `k\n${Array.from({ length: 50_000 }, (_, i) => `key-${i}`).join('\n')}\n`);
  const aggregate = { groupBy: ['k'], measures: { n: { kind: 'count' as const } } };
  const jobs = [
    await queue.add({ input, aggregate }),
    await queue.add({ input, aggregate, memoryBudget: 1 << 30 }),
    await queue.add({ input, aggregate, memoryBudget: 1 << 20 }),
  ];
  const engine = spawn(
    process.execPath,
    [CLI, 'engine', '--store', store, '--memory-budget', '2MiB', '-w', '1', '-q'],
    {
      env: cliEnv(),
      stdio: 'ignore',
    },
  );
  try {
    const ended = [];
    for (const job of jobs) {
      for (;;) {
        const record = await queue.get(job.id);
        if (record?.state === 'failed' || record?.state === 'succeeded') {
          ended.push(record);
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const [byDefault, greedy, modest] = ended.map((j) => j.error);
    expect(byDefault).toMatchObject({ code: 'ERR_MEMORY_BUDGET', option: 'memoryBudget' });
    expect(byDefault?.message).toMatch(/more than 2 MiB, the job's budget \(the engine's memoryBudget option, 2 MiB\)/);
    expect(byDefault?.hint).toContain('--memory-budget');
    expect(greedy?.message).toMatch(/memoryBudget asked for 1 GiB; this engine gives a job at most 2 MiB/);
    expect(modest?.message).toMatch(/more than 1 MiB, the job's budget \(set by memoryBudget/);
  } finally {
    engine.kill('SIGTERM');
    await new Promise((r) => engine.on('exit', r));
  }
});
