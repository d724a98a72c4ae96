/**
 * What the CLI does to a result table before it is written: `--sort -count,origin` and
 * `--limit 10`, and `--types` for the text cells of JSON output. The engine's rows come in order
 * of first appearance; these are the command line's conveniences over them.
 */
import { InvalidArgumentError } from 'commander';
import { bigIntegerOf, typedValue } from '../../internal.js';
import { UsageError } from '../errors.js';
import type { Cell } from './table.js';

export interface SortKey {
  column: string;
  descending: boolean;
}

/** "-count,origin" -> count descending, then origin ascending ('+' may mark ascending). */
export function parseSort(text: string): SortKey[] {
  const keys = text.split(',').map((part) => {
    const descending = part.startsWith('-');
    const column = descending || part.startsWith('+') ? part.slice(1) : part;
    return { column, descending };
  });
  if (keys.some((k) => k.column === ''))
    throw new InvalidArgumentError('expected comma-separated columns, each with - for descending, e.g. -count,origin');
  return keys;
}

/** The engine's number grammar, for text that sorts as a number (group keys are text). */
const NUMERIC = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/**
 * A cell's sort value: numbers, and text that reads as one, compare as numbers (an integer beyond
 * 2^53 as a bigint, exactly: JavaScript compares it with a number exactly). An empty cell is
 * NULL, whether the engine gave null or the empty text of a group key.
 */
function sortValue(v: Cell): number | bigint | string | null {
  if (v === null || v === '') return null;
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return NUMERIC.test(v) ? (bigIntegerOf(v) ?? Number(v)) : v;
}

/** Code point order (as bytes of UTF-8 sort), not UTF-16 unit order. */
function compareText(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * Rows sorted by `keys`: numbers before text, each in its order; empty cells last whichever the
 * direction (as DuckDB's NULLS LAST). Stable: ties keep the engine's order (first appearance).
 */
export function sortRows(columns: readonly string[], rows: Cell[][], keys: readonly SortKey[]): Cell[][] {
  const at = keys.map((k) => {
    const i = columns.indexOf(k.column);
    if (i < 0) {
      const near = columns.find((c) => c.toLowerCase() === k.column.toLowerCase());
      throw new UsageError(
        `--sort: no column ${JSON.stringify(k.column)} in the result; its columns are ${columns.map((c) => JSON.stringify(c)).join(', ')}`,
        near !== undefined ? `did you mean ${JSON.stringify(near)}?` : undefined,
      );
    }
    return { i, sign: k.descending ? -1 : 1 };
  });
  const values = rows.map((r) => at.map(({ i }) => sortValue(r[i] ?? null)));
  const order = rows.map((_, n) => n);
  order.sort((p, q) => {
    for (let k = 0; k < at.length; k++) {
      const a = values[p]![k]!;
      const b = values[q]![k]!;
      if (a === b) continue;
      if (a === null) return 1;
      if (b === null) return -1;
      let d: number;
      if (typeof a !== 'string' && typeof b !== 'string') d = a < b ? -1 : a > b ? 1 : 0;
      else if (typeof a !== 'string') d = -1;
      else if (typeof b !== 'string') d = 1;
      else d = compareText(a, b);
      if (d !== 0) return d * at[k]!.sign;
    }
    return 0;
  });
  return order.map((n) => rows[n]!);
}

export interface ResultShaping {
  sort?: SortKey[];
  limit?: number;
  /** JSON output: text cells as the values they read as (typedValue). */
  types?: boolean;
}

/** Sort, then limit, then type: what `--sort`, `--limit` and `--types` ask of a result table. */
export function shapeRows(columns: readonly string[], rows: Cell[][], o: ResultShaping): Cell[][] {
  let out = o.sort !== undefined ? sortRows(columns, rows, o.sort) : rows;
  if (o.limit !== undefined) out = out.slice(0, o.limit);
  if (o.types) out = out.map((r) => r.map((v) => (typeof v === 'string' ? typedValue(v) : v)));
  return out;
}
