/**
 * The bench's output: one Markdown table (printed, and pasteable into the README), the results
 * as JSON, and the SVG chart (chart.ts), all stamped with the machine.
 *
 * Figures are medians over the timed runs. MB/s = file bytes / median time (MB = 10^6 bytes);
 * rows/s = records / median time; "vs 1 worker" = MB/s over the engine's 1-worker MB/s on the
 * same kind of data; efficiency = that speed-up / worker threads.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigResult } from './child.ts';
import type { Dataset } from './data.ts';
import type { MicroResult } from './micro.ts';
import { describeMachine, formatBytes, formatNumber, type Machine } from './util.ts';
import type { VersusRow } from './versus.ts';
import type { WarmRow } from './warm.ts';

export type Check = 'ok' | 'WRONG' | 'MISMATCH' | 'unchecked';

export interface Row extends ConfigResult {
  /** What the row ran on, e.g. "sales 200 MB" or "sales 50 MB prefix". */
  data: string;
  mbps: number;
  rowsPerSec: number;
  /** MB/s relative to the engine with 1 worker on the same kind of data. */
  speedup: number | null;
  /** speedup / workers, for engine pools. */
  efficiency: number | null;
  /** Median time over DuckDB's on the same file with as many threads as this row's workers (serial: 1). */
  vsDuckdb: number | null;
  check: Check;
  checkDetail: string | null;
}

export interface Report {
  machine: Machine;
  command: string;
  options: Record<string, unknown>;
  datasets: Dataset[];
  rows: Row[];
  /** Wall time of a job with N workers on N one-record chunks: the engine's fixed cost per job. */
  jobOverhead: { workers: number; medianMs: number }[];
  /** chunkmill's CLI against DuckDB, whole processes (versus.ts). */
  versus: VersusRow[];
  /** The group-by on a warm engine against DuckDB on a warm connection, in one process (warm.ts). */
  warm: (WarmRow & { data: string }) | null;
  micro: MicroResult[];
  notes: string[];
  problems: string[];
}

export function toRow(
  result: ConfigResult,
  data: string,
  oneWorkerMbps: number | null,
  check: Check,
  checkDetail: string | null,
  duckdbMs: number | null = null,
): Row {
  const seconds = result.medianMs / 1000;
  const mbps = result.dataset.bytes / 1e6 / seconds;
  const speedup = oneWorkerMbps === null ? null : mbps / oneWorkerMbps;
  const efficiency =
    speedup !== null && result.type === 'engine' && result.workersUsed > 0 ? speedup / result.workersUsed : null;
  const vsDuckdb = duckdbMs === null ? null : result.medianMs / duckdbMs;
  return {
    ...result,
    data,
    mbps,
    rowsPerSec: result.rows / seconds,
    speedup,
    efficiency,
    vsDuckdb,
    check,
    checkDetail,
  };
}

function ms(value: number | null): string {
  if (value === null) return '—';
  return value >= 100 ? `${formatNumber(value, 3)} ms` : `${value.toFixed(1)} ms`;
}

/** The main table, as Markdown; WRONG/MISMATCH details follow as numbered notes. */
export function renderTable(report: Report): string {
  const head = [
    'configuration',
    'data',
    'MB/s',
    'rows/s',
    'vs 1 worker',
    'efficiency',
    'vs DuckDB',
    'peak RSS',
    'main-thread delay p99',
    'runs',
    'check',
  ];
  const align = ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'];
  const footnotes: string[] = [];
  const body = report.rows.map((r) => {
    let check: string = r.check;
    if (r.checkDetail !== null) {
      footnotes.push(`${r.label} on ${r.data}: ${r.checkDetail}`);
      check += ` [${footnotes.length}]`;
    }
    return [
      r.label,
      r.data,
      formatNumber(r.mbps),
      formatNumber(r.rowsPerSec),
      r.speedup === null ? '—' : `${r.speedup.toFixed(2)}×`,
      r.efficiency === null ? '—' : `${Math.round(r.efficiency * 100)}%`,
      r.vsDuckdb === null ? '—' : `${r.vsDuckdb.toFixed(2)}×`,
      r.peakRssMiB === null ? '—' : `${Math.round(r.peakRssMiB)} MiB`,
      ms(r.eldP99Ms),
      String(r.samplesMs.length),
      check,
    ];
  });
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, c) => (align[c] === 'r' ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (align[c] === 'r' ? '-'.repeat(w + 1) + ':' : ':' + '-'.repeat(w + 1))).join('|')}|`;
  const out = [line(head), rule, ...body.map(line)];
  if (footnotes.length > 0) out.push('', ...footnotes.map((f, i) => `[${i + 1}] ${f}`));
  return out.join('\n');
}

/** The head-to-head against DuckDB, whole processes (versus.ts), as Markdown. */
export function renderVersus(rows: VersusRow[]): string {
  if (rows.length === 0) return '';
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const lines = rows.map(
    (r) =>
      `| \`${r.command}\` | ${r.data} | ${s(r.chunkmill.medianMs)} | ${s(r.duckdb.medianMs)} | **${r.ratio.toFixed(2)}×** | ${r.cpuRatio.toFixed(2)}× | ${Math.round(r.chunkmill.peakRssMiB)} / ${Math.round(r.duckdb.peakRssMiB)} MiB | ${r.chunkmill.samplesMs.length} | ${r.check}${r.checkDetail === null ? '' : `: ${r.checkDetail}`} |`,
  );
  return [
    '| job (chunkmill CLI) | data | chunkmill | DuckDB | chunkmill / DuckDB (wall) | (CPU) | peak RSS | runs | check |',
    '|:--|:--|--:|--:|--:|--:|--:|--:|:--|',
    ...lines,
  ].join('\n');
}

/** The warm-engine row (warm.ts), as one Markdown table row under its header. */
export function renderWarm(warm: Report['warm']): string {
  if (warm === null) return '';
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  return [
    '| job | data | warm engine | DuckDB, warm connection | engine / DuckDB (wall) | (CPU) | runs | check |',
    '|:--|:--|--:|--:|--:|--:|--:|:--|',
    `| group-by count + sum(amount) by region | ${warm.data} | ${s(warm.engine.medianMs)} | ${s(warm.duckdb.medianMs)} | **${warm.ratio.toFixed(2)}×** | ${warm.cpuRatio.toFixed(2)}× | ${warm.engine.samplesMs.length} | ${warm.check}${warm.checkDetail === null ? '' : `: ${warm.checkDetail}`} |`,
  ].join('\n');
}

export function renderMicro(micro: MicroResult[]): string {
  if (micro.length === 0) return '';
  const rows = micro.map(
    (m) =>
      `| ${m.task} | ${m.description} | ${formatBytes(m.bytes)} | ${formatNumber(m.mbps)} | ${m.samplesMs.length} |`,
  );
  return ['| microbenchmark | what | input (in memory) | MB/s | runs |', '|:--|:--|--:|--:|--:|', ...rows].join('\n');
}

export function renderOverhead(report: Report): string {
  if (report.jobOverhead.length === 0) return '';
  const parts = report.jobOverhead.map(
    (o) => `${o.workers} worker${o.workers === 1 ? '' : 's'}: ${formatNumber(o.medianMs)} ms`,
  );
  return `Fixed cost per job (N workers on N one-record chunks: pool start, module load, 2N tasks, teardown): ${parts.join(', ')}.`;
}

/** The whole printed report: machine, table, notes, job overhead, micro table. */
export function renderText(report: Report): string {
  const parts = [`Machine: ${describeMachine(report.machine)}`, `Command: ${report.command}`, '', renderTable(report)];
  if (report.notes.length > 0) parts.push('', ...report.notes.map((n) => `- ${n}`));
  const versus = renderVersus(report.versus);
  if (versus)
    parts.push(
      '',
      `chunkmill against DuckDB, whole processes (median wall time of fresh \`node\` processes, ${report.versus[0]!.workers} workers vs ${report.versus[0]!.workers} threads, runs interleaved):`,
      '',
      versus,
    );
  const warm = renderWarm(report.warm);
  if (warm)
    parts.push(
      '',
      `The same group-by on a warm engine (createEngine + openQueue, a job added, its stored rows read back) against DuckDB on a warm connection (one instance kept open), one process, ${report.warm!.workers} workers vs ${report.warm!.workers} threads, one warm-up job each, runs alternated, medians:`,
      '',
      warm,
    );
  const overhead = renderOverhead(report);
  if (overhead) parts.push('', overhead);
  const micro = renderMicro(report.micro);
  if (micro) parts.push('', micro);
  return parts.join('\n');
}

export function writeResults(dir: string, report: Report, svg: string): { json: string; svg: string; text: string } {
  mkdirSync(dir, { recursive: true });
  const paths = { json: join(dir, 'results.json'), svg: join(dir, 'chart.svg'), text: join(dir, 'results.md') };
  writeFileSync(paths.json, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(paths.svg, svg);
  writeFileSync(paths.text, renderText(report) + '\n');
  return paths;
}
