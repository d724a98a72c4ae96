/**
 * Groups' figures in columns, the layout of the partial a chunk sends (partial.ts): groups are
 * numbered in order of first appearance; rows per group, and per (group, measure) at
 * g * measures + m the count of non-NULL values, the min or max, and an exact sum object only
 * where the measure is a sum or a mean. The sink (per chunk) and the merger (per job) keep their
 * state here, so a new group allocates nothing but its key strings: with a million groups an
 * object and four arrays per group had the garbage collector take most of the time.
 */
import { type ExactSum, newExactSum } from './exact-sum.js';
import type { AggregatePartial } from './partial.js';
import type { MeasureKind } from './plan.js';

export class GroupColumns {
  /** Groups so far. */
  size = 0;
  /** `width` key strings per group. */
  readonly keys: string[] = [];
  /** Rows per group. Replaced when the columns grow: read it after add(). */
  rows = new Float64Array(16);
  /** Per (group, measure): non-NULL values. */
  counts: Float64Array;
  /** Per (group, measure): the min or max so far (+-Infinity until a value comes). */
  extremes: Float64Array;
  /** Per (group, measure) of a stddev or variance: Welford's running mean and sum of squared deviations. */
  means: Float64Array;
  m2s: Float64Array;
  /** Per (group, measure): an extreme's exact value where it is an integer beyond the safe range (exact-extreme.ts); null while none is. */
  exact: Map<number, bigint> | null = null;
  /** Per (group, measure): the exact sum of a sum or mean measure, else undefined. */
  readonly sums: (ExactSum | undefined)[] = [];
  private readonly start: Float64Array;
  private readonly deviations: boolean;
  private readonly summed: boolean[];

  constructor(
    kinds: readonly MeasureKind[],
    private readonly width: number,
  ) {
    this.start = Float64Array.from(kinds, (k) => (k === 'min' ? Infinity : k === 'max' ? -Infinity : 0));
    this.summed = kinds.map((k) => k === 'sum' || k === 'mean');
    this.counts = new Float64Array(16 * kinds.length);
    this.extremes = new Float64Array(16 * kinds.length);
    // Only a stddev or variance measure needs these: without one they stay empty, costing nothing.
    this.deviations = kinds.some((k) => k === 'stddev' || k === 'variance');
    this.means = new Float64Array(this.deviations ? 16 * kinds.length : 0);
    this.m2s = new Float64Array(this.deviations ? 16 * kinds.length : 0);
  }

  /** Welford's step for value v at index i, whose count already includes it. */
  addDeviation(i: number, v: number): void {
    const delta = v - this.means[i]!;
    this.means[i]! += delta / this.counts[i]!;
    this.m2s[i]! += delta * (v - this.means[i]!);
  }

  /** Chan et al.'s merge of (n, mean, M2) from another set of columns into index j, before j's count is added to. */
  mergeDeviation(j: number, n: number, mean: number, m2: number): void {
    if (n === 0) return;
    const before = this.counts[j]!;
    const total = before + n;
    const delta = mean - this.means[j]!;
    this.m2s[j]! += m2 + (delta * delta * before * n) / total;
    this.means[j]! += (delta * n) / total;
  }

  /** A new group whose key is keys[from, from + width): its number. */
  add(keys: readonly string[], from: number): number {
    const m = this.start.length;
    const g = this.size++;
    if (g === this.rows.length) this.grow();
    for (let k = 0; k < this.width; k++) this.keys.push(keys[from + k]!);
    for (let k = 0; k < m; k++) {
      this.extremes[g * m + k] = this.start[k]!;
      this.sums.push(this.summed[k] ? newExactSum() : undefined);
    }
    return g;
  }

  /** Sets (or, for undefined, clears) the exact value of the extreme at index i. */
  setExact(i: number, big: bigint | undefined): void {
    if (big !== undefined) {
      this.exact ??= new Map();
      this.exact.set(i, big);
    } else this.exact?.delete(i);
  }

  /** The used part, copied into a partial's arrays (the exact sums' partials laid end to end). */
  pack(): Omit<AggregatePartial, 'rowsUsed' | 'rowsRejected' | 'valuesSkipped'> {
    const n = this.size * this.start.length;
    let values = 0;
    for (let i = 0; i < n; i++) {
      const sum = this.sums[i];
      if (sum !== undefined) values += sum.small.length + sum.big.length;
    }
    const sumSizes = new Int32Array(2 * n);
    const sumValues = new Float64Array(values);
    let v = 0;
    const doubleSums: number[] = [];
    for (let i = 0; i < n; i++) {
      const sum = this.sums[i];
      if (sum === undefined) continue;
      if (sum.double) doubleSums.push(i);
      sumSizes[2 * i] = sum.small.length;
      sumSizes[2 * i + 1] = sum.big.length;
      sumValues.set(sum.small, v);
      sumValues.set(sum.big, v + sum.small.length);
      v += sum.small.length + sum.big.length;
    }
    return {
      keys: this.keys.slice(),
      rows: this.rows.slice(0, this.size),
      counts: this.counts.slice(0, n),
      extremes: this.extremes.slice(0, n),
      ...(this.deviations && { means: this.means.slice(0, n), m2s: this.m2s.slice(0, n) }),
      sumSizes,
      sumValues,
      ...(this.exact !== null && { exactExtremes: new Map(this.exact) }),
      ...(doubleSums.length > 0 && { doubleSums }),
    };
  }

  /** Doubles the room (new slots are 0). */
  private grow(): void {
    const room = this.rows.length * 2;
    const m = this.start.length;
    this.rows = enlarged(this.rows, room);
    this.counts = enlarged(this.counts, room * m);
    this.extremes = enlarged(this.extremes, room * m);
    if (!this.deviations) return;
    this.means = enlarged(this.means, room * m);
    this.m2s = enlarged(this.m2s, room * m);
  }
}

function enlarged(a: Float64Array, length: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(length);
  b.set(a);
  return b;
}
