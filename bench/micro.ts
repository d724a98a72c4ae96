/**
 * Microbenchmarks of the two hot loops, on bytes already in memory (no I/O, no threads), so a
 * regression in either shows on its own:
 *
 *   scan-*        src/csv/scanner.ts scanRecords over a whole buffer, with a sink that only counts
 *                 records (the scanner alone) and with the aggregate sink (scanner + per-record
 *                 work: number parsing, group lookup, exact sums), on sales (5% quoted records)
 *                 and wide (no quotes: the scanner's fast path only).
 *   boundary      src/csv/boundary.ts SummaryBuilder, phase A: 8 MiB chunks fed in 1 MiB blocks,
 *                 as the workers do it.
 *   ref-indexof   not engine code: counting quote bytes with Buffer.indexOf (memchr), the speed a
 *                 phase-A scan for sparse quotes could approach. A yardstick for `boundary`.
 *
 * The bytes sit in the thread's read buffer (src/csv/wasm-scan.ts), as the engine's are: the
 * scan-* tasks measure the WebAssembly SIMD index where it runs; `--scanner js` measures the
 * JavaScript scanner alone (CHUNKMILL_SCANNER=js), for an A/B of the two.
 *
 * Each task runs in its own process: V8 specialises scanRecords for the sink classes it has seen,
 * and in one process a second sink class would slow the first (the engine's workers only ever
 * see one). Standalone: `npx tsx bench/micro.ts [--size 32MB] [--seed 42] [--data-dir DIR]
 * [--scanner js|wasm] [--only TASK,...]`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { BoundaryStitcher, SummaryBuilder } from '../src/csv/boundary.ts';
import { blockBuffer, wasmScan } from '../src/csv/wasm-scan.ts';
import { classTable, FieldSlots, ScanResult, ScanStatus, scanRecords, type RecordSink } from '../src/csv/scanner.ts';
import { AggregateSink } from '../src/kinds/aggregate/sink.ts';
import { compileAggregate } from '../src/kinds/aggregate/plan.ts';
import { defaultDataDir, ensureDataset, type Kind } from './data.ts';
import { queryFor } from './queries.ts';
import { runModule } from './spawn.ts';
import { formatBytes, formatNumber, median, parseSize } from './util.ts';

const TASKS = [
  'scan-sales-count',
  'scan-sales-aggregate',
  'scan-wide-count',
  'scan-wide-aggregate',
  'boundary-sales',
  'ref-indexof-sales',
] as const;
type TaskName = (typeof TASKS)[number];
const DIALECT = { delimiter: 44, quote: 34 };
const CHUNK = 8 << 20; // the engine's default chunk size
const BLOCK = 1 << 20; // the engine's read block (read-range.ts)

export interface MicroResult {
  task: TaskName;
  description: string;
  bytes: number;
  samplesMs: number[];
  medianMs: number;
  mbps: number;
  /** Bytes over the process's CPU time per run (one thread runs the task): speed per core on a busy machine. */
  cpuMbps: number;
}

class CountSink implements RecordSink {
  rows = 0;
  record(): boolean {
    this.rows++;
    return true;
  }
}

function headerEnd(buf: Buffer): number {
  return buf.indexOf(10) + 1; // the generated headers hold no quotes
}

/** One full scan of `buf`; checks the scanner reached the end with the expected record count. */
function scanAll(buf: Buffer, sink: RecordSink & { width?: number }, width: number, rows: number): void {
  const out = scanRecords(
    buf,
    headerEnd(buf),
    buf.length,
    Infinity,
    true,
    DIALECT,
    classTable(DIALECT),
    new FieldSlots(width + 1),
    sink,
    new ScanResult(),
  );
  if (out.status !== ScanStatus.Eof || out.rows !== rows)
    throw new Error(`scan ended with status ${out.status} after ${out.rows} rows, expected Eof after ${rows}`);
}

function aggregateSink(kind: Kind, buf: Buffer): AggregateSink {
  const columns = buf.toString('utf8', 0, headerEnd(buf) - 1).split(',');
  return new AggregateSink(
    compileAggregate(queryFor(kind), columns, { onBadRow: 'error', onBadNumber: 'error', quote: '"' }),
  );
}

/** Phase A over the whole buffer, chunk by chunk, then the stitch; returns the chunk starts. */
function summarizeAll(buf: Buffer, chunkSize: number, blockSize: number): number[] {
  const dataStart = headerEnd(buf);
  const count = Math.ceil((buf.length - dataStart) / chunkSize);
  const stitcher = new BoundaryStitcher(count, dataStart);
  const starts: number[] = [];
  for (let k = 0; k < count; k++) {
    const start = dataStart + k * chunkSize;
    const end = Math.min(start + chunkSize, buf.length);
    const builder = new SummaryBuilder(start, end, DIALECT.quote);
    for (let at = start - 1; at < end; at += blockSize) {
      const length = Math.min(blockSize, end - at);
      builder.feed(buf.subarray(at, at + length), length, at);
    }
    for (const r of stitcher.add(k, builder.summary())) starts.push(r.start);
  }
  return starts;
}

/**
 * Checks, before timing, that phase A finds the true first record of every chunk: 4 KiB chunks
 * in 1 KiB blocks (thousands of cuts, many inside quoted notes) against a full scan's record starts.
 */
function checkBoundaries(buf: Buffer, rows: number): void {
  const recordStarts: number[] = [];
  const sink: RecordSink = {
    record: (_b, _s, _n, at) => {
      recordStarts.push(at);
      return true;
    },
  };
  scanAll(buf, sink, 7, rows);
  const chunk = 4096;
  const starts = summarizeAll(buf, chunk, 1024);
  let r = 0;
  starts.forEach((s, k) => {
    const chunkStart = headerEnd(buf) + k * chunk;
    while (r < recordStarts.length && recordStarts[r]! < chunkStart) r++;
    const want = r < recordStarts.length && recordStarts[r]! < chunkStart + chunk ? recordStarts[r]! : -1;
    if (s !== want) throw new Error(`boundary: chunk ${k} starts at ${s}, but its first record starts at ${want}`);
  });
}

function countQuotes(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(34); i >= 0; i = buf.indexOf(34, i + 1)) n++;
  return n;
}

function taskFor(task: TaskName, buf: Buffer, rows: number): { description: string; fn: () => void } {
  switch (task) {
    case 'scan-sales-count':
    case 'scan-wide-count':
      return {
        description: 'scanRecords, counting sink',
        fn: () => scanAll(buf, new CountSink(), task === 'scan-sales-count' ? 7 : 20, rows),
      };
    case 'scan-sales-aggregate':
    case 'scan-wide-aggregate': {
      const kind: Kind = task === 'scan-sales-aggregate' ? 'sales' : 'wide';
      return {
        description: `scanRecords + AggregateSink (${kind === 'sales' ? 'count, sum(amount) by region' : 'count, 19 sums by c0'})`,
        fn: () => {
          const sink = aggregateSink(kind, buf);
          scanAll(buf, sink, sink.width, rows);
          if (sink.rowsUsed !== rows) throw new Error(`aggregate sink used ${sink.rowsUsed} rows, expected ${rows}`);
        },
      };
    }
    case 'boundary-sales':
      checkBoundaries(buf, rows);
      return {
        description: 'SummaryBuilder (phase A), 8 MiB chunks in 1 MiB blocks',
        fn: () => void summarizeAll(buf, CHUNK, BLOCK),
      };
    case 'ref-indexof-sales':
      return { description: 'reference: quote count with Buffer.indexOf', fn: () => void countQuotes(buf) };
  }
}

/** Child mode: one task, measured with tinybench, reported over IPC. */
async function runTask(task: TaskName, path: string, rows: number, scanner: Scanner): Promise<MicroResult> {
  if (scanner === 'js') process.env.CHUNKMILL_SCANNER = 'js';
  if ((wasmScan() !== null) !== (scanner === 'wasm')) throw new Error(`--scanner ${scanner} cannot run here`);
  const file = readFileSync(path);
  const buf = blockBuffer(file.length);
  file.copy(buf);
  const { description, fn } = taskFor(task, buf, rows);
  const bench = new Bench({
    iterations: 7,
    time: 1500,
    warmupIterations: 3,
    warmupTime: 0,
    retainSamples: true,
    throws: true,
  });
  bench.add(task, fn);
  const cpuBefore = process.cpuUsage();
  const [t] = await bench.run();
  const cpu = process.cpuUsage(cpuBefore);
  const r = t!.result;
  if (!('latency' in r)) throw new Error(`${task}: tinybench ended in state ${r.state}`);
  const samplesMs = [...(r.latency.samples ?? [])];
  const medianMs = median(samplesMs);
  // CPU time per run: every run, the 3 warm-up runs included, over the process's CPU time.
  const cpuMsPerRun = (cpu.user + cpu.system) / 1e3 / (samplesMs.length + 3);
  return {
    task,
    description,
    bytes: buf.length,
    samplesMs,
    medianMs,
    mbps: buf.length / 1e3 / medianMs,
    cpuMbps: buf.length / 1e3 / cpuMsPerRun,
  };
}

type Scanner = 'js' | 'wasm';

export interface MicroOptions {
  bytes: number;
  /** Which scanner the scan-* tasks run (default: wasm, the engine's where WebAssembly SIMD runs). */
  scanner?: Scanner;
  /** Only these tasks (default: all). */
  only?: string[];
  seed: number;
  dataDir: string;
  log: (line: string) => void;
}

/** Runs every task, each in a fresh process, on cached datasets of `bytes`. */
export async function runMicro({
  bytes,
  seed,
  dataDir,
  log,
  scanner = 'wasm',
  only,
}: MicroOptions): Promise<MicroResult[]> {
  const data = {
    sales: await ensureDataset(dataDir, 'sales', bytes, seed, log),
    wide: await ensureDataset(dataDir, 'wide', bytes, seed, log),
  };
  const results: MicroResult[] = [];
  for (const task of TASKS) {
    if (only !== undefined && !only.includes(task)) continue;
    const d = task.includes('wide') ? data.wide : data.sales;
    const r = await runModule<MicroResult>('./micro.ts', [
      '--task',
      task,
      '--file',
      d.path,
      '--rows',
      String(d.rows),
      '--scanner',
      scanner,
    ]);
    log(
      `  ${task.padEnd(22)} ${formatNumber(r.mbps).padStart(7)} MB/s  (${formatBytes(r.bytes)} in memory, median of ${r.samplesMs.length}; ${formatNumber(r.cpuMbps)} MB/s of CPU time)`,
    );
    results.push(r);
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      task: { type: 'string' },
      file: { type: 'string' },
      rows: { type: 'string' },
      size: { type: 'string', default: '32MB' },
      seed: { type: 'string', default: '42' },
      'data-dir': { type: 'string', default: defaultDataDir() },
      scanner: { type: 'string', default: 'wasm' },
      only: { type: 'string' },
    },
  });
  if (values.scanner !== 'js' && values.scanner !== 'wasm') throw new Error('--scanner: js or wasm');
  const scanner: Scanner = values.scanner;
  if (values.task !== undefined) {
    if (!TASKS.includes(values.task as TaskName)) throw new Error(`--task: one of ${TASKS.join(', ')}`);
    try {
      const result = await runTask(values.task as TaskName, values.file!, Number(values.rows), scanner);
      process.send!({ result }, () => process.disconnect());
    } catch (e) {
      process.send!({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) }, () => process.disconnect());
      process.exitCode = 1;
    }
  } else {
    console.log(`chunkmill microbenchmarks (MB/s on bytes in memory, median; ${scanner} scanner)`);
    await runMicro({
      scanner,
      ...(values.only !== undefined && { only: values.only.split(',') }),
      bytes: parseSize(values.size, 'size'),
      seed: Number(values.seed),
      dataDir: values['data-dir'],
      log: console.log,
    });
  }
}
