/**
 * Defect 6 of #22: a job of 3 million groups took `chunkmill serve` to 2.2 GB RSS (and, with the
 * heap-share budget alone, a quarter of a 4 GiB heap, still to 1.6 GiB). serve's memoryBudget
 * (128 MiB by default) bounds what one job's groups may take. A real server process at its
 * defaults (no heap flag) runs a group-by on 3 million distinct ids; its RSS is sampled from
 * /proc/<pid>/status all the while, and /api/health is asked every 100 ms: the server stays under
 * 1 GiB (about 500 MiB here), answers each time (within 3 s even on a loaded machine), and the job fails with ERR_MEMORY_BUDGET naming the
 * budget and the option that raises it. Then it runs a small job: the same process, still serving.
 */
import { openSync, readFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { startServeChild, TOKEN, type ServeChild } from '../helpers/server.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const GROUPS = 3_000_000;
const GiB = 2 ** 30;

/** 3 million rows of distinct ids (~54 MB): written in blocks, a few seconds. */
function writeIds(path: string): void {
  const fd = openSync(path, 'w');
  writeSync(fd, 'id,amount\n');
  for (let from = 0; from < GROUPS; from += 100_000) {
    let block = '';
    for (let i = from; i < from + 100_000; i++)
      block += `k${((i * 2654435761) % 4294967296).toString(36)}${i},${i % 97}\n`;
    writeSync(fd, block);
  }
  closeSync(fd);
}

function rssBytes(pid: number): number {
  const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib) * 1024;
}

test('a 3-million-group job keeps serve under 1 GiB RSS, answering, and fails with ERR_MEMORY_BUDGET', {
  timeout: 90_000,
}, async () => {
  writeIds(join(tmp.dir, 'ids.csv'));
  writeFileSmall(join(tmp.dir, 'small.csv'));
  const server = await startServeChild(['--store', join(tmp.dir, 'jobs.db'), '--data-dir', tmp.dir, '--workers', '2']);
  const pid = server.child.pid!;
  try {
    const id = await post(server, {
      input: 'ids.csv',
      aggregate: { groupBy: ['id'], measures: { n: { kind: 'count' }, total: { kind: 'sum', column: 'amount' } } },
    });
    let peak = rssBytes(pid);
    let samples = 0;
    let slowest = 0;
    let answered = 0;
    let job: JobView = { state: '' };
    for (const until = Date.now() + 75_000; Date.now() < until; ) {
      peak = Math.max(peak, rssBytes(pid));
      samples++;
      const asked = performance.now();
      const health = await fetch(`${server.url}/api/health`, { headers: auth(), signal: AbortSignal.timeout(5_000) });
      expect(health.status).toBe(200);
      slowest = Math.max(slowest, performance.now() - asked);
      answered++;
      job = (await (await fetch(`${server.url}/api/jobs/${id}`, { headers: auth() })).json()) as JobView;
      if (job.state === 'failed' || job.state === 'succeeded') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    peak = Math.max(peak, rssBytes(pid));
    console.log(
      `serve RSS peak ${(peak / 2 ** 20).toFixed(0)} MiB over ${samples} samples; slowest /api/health ${slowest.toFixed(0)} ms`,
    );
    expect(job.state).toBe('failed');
    expect(job.error).toMatchObject({ code: 'ERR_MEMORY_BUDGET', option: 'memoryBudget' });
    expect(job.error?.message).toMatch(
      /need more than 128 MiB, the job's budget \(the engine's memoryBudget option, 128 MiB\)/,
    );
    expect(job.error?.hint).toContain('--memory-budget');
    expect(samples).toBeGreaterThan(3); // sampled while it ran, not only after
    expect(answered).toBe(samples);
    // ~100 ms on a quiet run here; ~1 s with this 2-core machine at a load of 18.
    expect(slowest).toBeLessThan(3_000);
    expect(peak).toBeLessThan(GiB);

    // The same process goes on serving jobs.
    const small = await post(server, {
      input: 'small.csv',
      aggregate: { groupBy: ['g'], measures: { n: { kind: 'count' } } },
    });
    for (;;) {
      const state = (
        (await (await fetch(`${server.url}/api/jobs/${small}`, { headers: auth() })).json()) as { state: string }
      ).state;
      if (state === 'succeeded') break;
      expect(state).not.toBe('failed');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(server.child.exitCode).toBe(null);
  } finally {
    server.child.kill('SIGKILL');
    await server.exited;
  }
});

function writeFileSmall(path: string): void {
  const fd = openSync(path, 'w');
  writeSync(fd, 'g,v\na,1\nb,2\na,3\n');
  closeSync(fd);
}

interface JobView {
  state: string;
  error?: { code: string; option?: string; message: string; hint?: string };
}

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
