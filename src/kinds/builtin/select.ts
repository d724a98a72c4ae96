/**
 * The transform behind `chunkmill convert`: each input row as it is, or only the --select
 * columns, in the order given. Values are the field text exactly as parsed (quotes removed,
 * doubled quotes undone, embedded newlines kept); the engine writes the rows in input order.
 *
 * CSV output gets arrays (so two columns of the same name both survive) under a header from
 * `columns`; JSON and NDJSON output get objects keyed by column name.
 *
 * Imported by each worker thread: it loads only the task API, not the engine.
 */
import { defineTransform, type Row } from '../../api/tasks.js';
import { unknownColumn } from '../unknown-column.js';
import { typedValue } from './typed-value.js';

export interface SelectParams {
  /** Column names to keep, in this order; absent: every column. */
  select?: string[];
  /** 'csv' and 'tsv': rows as arrays; 'json' / 'ndjson': rows as objects. */
  to: 'csv' | 'tsv' | 'json' | 'ndjson';
  /** JSON and NDJSON: numbers as JSON numbers, empty fields as null (typed-value.ts). @default false: every value text */
  types?: boolean;
}

export default defineTransform<SelectParams>({
  // Called once on the coordinator before anything is written: an unknown --select column fails
  // the job there, naming the columns that exist, instead of on the first row.
  columns(ctx) {
    const { select } = ctx.params;
    const missing = (select ?? []).find((c) => !ctx.columns.includes(c));
    if (missing !== undefined) throw unknownColumn(missing, 'select', ctx.columns, undefined);
    return select ?? ctx.columns;
  },
  transform(row: Row, ctx) {
    const { select, to, types } = ctx.params;
    if (to === 'csv' || to === 'tsv') return select === undefined ? row.toArray() : select.map((c) => row.get(c));
    const o: Record<string, string | number | null> = {};
    if (select !== undefined) for (const c of select) o[c] = types ? typedValue(row.get(c)) : row.get(c);
    else if (!types) return row.toObject();
    else for (let i = 0; i < row.length; i++) o[ctx.columns[i]!] = typedValue(row.get(i));
    return o;
  },
});
