/**
 * The job queue and the warm engine, measured (issue #11):
 *
 *   1. submit-to-done latency of a 1 MB group-by on a warm engine, p50/p99 over --latency-jobs;
 *   2. small jobs per second (50-row files), --small-jobs submitted at once, and RSS over them;
 *   3. the 200 MB sales group-by on the warm engine against a cold processDataset (pool start,
 *      cold JIT), interleaved A B A B in this process, medians of --runs;
 *   4. a million-group result: stored, then the engine's heap after a full GC, against before.
 *
 * The queue and the engine run in this process (an add wakes the engine at once); from another
 * process a job waits up to the engine's pollInterval (20 ms) more. Every answer is checked
 * against processSerial.
 *
 *   npm run bench:jobs -- [--size 200MB] [--runs 5] [--workers 2] [--latency-jobs 200] [--small-jobs 1000]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { count, createEngine, mean, openQueue, processDataset, processSerial, sum, type Engine } from 'chunkmill';
import { defaultDataDir, ensureDataset } from './data.ts';
import { formatNumber, median, parseSize } from './util.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '200MB' },
    runs: { type: 'string', default: '5' },
    workers: { type: 'string', default: String(availableParallelism()) },
    'latency-jobs': { type: 'string', default: '200' },
    'small-jobs': { type: 'string', default: '1000' },
  },
});
const workers = Number(values.workers);
const dir = join(defaultDataDir(), 'jobs-bench');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const log = (l: string) => console.log(l);
const big = await ensureDataset(defaultDataDir(), 'sales', parseSize(values.size), 42, log);
const oneMb = await ensureDataset(defaultDataDir(), 'sales', 1e6, 7, log);
const small = join(dir, 'small.csv');
writeFileSync(small, `k,v\n${Array.from({ length: 50 }, (_, i) => `${i % 3},${i}`).join('\n')}\n`);
const aggregate = { groupBy: ['region'], measures: { n: count(), revenue: sum('amount'), avg: mean('amount') } };
const gc = (globalThis as { gc?: () => void }).gc;
const rssMiB = () => process.memoryUsage.rss() / 2 ** 20;
const ms = (t: number) => `${t.toFixed(1)} ms`;

const store = join(dir, 'jobs.db');
const queue = openQueue(store);
const engine = await createEngine({ store, workers, concurrency: 2 });
const ended = new Map<string, () => void>();
engine.on('ended', (id) => ended.get(id)?.());
const until = (id: string) => new Promise<void>((resolve) => ended.set(id, resolve));

/** Adds a job and resolves when the engine has stored its outcome; returns ms from add to done. */
async function submit(spec: Parameters<typeof queue.add>[0]): Promise<{ id: string; ms: number }> {
  const t = performance.now();
  const job = await queue.add(spec);
  await until(job.id);
  return { id: job.id, ms: performance.now() - t };
}

async function expectRows(id: string, expected: unknown): Promise<void> {
  const got = JSON.stringify(((await queue.result(id)) as { rows: unknown }).rows);
  if (got !== JSON.stringify(expected)) throw new Error(`job ${id}: wrong rows`);
}

console.log(`\nNode ${process.version}, ${availableParallelism()} cores, engine workers ${workers}, concurrency 2`);

// 1. Latency of a 1 MB job on a warm engine (one at a time), interleaved with the parse alone
// (processSerial, in-process) and, every 20th, a cold processDataset, so load hits all alike.
const oneMbRows = (await processSerial({ input: oneMb.path, aggregate })).rows;
await submit({ input: oneMb.path, aggregate }); // warm-up
const latencies: number[] = [];
const serial: number[] = [];
const cold: number[] = [];
for (let i = 0; i < Number(values['latency-jobs']); i++) {
  const { id, ms: took } = await submit({ input: oneMb.path, aggregate });
  latencies.push(took);
  if (i % 50 === 0) await expectRows(id, oneMbRows);
  let t = performance.now();
  await processSerial({ input: oneMb.path, aggregate });
  serial.push(performance.now() - t);
  if (i % 20 === 0) {
    t = performance.now();
    await processDataset({ input: oneMb.path, aggregate, workers }).result;
    cold.push(performance.now() - t);
  }
}
const sorted = [...latencies].sort((a, b) => a - b);
const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
console.log(`\n1 MB group-by, submit to done, ${latencies.length} jobs: p50 ${ms(p(0.5))}, p99 ${ms(p(0.99))}`);
console.log(`  the parse itself (processSerial, in-process, warm): median ${ms(median(serial))}`);
console.log(`  a cold processDataset of the same file: median ${ms(median(cold))} of ${cold.length}`);

// 2. Small jobs per second, and RSS along the way.
const n = Number(values['small-jobs']);
const smallRows = (await processSerial({ input: small, aggregate: { groupBy: ['k'], measures: { n: count() } } })).rows;
const rss: number[] = [rssMiB()];
const t0 = performance.now();
const ids: Promise<string>[] = [];
for (let i = 0; i < n; i++) {
  const job = await queue.add({ input: small, aggregate: { groupBy: ['k'], measures: { n: count() } } });
  ids.push(until(job.id).then(() => job.id));
  if (i % 100 === 99) rss.push(rssMiB());
}
const done = await Promise.all(ids);
const seconds = (performance.now() - t0) / 1000;
rss.push(rssMiB());
for (const id of [done[0]!, done.at(-1)!]) await expectRows(id, smallRows);
console.log(`\n${n} small jobs: ${formatNumber(n / seconds)} jobs/s (${seconds.toFixed(2)} s, adds included)`);
console.log(`  RSS MiB every 100 jobs: ${rss.map((r) => r.toFixed(0)).join(' ')}`);

// 3. The big group-by: warm engine vs cold processDataset, interleaved.
const bigRows = (await processDataset({ input: big.path, aggregate, workers }).result).rows;
const warmMs: number[] = [];
const coldMs: number[] = [];
for (let r = 0; r < Number(values.runs); r++) {
  const w = await submit({ input: big.path, aggregate });
  await expectRows(w.id, bigRows);
  warmMs.push(w.ms);
  const t = performance.now();
  const c = await processDataset({ input: big.path, aggregate, workers }).result;
  coldMs.push(performance.now() - t);
  if (JSON.stringify(c.rows) !== JSON.stringify(bigRows)) throw new Error('cold run: wrong rows');
}
const [wm, cm] = [median(warmMs), median(coldMs)];
console.log(`\n${formatNumber(big.bytes / 1e6)} MB sales group-by, ${values.runs} interleaved runs (medians):`);
console.log(
  `  warm engine:          ${ms(wm)} (${formatNumber(big.bytes / 1e3 / wm)} MB/s)  [${warmMs.map((x) => x.toFixed(0)).join(' ')}]`,
);
console.log(
  `  cold processDataset:  ${ms(cm)} (${formatNumber(big.bytes / 1e3 / cm)} MB/s)  [${coldMs.map((x) => x.toFixed(0)).join(' ')}]`,
);
console.log(`  warm / cold: ${(wm / cm).toFixed(3)}`);

// 4. A million groups: stored, and not held by the engine afterwards.
const keys = join(dir, 'keys.csv');
const lines = ['k'];
for (let i = 0; i < 1_000_000; i++) lines.push(String(i));
writeFileSync(keys, lines.join('\n') + '\n');
lines.length = 0;
await heapReport(engine, async () => {
  const { id, ms: took } = await submit({ input: keys, aggregate: { groupBy: ['k'], measures: { n: count() } } });
  const job = await queue.get(id);
  console.log(
    `\n1,000,000 groups: ${job!.state} in ${(took / 1000).toFixed(1)} s; ${(job!.result as { rowCount: number }).rowCount} rows stored`,
  );
});

await engine.close();
await queue.close();
rmSync(dir, { recursive: true, force: true });

async function heapReport(_engine: Engine, run: () => Promise<void>): Promise<void> {
  if (gc === undefined) {
    await run();
    console.log('  (run with node --expose-gc for heap figures)');
    return;
  }
  // Two collections a moment apart: right after one, heapUsed may still count pages that V8's
  // concurrent sweeper has not freed yet (one gc() alone read 10 to 82 MiB here, run to run).
  const heapMiB = async () => {
    gc();
    await new Promise((r) => setTimeout(r, 50));
    gc();
    return process.memoryUsage().heapUsed / 2 ** 20;
  };
  const before = await heapMiB();
  await run();
  const after = await heapMiB();
  console.log(
    `  heap after a full GC: ${before.toFixed(0)} MiB before the job, ${after.toFixed(0)} MiB after it was stored`,
  );
}
