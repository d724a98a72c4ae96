/**
 * The stats task's reduce over a chunk's records, from their bytes: the partial (StatsAcc) it
 * builds is the one stats.ts's reduce() builds from row.get() strings, so combine and finalize,
 * and the results, are unchanged.
 *
 * Per column, a table from value bytes to a value id (GroupTable) stands for the exact distinct
 * set, and everything addValue() derives from a value's text is derived once per distinct
 * value: its text, its type, its number; string and numeric min/max only move on a new value.
 * A known value costs a hash lookup and a count per value id; the exact sum is settled once per
 * value id at the chunk's end (count times number, exactly: addTimes). A column with
 * more than CACHE_LIMIT distinct values in a chunk goes back to addValue() per field for the rest
 * of the chunk, which bounds the tables' memory (sketch-sized columns are the rare case).
 *
 * A worker thread keeps its last chunk's tables for its next chunk (`spare`): what a value's
 * bytes give (text, type, number) depends only on them, the quote and the decimal option, so a
 * value known from an earlier chunk is not decoded and parsed again. Each chunk starts from an
 * empty accumulator and its own counts; a value's first field in the chunk (count 0) moves the
 * column's type, ranges and string min/max, as a new value did. With 8 MiB chunks of the flights
 * data, most of each chunk's ~60,000 values were new to the chunk but not to the thread.
 *
 * Numbers: parseNumberInto accepts the same grammar as stats.ts's regular expressions, around
 * space and tab, and gives Number(text); a field it refuses (other whitespace, an infinite
 * value, text) is classified by addValue's own expressions, so every type and value matches.
 */
import { isMainThread } from 'node:worker_threads';
import { decimalByte, decodeField, parseNumberInto } from '../../csv/fields.js';
import type { FieldSlots } from '../../csv/scanner.js';
import type { Row } from '../../api/tasks.js';
import { addBigInt, addExact, type ExactSum } from '../aggregate/exact-sum.js';
import { GroupTable } from '../aggregate/group-table.js';
import { addToRange, addValue, bigValueOf, classify, newColumn, type ColumnAcc, type StatsAcc } from './stats.js';
import { addEntry, newSketch, sketchEntry } from './hll.js';
import { hasLeadingZero } from './typed-value.js';

/** Distinct values per column and chunk kept in the table (each: its bytes, its string, 9 bytes). */
const CACHE_LIMIT = 1 << 16;
/** A column's table is kept for the thread's next chunk while it has room for this many more values. */
const KEEP_ROOM = 1 << 14;
/** At most this many values, all columns together, are kept between chunks (~20 MiB at most). */
const KEEP_LIMIT = 1 << 18;
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
  /** Per value id: how many fields held it in this chunk, since the last settleSum. */
  counts: Float64Array = new Float64Array(64);
  /** Per value id: its sketchEntry, once a chunk has needed it (0: not yet). */
  entries: Int32Array = new Int32Array(64);
  /** The value ids seen in this chunk (their counts are > 0), in order of first sight. */
  seen: Int32Array = new Int32Array(64);
  seenCount = 0;
  /** Per value id: its BigInt where it is an integer beyond the safe range (numbers[id] is its nearest double). */
  readonly bigs = new Map<number, bigint>();
  /** Past CACHE_LIMIT: addValue() per field for the rest of the chunk. */
  off = false;
}

/** A worker thread's tables from its last chunk, and the dialect they were read with (spareKey). */
let spare: { key: string; caches: ColumnCache[] } | null = null;

export class StatsBytes {
  private readonly columns: ColumnAcc[];
  private readonly caches: ColumnCache[];
  private readonly number = new Float64Array(1);
  private scratch = Buffer.allocUnsafe(256);
  private rows = 0;
  private readonly key: string;

  constructor(
    width: number,
    private readonly limit: number,
    private readonly quote: string,
  ) {
    this.columns = Array.from({ length: width }, newColumn);
    this.key = `${width}:${quote}:${decimalByte()}`;
    // Taken, not shared: a chunk that fails never returns its tables (their counts are not settled).
    const kept = spare?.key === this.key ? spare.caches : null;
    if (kept !== null) spare = null;
    this.caches = kept ?? Array.from({ length: width }, () => new ColumnCache());
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
      // count and sum follow from these counts (settleSum): one increment per field.
      if (cache.counts[id]!++ === 0) firstSight(c, cache, id);
    }
  }

  /**
   * A value new to the table: its text, type and number. False when the table is full (the
   * column is switched off; the value is not counted). A field that is not UTF-8 throws the Row's
   * own error.
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
      settleChunk(c, cache, this.limit);
      cache.off = true;
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
      cache.counts = grow(cache.counts, new Float64Array(id * 2));
      cache.entries = grow(cache.entries, new Int32Array(id * 2));
    }
    cache.texts.push(text);
    cache.kinds[id] = kind;
    cache.numbers[id] = value;
    const big = kind === STRING ? null : bigValueOf(kind, value, text);
    if (big !== null) cache.bigs.set(id, big);
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
    let kept = 0;
    this.columns.forEach((c, i) => {
      const cache = this.caches[i]!;
      if (!cache.off) settleChunk(c, cache, this.limit);
      if (cache.off || cache.texts.length > CACHE_LIMIT - KEEP_ROOM) this.caches[i] = new ColumnCache();
      kept += this.caches[i]!.texts.length;
    });
    // Only worker threads run chunk after chunk; the main thread (processSerial) keeps nothing.
    if (!isMainThread && kept <= KEEP_LIMIT) spare = { key: this.key, caches: this.caches };
    return { rows: this.rows, limit: this.limit, columns: this.columns };
  }
}

/** A value's first field in this chunk: the column's type, ranges and string min/max. */
function firstSight(c: ColumnAcc, cache: ColumnCache, id: number): void {
  if (cache.seenCount === cache.seen.length) cache.seen = grow(cache.seen, new Int32Array(cache.seenCount * 2));
  cache.seen[cache.seenCount++] = id;
  const text = cache.texts[id]!;
  if (c.strMin === null || text < c.strMin) c.strMin = text;
  if (c.strMax === null || text > c.strMax) c.strMax = text;
  if (c.type !== STRING) {
    const kind = cache.kinds[id]!;
    if (kind > c.type) c.type = kind;
    if (kind !== STRING) addToRange(c, cache.numbers[id]!, cache.bigs.size > 0 ? (cache.bigs.get(id) ?? null) : null);
  }
}

/**
 * The chunk's values into the column: its distinct set, count and sum; counts cleared. Past the
 * limit, the sketch straight from the value ids (each id is one distinct text: UTF-8 decodes one
 * way), each value's hashes kept for the thread's next chunks: no set, no hashing again.
 */
function settleChunk(c: ColumnAcc, cache: ColumnCache, limit: number): void {
  const { seen, seenCount, texts, entries } = cache;
  if (seenCount > limit) {
    const sketch = newSketch();
    for (let k = 0; k < seenCount; k++) {
      const id = seen[k]!;
      if (entries[id] === 0) entries[id] = sketchEntry(texts[id]!);
      addEntry(sketch, entries[id]!);
    }
    c.distinct = null;
    c.sketch = sketch;
  } else {
    const values: string[] = [];
    for (let k = 0; k < seenCount; k++) values.push(texts[seen[k]!]!);
    c.distinct = new Set(values);
  }
  settleSum(c, cache);
}

/**
 * Adds the counted fields into the column: `count`, and (numeric columns) each value id's number
 * times its count to the exact sum, then clears the counts. The exact sum holds the same total as
 * per-field adds, so the mean is the same; a column that holds text reports no mean, so its sum
 * is left alone.
 */
function settleSum(c: ColumnAcc, cache: ColumnCache): void {
  const { counts, kinds, numbers, seen } = cache;
  const numeric = c.type !== STRING;
  for (let k = 0; k < cache.seenCount; k++) {
    const id = seen[k]!;
    const n = counts[id]!;
    c.count += n;
    counts[id] = 0;
    if (!numeric || kinds[id] === STRING) continue;
    const big = cache.bigs.size > 0 ? cache.bigs.get(id) : undefined;
    if (big === undefined) addTimes(c.sum, numbers[id]!, n);
    else addBigInt(c.sum, big * BigInt(n));
  }
  cache.seenCount = 0;
}

/** Veltkamp's splitter for doubles (2^27 + 1). */
const SPLIT = 134217729;
/** Within these magnitudes a product of a value and a count (< 2^53) neither overflows nor underflows. */
const PRODUCT_MAX = 2 ** 900;
const PRODUCT_MIN = 2 ** -900;

/**
 * Adds `v` times `n` (a count) to the exact sum, exactly: the rounded product and its rounding
 * error (Dekker's two-product, exact away from overflow and underflow). A zero is added once,
 * which keeps the sign a sum of only -0s has; a value outside the product's range is added n times.
 */
export function addTimes(sum: ExactSum, v: number, n: number): void {
  const a = Math.abs(v);
  if (v === 0 || n === 1 || !(a < PRODUCT_MAX && a > PRODUCT_MIN)) {
    for (let k = v === 0 ? n - 1 : 0; k < n; k++) addExact(sum, v);
    return;
  }
  const p = v * n;
  let t = SPLIT * v;
  const vh = t - (t - v);
  const vl = v - vh;
  t = SPLIT * n;
  const nh = t - (t - n);
  const nl = n - nh;
  const err = vh * nh - p + vh * nl + vl * nh + vl * nl;
  addExact(sum, p);
  if (err !== 0) addExact(sum, err);
}

function grow<T extends Uint8Array | Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
