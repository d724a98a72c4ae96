/**
 * Exact summation (src/tasks/exact-sum.ts): the result is the correctly rounded value of the
 * true sum of the doubles, whatever the order of the additions and however the values were split
 * into partial sums that were merged. The reference is exact rational arithmetic in BigInt.
 */
import { describe, expect, test } from 'vitest';
import {
  addExact,
  exactSumValue,
  mergeExact,
  newExactSum,
  type ExactSum,
} from '../../src/kinds/aggregate/exact-sum.ts';
import { rng } from '../helpers/random-csv.ts';

/** Every finite double is an integer multiple of 2^-1074; this is that integer. */
function toUnits(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  if (exponent === 0x7ff) throw new Error('not finite');
  const units = exponent === 0 ? fraction : (fraction | (1n << 52n)) << BigInt(exponent - 1);
  return negative ? -units : units;
}

/** The double nearest to units * 2^-1074, ties to even (IEEE round-to-nearest). */
function fromUnits(units: bigint): number {
  const negative = units < 0n;
  let n = negative ? -units : units;
  const length = n.toString(2).length;
  let scale = 0;
  if (length > 53) {
    scale = length - 53;
    const rest = n & ((1n << BigInt(scale)) - 1n);
    const half = 1n << BigInt(scale - 1);
    n >>= BigInt(scale);
    if (rest > half || (rest === half && (n & 1n) === 1n)) n += 1n;
  }
  // n <= 2^53 is exact as a double, and so is the result (or it overflows): scale in two steps so
  // neither power of two over- or underflows on its own.
  const e = scale - 1074;
  const half = Math.trunc(e / 2);
  const magnitude = Number(n) * 2 ** half * 2 ** (e - half);
  return negative ? -magnitude : magnitude;
}

function exactReference(values: number[]): number {
  return fromUnits(values.reduce((s, v) => s + toUnits(v), 0n));
}

function sumOf(values: number[]): number {
  const partials: ExactSum = newExactSum();
  for (const v of values) addExact(partials, v);
  return exactSumValue(partials);
}

function shuffle<T>(list: T[], random: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

test('the BigInt reference is itself right on known sums', () => {
  expect(exactReference([0.1, 0.2])).toBe(0.30000000000000004);
  expect(exactReference([1e16, 1, -1e16])).toBe(1);
  expect(exactReference([5e-324, 5e-324])).toBe(1e-323);
  expect(exactReference([2 ** 53, 1])).toBe(2 ** 53); // tie, to even
  expect(exactReference([2 ** 53, 3])).toBe(2 ** 53 + 4); // tie, to even
  expect(exactReference([1e308, 1e308, -1e308])).toBe(1e308);
  expect(exactReference([Number.MAX_VALUE])).toBe(Number.MAX_VALUE);
});

describe('known cases where naive summation is wrong', () => {
  test.each([
    ['1e16 + 1 - 1e16', [1e16, 1, -1e16], 1],
    ['1e100 + 1 - 1e100', [1e100, 1, -1e100], 1],
    ['1 + 1e100 + 1 - 1e100', [1, 1e100, 1, -1e100], 2],
    ['2^53 + 1 + 1', [2 ** 53, 1, 1], 2 ** 53 + 2],
    ['ten times 0.1', Array<number>(10).fill(0.1), 1],
    ['0.1 + 0.2 + 0.3', [0.1, 0.2, 0.3], 0.6],
    ['1e308 - 1e308 + 1e308', [1e308, -1e308, 1e308], 1e308],
    ['subnormals', [5e-324, 5e-324, 5e-324, -5e-324], 1e-323],
  ])('%s', (_, values, expected) => {
    expect(sumOf(values)).toBe(expected);
  });

  test('nothing to add is 0; a single value is itself', () => {
    expect(exactSumValue(newExactSum())).toBe(0);
    expect(sumOf([-2.5])).toBe(-2.5);
    expect(sumOf([5e-324])).toBe(5e-324);
  });

  test('a sum that is exactly half-way between two doubles rounds to even', () => {
    // 2^53 + 1 is half-way between 2^53 and 2^53 + 2; the tiny third term decides which way.
    expect(sumOf([2 ** 53, 1])).toBe(2 ** 53);
    expect(sumOf([2 ** 53, 1, 2 ** -30])).toBe(2 ** 53 + 2);
    expect(sumOf([2 ** 53, 1, -(2 ** -30)])).toBe(2 ** 53);
    expect(sumOf([2 ** 53, 3])).toBe(2 ** 53 + 4);
  });
});

describe('near the top of the double range', () => {
  test('a partial sum that overflows midway does not change the exact result, in any order', () => {
    // The true sum is 1e308 in every order; only the order of additions differs.
    for (const order of [
      [1e308, -1e308, 1e308],
      [1e308, 1e308, -1e308],
      [-1e308, 1e308, 1e308],
    ]) {
      expect(sumOf(order), order.join(' + ')).toBe(1e308);
    }
    // The same values as two chunk partials merged (1e308 | 1e308 - 1e308) and as one chunk.
    const merged: ExactSum = newExactSum();
    addExact(merged, 1e308);
    const other: ExactSum = newExactSum();
    addExact(other, 1e308);
    addExact(other, -1e308);
    mergeExact(merged, other);
    expect(exactSumValue(merged)).toBe(sumOf([1e308, 1e308, -1e308]));
  });

  test('a sum beyond the largest double rounds to Infinity (IEEE round-to-nearest), not NaN', () => {
    expect(sumOf([1e308, 1e308])).toBe(Infinity);
    expect(sumOf([-1e308, -1e308])).toBe(-Infinity);
    expect(sumOf([Number.MAX_VALUE, 1])).toBe(Number.MAX_VALUE); // far below half an ulp
  });
});

/** Doubles across many magnitudes, with cancellation: the cases where order matters most. */
function randomValues(random: () => number, n: number): number[] {
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = random();
    const magnitude = 2 ** Math.floor(random() * 200 - 100);
    let v = (random() - 0.5) * magnitude;
    if (r < 0.1 && values.length > 0)
      v = -values[Math.floor(random() * values.length)]!; // cancel an earlier value
    else if (r < 0.2) v = Math.round(random() * 1e6) / 100; // money-like
    values.push(v);
  }
  return values;
}

describe('against exact rational arithmetic', () => {
  test.each(Array.from({ length: 30 }, (_, i) => i + 1))(
    'seed %i: any order, any split into merged partials',
    (seed) => {
      const random = rng(seed);
      const values = randomValues(random, 1 + Math.floor(random() * 200));
      const expected = exactReference(values);
      expect(sumOf(values)).toBe(expected);
      for (let trial = 0; trial < 5; trial++) {
        const order = shuffle(values, random);
        expect(sumOf(order)).toBe(expected);
        // Split into chunks summed separately, then merged in order: what the engine does.
        const merged: ExactSum = newExactSum();
        let at = 0;
        while (at < order.length) {
          const n = 1 + Math.floor(random() * 20);
          const chunk: ExactSum = newExactSum();
          for (const v of order.slice(at, at + n)) addExact(chunk, v);
          mergeExact(merged, chunk);
          at += n;
        }
        expect(exactSumValue(merged)).toBe(expected);
      }
    },
  );
});
