/**
 * Selection for exact quantiles (select-kth.ts): every k of many arrays (random, duplicates,
 * sorted, reversed, all equal, organ pipe, -0 and 0) gives the sorted array's k-th value, and
 * quantile() the type-7 interpolation of the sorted values (-0 and 0 count as equal).
 */
import { expect, test } from 'vitest';
import { quantile } from '../../src/kinds/builtin/group-measures.ts';
import { minOf, selectKth } from '../../src/kinds/builtin/select-kth.ts';
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
