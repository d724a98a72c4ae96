/**
 * Selection for exact quantiles (select-kth.ts): every k of many arrays (random, duplicates,
 * sorted, reversed, all equal, organ pipe, -0 and 0) gives the sorted array's k-th value, and
 * quantile() the type-7 interpolation of the sorted values (-0 and 0 count as equal); counting
 * (countKth) gives the same two order statistics on large integer arrays, and declines the rest.
 */
import { expect, test } from 'vitest';
import { quantile } from '../../src/kinds/builtin/group-measures.ts';
import { countKth, minOf, selectKth } from '../../src/kinds/builtin/select-kth.ts';
import { rng } from '../helpers/random-csv.ts';

function arrays(): Float64Array[] {
  const random = rng(7);
  const out: Float64Array[] = [];
  for (const n of [1, 2, 3, 5, 17, 100, 1001]) {
    out.push(Float64Array.from({ length: n }, () => random() * 100 - 50));
    out.push(Float64Array.from({ length: n }, () => Math.floor(random() * 4)));
    out.push(Float64Array.from({ length: n }, (_, i) => i));
    out.push(Float64Array.from({ length: n }, (_, i) => n - i));
    out.push(new Float64Array(n).fill(3));
    out.push(Float64Array.from({ length: n }, (_, i) => Math.min(i, n - i)));
    out.push(Float64Array.from({ length: n }, (_, i) => (i % 2 ? -0 : 0)));
  }
  return out;
}

test('selectKth puts the sorted k-th value at k, smaller-or-equal before it, for every k', () => {
  const wrong: string[] = [];
  for (const base of arrays()) {
    const sorted = base.slice().sort();
    for (let k = 0; k < base.length; k++) {
      const a = base.slice();
      selectKth(a, 0, a.length, k);
      // -0 and 0 are equal to selection (and print alike); a sort orders them.
      let ok = a[k] === sorted[k];
      for (let i = 0; i < k; i++) ok &&= a[i]! <= a[k]!;
      if (k + 1 < a.length) ok &&= minOf(a, k + 1, a.length) === sorted[k + 1];
      if (!ok) wrong.push(`n ${base.length} k ${k}: ${base.slice(0, 8).join(' ')}...`);
    }
  }
  expect(wrong).toEqual([]);
});

test('quantile by selection equals the sorted type-7 formula at any q', () => {
  for (const base of arrays()) {
    const sorted = Array.from(base).sort((x, y) => x - y);
    for (const q of [0, 0.1, 0.25, 0.5, 0.9, 0.999, 1]) {
      const h = (sorted.length - 1) * q;
      const lo = Math.floor(h);
      const want = sorted[lo]! + (h - lo) * (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!);
      expect(quantile(base.slice(), base.length, q) === want).toBe(true);
    }
  }
});

/** Large integer arrays, the counting path's: narrow and wide spans (up to the limit), runs, one value. */
function integerArrays(): Float64Array[] {
  const random = rng(11);
  const out: Float64Array[] = [];
  for (const n of [4096, 4097, 10_000, 65_537]) {
    for (const span of [1, 2, 7, 300, 65_536]) {
      const low = Math.floor(random() * 2000) - 1000;
      out.push(Float64Array.from({ length: n }, () => low + Math.floor(random() * span)));
    }
    out.push(Float64Array.from({ length: n }, (_, i) => (i < n - 1 ? 5 : 65_540))); // one far value
    out.push(Float64Array.from({ length: n }, (_, i) => -1 - Math.floor(i / 97))); // runs, descending
  }
  return out;
}

test('countKth gives the sorted k-th and next values on large integer arrays, for many k', () => {
  const out = new Float64Array(2);
  for (const base of integerArrays()) {
    const sorted = base.slice().sort();
    const n = base.length;
    for (const k of [0, 1, n >> 2, (n >> 1) - 1, n >> 1, n - 2, n - 1]) {
      out.fill(NaN);
      expect(countKth(base, n, k, out), `n ${n} k ${k}`).toBe(true);
      expect([out[0], k + 1 < n ? out[1] : NaN]).toEqual([sorted[k], k + 1 < n ? sorted[k + 1] : NaN]);
    }
    for (const q of [0, 0.1, 0.5, 0.9, 1]) {
      const h = (n - 1) * q;
      const lo = Math.floor(h);
      const want = sorted[lo]! + (h - lo) * (sorted[Math.min(lo + 1, n - 1)]! - sorted[lo]!);
      expect(quantile(base.slice(), n, q)).toBe(want);
    }
  }
});

test('countKth declines fractions, -0, wide spans, large magnitudes and small arrays', () => {
  const out = new Float64Array(2);
  const n = 5000;
  const ints = () => Float64Array.from({ length: n }, (_, i) => i % 100);
  const cases: [string, Float64Array, number][] = [
    ['a fraction', ints().fill(0.5, 10, 11), n],
    ['-0', ints().fill(-0, 4000, 4001), n],
    ['a span past the limit', ints().fill(65_536, 7, 8), n],
    ['beyond int32', ints().fill(2 ** 40, 9, 10), n],
    ['fewer than 4096 values', ints(), 4095],
  ];
  for (const [what, a, count] of cases) expect(countKth(a, count, 10, out), what).toBe(false);
  expect(countKth(ints().fill(65_535, 7, 8), n, 10, out), 'a span at the limit').toBe(true);
});
