/**
 * Exact floating-point summation (Shewchuk's non-overlapping partials, as in Python's math.fsum).
 *
 * Why not plain Neumaier compensation: the engine promises the same figures for *every* chunk
 * size, and chunking changes the order in which values are added. A compensated sum still rounds
 * differently for different orders in rare cases; an exact sum does not, because the partials
 * represent the true sum without error and only `exactSumValue` rounds (once, correctly). The
 * partial list stays short in practice (1-3 doubles), so `add` costs a few flops per value.
 */

/**
 * The running sum: lists of non-overlapping doubles whose exact total is the sum so far. Values of
 * magnitude >= 2^960 go to `big`, scaled by 2^-64 (exact for such values), so no intermediate
 * partial can overflow: 1e308 + 1e308 - 1e308 is 1e308 in any order, and an overflowing total is
 * +-Infinity, never NaN.
 */
export interface ExactSum {
  small: number[];
  big: number[];
  /**
   * Whether a value beyond the safe range was a double (`1e308`, `9007199254740993.5`), not an
   * integer: then the sum is a double (DuckDB's DOUBLE sum), never read as an exact integer.
   */
  double: boolean;
}

const BIG = 2 ** 960;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const DOWN = 2 ** -64;
const UP = 2 ** 64;

export function newExactSum(): ExactSum {
  return { small: [], big: [], double: false };
}

export function addExact(sum: ExactSum, value: number): void {
  if (value < BIG && value > -BIG) addPartial(sum.small, value);
  else addPartial(sum.big, value * DOWN);
}

/**
 * addExact for the hot path: adds `values[index]`. Reading the value here instead of receiving it
 * as an argument avoids boxing a double per call (V8 does not inline this into the row loop):
 * 1.17x on a 19-sum query (bench wide data). A Float64Array for the partials was tried and was
 * ~20% slower than this plain array, despite less GC.
 */
export function addExactAt(sum: ExactSum, values: Float64Array, index: number): void {
  const value = values[index]!;
  if (value < BIG && value > -BIG) addPartial(sum.small, value);
  else addPartial(sum.big, value * DOWN);
}

function addPartial(partials: number[], value: number): void {
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

/**
 * Adds an integer a double does not hold (big-integer.ts) exactly: as the few doubles whose sum
 * it is (each step takes the nearest double, the rest is exact as a BigInt), so the partials stay
 * the one representation of the sum and merge, pack and cross threads as before.
 */
export function addBigInt(sum: ExactSum, value: bigint): void {
  let rest = value;
  while (rest !== 0n) {
    const part = Number(rest);
    addExact(sum, part);
    rest -= BigInt(part);
  }
}

/** Adds packed partials (`small` of them, then `big`, from values[at]) into `into`. */
export function mergePacked(into: ExactSum, values: Float64Array, at: number, small: number, big: number): void {
  for (let j = 0; j < small; j++) addPartial(into.small, values[at + j]!);
  for (let j = 0; j < big; j++) addPartial(into.big, values[at + small + j]!);
}

/** Marks the sum a double's if `v` (a value just added) is beyond the safe range; values within it are exact either way. */
export function noteDouble(sum: ExactSum, v: number): void {
  if (v > MAX_SAFE || v < -MAX_SAFE) sum.double = true;
}

/** Adds every partial of `other` into `into` (exact, so the merge is associative). */
export function mergeExact(into: ExactSum, other: ExactSum): void {
  if (other.double) into.double = true;
  for (const v of other.small) addPartial(into.small, v);
  for (const v of other.big) addPartial(into.big, v);
}

/** The correctly rounded value of the exact sum. */
export function exactSumValue(sum: ExactSum): number {
  if (roundPartials(sum.big) === 0) return roundPartials(sum.small);
  // Both lists in the scaled domain (exact: the result is far from the subnormal range), rounded
  // once, then scaled back (exact, or +-Infinity when the true sum exceeds the largest double).
  const scaled = [...sum.big];
  for (const v of sum.small) addPartial(scaled, v * DOWN);
  return roundPartials(scaled) * UP;
}

/**
 * The sum as a user reads it: the correctly rounded double (exactSumValue), except that a sum
 * which is an integer beyond the safe range (|s| > 2^53 - 1) is that integer exactly, a BigInt,
 * as DuckDB's HUGEINT sum of integers is, unless a double beyond the safe range was added
 * (`double`). Both depend only on the values, not on chunking.
 */
export function exactSumResult(sum: ExactSum): number | bigint {
  const rounded = exactSumValue(sum);
  // An integer sum within the safe range rounds to itself; one beyond rounds to beyond (rounding is monotone).
  if (sum.double || (rounded <= MAX_SAFE && rounded >= -MAX_SAFE)) return rounded;
  let whole = 0n;
  const fractions: number[] = [];
  for (const p of sum.small) {
    const t = Math.trunc(p);
    whole += BigInt(t);
    if (p !== t) addPartial(fractions, p - t);
  }
  // Big partials are multiples of 2^844 (values >= 2^960 scaled by 2^-64): integers.
  for (const p of sum.big) whole += BigInt(p) << 64n;
  // The fractions' exact sum is 0 exactly when they round to 0 (it is a multiple of 2^-1074).
  return roundPartials(fractions) === 0 ? whole : rounded;
}

/** The correctly rounded value of non-overlapping partials (round-half-even across them). */
function roundPartials(partials: number[]): number {
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
