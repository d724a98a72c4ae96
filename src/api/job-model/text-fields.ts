/**
 * The job model's fields for how a file's text is read beyond its dialect (issue 24's messy
 * files): its encoding, the decimal separator of its numbers, what becomes of empty or repeated
 * header names, and of a dataset whose files' headers differ. Spread into JOB_FIELDS (fields.ts),
 * in this order.
 */
import { Type } from './typebox.js';
import { EVERYWHERE, field, oneOf } from './field.js';

export const TEXT_FIELDS = {
  /**
   * An empty or repeated header name: rename it as DuckDB does (an empty one `column0`-style by
   * its 0-based position, a repeated one `val_1`, `val_2`) and give WARN_HEADER_RENAMED, or fail
   * with ERR_CSV_HEADER naming the column ('error'). @default 'rename'
   */
  headerNames: field(oneOf('rename', 'error'), {
    on: EVERYWHERE,
    doc: 'An empty or repeated header name: rename it as DuckDB does (with a warning), or fail.',
    default: 'rename',
  }),
  /**
   * A dataset whose files' headers differ: take the union of their columns by name, as DuckDB's
   * `union_by_name` does (the first file's columns, then each new one in the order it first
   * appears), a file without a column reading it as an empty field. Off, every file must have the
   * first file's columns in its order (ERR_CSV_HEADER). Plain CSV files and objects read by range
   * only: a dataset read as streams (gzip, NDJSON, a server without Range) refuses it. @default false
   */
  unionColumns: field(Type.Boolean(), {
    on: EVERYWHERE,
    doc: "A dataset's files with different headers: take the union of their columns by name, a missing one empty.",
    default: false,
  }),
  /**
   * The decimal separator of numbers: '.' or ',' (`1,5` is 1.5; then `1.5` is not a number, and
   * the delimiter is usually ';'). For every value read as a number: measures, --where
   * comparisons, stats, typed values. @default '.'
   */
  decimal: field(oneOf('.', ','), {
    on: EVERYWHERE,
    doc: "The decimal separator of numbers: '.' or ',' (then `1,5` is 1.5 and `1.5` is not a number).",
    default: '.',
  }),
  /**
   * The input's text encoding: 'utf8', the single-byte 'latin1' (ISO 8859-1) or 'windows-1252'
   * (decoded in the workers), or 'utf-16le' / 'utf-16be' (one file, read as a stream turned into
   * UTF-8: input/utf16.ts); every value is read as its characters (group keys, --where, output).
   * Without it, a byte that is not UTF-8 in a value that is read is ERR_CSV_INVALID_UTF8.
   * @default 'utf8' (a UTF-8 BOM is skipped; a file with a UTF-16 BOM is read as UTF-16)
   */
  encoding: field(oneOf('utf8', 'latin1', 'windows-1252', 'utf-16le', 'utf-16be'), {
    on: EVERYWHERE,
    doc: "The input's text encoding: 'utf8', 'latin1', 'windows-1252', 'utf-16le' or 'utf-16be'.",
    default: 'utf8',
  }),
};
