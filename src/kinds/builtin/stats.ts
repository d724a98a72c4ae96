/**
 * The task behind `chunkmill stats`: per column its type, count, empty, min, max, mean and
 * distinct count, in one pass on every core.
 *
 * - type: the narrowest of integer < number < string that holds every non-empty value; `empty`
 *   when the column has no values at all. A number is what the engine parses as one (`-12`,
 *   `3.50`, `.5`, `1e-3`, spaces around allowed); integer is a number without '.' or exponent.
 *   A number with a leading zero (`00501`, a zip code) is text, as `convert --types` reads it.
 * - count: non-empty fields; empty: empty fields (count + empty = rows).
 * - min / max: numeric for integer and number columns, by UTF-16 code unit order for strings; an
 *   integer beyond 2^53 is exact, a BigInt (a double would give a number that is not in the file).
 * - mean: numeric columns only, from an exact sum (so it is the same for every chunk size).
 * - distinct: non-empty values, exact up to `distinctLimit` (default 10,000), above it a
 *   HyperLogLog estimate (~0.8% error, never above `count`) and `distinctExact: false`. Whether a result is exact
 *   depends only on the number of distinct values, never on chunking, so combine stays associative.
 *
 * Imported by each worker thread: it loads only the task API and two small helpers, not the engine.
 * The engine recognises this module and runs its reduce from the record bytes (stats-bytes.ts),
 * building the same accumulator; reduce() below is that path's definition and reference.
 */
import { defineTask } from '../../api/tasks.js';
import { bigIntegerOf, isBeyondSafe } from '../../csv/big-integer.js';
import { numberText } from '../../csv/fields.js';
import { replacesExtreme } from '../aggregate/exact-extreme.js';
import { addBigInt, addExact, exactSumValue, mergeExact, newExactSum, type ExactSum } from '../aggregate/exact-sum.js';
import { addToSketch, estimate, mergeSketches, newSketch } from './hll.js';
import { DEFAULT_DISTINCT_LIMIT, type StatsParams } from './stats-params.js';
import { hasLeadingZero } from './typed-value.js';

/** Type ranks: the widest seen wins when values or partials meet. */
const EMPTY = 0,
  INTEGER = 1,
  NUMBER = 2,
  STRING = 3;
const TYPE_NAMES = ['empty', 'integer', 'number', 'string'] as const;
export type ColumnType = (typeof TYPE_NAMES)[number];

const INTEGER_RE = /^\s*[+-]?\d+\s*$/;
const NUMBER_RE = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** Plain data only: accumulators cross threads by structured clone. */
export interface ColumnAcc {
  type: number;
  count: number;
  empty: number;
  numMin: number;
  numMax: number;
  /** numMin / numMax exactly, where it is an integer beyond the safe range; else null. */
  bigMin: bigint | null;
  bigMax: bigint | null;
  sum: ExactSum;
  strMin: string | null;
  strMax: string | null;
  /** Exact distinct values; null once past the limit (then `sketch` holds them). */
  distinct: Set<string> | null;
  sketch: Uint8Array | null;
}

export interface StatsAcc {
  rows: number;
  limit: number;
  columns: ColumnAcc[];
}

export interface ColumnStats {
  column: string;
  type: ColumnType;
  count: number;
  empty: number;
  min: number | bigint | string | null;
  max: number | bigint | string | null;
  mean: number | null;
  distinct: number;
  distinctExact: boolean;
}

export interface StatsResult {
  rows: number;
  columns: ColumnStats[];
}

export function newColumn(): ColumnAcc {
  return {
    type: EMPTY,
    count: 0,
    empty: 0,
    numMin: Infinity,
    numMax: -Infinity,
    bigMin: null,
    bigMax: null,
    sum: newExactSum(),
    strMin: null,
    strMax: null,
    distinct: new Set(),
    sketch: null,
  };
}

function toSketch(values: Iterable<string>): Uint8Array {
  const sketch = newSketch();
  for (const v of values) addToSketch(sketch, v);
  return sketch;
}

/** A value's type rank by the rules above, and its number (0 for text). */
export function classify(text: string): { kind: number; value: number } {
  const kind = kindOf(text);
  return { kind, value: kind === STRING ? 0 : Number(numberText(text)) };
}

function kindOf(raw: string): number {
  const text = numberText(raw); // a decimal comma read as the grammar's point
  const kind = INTEGER_RE.test(text) ? INTEGER : NUMBER_RE.test(text) ? NUMBER : STRING;
  return kind !== STRING && hasLeadingZero(text) ? STRING : kind;
}

/** A numeric value's BigInt if it is an integer beyond the safe range (its double `n` is not exact); else null. */
export function bigValueOf(kind: number, n: number, text: string): bigint | null {
  return kind === INTEGER && isBeyondSafe(n) ? bigIntegerOf(text) : null;
}

/** A numeric value's step of the column's min and max (strict: of ties the first stays). */
export function addToRange(c: ColumnAcc, n: number, big: bigint | null): void {
  if (big === null && c.bigMin === null && c.bigMax === null) {
    if (n < c.numMin) c.numMin = n;
    if (n > c.numMax) c.numMax = n;
    return;
  }
  if (replacesExtreme(true, n, big ?? undefined, c.numMin, c.bigMin ?? undefined)) {
    c.numMin = n;
    c.bigMin = big;
  }
  if (replacesExtreme(false, n, big ?? undefined, c.numMax, c.bigMax ?? undefined)) {
    c.numMax = n;
    c.bigMax = big;
  }
}

/** Past the limit, the exact set becomes a sketch (of the same values). */
export function settleDistinct(c: ColumnAcc, limit: number): void {
  if (c.distinct !== null && c.distinct.size > limit) {
    c.sketch = toSketch(c.distinct);
    c.distinct = null;
  }
}

export function addValue(c: ColumnAcc, text: string, limit: number): void {
  if (text === '') {
    c.empty++;
    return;
  }
  c.count++;
  if (c.strMin === null || text < c.strMin) c.strMin = text;
  if (c.strMax === null || text > c.strMax) c.strMax = text;
  // Once a column holds text, its numeric figures are never reported: skip the parsing.
  if (c.type !== STRING) {
    const kind = kindOf(text);
    if (kind > c.type) c.type = kind;
    if (kind !== STRING) {
      const n = Number(numberText(text));
      const big = bigValueOf(kind, n, text);
      addToRange(c, n, big);
      if (big === null) addExact(c.sum, n);
      else addBigInt(c.sum, big);
    }
  }
  if (c.distinct !== null) {
    c.distinct.add(text);
    settleDistinct(c, limit);
  } else addToSketch(c.sketch!, text);
}

export function mergeColumn(a: ColumnAcc, b: ColumnAcc, limit: number): ColumnAcc {
  a.type = Math.max(a.type, b.type);
  a.count += b.count;
  a.empty += b.empty;
  if (a.bigMin === null && b.bigMin === null) a.numMin = Math.min(a.numMin, b.numMin);
  else if (replacesExtreme(true, b.numMin, b.bigMin ?? undefined, a.numMin, a.bigMin ?? undefined)) {
    a.numMin = b.numMin;
    a.bigMin = b.bigMin;
  }
  if (a.bigMax === null && b.bigMax === null) a.numMax = Math.max(a.numMax, b.numMax);
  else if (replacesExtreme(false, b.numMax, b.bigMax ?? undefined, a.numMax, a.bigMax ?? undefined)) {
    a.numMax = b.numMax;
    a.bigMax = b.bigMax;
  }
  mergeExact(a.sum, b.sum);
  if (b.strMin !== null && (a.strMin === null || b.strMin < a.strMin)) a.strMin = b.strMin;
  if (b.strMax !== null && (a.strMax === null || b.strMax > a.strMax)) a.strMax = b.strMax;
  if (a.distinct !== null && b.distinct !== null) {
    for (const v of b.distinct) a.distinct.add(v);
    settleDistinct(a, limit);
  } else {
    // Either side is past the limit, so the union is too: sketch both and merge registers.
    const sa = a.sketch ?? toSketch(a.distinct!);
    const sb = b.sketch ?? toSketch(b.distinct!);
    a.sketch = mergeSketches(sa, sb);
    a.distinct = null;
  }
  return a;
}

export function columnStats(name: string, c: ColumnAcc): ColumnStats {
  const numeric = c.type === INTEGER || c.type === NUMBER;
  return {
    column: name,
    type: TYPE_NAMES[c.type]!,
    count: c.count,
    empty: c.empty,
    min: c.type === EMPTY ? null : numeric ? (c.bigMin ?? c.numMin) : c.strMin,
    max: c.type === EMPTY ? null : numeric ? (c.bigMax ?? c.numMax) : c.strMax,
    mean: numeric && c.count > 0 ? exactSumValue(c.sum) / c.count : null,
    // An estimate can overshoot; there are never more distinct values than values.
    distinct: c.distinct !== null ? c.distinct.size : Math.min(estimate(c.sketch!), c.count),
    distinctExact: c.distinct !== null,
  };
}

export function limitOf(params: StatsParams | undefined): number {
  const limit = params?.distinctLimit;
  return typeof limit === 'number' && Number.isSafeInteger(limit) && limit >= 0 ? limit : DEFAULT_DISTINCT_LIMIT;
}

export default defineTask<StatsAcc, StatsResult, StatsParams | undefined>({
  init(ctx) {
    return { rows: 0, limit: limitOf(ctx.params), columns: ctx.columns.map(newColumn) };
  },
  reduce(acc, row) {
    acc.rows++;
    const cols = acc.columns;
    for (let i = 0; i < cols.length; i++) addValue(cols[i]!, row.get(i), acc.limit);
  },
  combine(a, b) {
    a.rows += b.rows;
    // A partial from an empty chunk may know no columns yet; keep the side that does.
    if (a.columns.length < b.columns.length) [a.columns, b.columns] = [b.columns, a.columns];
    b.columns.forEach((c, i) => {
      mergeColumn(a.columns[i]!, c, a.limit);
    });
    return a;
  },
  finalize(acc, { columns }) {
    return { rows: acc.rows, columns: columns.map((name, i) => columnStats(name, acc.columns[i] ?? newColumn())) };
  },
});
