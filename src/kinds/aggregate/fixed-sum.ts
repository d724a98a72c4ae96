/**
 * The exact sum's fast path: most values a CSV holds (amounts, counts, measurements with a few
 * decimals) are doubles whose lowest set bit is at least 2^-64 and whose magnitude is below 2^32.
 * Such a value is exactly   int + mid * 2^-32 + lo * 2^-64   with three integers below 2^32
 * (trunc and power-of-two scaling are exact), so it can be summed exactly in three plain double
 * adds, with no branch on the data and no array of partials to walk.
 *
 * Invariant: each limb sum is an integer below 2^32 * FLUSH_EVERY < 2^53 in magnitude, so every
 * add is exact; after FLUSH_EVERY adds (and before the sum is read) the limbs go into the general
 * ExactSum as three exact doubles and restart at 0. A value outside the window returns false and
 * the caller adds it to the ExactSum directly; both parts are exact, so the total is the same
 * exact sum, correctly rounded once, whatever mix of values and chunking: results do not change.
 *
 * Zeros never take this path (false): the general sum keeps the sign of a sum of only -0s.
 *
 * Measured (npx tsx bench/ab.ts --job groupBy --workers 0, 200 MB sales, serial): see the commit.
 */
import { addExact, type ExactSum } from './exact-sum.js';

const TWO32 = 2 ** 32;
const TWO_M32 = 2 ** -32;
const TWO_M64 = 2 ** -64;
/** 2^20 adds of limbs below 2^32 stay below 2^52: exact. */
const FLUSH_EVERY = 1 << 20;

/** Four doubles per accumulator: the integer, mid and low limb sums, and the adds since a flush. */
const STRIDE = 4;

export class FixedSums {
  private limbs = new Float64Array(STRIDE * 16);

  /** Makes room for accumulators 0..count-1 (new ones start at 0). */
  ensure(count: number): void {
    if (count * STRIDE <= this.limbs.length) return;
    const bigger = new Float64Array(Math.max(this.limbs.length * 2, count * STRIDE));
    bigger.set(this.limbs);
    this.limbs = bigger;
  }

  /**
   * Adds values[slot] to accumulator `index` if it lies in the window; false (nothing added)
   * otherwise. `sum` receives a flush when the limbs are full. The value is read here rather than
   * passed: a double argument to a call V8 does not inline is boxed.
   */
  add(index: number, values: Float64Array, slot: number, sum: ExactSum): boolean {
    const v = values[slot]!;
    const int = Math.trunc(v);
    if (!(int < TWO32 && int > -TWO32) || v === 0) return false;
    const f = (v - int) * TWO32;
    const mid = Math.trunc(f);
    const lo = (f - mid) * TWO32;
    if (lo !== Math.trunc(lo)) return false;
    const limbs = this.limbs;
    const at = index * STRIDE;
    limbs[at] = limbs[at]! + int;
    limbs[at + 1] = limbs[at + 1]! + mid;
    limbs[at + 2] = limbs[at + 2]! + lo;
    const adds = limbs[at + 3]! + 1;
    limbs[at + 3] = adds;
    if (adds === FLUSH_EVERY) this.flush(index, sum);
    return true;
  }

  /** Moves accumulator `index` into `sum` (exactly) and resets it. */
  flush(index: number, sum: ExactSum): void {
    const limbs = this.limbs;
    const at = index * STRIDE;
    if (limbs[at + 3] === 0) return;
    addExact(sum, limbs[at]!);
    addExact(sum, limbs[at + 1]! * TWO_M32);
    addExact(sum, limbs[at + 2]! * TWO_M64);
    limbs.fill(0, at, at + STRIDE);
  }
}
