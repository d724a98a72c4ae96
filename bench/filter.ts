/**
 * The hidden cost of `where`: the same group-by (region: count, sum and mean of amount) over a
 * seeded sales CSV, without a filter and with filters that keep every row (so the aggregate does
 * the same work and the difference is the filter's own), and one that keeps an eighth.
 * In-process and interleaved (A, B, C, ... then again), so load on a shared machine hits every
 * variant alike; medians of --rounds runs, ratios to the unfiltered run, for wall time and for the
 * CPU time of the whole process (coordinator and worker threads: process.cpuUsage), which other
 * engineers' load on the machine disturbs far less than the wall clock. Answers are checked:
 * the keep-all filters must give the unfiltered rows exactly, and rowsFiltered must be 0.
 *
 *   npm run bench:filter -- [--size 100] [--rounds 7] [--workers N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { count, mean, processDataset, sum } from 'chunkmill';
import { generate } from '../support/generate.ts';
import { describeMachine, machine, median } from './util.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '7' },
    workers: { type: 'string' },
  },
});

/** The variants, in the order each round runs them. */
const VARIANTS: { name: string; where: string | undefined; keepsAll: boolean }[] = [
  { name: 'no filter', where: undefined, keepsAll: true },
  { name: 'amount >= 0 (number, keeps all)', where: 'amount >= 0', keepsAll: true },
  { name: 'region != "nowhere" (text, keeps all)', where: 'region != "nowhere"', keepsAll: true },
  { name: 'quantity > 0 and region != "x" (two, keeps all)', where: 'quantity > 0 and region != "x"', keepsAll: true },
  { name: 'region = "north" (keeps 1/8)', where: 'region = "north"', keepsAll: false },
];

const dir = mkdtempSync(join(tmpdir(), 'chunkmill-bench-filter-'));
try {
  const input = join(dir, 'sales.csv');
  const made = await generate(input, 'sales', { bytes: Number(values.size) * 1e6, seed: 7 });
  const workers = values.workers !== undefined ? Number(values.workers) : undefined;
  const run = async (where: string | undefined) => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await processDataset({
      input,
      ...(where !== undefined ? { where } : {}),
      ...(workers !== undefined ? { workers } : {}),
      aggregate: { groupBy: ['region'], measures: { n: count(), total: sum('amount'), avg: mean('amount') } },
    }).result;
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { ms, cpuMs: (used.user + used.system) / 1000, result };
  };
  await run(undefined); // warm the file cache and the code
  const times = VARIANTS.map(() => [] as number[]);
  const cpus = VARIANTS.map(() => [] as number[]);
  const reference = (await run(undefined)).result;
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [i, v] of VARIANTS.entries()) {
      const { ms, cpuMs, result } = await run(v.where);
      times[i]!.push(ms);
      cpus[i]!.push(cpuMs);
      if (v.keepsAll && JSON.stringify(result.rows) !== JSON.stringify(reference.rows))
        throw new Error(`${v.name}: rows differ from the unfiltered run`);
      if (v.keepsAll && result.stats.rowsFiltered !== 0) throw new Error(`${v.name}: dropped rows`);
    }
  }
  const base = median(times[0]!);
  const baseCpu = median(cpus[0]!);
  console.log(`where: hidden cost, ${(made.bytes / 1e6).toFixed(0)} MB, ${made.rows.toLocaleString('en-US')} rows`);
  console.log(describeMachine(machine()));
  console.log(`medians of ${values.rounds} interleaved runs, group-by region: count, sum, mean of amount\n`);
  console.log(
    `${'variant'.padEnd(48)} ${'wall'.padStart(8)} ${''.padStart(7)} ${'ratio'.padStart(6)} ${'cpu'.padStart(8)} ${'ratio'.padStart(6)}`,
  );
  for (const [i, v] of VARIANTS.entries()) {
    const m = median(times[i]!);
    const c = median(cpus[i]!);
    const mbps = made.bytes / 1e6 / (m / 1000);
    console.log(
      `${v.name.padEnd(48)} ${m.toFixed(0).padStart(5)} ms ${mbps.toFixed(0).padStart(3)} MB/s x${(m / base).toFixed(3)} ${c.toFixed(0).padStart(5)} ms x${(c / baseCpu).toFixed(3)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
