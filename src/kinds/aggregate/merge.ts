/**
 * Merging aggregate partials on the coordinator, in chunk order, and turning the merged groups
 * into result rows. Merging in chunk order keeps groups in order of first appearance in the file,
 * and every measure's merge is exact, so the rows do not depend on chunk size or worker count.
 */
import { exactSumValue, mergePacked } from './exact-sum.js';
import { newGroup, type AggregatePartial, type GroupPartial } from './partial.js';
import type { AggregatePlan } from './plan.js';

export class AggregateMerger {
  private readonly groups = new Map<string, GroupPartial>();
  private readonly order: GroupPartial[] = [];
  rowsUsed = 0;
  rowsRejected = 0;
  valuesSkipped = 0;

  constructor(private readonly plan: AggregatePlan) {}

  /** Adds one chunk's partial. Must be called in chunk order. */
  add(partial: AggregatePartial): void {
    this.rowsUsed += partial.rowsUsed;
    this.rowsRejected += partial.rowsRejected;
    this.valuesSkipped += partial.valuesSkipped;
    const width = this.plan.groupBy.length;
    const measures = this.plan.measures;
    const m = measures.length;
    let v = 0; // read position in sumValues
    for (let g = 0; g < partial.rows.length; g++) {
      const key = partial.keys.slice(g * width, g * width + width);
      // Keyed by decoded text: two byte forms of one text (possible only with invalid UTF-8) are one group.
      const id = width === 1 ? key[0]! : JSON.stringify(key);
      let into = this.groups.get(id);
      if (into === undefined) {
        into = newGroup(key, this.plan);
        this.groups.set(id, into);
        this.order.push(into);
      }
      into.rows += partial.rows[g]!;
      for (let k = 0; k < m; k++) {
        const i = g * m + k;
        into.counts[k]! += partial.counts[i]!;
        const small = partial.sumSizes[2 * i]!;
        const big = partial.sumSizes[2 * i + 1]!;
        const kind = measures[k]!.kind;
        if (kind === 'sum' || kind === 'mean') mergePacked(into.sums[k]!, partial.sumValues, v, small, big);
        // Strict compares, as in the sink: of tied values (0 and -0) the earlier one stays, so
        // parallel equals serial. (Math.min would prefer -0 wherever it is.)
        else if (kind === 'min') {
          if (partial.extremes[i]! < into.extremes[k]!) into.extremes[k] = partial.extremes[i]!;
        } else if (kind === 'max') {
          if (partial.extremes[i]! > into.extremes[k]!) into.extremes[k] = partial.extremes[i]!;
        }
        v += small + big;
      }
    }
  }

  /** One object per group (one global row when there is no group-by, even for no input rows). */
  rows(): Record<string, string | number | null>[] {
    const plan = this.plan;
    const groups = this.order.length === 0 && plan.groupBy.length === 0 ? [newGroup([], plan)] : this.order;
    return groups.map((g) => {
      const row: Record<string, string | number | null> = {};
      // defineProperty, not assignment: a column or measure named "__proto__" is a field too.
      const set = (name: string, value: string | number | null): void => {
        Object.defineProperty(row, name, { value, enumerable: true, writable: true, configurable: true });
      };
      plan.groupBy.forEach((col, k) => {
        set(plan.columnNames[col]!, g.key[k]!);
      });
      plan.measures.forEach((m, k) => {
        const n = g.counts[k]!;
        switch (m.kind) {
          case 'count':
            set(m.name, g.rows);
            break;
          case 'sum':
            set(m.name, n === 0 ? null : exactSumValue(g.sums[k]!));
            break;
          case 'mean':
            set(m.name, n === 0 ? null : exactSumValue(g.sums[k]!) / n);
            break;
          default:
            set(m.name, n === 0 ? null : g.extremes[k]!);
        }
      });
      return row;
    });
  }
}
