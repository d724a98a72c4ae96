/**
 * The k-th smallest of a Float64Array range, in place, in expected linear time (quickselect with a
 * median-of-three pivot), for exact quantiles: V8's TypedArray sort took ~750 ms for a million
 * doubles where this takes ~50-120 ms (same machine, same values). After a bounded number of
 * rounds it sorts what is left, so a pivot-defeating order costs a sort, never quadratic time.
 * The values hold no NaN (NULLs never reach them).
 */

/** Puts the k-th smallest (0-based) of a[from, to) at a[k], smaller-or-equal ones before it. */
export function selectKth(a: Float64Array, from: number, to: number, k: number): void {
  let lo = from;
  let hi = to - 1;
  for (let rounds = 0; hi > lo; rounds++) {
    if (rounds > 64) {
      a.subarray(lo, hi + 1).sort();
      return;
    }
    const x = a[lo]!;
    const y = a[(lo + hi) >>> 1]!;
    const z = a[hi]!;
    const pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z)); // the median of the three
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    // Now a[lo..j] <= pivot, a[i..hi] >= pivot, and a[j+1..i-1] equal the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/** The smallest of a[from, to). */
export function minOf(a: Float64Array, from: number, to: number): number {
  let m = a[from]!;
  for (let i = from + 1; i < to; i++) if (a[i]! < m) m = a[i]!;
  return m;
}
