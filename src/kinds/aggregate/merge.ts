/**
 * Merging aggregate partials on the coordinator, in chunk order, and turning the merged groups
 * into result rows. Merging in chunk order keeps groups in order of first appearance in the file,
 * and every measure's merge is exact, so the rows do not depend on chunk size or worker count.
 *
 * The merged state is columnar, like the partials: one index per group (in order of first
 * appearance), its figures in growable typed arrays (group-major, index g * measures + m), and an
 * exact sum object only where a measure is a sum or a mean. A group therefore costs a Map entry
 * and its key, not an object and four arrays: with a million groups the object-per-group merge
 * spent most of its time in the garbage collector (8.4 s for a 1,000,000-group count, against
 * the figures in the commit that made it columnar).
 */
import { exactSumValue, type ExactSum, mergePacked, newExactSum } from './exact-sum.js';
import type { AggregatePartial } from './partial.js';
import type { AggregatePlan } from './plan.js';

export class AggregateMerger {
  /** A group's id (idOf) to its index. */
  private readonly index = new Map<string, number>();
  /** groupBy.length key strings per group. */
  private readonly keys: string[] = [];
  /** Per group, then per (group, measure). */
  private rowsOf = new Float64Array(0);
  private counts = new Float64Array(0);
  private extremes = new Float64Array(0);
  /** Per (group, measure): the exact sum of a sum or mean measure, else undefined. */
  private readonly sums: (ExactSum | undefined)[] = [];
  private size = 0;
  /** Groups [0, indexed) are in `index`; the rest are the first partial's, indexed when a second comes. */
  private indexed = 0;
  /** The initial extreme of each measure (+-Infinity for min / max: the first value wins). */
  private readonly start: Float64Array;
  rowsUsed = 0;
  rowsRejected = 0;
  valuesSkipped = 0;

  constructor(private readonly plan: AggregatePlan) {
    this.start = Float64Array.from(plan.measures, (m) =>
      m.kind === 'min' ? Infinity : m.kind === 'max' ? -Infinity : 0,
    );
  }

  /** Adds one chunk's partial. Must be called in chunk order. */
  add(partial: AggregatePartial): void {
    this.rowsUsed += partial.rowsUsed;
    this.rowsRejected += partial.rowsRejected;
    this.valuesSkipped += partial.valuesSkipped;
    const width = this.plan.groupBy.length;
    const measures = this.plan.measures;
    const m = measures.length;
    const pk = partial.keys;
    // A partial's groups are distinct (its sink keyed them), so the first partial's need no
    // lookup: its groups are added as they come, and indexed only if another partial follows
    // (a one-chunk job, and the serial path, never build the index).
    const first = this.size === 0;
    if (!first) this.indexUpTo(this.size);
    let v = 0; // read position in sumValues
    for (let g = 0; g < partial.rows.length; g++) {
      let at: number | undefined;
      if (first) at = this.addGroup(pk, g * width);
      else {
        const id = this.idOf(pk, g * width);
        at = this.index.get(id);
        if (at === undefined) {
          at = this.addGroup(pk, g * width);
          this.index.set(id, at);
          this.indexed++;
        }
      }
      this.rowsOf[at]! += partial.rows[g]!;
      for (let k = 0; k < m; k++) {
        const i = g * m + k;
        const j = at * m + k;
        this.counts[j]! += partial.counts[i]!;
        const small = partial.sumSizes[2 * i]!;
        const big = partial.sumSizes[2 * i + 1]!;
        const kind = measures[k]!.kind;
        if (kind === 'sum' || kind === 'mean') mergePacked(this.sums[j]!, partial.sumValues, v, small, big);
        // Strict compares, as in the sink: of tied values (0 and -0) the earlier one stays, so
        // parallel equals serial. (Math.min would prefer -0 wherever it is.)
        else if (kind === 'min') {
          if (partial.extremes[i]! < this.extremes[j]!) this.extremes[j] = partial.extremes[i]!;
        } else if (kind === 'max') {
          if (partial.extremes[i]! > this.extremes[j]!) this.extremes[j] = partial.extremes[i]!;
        }
        v += small + big;
      }
    }
  }

  /** One object per group (one global row when there is no group-by, even for no input rows). */
  rows(): Record<string, string | number | null>[] {
    const plan = this.plan;
    if (this.size === 0 && plan.groupBy.length === 0) this.addGroup([], 0);
    const width = plan.groupBy.length;
    const m = plan.measures.length;
    const names = [...plan.groupBy.map((col) => plan.columnNames[col]!), ...plan.measures.map((x) => x.name)];
    // A column or measure named "__proto__" is a field too: only defineProperty makes it one.
    // Plain assignment otherwise, which is several times faster per row.
    const set = names.includes('__proto__')
      ? (row: Record<string, unknown>, name: string, value: unknown) =>
          Object.defineProperty(row, name, { value, enumerable: true, writable: true, configurable: true })
      : (row: Record<string, unknown>, name: string, value: unknown) => {
          row[name] = value;
        };
    const out = new Array<Record<string, string | number | null>>(this.size);
    for (let g = 0; g < this.size; g++) {
      const row: Record<string, string | number | null> = {};
      for (let k = 0; k < width; k++) set(row, names[k]!, this.keys[g * width + k]!);
      for (let k = 0; k < m; k++) {
        const j = g * m + k;
        const n = this.counts[j]!;
        const measure = plan.measures[k]!;
        let value: number | null;
        if (measure.kind === 'count') value = this.rowsOf[g]!;
        else if (n === 0) value = null;
        else if (measure.kind === 'sum') value = exactSumValue(this.sums[j]!);
        else if (measure.kind === 'mean') value = exactSumValue(this.sums[j]!) / n;
        else value = this.extremes[j]!;
        set(row, measure.name, value);
      }
      out[g] = row;
    }
    return out;
  }

  /**
   * A group's id: its key text; JSON of the key for several columns. Keyed by decoded text: two
   * byte forms of one text (possible only with invalid UTF-8) are one group.
   */
  private idOf(keys: readonly string[], from: number): string {
    const width = this.plan.groupBy.length;
    return width === 1 ? keys[from]! : JSON.stringify(keys.slice(from, from + width));
  }

  private indexUpTo(end: number): void {
    const width = this.plan.groupBy.length;
    for (; this.indexed < end; this.indexed++) this.index.set(this.idOf(this.keys, this.indexed * width), this.indexed);
  }

  /** A new group with the key at keys[from...]: its index. */
  private addGroup(keys: readonly string[], from: number): number {
    const plan = this.plan;
    const width = plan.groupBy.length;
    const m = plan.measures.length;
    const g = this.size++;
    if (g === this.rowsOf.length) this.grow();
    for (let k = 0; k < width; k++) this.keys.push(keys[from + k]!);
    for (let k = 0; k < m; k++) {
      this.extremes[g * m + k] = this.start[k]!;
      const kind = plan.measures[k]!.kind;
      this.sums.push(kind === 'sum' || kind === 'mean' ? newExactSum() : undefined);
    }
    return g;
  }

  /** Doubles the typed arrays' room (new slots are 0). */
  private grow(): void {
    const m = this.plan.measures.length;
    const room = Math.max(64, this.rowsOf.length * 2);
    const larger = (a: Float64Array, per: number) => {
      const b = new Float64Array(room * per);
      b.set(a);
      return b;
    };
    this.rowsOf = larger(this.rowsOf, 1);
    this.counts = larger(this.counts, m);
    this.extremes = larger(this.extremes, m);
  }
}
