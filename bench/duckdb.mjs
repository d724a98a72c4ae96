// DuckDB, through `@duckdb/node-api` (a devDependency whose native library ships inside the npm
// package), asked the bench's questions on the same files as chunkmill:
//
//   groupBy    per region, count(*) and sum(amount), the amount read as DECIMAL(18,2) so the sums
//              are exact and compare to the cent;
//   convert    every row to NDJSON (and to CSV) with COPY ... TO ... (FORMAT json), each value as its field text
//              (all_varchar; an empty field as "", where DuckDB reads NULL): the very bytes
//              `chunkmill convert --to ndjson` writes, and the bench compares the two files;
//   summarize  SUMMARIZE over the whole file, against `chunkmill stats`;
//   median     per group, quantile_cont(column, 0.5), against `chunkmill aggregate --median`;
//   distinct   per group, count(DISTINCT column), against `chunkmill aggregate --distinct`.
//
// DuckDB is a multi-threaded C++ engine: the bar, run with as many threads as chunkmill has
// workers. Plain JavaScript so that a whole-process run (`node bench/duckdb.mjs JOB ...`, what
// versus.ts times) pays Node's start and DuckDB's, as `node dist/cli/main.js` does, and no
// TypeScript loader. Types: duckdb.d.mts.
import { resourceUsage } from 'node:process';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance, version } from '@duckdb/node-api';

export function duckdbVersion() {
  return version();
}

const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;
const ident = (s) => `"${s.replaceAll('"', '""')}"`;

/**
 * A fresh in-memory database with one connection: `run(sql)` gives the result rows as plain
 * objects, `close()` closes both. Opened once, it is the warm counterpart of a long-lived engine.
 */
export async function openDuckdb(threads) {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const connection = await instance.connect();
  return {
    run: async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJS(),
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** One connection on a fresh in-memory database, closed after `fn(run)`. */
async function withDuckdb(threads, fn) {
  const db = await openDuckdb(threads);
  try {
    return await fn(db.run);
  } finally {
    db.close();
  }
}

/** The sales question: per region, count and sum of amount, as the bench's Answer. */
export function duckdbGroupBy(path, threads) {
  return withDuckdb(threads, (run) => groupByOn(run, path));
}

/** The sales question on an open connection's `run` (openDuckdb). */
export async function groupByOn(run, path) {
  const rows = await run(
    `SELECT region, count(*) AS orders, sum(amount) AS revenue FROM read_csv(${sqlString(path)}, header = true, delim = ',', quote = '"', escape = '"', types = {'amount': 'DECIMAL(18,2)'}) GROUP BY region`,
  );
  // In key order: with several threads DuckDB returns the groups in any order, and the bench
  // compares two runs' answers as JSON.
  rows.sort((x, y) => (String(x.region) < String(y.region) ? -1 : 1));
  const groups = {};
  let total = 0;
  for (const r of rows) {
    const count = Number(r.orders);
    groups[String(r.region)] = { count, cents: Math.round(Number(r.revenue) * 100) };
    total += count;
  }
  return { rows: total, groups };
}

/** Every row of `path` as NDJSON into `out`; `columns` is the file's header. */
export function duckdbConvert(path, columns, out, threads) {
  return withDuckdb(threads, async (run) => {
    const select = columns.map((c) => `coalesce(${ident(c)}, '') AS ${ident(c)}`).join(', ');
    await run(
      `COPY (SELECT ${select} FROM read_csv(${sqlString(path)}, header = true, all_varchar = true)) TO ${sqlString(out)} (FORMAT json)`,
    );
  });
}

/**
 * Every row as CSV into `out`, with the header. DuckDB writes a NULL (an empty field) as nothing
 * and quotes only where needed, as chunkmill does: the files are byte-identical.
 */
export function duckdbConvertCsv(path, out, threads) {
  return withDuckdb(threads, async (run) => {
    await run(
      `COPY (SELECT * FROM read_csv(${sqlString(path)}, header = true, all_varchar = true)) TO ${sqlString(out)} (FORMAT csv, HEADER true)`,
    );
  });
}

/** SUMMARIZE, one row per column, with the fields the bench compares. */
export function duckdbSummarize(path, threads) {
  return withDuckdb(threads, async (run) => {
    const rows = await run(`SUMMARIZE SELECT * FROM read_csv(${sqlString(path)}, header = true)`);
    return rows.map((r) => ({
      column: String(r.column_name),
      type: String(r.column_type),
      min: r.min === null ? null : String(r.min),
      max: r.max === null ? null : String(r.max),
      avg: r.avg === null ? null : String(r.avg),
      count: Number(r.count),
      nullPercentage: Number(r.null_percentage),
    }));
  });
}

/**
 * Per value of `group`, an exact measure of `column`: quantile_cont(column, 0.5) (measure
 * 'median') or count(DISTINCT column) (measure 'distinct'), as { group: value } (a NULL group as
 * ""), against `chunkmill aggregate -g GROUP --median COLUMN` / `--distinct COLUMN`.
 */
export function duckdbGroupMeasure(path, group, measure, column, threads) {
  const expr = measure === 'median' ? `quantile_cont(${ident(column)}, 0.5)` : `count(DISTINCT ${ident(column)})`;
  return withDuckdb(threads, async (run) => {
    const rows = await run(
      `SELECT ${ident(group)} AS g, ${expr} AS v FROM read_csv(${sqlString(path)}, header = true) GROUP BY ${ident(group)}`,
    );
    const out = {};
    for (const r of rows) out[r.g === null ? '' : String(r.g)] = r.v === null ? null : Number(r.v);
    return out;
  });
}

// As a process: node bench/duckdb.mjs groupBy|convert|convertCsv|summarize THREADS PATH [OUT COLUMNS_JSON]
//   or          node bench/duckdb.mjs median|distinct THREADS PATH GROUP COLUMN
// prints {"answer": ..., "cpuMs": ..., "peakRssMiB": ...} on stdout.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [job, threadsText, path, out, columnsJson] = process.argv.slice(2);
  const threads = Number(threadsText);
  let answer = null;
  if (job === 'groupBy') answer = await duckdbGroupBy(path, threads);
  else if (job === 'convert') await duckdbConvert(path, JSON.parse(columnsJson), out, threads);
  else if (job === 'convertCsv') await duckdbConvertCsv(path, out, threads);
  else if (job === 'summarize') answer = await duckdbSummarize(path, threads);
  else if (job === 'median' || job === 'distinct')
    answer = await duckdbGroupMeasure(path, out, job, columnsJson, threads);
  else
    throw new Error(`unknown job ${JSON.stringify(job)}: groupBy, convert, convertCsv, summarize, median or distinct`);
  const usage = resourceUsage();
  const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
  process.stdout.write(`${JSON.stringify({ answer, cpuMs, peakRssMiB: usage.maxRSS / 1024 })}\n`);
}
