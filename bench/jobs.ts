/**
 * The job queue and the warm engine, measured (issue #11; the stores compared, issue #20):
 *
 *   1. submit-to-done latency of a 1 MB group-by on a warm engine, p50/p99 over --latency-jobs;
 *   2. small jobs per second (50-row files), --small-jobs submitted at once, and RSS over them;
 *   3. the 200 MB sales group-by on the warm engine against a cold processDataset (pool start,
 *      cold JIT), interleaved A B A B in this process, medians of --runs;
 *   4. a million-group result: stored, then the engine's heap after a full GC, against before.
 *
 * Sections 1 and 2 run on each store of --store (sqlite, postgres: a throwaway cluster of the
 * bench's own, or a postgres:// URL) with each engine count of --engines, interleaved (job by job
 * for 1, burst by burst for 2, --rounds times), so that the load of this shared machine hits all
 * alike; 3 and 4 run on the first of them (--queue-only skips them). The queue and the engines run
 * in this process (an add wakes the engines at once); two engines share the threads one has.
 * Every answer is checked against processSerial.
 *
 *   npm run bench:jobs -- [--store sqlite,postgres] [--engines 1,2] [--rounds 2] [--queue-only]
 *                         [--size 200MB] [--runs 5] [--workers 2] [--latency-jobs 200] [--small-jobs 1000]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { count, mean, processDataset, processSerial, sum, type Engine } from 'chunkmill';
import { defaultDataDir, ensureDataset } from './data.ts';
import { openSetup, parseStores, stopStores, type Setup } from './job-stores.ts';
import { formatNumber, median, parseSize } from './util.ts';

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'sqlite' },
    engines: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '1' },
    'queue-only': { type: 'boolean', default: false },
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
const oneMb = await ensureDataset(defaultDataDir(), 'sales', 1e6, 7, log);
const small = join(dir, 'small.csv');
writeFileSync(small, `k,v\n${Array.from({ length: 50 }, (_, i) => `${i % 3},${i}`).join('\n')}\n`);
const aggregate = { groupBy: ['region'], measures: { n: count(), revenue: sum('amount'), avg: mean('amount') } };
const gc = (globalThis as { gc?: () => void }).gc;
const rssMiB = () => process.memoryUsage.rss() / 2 ** 20;
const ms = (t: number) => `${t.toFixed(1)} ms`;

const setups: Setup[] = [];
for (const choice of parseStores(values.store))
  for (const n of values.engines.split(',').map(Number)) setups.push(await openSetup(choice, n, workers, dir));
const [first] = setups as [Setup];

/** Adds a job and resolves when an engine has stored its outcome; returns ms from add to done. */
async function submit(setup: Setup, spec: Parameters<Setup['queue']['add']>[0]): Promise<{ id: string; ms: number }> {
  const t = performance.now();
  const job = await setup.queue.add(spec);
  return { id: job.id, ms: (await setup.until(job.id)) - t };
}

async function expectRows(setup: Setup, id: string, expected: unknown): Promise<void> {
  const got = JSON.stringify(((await setup.queue.result(id)) as { rows: unknown }).rows);
  if (got !== JSON.stringify(expected)) throw new Error(`job ${id} (${setup.label}): wrong rows`);
}

const percentile = (all: number[], q: number) => {
  const sorted = [...all].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

console.log(`\nNode ${process.version}, ${availableParallelism()} cores, engine workers ${workers}, concurrency 2`);
console.log(`setups (interleaved): ${setups.map((x) => x.label).join(' | ')}`);

// 1. Latency of a 1 MB job on a warm engine (one at a time), interleaved across the setups and
// with the parse alone (processSerial, in-process) and, every 20th, a cold processDataset.
const oneMbRows = (await processSerial({ input: oneMb.path, aggregate })).rows;
for (const x of setups) await submit(x, { input: oneMb.path, aggregate }); // warm-up
const latencies = setups.map(() => [] as number[]);
const serial: number[] = [];
const cold: number[] = [];
for (let i = 0; i < Number(values['latency-jobs']); i++) {
  for (const [k, x] of setups.entries()) {
    const { id, ms: took } = await submit(x, { input: oneMb.path, aggregate });
    latencies[k]!.push(took);
    if (i % 50 === 0) await expectRows(x, id, oneMbRows);
  }
  let t = performance.now();
  await processSerial({ input: oneMb.path, aggregate });
  serial.push(performance.now() - t);
  if (i % 20 === 0) {
    t = performance.now();
    await processDataset({ input: oneMb.path, aggregate, workers }).result;
    cold.push(performance.now() - t);
  }
}
console.log(`\n1 MB group-by, submit to done, ${latencies[0]!.length} jobs per setup:`);
for (const [k, x] of setups.entries())
  console.log(
    `  ${x.label.padEnd(48)} p50 ${ms(percentile(latencies[k]!, 0.5))}, p99 ${ms(percentile(latencies[k]!, 0.99))}`,
  );
console.log(`  the parse itself (processSerial, in-process, warm): median ${ms(median(serial))}`);
console.log(`  a cold processDataset of the same file: median ${ms(median(cold))} of ${cold.length}`);

// 2. Small jobs per second, submitted at once (16 adds in flight, as from concurrent requests),
// and RSS along the way; each setup's burst in turn, --rounds times.
const n = Number(values['small-jobs']);
const smallSpec = { input: small, aggregate: { groupBy: ['k'], measures: { n: count() } } };
const smallRows = (await processSerial(smallSpec)).rows;
const rates = setups.map(() => [] as number[]);
const rss: number[] = [rssMiB()];
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [k, x] of setups.entries()) {
    const t0 = performance.now();
    const ids: Promise<string>[] = [];
    for (let i = 0; i < n; i += 16) {
      const batch = await Promise.all(Array.from({ length: Math.min(16, n - i) }, () => x.queue.add(smallSpec)));
      for (const job of batch) ids.push(x.until(job.id).then(() => job.id));
      if (k === 0 && round === 0 && i % 112 === 96) rss.push(rssMiB());
    }
    const done = await Promise.all(ids);
    rates[k]!.push(n / ((performance.now() - t0) / 1000));
    for (const id of [done[0]!, done.at(-1)!]) await expectRows(x, id, smallRows);
  }
}
rss.push(rssMiB());
console.log(`\n${n} small jobs submitted at once, jobs/s (adds included), ${values.rounds} round(s):`);
for (const [k, x] of setups.entries())
  console.log(
    `  ${x.label.padEnd(48)} ${formatNumber(median(rates[k]!))} jobs/s  [${rates[k]!.map((r) => r.toFixed(0)).join(' ')}]`,
  );
console.log(`  RSS MiB along the first burst: ${rss.map((r) => r.toFixed(0)).join(' ')}`);

for (const x of setups.slice(1)) await x.close();
if (values['queue-only']) {
  await first.close();
  await stopStores();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
const { queue, engines } = first;
const [engine] = engines as [Engine];
const big = await ensureDataset(defaultDataDir(), 'sales', parseSize(values.size), 42, log);

// 3. The big group-by: warm engine vs cold processDataset, interleaved.
const bigRows = (await processDataset({ input: big.path, aggregate, workers }).result).rows;
const warmMs: number[] = [];
const coldMs: number[] = [];
for (let r = 0; r < Number(values.runs); r++) {
  const w = await submit(first, { input: big.path, aggregate });
  await expectRows(first, w.id, bigRows);
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
  const { id, ms: took } = await submit(first, {
    input: keys,
    aggregate: { groupBy: ['k'], measures: { n: count() } },
  });
  const job = await queue.get(id);
  console.log(
    `\n1,000,000 groups: ${job!.state} in ${(took / 1000).toFixed(1)} s; ${(job!.result as { rowCount: number }).rowCount} rows stored`,
  );
});

await first.close();
await stopStores();
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
