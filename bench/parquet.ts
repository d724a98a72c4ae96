/**
 * `npx tsx bench/parquet.ts [--size 50MB] [--runs 5] [--workers N]`: Parquet write speed,
 * `chunkmill convert FILE -o x.parquet` (the whole CLI process: its stats pass for the types,
 * then the rows, a row group per 122,880 rows with hyparquet-writer on the main thread) against
 * DuckDB's `COPY (SELECT * FROM read_csv(FILE)) TO 'x.parquet' (FORMAT parquet)` in one warm
 * in-process instance with as many threads as chunkmill has workers, on the same seeded sales file,
 * alternating, in one run. Prints the median MB/s (input bytes per second) of each and the CPU.
 * Build first (npm run build): the CLI is dist/cli/main.js unless --cli names another.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance, version } from '@duckdb/node-api';
import { generate } from '../support/generate.ts';
import { parseSize } from './util.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '50MB' },
    runs: { type: 'string', default: '5' },
    workers: { type: 'string', default: String(availableParallelism()) },
    /** Another build's CLI (a copy of dist/, so that a rebuild during the bench changes nothing). */
    cli: { type: 'string', default: new URL('../dist/cli/main.js', import.meta.url).pathname },
  },
});
const runs = Number(values.runs);
const workers = Number(values.workers);
const dir = mkdtempSync(join(tmpdir(), 'chunkmill-parquet-bench-'));
const cli = values.cli;

try {
  const csv = join(dir, 'sales.csv');
  const { bytes, rows } = await generate(csv, 'sales', { bytes: parseSize(values.size, 'size'), seed: 42 });
  const duck = await DuckDBInstance.create(':memory:', { threads: String(workers) });
  const connection = await duck.connect();
  const ours: number[] = [];
  const theirs: number[] = [];
  // CPU seconds too: on a shared machine the wall time of either varies with the others' load.
  const oursCpu: number[] = [];
  const theirsCpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const a = join(dir, `chunkmill-${i}.parquet`);
    let t = performance.now();
    const timed = spawnSync(
      '/usr/bin/time',
      ['-f', '%U %S', process.execPath, cli, 'convert', csv, '-o', a, '-q', '-w', String(workers)],
      { stdio: ['ignore', 'inherit', 'pipe'] },
    );
    if (timed.status !== 0) throw new Error(`convert failed: ${timed.stderr}`);
    ours.push(performance.now() - t);
    const [user, sys] = timed.stderr.toString().trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number];
    oursCpu.push((user + sys) * 1000);
    const cpu = process.cpuUsage();
    const b = join(dir, `duckdb-${i}.parquet`);
    t = performance.now();
    await connection.run(`COPY (SELECT * FROM read_csv('${csv}')) TO '${b}' (FORMAT parquet)`);
    theirs.push(performance.now() - t);
    const used = process.cpuUsage(cpu);
    theirsCpu.push((used.user + used.system) / 1000);
    if (i === 0) {
      // The same rows either way: a check that the bench compares like with like.
      const check = await connection.runAndReadAll(
        `SELECT (SELECT count(*) FROM '${a}') AS a, (SELECT count(*) FROM '${b}') AS b, (SELECT count(*) FROM (SELECT * FROM '${a}' EXCEPT SELECT * FROM '${b}')) AS differ`,
      );
      console.log('rows (chunkmill, duckdb, differing):', check.getRows()[0]!.map(String).join(', '));
      console.log(`sizes: chunkmill ${statSync(a).size} bytes, duckdb ${statSync(b).size} bytes`);
    }
    rmSync(a);
    rmSync(b);
  }
  connection.closeSync();
  duck.closeSync();
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const mbps = (ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(1);
  console.log(
    `input: ${(bytes / 1e6).toFixed(1)} MB, ${rows.toLocaleString('en-US')} rows; ${runs} runs each, ${workers} workers/threads`,
  );
  console.log(`CPU: ${cpus()[0]?.model} x ${cpus().length}; Node ${process.version}; DuckDB ${version()}`);
  console.log(
    `chunkmill convert -o x.parquet: median ${median(ours).toFixed(0)} ms = ${mbps(median(ours))} MB/s (runs: ${ours.map((x) => x.toFixed(0)).join(', ')})`,
  );
  console.log(
    `duckdb COPY ... (FORMAT parquet): median ${median(theirs).toFixed(0)} ms = ${mbps(median(theirs))} MB/s (runs: ${theirs.map((x) => x.toFixed(0)).join(', ')})`,
  );
  console.log(
    `CPU time, medians: chunkmill ${median(oursCpu).toFixed(0)} ms (${mbps(median(oursCpu))} MB per CPU-second), duckdb ${median(theirsCpu).toFixed(0)} ms (${mbps(median(theirsCpu))} MB per CPU-second)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
