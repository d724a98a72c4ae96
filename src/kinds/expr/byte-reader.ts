/**
 * The FieldReader (eval.ts) over a record's bytes, as the chunk sinks see it: the scanner's field
 * offsets into the buffer. Numbers are parsed as the aggregate parses them; text is decoded as a
 * group key is (invalid UTF-8 is an error, never U+FFFD). A value the expression cannot use is
 * an ExprFault carrying the sink error, which the sink keeps and stops on.
 */
import type { BadNumberPolicy } from '../../api/options.js';
import { decodeField, InvalidUtf8Error, parseNumberInto } from '../../csv/fields.js';
import type { FieldSlots } from '../../csv/scanner.js';
import type { SinkError } from '../sink.js';
import type { FieldReader } from './eval.js';

/** Thrown out of an expression: the record's data error. */
export class ExprFault extends Error {
  constructor(readonly error: SinkError) {
    super(error.data.message);
  }
}

export class ByteFieldReader implements FieldReader {
  buf: Uint8Array = new Uint8Array(0);
  slots!: FieldSlots;
  start = 0;
  end = 0;
  /** Values read as NULL under onBadNumber: 'skip'. */
  skipped = 0;
  private readonly number1 = new Float64Array(1);

  constructor(
    private readonly columnNames: readonly string[],
    private readonly quote: string,
    private readonly onBadNumber: BadNumberPolicy,
    /** What the values feed, for messages: `where`, `the group-by`. */
    private readonly use: string,
    /** Called for each value read as NULL under onBadNumber: 'skip'. */
    private readonly onSkip: () => void = () => {},
  ) {}

  /** Points the reader at one record. */
  at(buf: Uint8Array, slots: FieldSlots): this {
    this.buf = buf;
    this.slots = slots;
    return this;
  }

  text(f: number): string {
    const s = this.slots.starts[f]!;
    const e = this.slots.ends[f]!;
    if (s === e) return '';
    try {
      return decodeField(this.buf as Buffer, s, e, this.slots.quoted[f]!, this.quote);
    } catch (error) {
      if (!(error instanceof InvalidUtf8Error)) throw error;
      const column = this.columnNames[f]!;
      throw new ExprFault({
        offset: error.at,
        data: { code: error.code, message: error.message, hint: error.hint, column, columnIndex: f + 1 },
      });
    }
  }

  number(f: number): number | null {
    const s = this.slots.starts[f]!;
    const e = this.slots.ends[f]!;
    if (s === e) return null;
    if (parseNumberInto(this.buf, s, e, this.number1, 0)) return this.number1[0]!;
    this.bad(f, 'a number');
    return null;
  }

  bytes(f: number): Uint8Array {
    const s = this.slots.starts[f]!;
    const e = this.slots.ends[f]!;
    if (this.slots.quoted[f] === 2) {
      // Doubled quotes inside: the text, undone (never a date, but read it as written).
      const b = Buffer.from(this.text(f), 'utf8');
      this.start = 0;
      this.end = b.length;
      return b;
    }
    this.start = s;
    this.end = e;
    return this.buf;
  }

  bad(f: number, what: string): void {
    if (this.onBadNumber === 'skip') {
      this.skipped++;
      this.onSkip();
      return;
    }
    const s = this.slots.starts[f]!;
    const e = this.slots.ends[f]!;
    const text = Buffer.from(this.buf.buffer, this.buf.byteOffset + s, Math.min(e - s, 40)).toString('utf8');
    const column = this.columnNames[f]!;
    throw new ExprFault({
      offset: s,
      data: {
        code: 'ERR_CSV_BAD_NUMBER',
        message: `${JSON.stringify(text + (e - s > 40 ? '...' : ''))} is not ${what}, but ${this.use} reads ${column} as one`,
        column,
        columnIndex: f + 1,
        hint: 'onBadNumber: "skip" reads such values as empty (NULL)',
      },
    });
  }
}
