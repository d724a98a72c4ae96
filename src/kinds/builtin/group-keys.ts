/**
 * The group-measures task's group keys: plain columns, or expressions (`month(date)`), read
 * through a Row. The items are compiled once per params object (a chunk's), not per row.
 */
import type { BadNumberPolicy } from '../../api/options.js';
import type { Row } from '../../api/tasks.js';
import { ChunkmillError } from '../../errors.js';
import { type FieldReader, type TextOf, textOf } from '../expr/eval.js';
import { groupItem } from '../expr/group-item.js';
import { unknownColumn } from '../unknown-column.js';

export interface GroupKeys {
  /** The output columns. */
  names: string[];
  /** The row's key texts (NULL as ''). */
  read(row: Row): string[];
}

const compiled = new WeakMap<object, GroupKeys>();

export function groupKeys(
  params: { groupBy: readonly string[]; onBadNumber?: BadNumberPolicy },
  columns: readonly string[],
): GroupKeys {
  let keys = compiled.get(params);
  if (keys !== undefined) return keys;
  const reader = new RowReader(columns, params.onBadNumber ?? 'error');
  const items: TextOf[] = [];
  const names: string[] = [];
  params.groupBy.forEach((text, k) => {
    const option = `aggregate.groupBy[${k}]`;
    const item = groupItem(text, columns, option, undefined);
    names.push(item.name);
    if (item.expr !== null) {
      items.push(textOf(item.expr));
      return;
    }
    const f = columns.indexOf(item.column);
    if (f < 0) throw unknownColumn(item.column, option, columns, undefined);
    items.push((r) => r.text(f));
  });
  keys = {
    names,
    read(row) {
      reader.row = row;
      return items.map((item) => item(reader) ?? '');
    },
  };
  compiled.set(params, keys);
  return keys;
}

/** The FieldReader (expr/eval.ts) over a task's Row. */
class RowReader implements FieldReader {
  row!: Row;
  start = 0;
  end = 0;
  constructor(
    private readonly columns: readonly string[],
    private readonly onBadNumber: BadNumberPolicy,
  ) {}
  text(f: number): string {
    return this.row.get(f);
  }
  number(f: number): number | null {
    return this.row.number(f);
  }
  bytes(f: number): Uint8Array {
    const b = Buffer.from(this.row.get(f), 'utf8');
    this.start = 0;
    this.end = b.length;
    return b;
  }
  bad(f: number, what: string): void {
    if (this.onBadNumber === 'skip') return;
    const text = this.row.get(f);
    const column = this.columns[f]!;
    throw new ChunkmillError({
      code: 'ERR_CSV_BAD_NUMBER',
      message: `${JSON.stringify(text.slice(0, 40))} is not ${what}, but the group-by reads ${column} as one`,
      column,
      columnIndex: f + 1,
      hint: 'onBadNumber: "skip" reads such values as empty (NULL)',
    });
  }
}
