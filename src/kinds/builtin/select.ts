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
import { ChunkmillError } from '../../errors.js';

export interface SelectParams {
  /** Column names to keep, in this order; absent: every column. */
  select?: string[];
  /** 'csv': rows as arrays; 'json' / 'ndjson': rows as objects. */
  to: 'csv' | 'json' | 'ndjson';
}

export default defineTransform<SelectParams>({
  // Called once on the coordinator before anything is written: an unknown --select column fails
  // the job there, naming the columns that exist, instead of on the first row.
  columns(ctx) {
    const { select } = ctx.params;
    const missing = (select ?? []).filter((c) => !ctx.columns.includes(c));
    if (missing.length > 0) {
      throw new ChunkmillError({
        code: 'ERR_UNKNOWN_COLUMN',
        column: missing[0]!,
        message: `unknown column${missing.length > 1 ? 's' : ''} ${missing.map((c) => JSON.stringify(c)).join(', ')} in --select; the columns are ${ctx.columns.map((c) => JSON.stringify(c)).join(', ')}`,
      });
    }
    return select ?? ctx.columns;
  },
  transform(row: Row, ctx) {
    const { select, to } = ctx.params;
    if (to === 'csv') return select === undefined ? row.toArray() : select.map((c) => row.get(c));
    if (select === undefined) return row.toObject();
    const o: Record<string, string> = {};
    for (const c of select) o[c] = row.get(c);
    return o;
  },
});
