/**
 * The Row handed to user code for a CSV record: a view over the scanner's field offsets in the
 * read buffer. One instance per chunk, re-pointed at each record, so a row costs no allocation;
 * a field becomes a string or number only when user code asks for it.
 */
import type { BadNumberPolicy } from '../../api/options.js';
import type { Row } from '../../api/tasks.js';
import { decodeField, InvalidUtf8Error, parseNumberInto } from '../../csv/fields.js';
import type { FieldSlots } from '../../csv/scanner.js';
import type { ErrorData } from '../../errors.js';

/** A data error raised from inside user code's call into a Row, with the buffer offset it is about. */
export class RowError extends Error {
  constructor(
    readonly data: ErrorData,
    readonly offset: number,
  ) {
    super(data.message);
  }
}

/** get() calls per record whose column lookups are remembered by position (see CsvRow.lookup). */
const REMEMBERED_CALLS = 64;

export class CsvRow implements Row {
  length = 0;
  private buf: Buffer = Buffer.alloc(0);
  private slots!: FieldSlots;
  private readonly byName = new Map<string, number>();
  private readonly number1 = new Float64Array(1);
  /** Values number() read as null under onBadNumber: 'skip' (a chunk's stats.valuesSkipped, once per read). */
  valuesSkipped = 0;
  /** get() / number() calls since at(): the position of the next call in this record. */
  private calls = 0;
  /** The column name the call at each position asked for last, and its index. */
  private readonly callNames: (string | undefined)[] = new Array(REMEMBERED_CALLS).fill(undefined);
  private readonly callIndexes = new Int32Array(REMEMBERED_CALLS);

  constructor(
    readonly columns: readonly string[],
    private readonly quote: string,
    private readonly onBadNumber: BadNumberPolicy,
  ) {
    columns.forEach((name, i) => {
      if (!this.byName.has(name)) this.byName.set(name, i);
    });
  }

  /** Points the row at the next record (its field count already checked against the header). */
  at(buf: Buffer, slots: FieldSlots, fieldCount: number): this {
    this.buf = buf;
    this.slots = slots;
    this.length = fieldCount;
    this.calls = 0;
    return this;
  }

  get(column: string | number): string {
    const i = this.lookup(column);
    const { starts, ends, quoted } = this.slots;
    try {
      return decodeField(this.buf, starts[i]!, ends[i]!, quoted[i]!, this.quote);
    } catch (e) {
      if (!(e instanceof InvalidUtf8Error)) throw e;
      throw new RowError(
        {
          code: e.code,
          message: e.message,
          ...(e.hint !== undefined ? { hint: e.hint } : {}),
          column: this.columns[i]!,
          columnIndex: i + 1,
        },
        e.at,
      );
    }
  }

  number(column: string | number): number | null {
    const i = this.lookup(column);
    const s = this.slots.starts[i]!;
    const e = this.slots.ends[i]!;
    if (s === e) return null;
    if (parseNumberInto(this.buf, s, e, this.number1, 0)) return this.number1[0]!;
    if (this.onBadNumber === 'skip') {
      this.valuesSkipped++;
      return null;
    }
    const text = this.buf.toString('utf8', s, Math.min(e, s + 40)) + (e - s > 40 ? '...' : '');
    throw new RowError(
      {
        code: 'ERR_CSV_BAD_NUMBER',
        message: `${JSON.stringify(text)} is not a number`,
        column: this.columns[i]!,
        columnIndex: i + 1,
        hint: 'onBadNumber: "skip" reads such values as null',
      },
      s,
    );
  }

  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    for (let i = 0; i < this.length; i++) out[this.columns[i]!] = this.get(i);
    return out;
  }

  toArray(): string[] {
    const out = new Array<string>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.get(i);
    return out;
  }

  /**
   * index(), remembered by call position: user code asks for the same columns in the same order
   * in every record, so the n-th call of a record mostly names the n-th call's column of the record
   * before, and a compare of that name (the same string: a pointer compare) replaces the Map
   * lookup. Names only: a number's check depends on the record's length.
   */
  private lookup(column: string | number): number {
    const p = this.calls++;
    if (typeof column !== 'string' || p >= REMEMBERED_CALLS) return this.index(column);
    if (this.callNames[p] === column) return this.callIndexes[p]!;
    const i = this.index(column);
    this.callNames[p] = column;
    this.callIndexes[p] = i;
    return i;
  }

  private index(column: string | number): number {
    if (typeof column === 'number') {
      if (Number.isInteger(column) && column >= 0 && column < this.length) return column;
    } else {
      const i = this.byName.get(column);
      if (i !== undefined) return i;
    }
    throw new RowError(
      {
        code: 'ERR_UNKNOWN_COLUMN',
        message: `No column ${JSON.stringify(column)} in this row; the columns are ${this.columns.map((c) => JSON.stringify(c)).join(', ')}`,
        ...(typeof column === 'string' ? { column } : {}),
      },
      this.slots.starts[0]!,
    );
  }
}
