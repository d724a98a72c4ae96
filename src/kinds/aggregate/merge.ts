/**
 * Merging aggregate partials on the coordinator, in chunk order, and turning the merged groups
 * into result rows. Merging in chunk order keeps groups in order of first appearance in the file,
 * and every measure's merge is exact, so the rows do not depend on chunk size or worker count.
 *
 * The merged groups live in columns (group-columns.ts), as in the partials. Each new group is
 * charged to the job's memory budget (memory-budget.ts), its result row included: past it the
 * job fails with ERR_MEMORY_BUDGET and its groups are dropped at once.
 */
import { replacesExtreme } from './exact-extreme.js';
import { exactSumResult, exactSumValue, mergePacked } from './exact-sum.js';
import { GroupColumns } from './group-columns.js';
import { BudgetMeter, GroupCost } from './memory-budget.js';
import type { AggregatePartial } from './partial.js';
import type { AggregatePlan } from './plan.js';

export class AggregateMerger {
  /** A group's id (idOf) to its index. */
  private index = new Map<string, number>();
  private groups: GroupColumns;
  /** The running estimate against the budget; null without one. */
  private readonly meter: BudgetMeter | null;
  private readonly cost: GroupCost;
  /** Groups [0, indexed) are in `index`; the rest are the first partial's, indexed when a second comes. */
  private indexed = 0;
  rowsUsed = 0;
  rowsRejected = 0;
  valuesSkipped = 0;

  constructor(private readonly plan: AggregatePlan) {
    const kinds = plan.measures.map((m) => m.kind);
    this.groups = new GroupColumns(kinds, plan.groupBy.length);
    this.cost = new GroupCost(kinds, plan.groupBy.length);
    this.meter = plan.budget === undefined ? null : new BudgetMeter(plan.budget);
  }

  /** Adds one chunk's partial. Must be called in chunk order. */
  add(partial: AggregatePartial, chunkIndex = 0): void {
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
    const groups = this.groups;
    const first = groups.size === 0;
    if (!first) this.indexUpTo(groups.size);
    let v = 0; // read position in sumValues
    const exact = partial.exactExtremes;
    const doubles = partial.doubleSums === undefined ? null : new Set(partial.doubleSums);
    for (let g = 0; g < partial.rows.length; g++) {
      let at: number | undefined;
      if (first) {
        at = groups.add(pk, g * width);
        this.charge(pk, g * width, chunkIndex);
      } else {
        const id = this.idOf(pk, g * width);
        at = this.index.get(id);
        if (at === undefined) {
          at = groups.add(pk, g * width);
          this.index.set(id, at);
          this.indexed++;
          this.charge(pk, g * width, chunkIndex);
        }
      }
      groups.rows[at]! += partial.rows[g]!;
      for (let k = 0; k < m; k++) {
        const i = g * m + k;
        const j = at * m + k;
        const kind = measures[k]!.kind;
        const deviation = kind === 'stddev' || kind === 'variance';
        // Chan's merge reads the count before this partial's is added.
        if (deviation) groups.mergeDeviation(j, partial.counts[i]!, partial.means![i]!, partial.m2s![i]!);
        groups.counts[j]! += partial.counts[i]!;
        const small = partial.sumSizes[2 * i]!;
        const big = partial.sumSizes[2 * i + 1]!;
        if (kind === 'sum' || kind === 'mean') {
          mergePacked(groups.sums[j]!, partial.sumValues, v, small, big);
          if (doubles?.has(i)) groups.sums[j]!.double = true;
        } else if (deviation) {
          // merged above
        } else if ((exact !== undefined || groups.exact !== null) && kind !== 'count')
          this.mergeExtreme(kind, i, j, partial);
        // Strict compares, as in the sink: of tied values (0 and -0) the earlier one stays, so
        // parallel equals serial. (Math.min would prefer -0 wherever it is.)
        else if (kind === 'min') {
          if (partial.extremes[i]! < groups.extremes[j]!) groups.extremes[j] = partial.extremes[i]!;
        } else if (kind === 'max') {
          if (partial.extremes[i]! > groups.extremes[j]!) groups.extremes[j] = partial.extremes[i]!;
        }
        v += small + big;
      }
    }
  }

  /** A min or max where either side may hold an integer beyond the safe range (exact-extreme.ts). */
  private mergeExtreme(kind: string, i: number, j: number, partial: AggregatePartial): void {
    const groups = this.groups;
    const big = partial.exactExtremes?.get(i);
    if (!replacesExtreme(kind === 'min', partial.extremes[i]!, big, groups.extremes[j]!, groups.exact?.get(j))) return;
    groups.extremes[j] = partial.extremes[i]!;
    groups.setExact(j, big);
  }

  /**
   * One object per group (one global row when there is no group-by, even for no input rows).
   * A sum, min or max that is an integer beyond the safe range is a BigInt (exact-sum.ts).
   */
  rows(): Record<string, string | number | bigint | null>[] {
    const plan = this.plan;
    const groups = this.groups;
    if (groups.size === 0 && plan.groupBy.length === 0) groups.add([], 0);
    const width = plan.groupBy.length;
    const m = plan.measures.length;
    const names = [...plan.groupNames, ...plan.measures.map((x) => x.name)];
    // A column or measure named "__proto__" is a field too: only defineProperty makes it one.
    // Plain assignment otherwise, which is several times faster per row.
    const set = names.includes('__proto__')
      ? (row: Record<string, unknown>, name: string, value: unknown) =>
          Object.defineProperty(row, name, { value, enumerable: true, writable: true, configurable: true })
      : (row: Record<string, unknown>, name: string, value: unknown) => {
          row[name] = value;
        };
    const out = new Array<Record<string, string | number | bigint | null>>(groups.size);
    for (let g = 0; g < groups.size; g++) {
      const row: Record<string, string | number | bigint | null> = {};
      for (let k = 0; k < width; k++) set(row, names[k]!, groups.keys[g * width + k]!);
      for (let k = 0; k < m; k++) {
        const j = g * m + k;
        const n = groups.counts[j]!;
        const measure = plan.measures[k]!;
        let value: number | bigint | null;
        if (measure.kind === 'count') value = groups.rows[g]!;
        else if (n === 0) value = null;
        else if (measure.kind === 'sum') value = exactSumResult(groups.sums[j]!);
        else if (measure.kind === 'mean') value = exactSumValue(groups.sums[j]!) / n;
        else if (measure.kind === 'variance') value = n < 2 ? null : groups.m2s[j]! / (n - 1);
        else if (measure.kind === 'stddev') value = n < 2 ? null : Math.sqrt(groups.m2s[j]! / (n - 1));
        else value = groups.exact?.get(j) ?? groups.extremes[j]!;
        set(row, measure.name, value);
      }
      out[g] = row;
    }
    return out;
  }

  /**
   * Gives the groups' memory back (after the result is built, or when the job failed): the
   * columns and the index are let go, and the budget's share of this process is returned.
   */
  release(): void {
    this.groups = new GroupColumns(
      this.plan.measures.map((m) => m.kind),
      this.plan.groupBy.length,
    );
    this.index = new Map();
    this.indexed = 0;
    this.meter?.release();
  }

  /** Charges a new group to the budget; past it, drops every group and fails the job. */
  private charge(keys: readonly string[], from: number, chunkIndex: number): void {
    if (this.meter === null) return;
    const error = this.meter.charge(this.cost.of(keys, from), this.groups.size, chunkIndex);
    if (error === null) return;
    this.release();
    throw error;
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
    for (; this.indexed < end; this.indexed++)
      this.index.set(this.idOf(this.groups.keys, this.indexed * width), this.indexed);
  }
}
