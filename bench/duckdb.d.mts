// Types of duckdb.mjs (plain JavaScript so that its whole-process runs need no TypeScript loader).
import type { Answer } from './queries.ts';

export function duckdbVersion(): string;
export function duckdbGroupBy(path: string, threads: number): Promise<Answer>;

/** An open in-memory database and its one connection. */
export interface OpenDuckdb {
  run(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}
export function openDuckdb(threads: number): Promise<OpenDuckdb>;
export function groupByOn(run: OpenDuckdb['run'], path: string): Promise<Answer>;
export function duckdbConvertCsv(path: string, out: string, threads: number): Promise<void>;
export function duckdbConvert(path: string, columns: readonly string[], out: string, threads: number): Promise<void>;

/** SUMMARIZE's row for one column (the fields the bench compares). */
export interface SummaryRow {
  column: string;
  /** DuckDB's type for the column: BIGINT, DOUBLE, VARCHAR, DATE, TIMESTAMP, ... */
  type: string;
  min: string | null;
  max: string | null;
  avg: string | null;
  /** Rows (SUMMARIZE's count counts NULLs too). */
  count: number;
  /** NULL (empty) fields in percent of rows, rounded to 2 decimals. */
  nullPercentage: number;
}
export function duckdbSummarize(path: string, threads: number): Promise<SummaryRow[]>;
/** Per group value (NULL as ""), quantile_cont(column, 0.5) or count(DISTINCT column). */
export function duckdbGroupMeasure(
  path: string,
  group: string,
  measure: 'median' | 'distinct',
  column: string,
  threads: number,
): Promise<Record<string, number | null>>;
