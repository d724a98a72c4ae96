/**
 * `npm run bench`: the engine across worker counts against its serial path and single-threaded
 * peers, on seeded data, with a correctness check across every configuration. See HELP in
 * options.ts for the flags and PERFORMANCE.md for how to read the output.
 *
 * Each configuration runs in a fresh process (spawn.ts, child.ts); this process only plans,
 * checks and reports. Exit code 1 when the engine configurations disagree with each other, with
 * the generator's row count, or with a reference peer (an RFC 4180 parser).
 */
import { existsSync } from 'node:fs';
import type { ConfigSpec, EngineSpec } from './child.ts';
import { checkAndRow, type Measured } from './checks.ts';
import { renderSvg } from './chart.ts';
import { ensureDataset, ensureTinyDataset, removeDataDir, type Dataset } from './data.ts';
import { duckdbVersion } from './duckdb.mjs';
import { buildProblem, engineLabel } from './engine.ts';
import { runMicro, type MicroResult } from './micro.ts';
import { HELP, parseOptions, type BenchOptions } from './options.ts';
import { peerByName } from './peers.ts';
import { describeQuery } from './queries.ts';
import { renderText, writeResults, type Report } from './report.ts';
import { runRssCheck } from './rss-check.ts';
import { runConfig, runGroup, runModule } from './spawn.ts';
import { describeMachine, formatBytes, formatNumber, machine, workerCounts } from './util.ts';
import { versus, type VersusJob, type VersusRow } from './versus.ts';
import type { WarmRow, WarmSpec } from './warm.ts';

const log = (line: string) => console.log(line);

/**
 * Configurations on the same data, measured in interleaved rounds (spawn.ts, runGroup): a
 * process each, one run at a time in turn, so the ratios between them come from the same minutes.
 */
async function measureGroup(specs: ConfigSpec[], data: string): Promise<Measured[]> {
  const results = await runGroup(specs);
  return results.map((result) => {
    const mbps = result.dataset.bytes / 1e3 / result.medianMs;
    log(
      `  ${result.label.padEnd(32)} ${data.padEnd(20)} ${formatNumber(mbps).padStart(7)} MB/s  median ${formatNumber(result.medianMs)} ms of ${result.samplesMs.length}${result.note === undefined ? '' : `  (${result.note})`}`,
    );
    return { result, data };
  });
}

/** coldPool: every run on fresh threads (ids end in -cold); else each run takes the pool the one before left idle. */
function engineSpec(
  o: BenchOptions,
  dataset: Dataset,
  workers: number,
  iterations = o.iterations,
  coldPool = false,
): EngineSpec {
  const id = `engine-${dataset.kind}-${dataset.bytes}-${workers === 0 ? 'serial' : `w${workers}`}${coldPool ? '-cold' : ''}`;
  return {
    id,
    label: engineLabel(workers, 'file', coldPool),
    type: 'engine',
    dataset,
    workers,
    iterations,
    warmup: o.warmup,
    ...(o.chunkSize !== undefined ? { chunkSize: o.chunkSize } : {}),
    ...(coldPool ? { coldPool } : {}),
  };
}

/**
 * The engine on one file: every worker count, serial, then every worker count on cold pools, and
 * `others` (DuckDB's rows on the same file), all interleaved.
 */
function engineMatrix(o: BenchOptions, dataset: Dataset, data: string, others: ConfigSpec[] = []): Promise<Measured[]> {
  const specs: ConfigSpec[] = [];
  for (const w of workerCounts(o.maxWorkers)) specs.push(engineSpec(o, dataset, w));
  specs.push(engineSpec(o, dataset, 0));
  for (const w of workerCounts(o.maxWorkers)) specs.push(engineSpec(o, dataset, w, o.iterations, true));
  return measureGroup([...specs, ...others], data);
}

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  if (o.help) {
    console.log(HELP);
    return 0;
  }
  const m = machine();
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  log(`chunkmill bench on ${describeMachine(m)}`);
  if (m.loadAverage > 0.5)
    log(`  note: load average ${m.loadAverage} at start: something else is running; figures will be noisy`);
  const build = buildProblem();
  if (build !== null && !existsSync(new URL('../dist/index.js', import.meta.url))) throw new Error(build);
  if (build !== null) log(`  warning: ${build}`);
  if (o.rssCheck) return runRssCheck(o, log);

  log(`datasets (seed ${o.seed}) in ${o.dataDir}:`);
  const sales = await ensureDataset(o.dataDir, 'sales', o.size, o.seed, log);
  const salesData = `sales ${formatBytes(sales.bytes)}`;
  const all: Measured[] = [];
  const notes: string[] = [];
  const problems: string[] = [];
  if (build !== null) notes.push(`Warning: ${build}.`);

  // DuckDB runs the same query on the same file, in the same rounds as the engine rows (in a fresh
  // process, after a warm-up run), with as many threads as the largest pool, and with one.
  const duckdb: ConfigSpec[] = o.skip.has('duckdb')
    ? []
    : [...new Set([o.maxWorkers, 1])].map((threads) => ({
        id: `peer-duckdb@${threads}`,
        label: `DuckDB ${duckdbVersion()}, ${threads} thread${threads === 1 ? '' : 's'}`,
        type: 'peer',
        peer: 'duckdb',
        threads,
        dataset: sales,
        iterations: o.iterations,
        warmup: o.warmup,
      }));
  log(`\nsales: ${describeQuery('sales')} (every configuration in a process of its own, runs interleaved)`);
  all.push(...(await engineMatrix(o, sales, salesData, duckdb)));
  if (duckdb.length > 0)
    notes.push(
      `DuckDB ${duckdbVersion()} through @duckdb/node-api, in-process like the engine rows (a fresh in-memory database per run, amount read as DECIMAL(18,2)); "vs DuckDB" is a row's median time over DuckDB's with as many threads as the row has workers (serial: 1 thread).`,
    );

  const versusRows: VersusRow[] = [];
  if (!o.skip.has('versus')) {
    const flights = await ensureDataset(o.dataDir, 'flights', o.flightsSize, o.seed, log);
    log(`\nchunkmill CLI vs DuckDB, whole processes, ${o.maxWorkers} workers / threads, interleaved runs:`);
    const jobs: [VersusJob, Dataset, string][] = [
      ['groupBy', sales, salesData],
      ['convert', sales, salesData],
      ['convert-csv', sales, salesData],
      ['stats', flights, `flights ${formatBytes(flights.bytes)}`],
      ['median', flights, `flights ${formatBytes(flights.bytes)}`],
      ['distinct', flights, `flights ${formatBytes(flights.bytes)}`],
    ];
    for (const [job, data, label] of jobs) {
      const row = await versus(job, data, label, o.maxWorkers, o.versusRuns, log);
      if (row.check !== 'ok') problems.push(`chunkmill ${job} disagrees with DuckDB on ${label}: ${row.checkDetail}`);
      versusRows.push(row);
    }
  }

  let warm: WarmRow | null = null;
  if (!o.skip.has('warm')) {
    log(
      `\nthe group-by on a warm engine vs DuckDB on a warm connection, one process, ${o.maxWorkers} workers / threads:`,
    );
    const spec: WarmSpec = { path: sales.path, workers: o.maxWorkers, runs: o.warmRuns };
    warm = await runModule<WarmRow>('./warm.ts', [JSON.stringify(spec)]);
    log(
      `  groupBy      engine ${(warm.engine.medianMs / 1000).toFixed(2)} s, DuckDB ${(warm.duckdb.medianMs / 1000).toFixed(2)} s: ${warm.ratio.toFixed(2)}x wall, ${warm.cpuRatio.toFixed(2)}x CPU (${o.warmRuns} runs each)${warm.check === 'ok' ? '' : `  WRONG: ${warm.checkDetail}`}`,
    );
    if (warm.check !== 'ok')
      problems.push(`the warm engine disagrees with DuckDB on ${salesData}: ${warm.checkDetail}`);
  }

  if (!o.skip.has('peers') && o.peers.length > 0) {
    const prefix = o.peersSize === null ? sales : await ensureDataset(o.dataDir, 'sales', o.peersSize, o.seed, log);
    const prefixData = o.peersSize === null ? salesData : `sales ${formatBytes(prefix.bytes)} prefix`;
    log(`\npeers on ${prefixData}:`);
    const specs: ConfigSpec[] = [];
    if (o.peersSize !== null) {
      // The peers' answers are checked against the engine on the very same file.
      specs.push(engineSpec(o, prefix, 0, o.peersIterations), engineSpec(o, prefix, o.maxWorkers, o.peersIterations));
      notes.push(
        `Peers ran on the first ${formatBytes(prefix.bytes)} of the same data (a smaller size of the seeded generator is a prefix of a larger one); the engine rows on the prefix give a same-file comparison. Compare MB/s, not times.`,
      );
    }
    for (const name of o.peers)
      specs.push({
        id: `peer-${name}`,
        label: peerByName(name).label,
        type: 'peer',
        peer: name,
        dataset: prefix,
        iterations: o.peersIterations,
        warmup: o.warmup,
      });
    all.push(...(await measureGroup(specs, prefixData)));
  }

  if (!o.skip.has('wide')) {
    const wide = await ensureDataset(o.dataDir, 'wide', o.wideSize, o.seed, log);
    log(`\nwide: ${describeQuery('wide')}`);
    all.push(...(await engineMatrix(o, wide, `wide ${formatBytes(wide.bytes)}`)));
  }

  const jobOverhead: Report['jobOverhead'] = [];
  if (!o.skip.has('overhead')) {
    log('\nfixed cost per job (N workers, N one-record chunks):');
    for (const w of workerCounts(o.maxWorkers)) {
      const tiny = ensureTinyDataset(o.dataDir, w);
      const spec = engineSpec(o, tiny, w, 10, true);
      const r = await runConfig({ ...spec, id: `overhead-w${w}`, chunkSize: tiny.recordBytes });
      if (r.rows !== tiny.rows || r.workersUsed !== w)
        problems.push(`${r.label} on ${w} one-record chunks: ${r.rows} rows, ${r.workersUsed} workers`);
      log(
        `  ${r.label.padEnd(32)} ${formatNumber(r.medianMs).padStart(7)} ms per job  (median of ${r.samplesMs.length})`,
      );
      jobOverhead.push({ workers: w, medianMs: r.medianMs });
    }
  }

  let micro: MicroResult[] = [];
  if (!o.skip.has('micro')) {
    log('\nmicrobenchmarks (bytes in memory, one process per task):');
    micro = await runMicro({ bytes: o.microSize, seed: o.seed, dataDir: o.dataDir, log });
  }

  for (const { result, data } of all)
    if (result.note !== undefined) notes.push(`${result.label} on ${data}: ${result.note}.`);
  const rows = checkAndRow(all, problems);
  const minStart = Math.min(...all.map((x) => x.result.startRssMiB ?? Infinity));
  notes.push(
    `Peak RSS: resourceUsage().maxRSS of a fresh process per configuration, worker threads included; a bare process with the bench loaded is ~${Math.round(minStart)} MiB.`,
    'Main-thread delay p99: the event loop sampled every 10 ms (an interval timer, as perf_hooks.monitorEventLoopDelay does) during the timed runs, beyond that interval. With workers the main thread only coordinates; the serial path and the peers parse on it, so a request to a server doing the same would wait that long.',
    `Runs interleaved: the rows of a table (the engine's and DuckDB's on one file) keep a process each, warm up, then run once per round in turn (A B C, A B C ...), so drift on this shared machine hits each row alike.`,
    `Worker rows: processDataset keeps a job's pool idle for its process's next job (5 s), so each timed run takes the threads its row's run before it (or the untimed warm-up run) left, as a process running jobs one after another does (a row whose round outlasted that gets an untimed run first, said above when it happened); the serial row runs on a main thread warmed the same way. "cold pool" rows end that pool before each run (closeIdlePools, timed): every run starts fresh threads and warms their JIT, as a process's first job does${jobOverhead.length > 0 ? ' (fixed cost per job below)' : ''}. The untimed warm-up runs (a round before the timed ones) also warm the page cache.`,
  );
  const report: Report = {
    machine: m,
    command,
    options: { ...o, skip: [...o.skip] },
    datasets: [...new Map(all.map((x) => [x.result.dataset.path, x.result.dataset])).values()],
    rows,
    jobOverhead,
    versus: versusRows,
    warm: warm === null ? null : { ...warm, data: salesData },
    micro,
    notes,
    problems,
  };
  const paths = writeResults(o.out, report, renderSvg(report));
  log('\n' + renderText(report));
  log(`\nwrote ${paths.json}, ${paths.svg}, ${paths.text}`);
  if (o.clean) removeDataDir(o.dataDir);
  else log(`datasets kept in ${o.dataDir} for the next run (--clean removes them)`);
  if (problems.length > 0) {
    console.error(`\nSELF-CHECK FAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    return 1;
  }
  log(
    'self-check: every engine configuration gave the same answer' +
      (rows.some((r) => r.type !== 'engine') ? '; peers as marked in the table' : ''),
  );
  return 0;
}

process.exitCode = await main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  return 2;
});
