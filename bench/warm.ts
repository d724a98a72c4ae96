/**
 * The sales group-by on a warm engine against DuckDB on a warm connection, in one fresh process
 * (started by run.ts through spawn.ts, or alone: `node bench/boot.mjs bench/warm.ts '<spec JSON>'`).
 *
 *   engine   createEngine({ workers: N }) and openQueue on a SQLite store in a temp directory, as
 *            a long-lived backend runs them: one timed run is queue.add(spec) -> the engine's
 *            'ended' (the outcome stored) -> queue.result(id) (the rows read back);
 *   DuckDB   one in-memory instance with `threads: N` and one connection, opened before the
 *            first run and kept: one timed run is the GROUP BY query with its rows read.
 *
 * Both sides run one untimed warm-up job first (the engine's threads start and JIT; DuckDB loads
 * its extension and sniffs), then `runs` timed runs each, alternated A B B A in this process (the
 * least noisy interleaving on a shared machine); figures are medians. CPU time is the process's
 * (process.cpuUsage: every thread, so the pool's and DuckDB's threads alike) over each run. Every
 * run's answer is checked: the engine's against DuckDB's (counts equal, sums to the cent).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, openQueue, type AggregateResult } from 'chunkmill';
import { groupByOn, openDuckdb } from './duckdb.mjs';
import { compareAnswers, engineAnswer, SALES_QUERY, type Answer } from './queries.ts';
import { median } from './util.ts';
import { replyToParent } from './reply.ts';

export interface WarmSpec {
  path: string;
  /** Engine pool threads, and DuckDB's threads. */
  workers: number;
  /** Timed runs per side. */
  runs: number;
}

export interface WarmSide {
  samplesMs: number[];
  medianMs: number;
  /** Median CPU time of a run, every thread of the process. */
  cpuMs: number;
}

export interface WarmRow {
  workers: number;
  engine: WarmSide;
  duckdb: WarmSide;
  /** The engine's median wall time over DuckDB's: below 1 is faster. */
  ratio: number;
  cpuRatio: number;
  check: 'ok' | 'WRONG';
  checkDetail: string | null;
}

async function measure(spec: WarmSpec): Promise<WarmRow> {
  const dir = mkdtempSync(join(tmpdir(), 'chunkmill-warm-'));
  const store = join(dir, 'jobs.db');
  const queue = openQueue(store);
  const engine = await createEngine({ store, workers: spec.workers });
  const ended = new Map<string, () => void>();
  engine.on('ended', (id) => ended.get(id)?.());
  const db = await openDuckdb(spec.workers);
  const jobSpec = { input: spec.path, aggregate: SALES_QUERY };

  const viaEngine = async (): Promise<Answer> => {
    const { id } = await queue.add(jobSpec);
    await new Promise<void>((resolve) => ended.set(id, resolve));
    ended.delete(id);
    const result = (await queue.result(id)) as AggregateResult | null;
    if (result === null) throw new Error(`engine job ${id} ended ${(await queue.get(id))?.state}: no result`);
    return engineAnswer(result.rows, result.stats.rows);
  };
  const viaDuckdb = () => groupByOn(db.run, spec.path);
  const timed = async (fn: () => Promise<Answer>, into: { ms: number[]; cpu: number[] }) => {
    const cpu = process.cpuUsage();
    const t = performance.now();
    const answer = await fn();
    into.ms.push(performance.now() - t);
    const used = process.cpuUsage(cpu);
    into.cpu.push((used.user + used.system) / 1000);
    return answer;
  };

  const a = { ms: [] as number[], cpu: [] as number[] };
  const b = { ms: [] as number[], cpu: [] as number[] };
  const problems = new Set<string>();
  try {
    const reference = await viaDuckdb(); // the warm-ups
    const first = compareAnswers(await viaEngine(), reference);
    if (first !== null) problems.add(first);
    for (let i = 0; i < spec.runs; i++) {
      // A B B A: each side goes first as often as second.
      for (const side of i % 2 === 0 ? ['a', 'b'] : ['b', 'a']) {
        const answer = side === 'a' ? await timed(viaEngine, a) : await timed(viaDuckdb, b);
        const problem = compareAnswers(answer, reference);
        if (problem !== null) problems.add(`${side === 'a' ? 'engine' : 'DuckDB'}: ${problem}`);
      }
    }
  } finally {
    db.close();
    await engine.close();
    await queue.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const side = (s: typeof a): WarmSide => ({ samplesMs: s.ms, medianMs: median(s.ms), cpuMs: median(s.cpu) });
  const row: WarmRow = {
    workers: spec.workers,
    engine: side(a),
    duckdb: side(b),
    ratio: 0,
    cpuRatio: 0,
    check: problems.size === 0 ? 'ok' : 'WRONG',
    checkDetail: problems.size === 0 ? null : [...problems].slice(0, 3).join('; '),
  };
  row.ratio = row.engine.medianMs / row.duckdb.medianMs;
  row.cpuRatio = row.engine.cpuMs / row.duckdb.cpuMs;
  return row;
}

const spec = JSON.parse(process.argv[2] ?? 'null') as WarmSpec | null;
if (spec === null) {
  console.error(`usage: node bench/boot.mjs bench/warm.ts '{"path":"sales.csv","workers":2,"runs":10}'`);
  process.exit(2);
}
await replyToParent(() => measure(spec));
