/**
 * `npm run bench -- --rss-check`: peak RSS must not grow with the file. Workers read their byte
 * range in 1 MiB blocks and return small partials, so memory depends on the worker count and the
 * chunk size, not on the input size. This runs the engine (max workers, and serial) once on the
 * --size file and once on the --rss-large file (default 200 MB vs 1 GB), each in a fresh process,
 * and compares resourceUsage().maxRSS.
 *
 * Pass: the large file's peak is at most 10% + 16 MiB above the small file's (allocator and GC
 * timing move the peak a little from run to run; growth with size would be 5x here).
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigResult } from './child.ts';
import { ensureDataset } from './data.ts';
import { engineLabel } from './engine.ts';
import type { BenchOptions } from './options.ts';
import { runConfig } from './spawn.ts';
import { formatBytes, machine } from './util.ts';

const SLACK_RATIO = 1.1;
const SLACK_MIB = 16;

export async function runRssCheck(o: BenchOptions, log: (line: string) => void): Promise<number> {
  log(`peak RSS check: ${formatBytes(o.size)} vs ${formatBytes(o.rssLarge)} (datasets in ${o.dataDir})`);
  const small = await ensureDataset(o.dataDir, 'sales', o.size, o.seed, log);
  const large = await ensureDataset(o.dataDir, 'sales', o.rssLarge, o.seed, log);
  const rows: { workers: number; small: ConfigResult; large: ConfigResult; pass: boolean }[] = [];
  for (const workers of [o.maxWorkers, 0]) {
    const run = (d: typeof small) =>
      runConfig({ id: `rss-${d.bytes}-${workers}`, label: engineLabel(workers), type: 'engine', dataset: d, workers, iterations: 1, warmup: 0, ...(o.chunkSize !== undefined ? { chunkSize: o.chunkSize } : {}) });
    const s = await run(small);
    const l = await run(large);
    if (s.rows !== small.rows || l.rows !== large.rows) throw new Error(`${engineLabel(workers)}: row count differs from the generator's`);
    const pass = l.peakRssMiB! <= s.peakRssMiB! * SLACK_RATIO + SLACK_MIB;
    rows.push({ workers, small: s, large: l, pass });
    log(`  ${engineLabel(workers).padEnd(30)} ${formatBytes(small.bytes)}: ${Math.round(s.peakRssMiB!)} MiB   ${formatBytes(large.bytes)}: ${Math.round(l.peakRssMiB!)} MiB   ${pass ? 'ok' : 'GROWS WITH FILE SIZE'}`);
  }
  mkdirSync(o.out, { recursive: true });
  const path = join(o.out, 'rss-check.json');
  const summary = rows.map((r) => ({ configuration: engineLabel(r.workers), smallBytes: small.bytes, smallPeakRssMiB: r.small.peakRssMiB, largeBytes: large.bytes, largePeakRssMiB: r.large.peakRssMiB, pass: r.pass }));
  writeFileSync(path, JSON.stringify({ machine: machine(), rule: `large <= small x ${SLACK_RATIO} + ${SLACK_MIB} MiB`, results: summary }, null, 2) + '\n');
  log(`wrote ${path}`);
  return rows.every((r) => r.pass) ? 0 : 1;
}
