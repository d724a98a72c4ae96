/**
 * One job's groups cannot take the server down. `chunkmill serve` runs as a real process under a
 * container-like heap (--max-old-space-size=256: a 304 MiB heap limit); a group-by on unique ids
 * fails with ERR_MEMORY_BUDGET at its default budget (a quarter of the heap limit), and again
 * when the client asks for a terabyte (held to half of it), while a small job posted beside the
 * first one succeeds, and the server goes on answering: no V8 out-of-memory exit.
 *
 * Before the budget, this job (a million groups) ended the same server with V8's "JavaScript heap
 * out of memory" (exit 134), taking every other job in it along.
 */
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { generate } from '../../support/generate.ts';
import { startServeChild, TOKEN, type ServeChild } from '../helpers/server.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
/** Unique order ids: ~600 estimated bytes a group (a count and an exact sum), far past the 76 MiB default and the 152 MiB cap. */
const ROWS = 1_000_000;

test('a job past its memory budget fails with ERR_MEMORY_BUDGET; the server lives and answers', {
  timeout: 90_000,
}, async () => {
  await generate(join(tmp.dir, 'ids.csv'), 'sales', { rows: ROWS, seed: 3 });
  await generate(join(tmp.dir, 'small.csv'), 'sales', { rows: 2_000, seed: 4 });
  const server = await startServeChild(
    // serve's own budget (128 MiB by default) set out of the way: the heap's rules are what is tested here.
    [
      '--store',
      join(tmp.dir, 'jobs.db'),
      '--data-dir',
      tmp.dir,
      '--workers',
      '2',
      '--concurrency',
      '2',
      '--memory-budget',
      '1024GiB',
    ],
    { NODE_OPTIONS: '--max-old-space-size=256' },
  );
  try {
    // 1 MiB chunks: ~22,000 groups each, so the coordinator's merged groups are what pass the budget.
    const big = {
      input: 'ids.csv',
      chunkSize: 1 << 20,
      aggregate: {
        groupBy: ['order_id', 'note'],
        measures: { n: { kind: 'count' }, total: { kind: 'sum', column: 'amount' } },
      },
    };
    const small = { input: 'small.csv', aggregate: { groupBy: ['region'], measures: { n: { kind: 'count' } } } };

    // The default budget; a small job beside it is not disturbed.
    const [failing, beside] = await Promise.all([post(server, big), post(server, small)]);
    const first = await settled(server, failing);
    expect(first.state).toBe('failed');
    expect(first.error).toMatchObject({ code: 'ERR_MEMORY_BUDGET', option: 'memoryBudget' });
    const heap = /the job's budget \(the default, a quarter of the (\d+) MiB heap limit/.exec(first.error.message);
    expect(heap, first.error.message).not.toBe(null);
    expect(Number(heap![1])).toBeLessThan(400); // the child's heap flag took effect
    expect(first.error.message).toMatch(/^Over the memory budget at chunk \d+: [\d,]+ groups need more than \d+ MiB/);
    expect(first.error.hint).toContain('raise memoryBudget');
    expect(await settled(server, beside)).toMatchObject({ state: 'succeeded', result: { rowCount: 8 } });

    // A client cannot raise it past what protects the server: a terabyte is held to half the heap.
    const greedy = await settled(server, await post(server, { ...big, memoryBudget: 2 ** 40 }));
    expect(greedy.error).toMatchObject({ code: 'ERR_MEMORY_BUDGET', option: 'memoryBudget' });
    expect(greedy.error.message).toMatch(/memoryBudget asked for 1 TiB; a job gets at most half of the \d+ MiB heap/);

    // Still the same process, and it answers: health, and another job.
    expect(server.child.exitCode).toBe(null);
    const health = await fetch(`${server.url}/api/health`, { headers: auth() });
    expect(health.status).toBe(200);
    expect(await settled(server, await post(server, small))).toMatchObject({ state: 'succeeded' });
    expect(server.stderr()).not.toMatch(/heap out of memory/i);
  } finally {
    server.child.kill('SIGKILL');
    await server.exited;
  }
});

const auth = () => ({ authorization: `Bearer ${TOKEN}` });

async function post(server: ServeChild, spec: object): Promise<string> {
  const response = await fetch(`${server.url}/api/jobs`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: JSON.stringify({ spec }),
  });
  expect(response.status, await response.clone().text()).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

interface JobBody {
  state: string;
  error: { code: string; message: string; hint?: string; option?: string };
  result: unknown;
}

/** Polls the job until it ends (the server's own state, no timings asserted). */
async function settled(server: ServeChild, id: string): Promise<JobBody> {
  for (const until = Date.now() + 60_000; Date.now() < until; ) {
    const response = await fetch(`${server.url}/api/jobs/${id}`, { headers: auth() });
    const body = (await response.json()) as JobBody;
    if (body.state === 'succeeded' || body.state === 'failed' || body.state === 'cancelled') return body;
    if (server.child.exitCode !== null) throw new Error(`the server exited: ${server.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${id} did not end`);
}
