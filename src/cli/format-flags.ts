/**
 * The flags for messy files beside the dialect: how empty or repeated header names are taken
 * (--header-names), the decimal separator of numbers (--decimal) and the text encoding
 * (--encoding), and a dataset whose files' headers differ (--union-columns). Kept apart from flags.ts,
 * which holds the flags every command has had.
 */
import { type Command, Option } from 'commander';
import type { CommonOptions } from '../index.js';

export interface FormatFlags {
  headerNames?: 'rename' | 'error';
  decimal?: '.' | ',';
  encoding?: 'utf8' | 'latin1' | 'windows-1252' | 'utf-16le' | 'utf-16be';
  unionColumns?: boolean;
}

export function addFormatInputOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--header-names <policy>',
        'an empty or repeated header name: rename it as DuckDB does (column0, val_1) with a warning, or fail (default: rename)',
      ).choices(['rename', 'error']),
    )
    .addOption(
      new Option(
        '--decimal <sep>',
        "the decimal separator of numbers: , reads 1,5 as 1.5 (and 1.5 as text); sniffing then never takes ',' for the delimiter (default: .)",
      ).choices(['.', ',']),
    )
    .addOption(
      new Option(
        '--encoding <name>',
        "the file's text encoding: utf8, the single-byte latin1 or windows-1252, or utf-16le / utf-16be (default: utf8; a UTF-16 byte order mark is detected)",
      ).choices(['utf8', 'latin1', 'windows-1252', 'utf-16le', 'utf-16be']),
    )
    .option(
      '--union-columns',
      "several files whose headers differ: take the union of their columns by name (DuckDB's union_by_name), a column a file lacks read as empty (plain CSV files only)",
    );
}

/** The engine options of these flags, only those given. */
export function formatJobOptions(
  o: FormatFlags,
): Pick<CommonOptions, 'headerNames' | 'decimal' | 'encoding' | 'unionColumns'> {
  return {
    ...(o.encoding !== undefined ? { encoding: o.encoding } : {}),
    ...(o.headerNames !== undefined ? { headerNames: o.headerNames } : {}),
    ...(o.decimal !== undefined ? { decimal: o.decimal } : {}),
    ...(o.unionColumns === true ? { unionColumns: true } : {}),
  };
}
