/**
 * `npm run bench -- --rss-check`: peak RSS must not grow with the input. Each configuration runs
 * once on the --size file and once on the --rss-large file (default 200 MB vs 1 GB), each in a
 * fresh process, and compares resourceUsage().maxRSS:
 *
 *   - the built-in aggregate on the file, max workers and serial: workers read their byte range in
 *     1 MiB blocks and return small partials;
 *   - the same on fs.createReadStream of the file: the coordinator reads it, cuts it into chunks
 *     at record boundaries, and reads only while chunks in flight and the reorder window have room;
 *   - a transform (fixtures/tasks/select.mjs, every row) to an NDJSON file next to the data:
 *     workers encode output blocks, the coordinator writes them in order, holding at most the
 *     reorder window and waiting on the file's backpressure. The file is deleted after the run.
 *
 * So memory depends on the worker count and the chunk size, not on the input size. Every run's
 * row count must equal the generator's (and a transform's rowsOut its rowsIn).
 *
 * Pass: the large file's peak is at most 10% + 16 MiB above the small file's (allocator and GC
 * timing move the peak a little from run to run; growth with size would be 5x here). With
 * --rss-mid, the reference is the larger of the small and middle peaks: jobs that move whole
 * chunks between threads (stream, transform) leave buffers for V8 to free at its next GC, so
 * their peak rises with the first few hundred MB and then stays; growth must stop by the middle.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigResult } from './child.ts';
import { ensureDataset, type Dataset } from './data.ts';
import { engineLabel, type EngineMode } from './engine.ts';
import type { BenchOptions } from './options.ts';
import { runConfig } from './spawn.ts';
import { formatBytes, formatNumber, machine } from './util.ts';

const SLACK_RATIO = 1.1;
const SLACK_MIB = 16;

export async function runRssCheck(o: BenchOptions, log: (line: string) => void): Promise<number> {
  log(
    `peak RSS check: ${formatBytes(o.size)}${o.rssMid === undefined ? '' : ` / ${formatBytes(o.rssMid)}`} vs ${formatBytes(o.rssLarge)} (datasets in ${o.dataDir})`,
  );
  const small = await ensureDataset(o.dataDir, 'sales', o.size, o.seed, log);
  const large = await ensureDataset(o.dataDir, 'sales', o.rssLarge, o.seed, log);
  const mid = o.rssMid === undefined ? null : await ensureDataset(o.dataDir, 'sales', o.rssMid, o.seed, log);
  const configs: { workers: number; mode: EngineMode }[] = [
    { workers: o.maxWorkers, mode: 'file' },
    { workers: 0, mode: 'file' },
    { workers: o.maxWorkers, mode: 'stream' },
    { workers: o.maxWorkers, mode: 'transform' },
  ];
  const rows: {
    label: string;
    small: ConfigResult;
    mid: ConfigResult | null;
    large: ConfigResult;
    limitMiB: number;
    pass: boolean;
  }[] = [];
  for (const { workers, mode } of configs) {
    const label = engineLabel(workers, mode);
    const run = async (d: Dataset) => {
      const r = await runConfig({
        id: `rss-${mode}-${d.bytes}-${workers}`,
        label,
        type: 'engine',
        dataset: d,
        workers,
        mode,
        iterations: 1,
        warmup: 0,
        ...(o.chunkSize !== undefined ? { chunkSize: o.chunkSize } : {}),
      });
      if (r.rows !== d.rows)
        throw new Error(`${label} on ${formatBytes(d.bytes)}: ${r.rows} rows, the generator wrote ${d.rows}`);
      return r;
    };
    const s = await run(small);
    const md = mid === null ? null : await run(mid);
    const l = await run(large);
    const limitMiB = Math.max(s.peakRssMiB!, md?.peakRssMiB ?? 0) * SLACK_RATIO + SLACK_MIB;
    const pass = l.peakRssMiB! <= limitMiB;
    rows.push({ label, small: s, mid: md, large: l, limitMiB, pass });
    const midText = md === null ? '' : `${formatBytes(mid!.bytes)}: ${Math.round(md.peakRssMiB!)} MiB   `;
    log(
      `  ${label.padEnd(42)} ${formatBytes(small.bytes)}: ${Math.round(s.peakRssMiB!)} MiB   ${midText}${formatBytes(large.bytes)}: ${Math.round(l.peakRssMiB!)} MiB   ${pass ? 'ok' : 'GROWS WITH FILE SIZE'}`,
    );
  }
  mkdirSync(o.out, { recursive: true });
  const m = machine();
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`;
  const rule = `large <= ${mid === null ? 'small' : 'max(small, middle)'} x ${SLACK_RATIO} + ${SLACK_MIB} MiB`;
  const summary = rows.map((r) => ({
    configuration: r.label,
    smallBytes: small.bytes,
    smallPeakRssMiB: r.small.peakRssMiB,
    smallMs: r.small.medianMs,
    ...(r.mid !== null ? { midBytes: mid!.bytes, midPeakRssMiB: r.mid.peakRssMiB } : {}),
    largeBytes: large.bytes,
    largePeakRssMiB: r.large.peakRssMiB,
    largeMs: r.large.medianMs,
    limitMiB: r.limitMiB,
    pass: r.pass,
  }));
  const json = join(o.out, 'rss-check.json');
  writeFileSync(
    json,
    JSON.stringify(
      { machine: m, command, rule, datasets: mid === null ? [small, large] : [small, mid, large], results: summary },
      null,
      2,
    ) + '\n',
  );
  const mib = (x: number | null) => `${Math.round(x!)} MiB`;
  const mbps = (r: ConfigResult) => formatNumber(r.dataset.bytes / 1e3 / r.medianMs);
  const md = join(o.out, 'rss-check.md');
  writeFileSync(
    md,
    [
      `Peak RSS (resourceUsage().maxRSS, fresh process per run, worker threads included), \`${command}\`, ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.date.slice(0, 10)}. Pass: ${rule}.`,
      '',
      `| configuration | ${formatBytes(small.bytes)} |${mid === null ? '' : ` ${formatBytes(mid.bytes)} |`} ${formatBytes(large.bytes)} | limit | MB/s (small / large) | check |`,
      `|:--|--:|${mid === null ? '' : '--:|'}--:|--:|--:|:--|`,
      ...rows.map(
        (r) =>
          `| ${r.label} | ${mib(r.small.peakRssMiB)} |${r.mid === null ? '' : ` ${mib(r.mid.peakRssMiB)} |`} ${mib(r.large.peakRssMiB)} | ${mib(r.limitMiB)} | ${mbps(r.small)} / ${mbps(r.large)} | ${r.pass ? 'ok' : 'GROWS'} |`,
      ),
      '',
    ].join('\n'),
  );
  log(`wrote ${json}, ${md}`);
  return rows.every((r) => r.pass) ? 0 : 1;
}
