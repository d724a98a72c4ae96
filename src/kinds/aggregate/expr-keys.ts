/**
 * Group keys that hold an expression (`-g 'month(date)'`): each item's value as text, per record,
 * laid into one key buffer (each part prefixed by its byte length) for the group table. A plain
 * column among them is its decoded text. NULL (an empty field, a date part of an empty field) is
 * the empty text: one group, as an empty key column is.
 */
import type { FieldSlots } from '../../csv/scanner.js';
import { ByteFieldReader, ExprFault } from '../expr/byte-reader.js';
import { typeOf } from '../expr/compile.js';
import { type NumberOf, numberOf, type TextOf, textOf } from '../expr/eval.js';
import type { SinkError } from '../sink.js';
import type { AggregatePlan } from './plan.js';

export class ExprKeys {
  /** The last composed record's key texts (numbers' only once texts() is called). */
  private readonly texts: string[];
  /** Per item: its number for a number-valued expression (NaN: NULL); its text is made only for a new group. */
  private readonly numbers: Float64Array;
  /** Its key bytes, in [0, compose()'s length). */
  scratch = Buffer.allocUnsafe(256);
  error: SinkError | null = null;
  private readonly reader: ByteFieldReader;
  private readonly items: TextOf[];
  /** Per item: the number-valued expression, or null (read as text). */
  private readonly numeric: (NumberOf | null)[];

  constructor(plan: AggregatePlan, onSkip: () => void) {
    this.reader = new ByteFieldReader(plan.columnNames, plan.quote, plan.onBadNumber, 'the group-by', onSkip);
    this.items = plan.groupBy.map((f, k) => {
      const expr = plan.groupExprs?.[k] ?? null;
      return expr === null ? (r) => r.text(f) : textOf(expr);
    });
    this.numeric = plan.groupBy.map((_, k) => {
      const expr = plan.groupExprs?.[k] ?? null;
      return expr !== null && typeOf(expr) === 'number' ? numberOf(expr) : null;
    });
    this.texts = new Array<string>(this.items.length).fill('');
    this.numbers = new Float64Array(this.items.length);
  }

  /** The last composed record's key as text (NULL: ''); a new array. */
  keyTexts(): string[] {
    return this.texts.map((t, k) => {
      if (this.numeric[k] === null) return t;
      const v = this.numbers[k]!;
      // biome-ignore lint/suspicious/noSelfCompare: NaN marks NULL
      return v !== v ? '' : String(v);
    });
  }

  /** The record's key bytes into `scratch`: their length; -1 for a value the expressions cannot read (error set). */
  compose(buf: Uint8Array, slots: FieldSlots): number {
    const reader = this.reader.at(buf, slots);
    let n = 0;
    for (let k = 0; k < this.items.length; k++) {
      let text: string;
      try {
        const number = this.numeric[k];
        if (number !== undefined && number !== null) {
          // A number key: its 8 bytes are the key (no text per record); -0 and 0 are one key, as their text.
          const v = number(reader);
          if (n + 9 > this.scratch.length) this.grow(n, n + 9);
          this.numbers[k] = v === null ? Number.NaN : v === 0 ? 0 : v;
          this.scratch[n] = v === null ? 0 : 1;
          this.scratch.writeDoubleLE(this.numbers[k]!, n + 1);
          n += 9;
          continue;
        }
        text = this.items[k]!(reader) ?? '';
      } catch (e) {
        if (!(e instanceof ExprFault)) throw e;
        this.error = e.error;
        return -1;
      }
      this.texts[k] = text;
      const room = n + 4 + text.length * 3;
      if (room > this.scratch.length) this.grow(n, room);
      const length = this.scratch.write(text, n + 4, 'utf8');
      this.scratch.writeUInt32LE(length, n);
      n += 4 + length;
    }
    return n;
  }

  private grow(used: number, room: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, room));
    this.scratch.copy(bigger, 0, 0, used);
    this.scratch = bigger;
  }
}
