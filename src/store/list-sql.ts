/**
 * The SQL of list() for both stores: newest first, below a cursor, with the optional filters of a
 * ListQuery. A label filter is a range of job_meta's primary key (key, value, job_id) per label,
 * so a list by `userId` reads that user's jobs, not every spec; the name filter scans (names are
 * not indexed: a dashboard's search box, on a page of LIMIT rows).
 */
import type { ListQuery } from './records.js';
import { rowId } from './rows.js';

/** The most labels one list may filter on (the API refuses more). */
export const MAX_META_FILTERS = 8;

/**
 * `table` and `metaTable`: the tables' names as the dialect writes them; `param(n)`: the n-th
 * (1-based) parameter's placeholder (`?` or `$n`); `contains(a, b)`: a test that text `a` holds `b`.
 */
export function listSql(
  query: ListQuery,
  table: string,
  metaTable: string,
  param: (n: number) => string,
  contains: (haystack: string, needle: string) => string,
): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const p = (value: unknown) => {
    values.push(value);
    return param(values.length);
  };
  const where = [`id < ${p(query.cursor === undefined ? Number.MAX_SAFE_INTEGER : rowId(query.cursor))}`];
  if (query.state !== undefined) where.push(`state = ${p(query.state)}`);
  if (query.name !== undefined && query.name !== '')
    where.push(contains(`lower(coalesce(name, ''))`, `lower(${p(query.name)})`));
  for (const [key, value] of Object.entries(query.meta ?? {}).slice(0, MAX_META_FILTERS))
    where.push(`id IN (SELECT job_id FROM ${metaTable} WHERE key = ${p(key)} AND value = ${p(value)})`);
  const text = `SELECT * FROM ${table} WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ${p(query.limit + 1)}`;
  return { text, values };
}
