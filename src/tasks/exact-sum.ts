/**
 * Exact floating-point summation (Shewchuk's non-overlapping partials, as in Python's math.fsum).
 *
 * Why not plain Neumaier compensation: the engine promises the same figures for *every* chunk
 * size, and chunking changes the order in which values are added. A compensated sum still rounds
 * differently for different orders in rare cases; an exact sum does not, because the partials
 * represent the true sum without error and only `exactSumValue` rounds (once, correctly). The
 * partial list stays short in practice (1-3 doubles), so `add` costs a few flops per value.
 */

/** The running sum: a list of non-overlapping doubles whose exact total is the sum so far. */
export type ExactSum = number[];

export function addExact(partials: ExactSum, value: number): void {
  let x = value;
  let used = 0;
  for (let j = 0; j < partials.length; j++) {
    let y = partials[j]!;
    if (Math.abs(x) < Math.abs(y)) {
      const t = x;
      x = y;
      y = t;
    }
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) partials[used++] = lo;
    x = hi;
  }
  // Resize only when the count changes: setting `length` every call cost ~5% of a group-by sum.
  if (used === partials.length) partials.push(x);
  else {
    partials[used] = x;
    if (partials.length !== used + 1) partials.length = used + 1;
  }
}

/** Adds every partial of `other` into `into` (exact, so the merge is associative). */
export function mergeExact(into: ExactSum, other: ExactSum): void {
  for (const v of other) addExact(into, v);
}

/** The correctly rounded value of the exact sum (round-half-even across the partials). */
export function exactSumValue(partials: ExactSum): number {
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n]!;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n]!;
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  // If the remainder below `lo` pushes it past a half-way point, round `hi` the other way.
  if (n > 0 && ((lo < 0 && partials[n - 1]! < 0) || (lo > 0 && partials[n - 1]! > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}
