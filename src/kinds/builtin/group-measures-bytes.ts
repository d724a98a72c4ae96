/**
 * The group-measures task's reduce over a chunk's records, from their bytes: the accumulator it
 * builds holds what group-measures.ts's reduce() builds from row.get() strings (the same groups in
 * the same order, the same values; a distinct count's partly as bytes), so the results are the same.
 *
 * - A record's group is found by its key fields' bytes in a GroupTable: no key strings and no Map
 *   lookup per row, only per new group (then its texts are read as reduce() reads them, so a key
 *   that is not UTF-8 fails at the same record).
 * - A quantile reads a plain integer field itself (plainInteger), any other number with the Row's
 *   number() (the same parser, errors and onBadNumber), into the group's Float64Array.
 * - A distinct count adds the value's bytes to its group's ByteSet (byte-set.ts), which is the
 *   accumulator's state: no string per value, and the partial crosses threads as typed arrays.
 *   Only a field whose bytes are not its text (a doubled quote) goes into the Set of texts; the
 *   count is of the union (distinctCount). A value new to its group that is not ASCII is read as
 *   text once, so one that is not UTF-8 fails at the same record as reduce() would fail.
 * - The other measures run reduce()'s own per-row code on the Row.
 *
 * Only for keys that are plain columns; a key expression (`month(date)`) runs reduce() per row.
 */
import type { FieldSlots } from '../../csv/scanner.js';
import type { Row } from '../../api/tasks.js';
import { GroupTable } from '../aggregate/group-table.js';
import { addBytes, hashBytes, isAscii, newByteSet } from './byte-set.js';
import { groupItem } from '../expr/group-item.js';
import {
  addMeasure,
  groupOf,
  type GroupAcc,
  type GroupMeasuresAcc,
  type GroupMeasuresParams,
} from './group-measures.js';
import { pushValue } from './quantile-values.js';

/** Ends each key field in the table's key: never a byte of UTF-8, so field boundaries are unambiguous. */
const FIELD_END = 0xff;

const OTHER = 0;
const QUANTILE = 1;
const DISTINCT = 2;

/**
 * An unquoted field of an optional '-' and 1 to 15 digits, as a number, else NaN. Such a field is
 * the common quantile value (a delay, a count), and the number is exact, so it is the one the
 * Row's parser (csv/fields.ts parseNumberInto) gives, -0 included; read here without the call,
 * the column lookup and the result's round trip through a Float64Array. Anything else (spaces, a
 * '+', decimals, more digits, an empty field) is left to that parser, with its errors.
 */
export function plainInteger(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  const negative = buf[i] === 0x2d;
  if (negative) i++;
  if (i === end || end - i > 15) return NaN;
  let v = 0;
  for (; i < end; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return negative ? -v : v;
}

export class GroupMeasuresBytes {
  private readonly keyFields: number[];
  private readonly kinds: Uint8Array;
  private readonly fields: Int32Array;
  private readonly table = new GroupTable();
  /** Per group index of the table: the accumulator's group. */
  private readonly groups: GroupAcc[] = [];
  private scratch: Buffer = Buffer.allocUnsafe(256);

  /** Null where a key is an expression: reduce() per row then. */
  static for(params: GroupMeasuresParams, columns: readonly string[]): GroupMeasuresBytes | null {
    const keyFields: number[] = [];
    for (const [k, text] of params.groupBy.entries()) {
      const item = groupItem(text, columns, `aggregate.groupBy[${k}]`, undefined);
      if (item.expr !== null) return null;
      keyFields.push(columns.indexOf(item.column));
    }
    return new GroupMeasuresBytes(params, columns, keyFields);
  }

  private constructor(
    private readonly params: GroupMeasuresParams,
    private readonly columns: readonly string[],
    keyFields: number[],
  ) {
    this.keyFields = keyFields;
    const { measures } = params;
    this.kinds = Uint8Array.from(measures, (m) =>
      m.kind === 'quantile' ? QUANTILE : m.kind === 'distinct' ? DISTINCT : OTHER,
    );
    this.fields = Int32Array.from(measures, (m) => (m.column === undefined ? -1 : columns.indexOf(m.column)));
  }

  /** One record of the header's width into `acc`; `row` is the same record as a Row. */
  record(acc: GroupMeasuresAcc, buf: Buffer, slots: FieldSlots, row: Row): void {
    const { starts, ends, quoted } = slots;
    const g = this.groupIndex(buf, starts, ends, quoted, row);
    let group = this.groups[g];
    if (group === undefined) {
      group = groupOf(acc, row, this.params, this.columns);
      this.groups.push(group);
    }
    group.rows++;
    const { measures } = this.params;
    for (let m = 0; m < measures.length; m++) {
      const kind = this.kinds[m]!;
      const into = group.measures[m]!;
      if (kind === QUANTILE) {
        const f = this.fields[m]!;
        const v = quoted[f] === 0 ? plainInteger(buf, starts[f]!, ends[f]!) : NaN;
        // biome-ignore lint/suspicious/noSelfCompare: NaN (not a plain integer): the Row's parser decides
        if (v === v) pushValue(into, v);
        else {
          const w = row.number(f);
          if (w !== null) pushValue(into, w);
        }
      } else if (kind === DISTINCT) {
        const f = this.fields[m]!;
        const s = starts[f]!;
        const e = ends[f]!;
        if (s === e) continue; // NULL
        into.n++;
        // A doubled quote inside a quoted field: its bytes are another text's (a bare x""y), so by text.
        if (quoted[f] === 2) {
          into.distinct!.add(row.get(f));
          continue;
        }
        if (into.bytes === undefined) into.bytes = newByteSet();
        if (addBytes(into.bytes, buf, s, e, hashBytes(buf, s, e)) && !isAscii(buf, s, e)) row.get(f);
      } else addMeasure(into, measures[m]!, row);
    }
  }

  /**
   * The table's index of the record's group, keyed by the key texts' UTF-8 bytes: a field's own
   * bytes unless a doubled quote makes them differ from its text. One key field is looked up where
   * it lies; several are copied into the scratch key, each followed by FIELD_END.
   */
  private groupIndex(buf: Buffer, starts: Int32Array, ends: Int32Array, quoted: Uint8Array, row: Row): number {
    const fields = this.keyFields;
    if (fields.length === 1) {
      const f = fields[0]!;
      if (quoted[f] !== 2) return this.table.findOrAdd(buf, starts[f]!, ends[f]!);
      const text = Buffer.from(row.get(f), 'utf8');
      return this.table.findOrAdd(text, 0, text.length);
    }
    let length = 0;
    for (let k = 0; k < fields.length; k++) {
      const f = fields[k]!;
      const src = quoted[f] === 2 ? Buffer.from(row.get(f), 'utf8') : buf;
      const start = src === buf ? starts[f]! : 0;
      const end = src === buf ? ends[f]! : src.length;
      this.ensure(length + end - start + 1);
      const scratch = this.scratch;
      for (let i = start; i < end; i++) {
        const b = src[i]!;
        // Not UTF-8, and it would blur the field boundary: let the Row raise its error.
        if (b === FIELD_END) row.get(f);
        scratch[length++] = b;
      }
      scratch[length++] = FIELD_END;
    }
    return this.table.findOrAdd(this.scratch, 0, length);
  }

  private ensure(bytes: number): void {
    if (bytes <= this.scratch.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(bytes, this.scratch.length * 2));
    this.scratch.copy(bigger);
    this.scratch = bigger;
  }
}
