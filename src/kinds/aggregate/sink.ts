/**
 * The built-in group-by aggregate, per chunk: a record sink that folds records into a group
 * table, and the small partial it returns to the coordinator.
 *
 * Hot path: one record at a time, touching only the bytes of the group and measure columns.
 * Groups are found by their key bytes (group-table.ts); the UTF-8 text is decoded once, when a
 * group first appears. A group's figures live in columns (group-columns.ts), the layout of the
 * partial, which is a copy of their used part. A chunk's new groups are held to the job's memory
 * budget too (memory-budget.ts): a chunk of a huge chunkSize and unique keys could otherwise take
 * a worker's heap before the coordinator sees any of it.
 */
import { bigIntegerAt, isBeyondSafe } from '../../csv/big-integer.js';
import { decodeField, InvalidUtf8Error, parseNumberInto } from '../../csv/fields.js';
import type { FieldSlots } from '../../csv/scanner.js';
import { BadRows } from '../bad-rows.js';
import type { ChunkSink, SinkError } from '../sink.js';
import { replacesExtreme } from './exact-extreme.js';
import { addBigInt, addExactAt, noteDouble } from './exact-sum.js';
import { ExprKeys } from './expr-keys.js';
import { FixedSums } from './fixed-sum.js';
import { GroupColumns } from './group-columns.js';
import { GroupTable } from './group-table.js';
import { GroupCost, overBudget } from './memory-budget.js';
import type { AggregatePartial } from './partial.js';
import type { AggregatePlan, MeasureKind } from './plan.js';

const KIND_COUNT = 0;
const KIND_SUM = 1;
const KIND_MIN = 2;
const KIND_MAX = 3;
const KIND_MEAN = 4;
const KIND_DEVIATION = 5;
const KIND_CODES: Record<MeasureKind, number> = {
  count: KIND_COUNT,
  sum: KIND_SUM,
  min: KIND_MIN,
  max: KIND_MAX,
  mean: KIND_MEAN,
  stddev: KIND_DEVIATION,
  variance: KIND_DEVIATION,
};

export class AggregateSink implements ChunkSink {
  /** Groups are numbered in order of first appearance; the table maps key bytes to that number. */
  private readonly table = new GroupTable();
  private readonly groups: GroupColumns;
  private scratch = Buffer.allocUnsafe(256);
  rowsUsed = 0;
  valuesSkipped = 0;
  error: SinkError | null = null;
  readonly width: number;
  readonly badRows: BadRows;

  private readonly kinds: Int32Array;
  /** For each measure, the slot of its column in `values` (-1 for count). */
  private readonly slotOf: Int32Array;
  private readonly values: Float64Array;
  /** Per numeric column of this record: its BigInt where it is an integer beyond the safe range (csv/big-integer.ts). */
  private readonly big: (bigint | undefined)[];
  /** Whether `big` holds a value (of this record, until the next one clears it). */
  private hadBig = false;
  private readonly singleKey: boolean;
  /** The exact sums' fast path, one accumulator per (group, measure): index g * measures + m. */
  private readonly fixed = new FixedSums();
  /** Bytes of the memory budget the chunk's groups have left (their estimate, as the merger's). */
  private budgetLeft: number;
  private readonly cost: GroupCost;
  /** Group keys with an expression in them; null for plain columns (the byte path). */
  private readonly exprKeys: ExprKeys | null;

  constructor(
    private readonly plan: AggregatePlan,
    private readonly chunkIndex = 0,
  ) {
    this.width = plan.width;
    this.badRows = new BadRows(plan.width, plan.onBadRow, plan.quote);
    this.kinds = Int32Array.from(plan.measures, (m) => KIND_CODES[m.kind]);
    this.slotOf = Int32Array.from(plan.measures, (m) => plan.numericColumns.indexOf(m.column));
    this.values = new Float64Array(plan.numericColumns.length);
    this.big = new Array<bigint | undefined>(plan.numericColumns.length).fill(undefined);
    this.singleKey = plan.groupBy.length === 1;
    const kinds = plan.measures.map((m) => m.kind);
    this.groups = new GroupColumns(kinds, plan.groupBy.length);
    this.cost = new GroupCost(kinds, plan.groupBy.length);
    this.budgetLeft = plan.budget?.bytes ?? Infinity;
    this.exprKeys = plan.groupExprs === undefined ? null : new ExprKeys(plan, () => this.valuesSkipped++);
  }

  record(buf: Buffer, slots: FieldSlots, fieldCount: number, recordStart: number): boolean {
    const plan = this.plan;
    if (fieldCount !== plan.width)
      return this.badRows.check(buf, slots, fieldCount, recordStart, (e) => (this.error = e));

    // Parse each measure column once per record.
    const numeric = plan.numericColumns;
    if (this.hadBig) {
      this.big.fill(undefined);
      this.hadBig = false;
    }
    for (let k = 0; k < numeric.length; k++) {
      const col = numeric[k]!;
      const s = slots.starts[col]!;
      const e = slots.ends[col]!;
      if (s === e) {
        this.values[k] = NaN; // empty field: NULL (NaN marks it; parsed values are never NaN)
        continue;
      }
      if (!parseNumberInto(buf, s, e, this.values, k)) {
        if (plan.onBadNumber === 'skip') {
          this.valuesSkipped++;
          this.values[k] = NaN;
          continue;
        }
        this.badNumber(buf, col, s, e);
        return false;
      }
      // An integer beyond 2^53 has 16 digits or more: a field shorter than that costs one compare.
      if (e - s > 15 && isBeyondSafe(this.values[k]!)) this.noteBig(buf, s, e, k);
    }

    const g = this.groupFor(buf, slots);
    if (g < 0) return false; // a key that is not UTF-8, or over the budget: this.error says where
    const groups = this.groups;
    groups.rows[g]!++;
    const kinds = this.kinds;
    const base = g * kinds.length;
    const counts = groups.counts;
    const extremes = groups.extremes;
    // Exact extremes (a slower compare) only once a value beyond the safe range has been seen.
    const exact = this.hadBig || groups.exact !== null;
    for (let m = 0; m < kinds.length; m++) {
      const kind = kinds[m]!;
      if (kind === KIND_COUNT) continue;
      const slot = this.slotOf[m]!;
      const v = this.values[slot]!;
      // biome-ignore lint/suspicious/noSelfCompare: NaN marks NULL; a self-compare tests it without a call per value
      if (v !== v) continue; // NULL
      const i = base + m;
      counts[i]!++;
      if (kind === KIND_SUM || kind === KIND_MEAN) {
        const sum = groups.sums[i]!;
        if (!this.fixed.add(i, this.values, slot, sum)) {
          const big = this.hadBig ? this.big[slot] : undefined;
          if (big === undefined) {
            addExactAt(sum, this.values, slot);
            noteDouble(sum, v);
          } else addBigInt(sum, big);
        }
        continue;
      }
      if (kind === KIND_DEVIATION) {
        groups.addDeviation(i, v);
        continue;
      }
      if (exact) {
        this.exactExtreme(kind === KIND_MIN, i, v, slot);
        continue;
      }
      if (kind === KIND_MIN) {
        if (v < extremes[i]!) extremes[i] = v;
      } else if (v > extremes[i]!) extremes[i] = v;
    }
    this.rowsUsed++;
    return true;
  }

  /** Keeps the BigInt of numeric column k's value if it is an integer beyond the safe range. */
  private noteBig(buf: Buffer, s: number, e: number, k: number): void {
    const big = bigIntegerAt(buf, s, e);
    if (big === null) return;
    this.big[k] = big;
    this.hadBig = true;
  }

  /** A min (`lower`) or max step where values or extremes may be beyond the safe range. */
  private exactExtreme(lower: boolean, i: number, v: number, slot: number): void {
    const groups = this.groups;
    const big = this.hadBig ? this.big[slot] : undefined;
    if (!replacesExtreme(lower, v, big, groups.extremes[i]!, groups.exact?.get(i))) return;
    groups.extremes[i] = v; // the nearest double of `big`, when there is one
    groups.setExact(i, big);
  }

  /** The groups in order of first appearance, packed (the columns' used part, copied). */
  partial(): AggregatePartial {
    const { sums } = this.groups;
    for (let i = 0; i < sums.length; i++) {
      const sum = sums[i];
      if (sum !== undefined) this.fixed.flush(i, sum);
    }
    return {
      ...this.groups.pack(),
      rowsUsed: this.rowsUsed,
      rowsRejected: this.badRows.rejected,
      valuesSkipped: this.valuesSkipped,
    };
  }

  /** The record's group number (adding the group if new); -1 for a key that is not UTF-8. */
  private groupFor(buf: Buffer, slots: FieldSlots): number {
    const groupBy = this.plan.groupBy;
    if (groupBy.length === 0) {
      // A global aggregate: one group, no key to look up.
      if (this.groups.size === 0) this.addGroup([]);
      return 0;
    }
    if (this.exprKeys !== null) return this.exprGroupFor(buf, slots);
    let g: number;
    const c = groupBy[0]!;
    if (this.singleKey && slots.quoted[c] !== 2) {
      g = this.table.findOrAdd(buf, slots.starts[c]!, slots.ends[c]!);
    } else {
      g = this.table.findOrAdd(this.scratch, 0, this.composeKey(buf, slots));
    }
    if (g === this.groups.size) {
      const key = this.decodeKey(buf, slots);
      if (key === null) return -1;
      this.budgetLeft -= this.cost.of(key, 0);
      if (this.budgetLeft < 0) {
        // The same estimate as the merger's, of fewer groups: the job would fail at this chunk anyway.
        const error = overBudget(this.plan.budget!, this.groups.size + 1, this.chunkIndex, true);
        this.error = { offset: slots.starts[c]!, data: error.toData() };
        return -1;
      }
      this.addGroup(key);
    }
    return g;
  }

  /** groupFor where a group-by item is an expression (expr-keys.ts). */
  private exprGroupFor(buf: Buffer, slots: FieldSlots): number {
    const keys = this.exprKeys!;
    const n = keys.compose(buf, slots);
    if (n < 0) {
      this.error = keys.error;
      return -1;
    }
    const g = this.table.findOrAdd(keys.scratch, 0, n);
    if (g === this.groups.size) {
      const key = keys.keyTexts();
      this.budgetLeft -= this.cost.of(key, 0);
      if (this.budgetLeft < 0) {
        const error = overBudget(this.plan.budget!, this.groups.size + 1, this.chunkIndex, true);
        this.error = { offset: slots.starts[0]!, data: error.toData() };
        return -1;
      }
      this.addGroup(key);
    }
    return g;
  }

  private addGroup(key: string[]): void {
    this.groups.add(key, 0);
    this.fixed.ensure(this.groups.size * this.kinds.length);
  }

  /**
   * A new group's key as text; null, with this.error set, if a field is not UTF-8. As a sink
   * error (not a throw) it is located by the reader and raised only when the chunk is merged, so
   * a chunk parsed from a disputed start, or after an earlier chunk's error, cannot decide it.
   */
  private decodeKey(buf: Buffer, slots: FieldSlots): string[] | null {
    const key: string[] = [];
    for (const col of this.plan.groupBy) {
      try {
        key.push(decodeField(buf, slots.starts[col]!, slots.ends[col]!, slots.quoted[col]!, this.plan.quote));
      } catch (e) {
        if (!(e instanceof InvalidUtf8Error)) throw e;
        const column = this.plan.columnNames[col]!;
        this.error = {
          offset: e.at,
          data: { code: e.code, message: e.message, hint: e.hint, column, columnIndex: col + 1 },
        };
        return null;
      }
    }
    return key;
  }

  /**
   * Canonical key bytes in `scratch`: each group field unescaped (so `"a""b"` and a bare `a"b`
   * are one key); with several columns each part is prefixed by its length (so field boundaries
   * are unambiguous). Returns the length.
   */
  private composeKey(buf: Buffer, slots: FieldSlots): number {
    const groupBy = this.plan.groupBy;
    const quote = this.plan.quote.charCodeAt(0);
    let n = 0;
    for (let k = 0; k < groupBy.length; k++) {
      const col = groupBy[k]!;
      const s = slots.starts[col]!;
      const e = slots.ends[col]!;
      if (n + 4 + (e - s) > this.scratch.length) {
        const bigger = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, n + 4 + (e - s)));
        this.scratch.copy(bigger, 0, 0, n);
        this.scratch = bigger;
      }
      // One column: the unescaped bytes alone, the same bytes as a key without escapes. Several:
      // each part prefixed by its length.
      const lengthAt = n;
      if (groupBy.length > 1) n += 4;
      const unquote = slots.quoted[col] === 2;
      for (let i = s; i < e; i++) {
        const b = buf[i]!;
        this.scratch[n++] = b;
        if (unquote && b === quote) i++; // skip the second quote of a doubled pair
      }
      if (groupBy.length > 1) this.scratch.writeUInt32LE(n - lengthAt - 4, lengthAt);
    }
    return n;
  }

  private badNumber(buf: Buffer, col: number, s: number, e: number): void {
    const text = buf.toString('utf8', s, Math.min(e, s + 40)) + (e - s > 40 ? '...' : '');
    const column = this.plan.columnNames[col]!;
    this.error = {
      offset: s,
      data: {
        code: 'ERR_CSV_BAD_NUMBER',
        message: `${JSON.stringify(text)} is not a number`,
        column,
        columnIndex: col + 1,
        hint: 'onBadNumber: "skip" treats such values as empty',
      },
    };
  }
}
