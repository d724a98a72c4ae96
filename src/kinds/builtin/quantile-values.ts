/**
 * A quantile's state: every value of its group in a Float64Array that grows by doubling, values
 * [0, n); partials concatenate (one typed-array copy each), and the quantile is found by selection.
 */
import { countKth, minOf, selectKth } from './select-kth.js';

/** countKth's two order statistics. */
const pair = new Float64Array(2);

/** The part of a measure's state a quantile uses. */
export interface Values {
  n: number;
  values?: Float64Array;
}

/** Appends v to a quantile's values (growing them by doubling), counting it. */
export function pushValue(acc: Values, v: number): void {
  let values = acc.values!;
  if (acc.n === values.length) {
    const bigger = new Float64Array(values.length * 2);
    bigger.set(values);
    values = acc.values = bigger;
  }
  values[acc.n++] = v;
}

/** Appends from's values to into's, one copy of the lot (the typed arrays concatenated). */
export function appendValues(into: Values, from: Values): void {
  const n = into.n + from.n;
  if (n > into.values!.length) {
    let size = into.values!.length;
    while (size < n) size *= 2;
    const bigger = new Float64Array(size);
    bigger.set(into.values!.subarray(0, into.n));
    into.values = bigger;
  }
  into.values!.set(from.values!.subarray(0, from.n), into.n);
  into.n = n;
}

/**
 * The q-quantile of values[0, n), interpolated (type 7); may reorder `values` in place. The two
 * order statistics are found by counting where the values allow it, else by selection
 * (select-kth.ts), not a sort: exact, and linear.
 */
export function quantile(values: Float64Array, n: number, q: number): number | null {
  if (n === 0) return null;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const exact = h === lo || lo + 1 >= n; // no next order statistic to interpolate toward
  let low: number;
  let next: number;
  if (countKth(values, n, lo, pair)) {
    low = pair[0]!;
    next = pair[1]!;
  } else {
    selectKth(values, 0, n, lo);
    low = values[lo]!;
    // The next order statistic is the smallest of what selection left after lo.
    next = exact ? low : minOf(values, lo + 1, n);
  }
  return exact ? low : low + (h - lo) * (next - low);
}
