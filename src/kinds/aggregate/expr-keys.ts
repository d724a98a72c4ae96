/**
 * Group keys that hold an expression (`-g 'month(date)'`): each item's value as text, per record,
 * laid into one key buffer (each part prefixed by its byte length) for the group table. A plain
 * column among them is its decoded text. NULL (an empty field, a date part of an empty field) is
 * the empty text: one group, as an empty key column is.
 */
import type { FieldSlots } from '../../csv/scanner.js';
import { ByteFieldReader, ExprFault } from '../expr/byte-reader.js';
import { type TextOf, textOf } from '../expr/eval.js';
import type { SinkError } from '../sink.js';
import type { AggregatePlan } from './plan.js';

export class ExprKeys {
  /** The last composed record's key texts. */
  readonly texts: string[];
  /** Its key bytes, in [0, compose()'s length). */
  scratch = Buffer.allocUnsafe(256);
  error: SinkError | null = null;
  private readonly reader: ByteFieldReader;
  private readonly items: TextOf[];

  constructor(plan: AggregatePlan, onSkip: () => void) {
    this.reader = new ByteFieldReader(plan.columnNames, plan.quote, plan.onBadNumber, 'the group-by', onSkip);
    this.items = plan.groupBy.map((f, k) => {
      const expr = plan.groupExprs?.[k] ?? null;
      return expr === null ? (r) => r.text(f) : textOf(expr);
    });
    this.texts = new Array<string>(this.items.length).fill('');
  }

  /** The record's key bytes into `scratch`: their length; -1 for a value the expressions cannot read (error set). */
  compose(buf: Uint8Array, slots: FieldSlots): number {
    const reader = this.reader.at(buf, slots);
    let n = 0;
    for (let k = 0; k < this.items.length; k++) {
      let text: string;
      try {
        text = this.items[k]!(reader) ?? '';
      } catch (e) {
        if (!(e instanceof ExprFault)) throw e;
        this.error = e.error;
        return -1;
      }
      this.texts[k] = text;
      const room = n + 4 + text.length * 3;
      if (room > this.scratch.length) {
        const bigger = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, room));
        this.scratch.copy(bigger, 0, 0, n);
        this.scratch = bigger;
      }
      const length = this.scratch.write(text, n + 4, 'utf8');
      this.scratch.writeUInt32LE(length, n);
      n += 4 + length;
    }
    return n;
  }
}
