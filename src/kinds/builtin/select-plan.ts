/**
 * The built-in select transform (select.ts) compiled to a RecordPlan, so its rows are written
 * straight from the input bytes (kinds/output/record-bytes.ts) with exactly the bytes the
 * transform's own objects and arrays would give. Null where that cannot be promised simply:
 * typed values (`types`), the output format does not match `to` (arrays written as JSON, objects as CSV), or the
 * object's key order differs from the order the fields are read in (duplicate column names,
 * integer-like names out of order), where the first bad field of a row could differ; the
 * transform itself then runs.
 */
import type { OutputFormat } from '../output/encoder.js';
import type { RecordPlan } from '../output/record-bytes.js';
import type { SelectParams } from './select.js';

export function selectPlan(
  params: SelectParams,
  columns: readonly string[],
  format: OutputFormat,
  quote: string,
): RecordPlan | null {
  // `types` writes values that read as numbers as JSON numbers: the transform decides per value.
  const rows = (to: string) => to === 'csv' || to === 'tsv'; // arrays, not objects
  if (params.types === true || rows(params.to) !== rows(format)) return null;
  // The fields the transform reads, in its order: toArray/toObject read all, get(c) the first c.
  const read = params.select === undefined ? columns.map((_, i) => i) : params.select.map((c) => columns.indexOf(c));
  if (read.some((i) => i < 0)) return null;
  const q = quote.charCodeAt(0);
  if (format === 'csv' || format === 'tsv') return { format, fields: Int32Array.from(read), keys: [], quote: q };
  // The object as the transform builds it: assignments in read order (a later duplicate
  // overwrites, "__proto__" is no own key), keys in JavaScript's property order.
  const template: Record<string, number> = {};
  read.forEach((i) => {
    template[columns[i]!] = i;
  });
  const keys = Object.keys(template);
  const fields = keys.map((k) => template[k]!);
  if (fields.length !== read.length || fields.some((f, k) => f !== read[k])) return null;
  return {
    format,
    fields: Int32Array.from(fields),
    keys: keys.map((k, n) => Buffer.from(`${n > 0 ? ',' : ''}${JSON.stringify(k)}:`)),
    quote: q,
  };
}
