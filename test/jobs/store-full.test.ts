/**
 * The store's disk fills up while a job runs (a real tmpfs, filled for real). The engine must
 * not leave the job "running" for good: it keeps what it could not write, says ERR_STORE_FULL,
 * and once space returns the job goes on (back to the queue with its journal, resumed) to the
 * result of an uninterrupted run. Nothing already stored is lost, and closing the engine while
 * the disk is full does not hang: the next engine finishes the job.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import {
  count,
  createEngine,
  openQueue,
  processSerial,
  sum,
  type AggregateResult,
  type Engine,
  type Queue,
  type TaskResult,
} from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { settle } from '../helpers/events.ts';
import { waitForState } from '../helpers/jobs.ts';
import { tempDir } from '../helpers/tmp.ts';
import { mountTmpfs } from '../helpers/tmpfs.ts';

const tmp = tempDir();
const task = new URL('../../fixtures/tasks/slow-sum.mjs', import.meta.url).href;
const input = join(tmp.dir, 'sales.csv');
const params = { column: 'amount', msPerChunk: 40, idle: true };
/** A small disk of the store's own (test/helpers/tmpfs.ts: a real tmpfs). */
const smallDisk = () => mountTmpfs('4m');

/** Fills the disk to the last byte (the write that fails with ENOSPC is the proof). */
function fill(dir: string): void {
  const block = Buffer.alloc(64 << 10);
  const path = join(dir, 'fill');
  try {
    for (let i = 0; ; i++) writeFileSync(path, block, { flag: i === 0 ? 'w' : 'a' });
  } catch (e) {
    expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
  }
}

async function storeErrors(engine: Engine): Promise<string[]> {
  const codes: string[] = [];
  engine.on('error', (e) => codes.push(String((e as { code?: unknown }).code)));
  return codes;
}

async function whenRunning(queue: Queue, id: string, chunks: number): Promise<void> {
  for (;;) {
    const job = await queue.get(id);
    if (job?.state === 'running' && (job.progress?.chunksDone ?? 0) >= chunks) return;
    expect(job?.state).not.toMatch(/succeeded|failed/);
    await settle(20);
  }
}

const expected = async () => (await processSerial({ input, task, params: { column: 'amount' } })).value;

test('a full disk mid-job: the engine keeps the job, says ERR_STORE_FULL, and goes on when space returns', {
  timeout: 120_000,
}, async () => {
  await generate(input, 'sales', { rows: 40_000, seed: 11 });
  const disk = smallDisk();
  const store = join(disk, 'jobs.db');
  const queue = openQueue(store);
  const engine = await createEngine({ store, workers: 2, leaseMs: 2_000 });
  const errors = await storeErrors(engine);
  try {
    // Stored before the disk fills: it must still be there, whole, afterwards.
    const before = await queue.add({ input, aggregate: { measures: { n: count(), amount: sum('amount') } } });
    await waitForState(queue, before.id, ['succeeded']);
    const { rows } = (await queue.result(before.id)) as AggregateResult;
    expect(rows).toHaveLength(1);
    const job = await queue.add({ input, task, params, chunkSize: 32 << 10 });
    await whenRunning(queue, job.id, 4);
    fill(disk);
    while (!errors.includes('ERR_STORE_FULL')) await settle(20);
    await settle(1_500); // the job's chunks run out meanwhile; its end cannot be written
    expect((await queue.get(job.id))!.state).toBe('running');
    rmSync(join(disk, 'fill'));
    const done = await waitForState(queue, job.id, ['succeeded', 'failed']);
    expect(done.state).toBe('succeeded');
    expect(((await queue.result(job.id)) as TaskResult).value).toEqual(await expected());
    expect(((await queue.result(before.id)) as AggregateResult).rows).toEqual(rows);
  } finally {
    await engine.close();
    await queue.close();
  }
});

test('closing the engine while the disk is full does not hang; the next engine finishes the job', {
  timeout: 120_000,
}, async () => {
  const disk = smallDisk();
  const store = join(disk, 'jobs.db');
  const queue = openQueue(store);
  const first = await createEngine({ store, workers: 2, leaseMs: 1_000 });
  const errors = await storeErrors(first);
  const job = await queue.add({ input, task, params, chunkSize: 32 << 10 });
  await whenRunning(queue, job.id, 4);
  fill(disk);
  while (!errors.includes('ERR_STORE_FULL')) await settle(20);
  await first.close(); // as on SIGTERM: it must end, with the job's end still unwritten
  rmSync(join(disk, 'fill'));
  const next = await createEngine({ store, workers: 2, leaseMs: 1_000 });
  try {
    const done = await waitForState(queue, job.id, ['succeeded', 'failed']);
    expect(done.state).toBe('succeeded');
    expect(((await queue.result(job.id)) as TaskResult).value).toEqual(await expected());
  } finally {
    await next.close();
    await queue.close();
  }
});
