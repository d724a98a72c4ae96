/**
 * chunkmill against DuckDB, whole processes as a user runs them: `node dist/cli/main.js <command>`
 * against `node bench/duckdb.mjs <job>` (Node plus @duckdb/node-api), the same file, the same
 * question, N workers against N threads. Each timed run is a fresh process, so it includes
 * process start, pool start and a cold JIT for chunkmill, and loading the native library for
 * DuckDB. Runs alternate A B B A ..., so drift on a shared machine hits both alike; figures are
 * medians. CPU time and peak RSS come from each process itself (usage-hook.mjs, duckdb.mjs).
 *
 * Checked in the same run (a mismatch is a bench failure):
 *   groupBy        per-group counts equal, sums equal to the cent;
 *   convert        the two NDJSON files byte-identical (sha256);
 *   convert-csv    the two CSV files byte-identical (sha256);
 *   stats          per column: rows, empty (NULL) fields, and for columns both call numeric, min,
 *                  max and mean (relative 1e-12); for text columns min and max;
 *   median         per carrier, the median of dep_delay (quantile_cont): the same groups, values
 *                  equal (relative 1e-12: only the printing of a double may differ);
 *   distinct       per carrier, the count of distinct tailnum: the same groups, equal counts.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Dataset } from './data.ts';
import type { SummaryRow } from './duckdb.d.mts';
import { compareAnswers, type Answer } from './queries.ts';
import { median } from './util.ts';

export type VersusJob = 'groupBy' | 'convert' | 'convert-csv' | 'stats' | 'median' | 'distinct';

/** The flights columns of the exact-measure jobs: a carrier code (16 groups), a signed integer delay, a tail number. */
const GROUP = 'carrier';
const MEASURED: Record<'median' | 'distinct', string> = { median: 'dep_delay', distinct: 'tailnum' };

export interface Side {
  samplesMs: number[];
  medianMs: number;
  cpuMs: number;
  peakRssMiB: number;
}

export interface VersusRow {
  job: VersusJob;
  /** What chunkmill ran, as a user types it (the path shortened to the file name). */
  command: string;
  data: string;
  bytes: number;
  workers: number;
  chunkmill: Side;
  duckdb: Side;
  /** chunkmill's median wall time over DuckDB's: below 1 is faster. */
  ratio: number;
  cpuRatio: number;
  check: 'ok' | 'WRONG';
  checkDetail: string | null;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = `${ROOT}dist/cli/main.js`;
const HOOK = `${ROOT}bench/usage-hook.mjs`;
const DUCKDB = `${ROOT}bench/duckdb.mjs`;

interface Run {
  ms: number;
  stdout: string;
  cpuMs: number;
  peakRssMiB: number;
}

function exec(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code !== 0)
        reject(
          new Error(`${args.slice(0, 3).join(' ')} exited ${code}: ${Buffer.concat(err).toString().slice(0, 400)}`),
        );
      else resolve({ ms, stdout: Buffer.concat(out).toString() });
    });
  });
}

async function runChunkmill(args: string[], usageFile: string): Promise<Run> {
  const r = await exec(['--import', HOOK, CLI, ...args], { ...process.env, CHUNKMILL_BENCH_USAGE: usageFile });
  const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { cpuMs: number; peakRssMiB: number };
  return { ...r, ...usage };
}

async function runDuckdb(args: string[]): Promise<Run> {
  const r = await exec([DUCKDB, ...args]);
  const last = JSON.parse(r.stdout.trim().split('\n').pop()!) as { cpuMs: number; peakRssMiB: number };
  return { ...r, ...last };
}

function side(runs: Run[]): Side {
  const samplesMs = runs.map((r) => r.ms);
  return {
    samplesMs,
    medianMs: median(samplesMs),
    cpuMs: median(runs.map((r) => r.cpuMs)),
    peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)),
  };
}

function sha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (b) => h.update(b))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

/** Null when chunkmill's per-group values (its JSON rows) equal DuckDB's; else what differs. */
export function compareGroupValues(
  mine: Record<string, string | number | null>[],
  name: string,
  theirs: Record<string, number | null>,
): string | null {
  const problems: string[] = [];
  if (mine.length !== Object.keys(theirs).length)
    problems.push(`${mine.length} groups, DuckDB ${Object.keys(theirs).length}`);
  for (const r of mine) {
    const g = String(r[GROUP]);
    const v = r[name] as number | null;
    const d = theirs[g];
    if (d === undefined) problems.push(`no group ${g} in DuckDB's answer`);
    else if (v === null || d === null ? v !== d : Math.abs(v - d) > 1e-12 * Math.max(1, Math.abs(d)))
      problems.push(`${g}: ${v}, DuckDB ${d}`);
  }
  return problems.length === 0 ? null : problems.slice(0, 3).join('; ');
}

/** The CLI's JSON aggregate rows as the bench's Answer. */
function groupAnswer(stdout: string): Answer {
  const rows = JSON.parse(stdout) as { region: string; count: number; sum_amount: number }[];
  const groups: Answer['groups'] = {};
  let total = 0;
  for (const r of rows) {
    groups[r.region] = { count: r.count, cents: Math.round(r.sum_amount * 100) };
    total += r.count;
  }
  return { rows: total, groups };
}

interface ColumnStats {
  column: string;
  type: string;
  count: number;
  empty: number;
  min: number | string | null;
  max: number | string | null;
  mean: number | null;
}

/** Null when `chunkmill stats` and SUMMARIZE agree on what both compute; else what differs. */
export function compareStats(mine: ColumnStats[], theirs: SummaryRow[]): string | null {
  const problems: string[] = [];
  if (mine.length !== theirs.length) problems.push(`${mine.length} columns, DuckDB ${theirs.length}`);
  for (const c of mine) {
    const d = theirs.find((t) => t.column === c.column);
    if (d === undefined) {
      problems.push(`no column ${c.column} in DuckDB's answer`);
      continue;
    }
    const rows = c.count + c.empty;
    if (rows !== d.count) problems.push(`${c.column}: ${rows} rows, DuckDB ${d.count}`);
    if (Math.abs((c.empty / rows) * 100 - d.nullPercentage) > 0.005 + 1e-9)
      problems.push(`${c.column}: ${c.empty} empty, DuckDB ${d.nullPercentage}% NULL`);
    const numeric = (c.type === 'integer' || c.type === 'number') && /INT|DOUBLE|DECIMAL|FLOAT/.test(d.type);
    if (numeric) {
      if (Number(d.min) !== c.min || Number(d.max) !== c.max)
        problems.push(`${c.column}: min/max ${c.min}/${c.max}, DuckDB ${d.min}/${d.max}`);
      const mean = Number(d.avg);
      if (c.mean === null || Math.abs(c.mean - mean) > 1e-12 * Math.max(1, Math.abs(mean)))
        problems.push(`${c.column}: mean ${c.mean}, DuckDB ${d.avg}`);
    } else if (c.type === 'string' && d.type === 'VARCHAR' && (c.min !== d.min || c.max !== d.max)) {
      problems.push(`${c.column}: min/max ${c.min}/${c.max}, DuckDB ${d.min}/${d.max}`);
    }
  }
  return problems.length === 0 ? null : problems.slice(0, 3).join('; ');
}

function header(path: string): string[] {
  const head = readFileSync(path, { encoding: 'utf8', flag: 'r' }).slice(0, 64 << 10);
  return head.slice(0, head.indexOf('\n')).split(',');
}

/** One job, `runs` times each side, interleaved; the answers of the first runs are compared. */
export async function versus(
  job: VersusJob,
  data: Dataset,
  label: string,
  workers: number,
  runs: number,
  log: (line: string) => void,
): Promise<VersusRow> {
  const usage = `${data.path}.usage-${process.pid}.json`;
  const ext = job === 'convert-csv' ? 'csv' : 'ndjson';
  const outA = `${data.path}.chunkmill-${process.pid}.${ext}`;
  const outB = `${data.path}.duckdb-${process.pid}.${ext}`;
  const w = String(workers);
  const cm: Record<VersusJob, string[]> = {
    groupBy: ['aggregate', data.path, '-g', 'region', '-c', '--sum', 'amount', '-w', w, '--format', 'json'],
    convert: ['convert', data.path, '--to', 'ndjson', '-w', w, '-o', outA],
    'convert-csv': ['convert', data.path, '--to', 'csv', '-w', w, '-o', outA],
    stats: ['stats', data.path, '-w', w, '--format', 'json'],
    median: ['aggregate', data.path, '-g', GROUP, '--median', MEASURED.median, '-w', w, '--format', 'json'],
    distinct: ['aggregate', data.path, '-g', GROUP, '--distinct', MEASURED.distinct, '-w', w, '--format', 'json'],
  };
  const columns = JSON.stringify(header(data.path));
  const dd: Record<VersusJob, string[]> = {
    groupBy: ['groupBy', w, data.path],
    convert: ['convert', w, data.path, outB, columns],
    'convert-csv': ['convertCsv', w, data.path, outB, columns],
    stats: ['summarize', w, data.path],
    median: ['median', w, data.path, GROUP, MEASURED.median],
    distinct: ['distinct', w, data.path, GROUP, MEASURED.distinct],
  };
  const a: Run[] = [];
  const b: Run[] = [];
  let detail: string | null = null;
  type GroupValues = Record<string, string | number | null>[];
  const check = async (ra: Run, rb: Run) => {
    if (job === 'groupBy') {
      detail = compareAnswers(
        groupAnswer(ra.stdout),
        (JSON.parse(rb.stdout.trim().split('\n').pop()!) as { answer: Answer }).answer,
      );
    } else if (job === 'median' || job === 'distinct') {
      const theirs = (JSON.parse(rb.stdout.trim().split('\n').pop()!) as { answer: Record<string, number | null> })
        .answer;
      detail = compareGroupValues(JSON.parse(ra.stdout) as GroupValues, `${job}_${MEASURED[job]}`, theirs);
    } else if (job === 'stats') {
      const theirs = (JSON.parse(rb.stdout.trim().split('\n').pop()!) as { answer: SummaryRow[] }).answer;
      detail = compareStats(JSON.parse(ra.stdout) as ColumnStats[], theirs);
    } else {
      const [ha, hb] = await Promise.all([sha256(outA), sha256(outB)]);
      if (ha !== hb) detail = `outputs differ: ${statSync(outA).size} bytes vs DuckDB's ${statSync(outB).size}`;
    }
  };
  try {
    for (let i = 0; i < runs; i++) {
      // A B B A: each side goes first as often as second.
      const order = i % 2 === 0 ? ['a', 'b'] : ['b', 'a'];
      for (const s of order) {
        if (s === 'a') a.push(await runChunkmill(cm[job], usage));
        else b.push(await runDuckdb(dd[job]));
      }
      if (i === 0) await check(a[0]!, b[0]!);
      rmSync(outA, { force: true });
      rmSync(outB, { force: true });
    }
  } finally {
    for (const p of [usage, outA, outB]) rmSync(p, { force: true });
  }
  const row: VersusRow = {
    job,
    command: `chunkmill ${cm[job].map((x) => (x === data.path ? label.split(' ')[0] + '.csv' : x === outA ? `out.${ext}` : x)).join(' ')}`,
    data: label,
    bytes: data.bytes,
    workers,
    chunkmill: side(a),
    duckdb: side(b),
    ratio: 0,
    cpuRatio: 0,
    check: detail === null ? 'ok' : 'WRONG',
    checkDetail: detail,
  };
  row.ratio = row.chunkmill.medianMs / row.duckdb.medianMs;
  row.cpuRatio = row.chunkmill.cpuMs / row.duckdb.cpuMs;
  log(
    `  ${job.padEnd(12)} chunkmill ${(row.chunkmill.medianMs / 1000).toFixed(2)} s, DuckDB ${(row.duckdb.medianMs / 1000).toFixed(2)} s: ${row.ratio.toFixed(2)}x wall, ${row.cpuRatio.toFixed(2)}x CPU (${runs} runs each)${detail === null ? '' : `  WRONG: ${detail}`}`,
  );
  return row;
}
