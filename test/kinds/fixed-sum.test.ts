/**
 * The exact sum's fast path (src/kinds/aggregate/fixed-sum.ts): values summed through FixedSums,
 * with the ones outside its window added to the ExactSum directly, give exactly the ExactSum of
 * all values, bit for bit (zeros' signs included), across the limbs' flush every 2^20 adds.
 */
import { expect, test } from 'vitest';
import { addExact, addExactAt, exactSumValue, newExactSum } from '../../src/kinds/aggregate/exact-sum.ts';
import { FixedSums } from '../../src/kinds/aggregate/fixed-sum.ts';
import { rng } from '../helpers/random-csv.ts';

function bothWays(values: number[]): { fast: number; plain: number; inWindow: number } {
  const plain = newExactSum();
  for (const v of values) addExact(plain, v);
  const fast = newExactSum();
  const fixed = new FixedSums();
  fixed.ensure(1);
  const slot = new Float64Array(1);
  let inWindow = 0;
  for (const v of values) {
    slot[0] = v;
    if (fixed.add(0, slot, 0, fast)) inWindow++;
    else addExactAt(fast, slot, 0);
  }
  fixed.flush(0, fast);
  return { fast: exactSumValue(fast), plain: exactSumValue(plain), inWindow };
}

test('decimal amounts, signs, tiny, huge and zero values: the same exact sum', () => {
  const random = rng(7);
  const values: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const r = random();
    if (r < 0.6)
      values.push((Math.floor(random() * 2e8) - 1e8) / 100); // 2-decimal amounts
    else if (r < 0.7)
      values.push((random() - 0.5) * 1e-9); // below the window's resolution
    else if (r < 0.8)
      values.push((random() - 0.5) * 1e300); // above its range
    else if (r < 0.85) values.push(random() < 0.5 ? 0 : -0);
    else values.push((random() - 0.5) * 2 ** 33); // around the 2^32 edge
  }
  const { fast, plain, inWindow } = bothWays(values);
  expect(Object.is(fast, plain)).toBe(true);
  expect(inWindow).toBeGreaterThan(10_000); // the fast path did take most values
});

test('cancelling values leave the exact remainder; only -0s keep their sign', () => {
  const a = [0.1, 1e-17, -0.1, 3.3, -3.3];
  expect(Object.is(bothWays(a).fast, bothWays(a).plain)).toBe(true);
  expect(Object.is(bothWays([-0, -0]).fast, -0)).toBe(true);
  expect(Object.is(bothWays([-0, 1.5, -1.5]).fast, bothWays([-0, 1.5, -1.5]).plain)).toBe(true);
});

test('past 2^20 adds the limbs flush and the sum stays exact', () => {
  const random = rng(3);
  const values = Array.from({ length: (1 << 20) + 12_345 }, () => (Math.floor(random() * 2 ** 40) - 2 ** 39) / 1024);
  const { fast, plain, inWindow } = bothWays(values);
  expect(inWindow).toBe(values.length);
  expect(fast).toBe(plain);
});
