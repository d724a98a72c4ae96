/**
 * The stats task's reduce over a chunk's records, from their bytes: the partial (StatsAcc) it
 * builds is the one stats.ts's reduce() builds from row.get() strings, so combine and finalize,
 * and the results, are unchanged.
 *
 * Per column, a table from value bytes to a value id (GroupTable) stands for the exact distinct
 * set, and everything addValue() derives from a value's text is derived once per distinct
 * value: its text, its type, its number; string and numeric min/max only move on a new value.
 * A known value costs a hash lookup, a count and (numeric columns) an exact add. A column with
 * more than CACHE_LIMIT distinct values in a chunk goes back to addValue() per field for the rest
 * of the chunk, which bounds the tables' memory (sketch-sized columns are the rare case).
 *
 * Numbers: parseNumberInto accepts the same grammar as stats.ts's regular expressions, around
 * space and tab, and gives Number(text); a field it refuses (other whitespace, an infinite
 * value, text) is classified by addValue's own expressions, so every type and value matches.
 */
import { decimalByte, decodeField, parseNumberInto } from '../../csv/fields.js';
import type { FieldSlots } from '../../csv/scanner.js';
import type { Row } from '../../api/tasks.js';
import { addBigInt, addExact } from '../aggregate/exact-sum.js';
import { FixedSums } from '../aggregate/fixed-sum.js';
import { GroupTable } from '../aggregate/group-table.js';
import {
  addToRange,
  addValue,
  bigValueOf,
  classify,
  newColumn,
  settleDistinct,
  type ColumnAcc,
  type StatsAcc,
} from './stats.js';
import { hasLeadingZero } from './typed-value.js';

/** Distinct values per column and chunk kept in the table (each: its bytes, its string, 9 bytes). */
const CACHE_LIMIT = 1 << 16;
const STRING = 3;
const LOWER_E = 101;
const UPPER_E = 69;

class ColumnCache {
  readonly table = new GroupTable();
  readonly texts: string[] = [];
  /** Per value id: its type rank (1 integer, 2 number, 3 string). */
  kinds: Uint8Array = new Uint8Array(64);
  /** Per value id: its number (numeric values). */
  numbers: Float64Array = new Float64Array(64);
  /** Per value id: its BigInt where it is an integer beyond the safe range (numbers[id] is its nearest double). */
  readonly bigs = new Map<number, bigint>();
  /** Past CACHE_LIMIT: addValue() per field for the rest of the chunk. */
  off = false;
}

export class StatsBytes {
  private readonly columns: ColumnAcc[];
  private readonly caches: ColumnCache[];
  private readonly fixed = new FixedSums();
  private readonly number = new Float64Array(1);
  private scratch = Buffer.allocUnsafe(256);
  private rows = 0;

  constructor(
    width: number,
    private readonly limit: number,
    private readonly quote: string,
  ) {
    this.columns = Array.from({ length: width }, newColumn);
    this.caches = Array.from({ length: width }, () => new ColumnCache());
    this.fixed.ensure(width);
  }

  /** One record of exactly `width` fields; `row` is the same record as a Row (for fallbacks and errors). */
  record(buf: Buffer, slots: FieldSlots, row: Row): void {
    this.rows++;
    const { starts, ends, quoted } = slots;
    for (let i = 0; i < this.columns.length; i++) {
      const c = this.columns[i]!;
      const s = starts[i]!;
      const e = ends[i]!;
      if (s === e) {
        c.empty++;
        continue;
      }
      const cache = this.caches[i]!;
      if (cache.off) {
        addValue(c, row.get(i), this.limit);
        continue;
      }
      const id =
        quoted[i] === 2
          ? cache.table.findOrAdd(this.scratch, 0, this.unescape(buf, s, e))
          : cache.table.findOrAdd(buf, s, e);
      if (id === cache.texts.length && !this.learn(c, cache, i, buf, s, e, quoted[i]!, row)) {
        addValue(c, row.get(i), this.limit);
        continue;
      }
      c.count++;
      if (c.type !== STRING && cache.kinds[id]! !== STRING && !this.fixed.add(i, cache.numbers, id, c.sum)) {
        // Off the fixed path already (|v| >= 2^32 or a long fraction): the lookup costs little.
        const big = cache.bigs.size > 0 ? cache.bigs.get(id) : undefined;
        if (big === undefined) addExact(c.sum, cache.numbers[id]!);
        else addBigInt(c.sum, big);
      }
    }
  }

  /**
   * A value seen for the first time in this chunk: its text, type and number, and the column's
   * ranges. False when the cache is full (the column is switched off; the value is not counted).
   * A field that is not UTF-8 throws the Row's own error.
   */
  private learn(
    c: ColumnAcc,
    cache: ColumnCache,
    i: number,
    buf: Buffer,
    s: number,
    e: number,
    flag: number,
    row: Row,
  ): boolean {
    const id = cache.texts.length;
    if (id === CACHE_LIMIT) {
      cache.off = true;
      c.distinct = new Set(cache.texts);
      settleDistinct(c, this.limit);
      return false;
    }
    let text: string;
    try {
      text = decodeField(buf, s, e, flag, this.quote);
    } catch {
      row.get(i); // throws the Row's error for these bytes
      throw new Error('unreachable: decodeField failed where Row.get did not');
    }
    let kind = STRING;
    let value = 0;
    if (flag !== 2 && parseNumberInto(buf, s, e, this.number, 0)) {
      value = this.number[0]!;
      kind = 1;
      const point = decimalByte(); // '.', or ',' under the decimal option
      for (let j = s; j < e; j++) {
        const b = buf[j]!;
        if (b === point || b === LOWER_E || b === UPPER_E) kind = 2;
      }
      if (hasLeadingZero(text)) kind = STRING; // as classify(): `00501` is a code
    } else {
      const classified = classify(text);
      kind = classified.kind;
      value = classified.value;
    }
    if (id === cache.kinds.length) {
      cache.kinds = grow(cache.kinds, new Uint8Array(id * 2));
      cache.numbers = grow(cache.numbers, new Float64Array(id * 2));
    }
    cache.texts.push(text);
    cache.kinds[id] = kind;
    cache.numbers[id] = value;
    const big = kind === STRING ? null : bigValueOf(kind, value, text);
    if (big !== null) cache.bigs.set(id, big);
    if (c.strMin === null || text < c.strMin) c.strMin = text;
    if (c.strMax === null || text > c.strMax) c.strMax = text;
    if (c.type !== STRING) {
      if (kind > c.type) c.type = kind;
      if (kind !== STRING) addToRange(c, value, big);
    }
    return true;
  }

  /** The field with doubled quotes undone, in `scratch`; returns its length. */
  private unescape(buf: Buffer, s: number, e: number): number {
    if (e - s > this.scratch.length) this.scratch = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, e - s));
    const quote = this.quote.charCodeAt(0);
    let n = 0;
    for (let j = s; j < e; j++) {
      const b = buf[j]!;
      this.scratch[n++] = b;
      if (b === quote) j++;
    }
    return n;
  }

  /** The chunk's accumulator, as stats.ts's reduce() would have left it. */
  finish(): StatsAcc {
    this.columns.forEach((c, i) => {
      this.fixed.flush(i, c.sum);
      const cache = this.caches[i]!;
      if (!cache.off) {
        c.distinct = new Set(cache.texts);
        settleDistinct(c, this.limit);
      }
    });
    return { rows: this.rows, limit: this.limit, columns: this.columns };
  }
}

function grow<T extends Uint8Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
