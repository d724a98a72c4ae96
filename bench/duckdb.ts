/**
 * Optional: the same sales query through the DuckDB CLI, when `duckdb` is on PATH (the bench
 * never installs it). DuckDB is a multi-threaded C++ engine, so it is a reference point for what
 * the hardware allows, not a single-threaded peer; it runs with all threads and with one.
 *
 * Timing is the wall time of `duckdb -c <query>` (spawnSync): it includes process start (tens of
 * ms) but no Node overhead. Peak RSS and event-loop delay are not measured for it. The amount
 * column is read as DECIMAL(18,2), so its sums are exact and compare to the cent.
 */
import { spawnSync } from 'node:child_process';
import { parse } from 'csv-parse/sync';
import type { ConfigResult } from './child.ts';
import type { Dataset } from './data.ts';
import type { Answer, GroupTotal } from './queries.ts';
import { median } from './util.ts';

export function duckdbVersion(): string | null {
  const out = spawnSync('duckdb', ['--version'], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : null;
}

function query(path: string, threads: number | null): string {
  const file = path.replaceAll("'", "''");
  return [
    threads === null ? '' : `SET threads = ${threads};`,
    `SELECT region, count(*) AS orders, sum(amount) AS revenue`,
    `FROM read_csv('${file}', header = true, delim = ',', quote = '"', escape = '"', types = {'amount': 'DECIMAL(18,2)'})`,
    `GROUP BY region;`,
  ].join(' ');
}

function runOnce(sql: string): { ms: number; answer: Answer } {
  const started = performance.now();
  const out = spawnSync('duckdb', ['-csv', '-c', sql], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - started;
  if (out.status !== 0)
    throw new Error(`duckdb failed (${out.status}): ${(out.stderr || out.stdout).trim().slice(0, 300)}`);
  const records = parse(out.stdout, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const groups: Record<string, GroupTotal> = {};
  let rows = 0;
  for (const r of records) {
    const count = Number(r.orders);
    groups[r.region!] = { count, cents: Math.round(Number(r.revenue) * 100) };
    rows += count;
  }
  return { ms, answer: { rows, groups } };
}

/** Runs the query `iterations` times after one untimed run; null result with a note on failure. */
export function runDuckdb(
  data: Dataset,
  threads: number | null,
  iterations: number,
): ConfigResult | { failed: string } {
  const sql = query(data.path, threads);
  try {
    const warm = runOnce(sql);
    const samplesMs: number[] = [];
    for (let i = 0; i < iterations; i++) samplesMs.push(runOnce(sql).ms);
    return {
      id: `duckdb-${threads ?? 'all'}`,
      label: `DuckDB CLI (${threads === null ? 'all threads' : `${threads} thread${threads === 1 ? '' : 's'}`})`,
      type: 'external',
      dataset: data,
      workers: 0,
      workersUsed: 0,
      samplesMs,
      medianMs: median(samplesMs),
      peakRssMiB: null,
      startRssMiB: null,
      eldP99Ms: null,
      eldMaxMs: null,
      exactHash: null,
      answer: warm.answer,
      rows: warm.answer.rows,
      progressEvents: 0,
      note: 'external process; time includes its start',
    };
  } catch (e) {
    return { failed: e instanceof Error ? e.message : String(e) };
  }
}
