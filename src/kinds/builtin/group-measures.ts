/**
 * The task behind `chunkmill aggregate` when it is asked for measures the byte-level aggregate
 * does not keep: distinct counts and quantiles (median, p90). Both are exact, which costs memory:
 * a distinct count keeps every distinct value of its group, a quantile every value (8 bytes
 * each), until the end. The other measures (count, sum, mean, min, max) come out exactly as the
 * built-in aggregate computes them: the same number parser, exact sums, NULL for empty fields,
 * integers beyond 2^53 exact (BigInt) in sum, min and max, and groups in order of first appearance.
 *
 * Quantiles interpolate between the two nearest values (R's type 7, DuckDB's quantile_cont):
 * position (n - 1) * q of the sorted values; the median of an even count is the mean of the two
 * middle values.
 *
 * The engine recognises this module and, where every key is a plain column, runs its reduce from
 * the record bytes instead (group-measures-bytes.ts): the same accumulator, built without strings.
 *
 * Imported by each worker thread: it loads only the task API and two small helpers, not the engine.
 */
import type { BadNumberPolicy } from '../../api/options.js';
import { defineTask, type Row } from '../../api/tasks.js';
import { bigIntegerOf, isBeyondSafe } from '../../csv/big-integer.js';
import { replacesExtreme } from '../aggregate/exact-extreme.js';
import {
  addBigInt,
  addExact,
  exactSumResult,
  exactSumValue,
  mergeExact,
  newExactSum,
  noteDouble,
  type ExactSum,
} from '../aggregate/exact-sum.js';
import { unknownColumn } from '../unknown-column.js';
import { type ByteSet, distinctCount, mergeByteSets } from './byte-set.js';
import { groupKeys } from './group-keys.js';
import { appendValues, pushValue, quantile } from './quantile-values.js';

export { quantile };

export type GroupMeasureKind =
  | 'count'
  | 'sum'
  | 'mean'
  | 'min'
  | 'max'
  | 'distinct'
  | 'quantile'
  | 'stddev'
  | 'variance'
  | 'mode';

export interface GroupMeasure {
  /** The result column. */
  name: string;
  kind: GroupMeasureKind;
  /** The column it reads (not for count). */
  column?: string;
  /** For quantile: 0..1 (0.5 is the median). */
  q?: number;
}

export interface GroupMeasuresParams {
  /** Columns or expressions (`month(date)`, `lower(city) as town`), as aggregate's groupBy. */
  groupBy: string[];
  measures: GroupMeasure[];
  /** For expressions in groupBy: a value that is not a date or number fails the job, or (skip) reads as NULL. */
  onBadNumber?: BadNumberPolicy;
}

/** One measure's state in one group; plain data (accumulators cross threads by structured clone). */
interface MeasureAcc {
  /** Values seen (not NULL). */
  n: number;
  sum?: ExactSum;
  extreme?: number;
  /** min/max: the extreme's BigInt where it is an integer beyond the safe range. */
  exact?: bigint;
  /** distinct: values that came as text (reduce(), or a field with a doubled quote)... */
  distinct?: Set<string>;
  /** ...and those that came as bytes (group-measures-bytes.ts); the count is of the union. */
  bytes?: ByteSet | undefined;
  /** quantile: the values, in values[0, n). */
  values?: Float64Array;
  /** stddev, var: the running mean and sum of squared deviations (Welford; merged by Chan's formula). */
  mean?: number;
  m2?: number;
  /** mode: each text's count, in order of first appearance. */
  tally?: Map<string, number>;
}

export interface GroupAcc {
  key: string[];
  rows: number;
  measures: MeasureAcc[];
}

export interface GroupMeasuresAcc {
  /** The params' measures: combine() gets no context. */
  measures: GroupMeasure[];
  groups: Map<string, GroupAcc>;
}

export type GroupRow = Record<string, string | number | bigint | null>;

function newMeasure(m: GroupMeasure): MeasureAcc {
  switch (m.kind) {
    case 'sum':
    case 'mean':
      return { n: 0, sum: newExactSum() };
    case 'min':
      return { n: 0, extreme: Infinity };
    case 'max':
      return { n: 0, extreme: -Infinity };
    case 'distinct':
      return { n: 0, distinct: new Set(), bytes: undefined };
    case 'quantile':
      return { n: 0, values: new Float64Array(16) };
    case 'stddev':
    case 'variance':
      return { n: 0, mean: 0, m2: 0 };
    case 'mode':
      return { n: 0, tally: new Map() };
    default:
      return { n: 0 };
  }
}

function newGroup(key: string[], params: GroupMeasuresParams): GroupAcc {
  return { key, rows: 0, measures: params.measures.map(newMeasure) };
}

/** One row's value of measure m into its state in the row's group. */
export function addMeasure(acc: MeasureAcc, m: GroupMeasure, row: Row): void {
  if (m.kind === 'count') return;
  if (m.kind === 'distinct' || m.kind === 'mode') {
    const text = row.get(m.column!);
    if (text === '') return; // NULL
    if (m.kind === 'distinct') acc.distinct!.add(text);
    else acc.tally!.set(text, (acc.tally!.get(text) ?? 0) + 1);
    acc.n++;
    return;
  }
  const v = row.number(m.column!);
  if (v === null) return;
  if (m.kind === 'stddev' || m.kind === 'variance') {
    // Welford: stable where the naive sum of squares cancels (large values, small spread).
    acc.n++;
    const delta = v - acc.mean!;
    acc.mean! += delta / acc.n;
    acc.m2! += delta * (v - acc.mean!);
    return;
  }
  const big = isBeyondSafe(v) ? bigIntegerOf(row.get(m.column!)) : null;
  if (m.kind === 'sum' || m.kind === 'mean') {
    if (big !== null) addBigInt(acc.sum!, big);
    else {
      addExact(acc.sum!, v);
      noteDouble(acc.sum!, v);
    }
  } else if (m.kind === 'min' || m.kind === 'max') extreme(acc, m.kind === 'min', v, big ?? undefined);
  else {
    pushValue(acc, v);
    return;
  }
  acc.n++;
}

/** Strict compares, as the aggregate's: of tied values (0 and -0) the first one stays. */
function extreme(acc: MeasureAcc, lower: boolean, v: number, big: bigint | undefined): void {
  if (!replacesExtreme(lower, v, big, acc.extreme!, acc.exact)) return;
  acc.extreme = v;
  acc.exact = big;
}

function merge(into: MeasureAcc, from: MeasureAcc, m: GroupMeasure): void {
  switch (m.kind) {
    case 'sum':
    case 'mean':
      mergeExact(into.sum!, from.sum!);
      break;
    case 'min':
    case 'max':
      extreme(into, m.kind === 'min', from.extreme!, from.exact);
      break;
    case 'distinct':
      for (const v of from.distinct!) into.distinct!.add(v);
      if (from.bytes !== undefined) {
        if (into.bytes === undefined) into.bytes = from.bytes;
        else mergeByteSets(into.bytes, from.bytes);
      }
      break;
    case 'mode':
      for (const [text, k] of from.tally!) into.tally!.set(text, (into.tally!.get(text) ?? 0) + k);
      break;
    case 'stddev':
    case 'variance': {
      // Chan et al.'s pairwise merge of two (n, mean, M2) partials.
      const n = into.n + from.n;
      if (from.n === 0) return;
      const delta = from.mean! - into.mean!;
      into.m2! += from.m2! + (delta * delta * into.n * from.n) / n;
      into.mean! += (delta * from.n) / n;
      into.n = n;
      return;
    }
    case 'quantile':
      appendValues(into, from);
      return;
  }
  into.n += from.n;
}

function value(acc: MeasureAcc, m: GroupMeasure, rows: number): string | number | bigint | null {
  switch (m.kind) {
    case 'count':
      return rows;
    case 'distinct':
      return distinctCount(acc.bytes, acc.distinct!);
    case 'sum':
      return acc.n === 0 ? null : exactSumResult(acc.sum!);
    case 'mean':
      return acc.n === 0 ? null : exactSumValue(acc.sum!) / acc.n;
    case 'quantile':
      return quantile(acc.values!, acc.n, m.q!);
    case 'variance':
      return acc.n < 2 ? null : acc.m2! / (acc.n - 1);
    case 'stddev':
      return acc.n < 2 ? null : Math.sqrt(acc.m2! / (acc.n - 1));
    case 'mode':
      return modeOf(acc.tally!);
    default:
      return acc.n === 0 ? null : (acc.exact ?? acc.extreme!);
  }
}

/** The most frequent text; of tied ones the first to appear (the tally keeps that order); null for none. */
function modeOf(tally: Map<string, number>): string | null {
  let best: string | null = null;
  let most = 0;
  for (const [text, k] of tally) {
    if (k > most) {
      best = text;
      most = k;
    }
  }
  return best;
}

/** The row's group in acc, added (empty) where it is new. */
export function groupOf(
  acc: GroupMeasuresAcc,
  row: Row,
  params: GroupMeasuresParams,
  columns: readonly string[],
): GroupAcc {
  const key = groupKeys(params, columns).read(row);
  // One column: its text is the key; several: their JSON, so field boundaries are unambiguous.
  const id = key.length === 1 ? key[0]! : JSON.stringify(key);
  let group = acc.groups.get(id);
  if (group === undefined) {
    group = newGroup(key, params);
    acc.groups.set(id, group);
  }
  return group;
}

export default defineTask<GroupMeasuresAcc, GroupRow[], GroupMeasuresParams>({
  init(ctx) {
    // Checked where the columns are known, so a typo fails before the first row, with a suggestion.
    const { measures } = ctx.params;
    groupKeys(ctx.params, ctx.columns);
    for (const m of measures)
      if (m.column !== undefined && !ctx.columns.includes(m.column))
        throw unknownColumn(m.column, `aggregate.measures.${m.name}`, ctx.columns, undefined);
    return { measures, groups: new Map() };
  },
  reduce(acc, row, ctx) {
    const { measures } = ctx.params;
    const group = groupOf(acc, row, ctx.params, ctx.columns);
    group.rows++;
    for (let m = 0; m < measures.length; m++) addMeasure(group.measures[m]!, measures[m]!, row);
  },
  // Chunks combine in order: a's groups first, then b's new ones, so first appearance holds.
  combine(a, b) {
    for (const [id, from] of b.groups) {
      const into = a.groups.get(id);
      if (into === undefined) {
        a.groups.set(id, from);
        continue;
      }
      into.rows += from.rows;
      from.measures.forEach((m, k) => {
        merge(into.measures[k]!, m, a.measures[k]!);
      });
    }
    return a;
  },
  finalize(acc, { params, columns }) {
    const { names } = groupKeys(params, columns);
    const groups = [...acc.groups.values()];
    // A global aggregate has one row even for no input rows, as the built-in one.
    if (groups.length === 0 && params.groupBy.length === 0) groups.push(newGroup([], params));
    return groups.map((g) => {
      const row: GroupRow = {};
      const set = (name: string, v: string | number | bigint | null): void => {
        Object.defineProperty(row, name, { value: v, enumerable: true, writable: true, configurable: true });
      };
      names.forEach((c, k) => {
        set(c, g.key[k]!);
      });
      params.measures.forEach((m, k) => {
        set(m.name, value(g.measures[k]!, m, g.rows));
      });
      return row;
    });
  },
});
