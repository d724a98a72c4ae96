/**
 * One file or object of a dataset (plan/dataset.ts expands the input into them), and the rule that
 * the files of a dataset have one header, or, under unionColumns, the union of their headers.
 */
import { ChunkmillError } from '../errors.js';
import type { ColumnRemap } from '../kinds/remap-sink.js';
import type { ObjectInfo } from '../remote/object-info.js';

/** One source of a dataset: a local file by its path, or an object with its identity as listed or stat'ed. */
export interface DatasetSource {
  /** As messages name it: the path, or the URL. */
  name: string;
  object?: ObjectInfo;
}

/**
 * Every source of a dataset must have the first one's columns (an empty source has none and adds
 * nothing): a mismatch names the file and the first column that differs, since concatenating such
 * files would put values under the wrong names.
 */
export function checkSameColumns(
  first: string,
  firstColumns: readonly string[],
  name: string,
  columns: readonly string[],
  /** What may be done instead: a dataset read by range may take the union of its columns. */
  alternative = '',
): void {
  if (columns.length === 0) return;
  let i = 0;
  while (i < firstColumns.length && i < columns.length && firstColumns[i] === columns[i]) i++;
  if (i === firstColumns.length && i === columns.length) return;
  const shown = (c: string | undefined) => (c === undefined ? 'nothing' : JSON.stringify(c));
  throw new ChunkmillError({
    code: 'ERR_CSV_HEADER',
    file: name,
    line: 1,
    columnIndex: i + 1,
    message: `The columns of ${name} differ from the first file's (${first}) at column ${i + 1}: ${shown(columns[i])} where the first has ${shown(firstColumns[i])}`,
    hint: `every file of a dataset must have the same columns in the same order${alternative}`,
  });
}

/**
 * unionColumns: the dataset's columns, as DuckDB's union_by_name takes them (the first source's,
 * then each column not seen before in the order it first appears), and per source how its fields
 * map onto them: undefined for a source whose columns are the dataset's in order (read as it is),
 * or an empty one (no header: no records either).
 */
export function unionOfColumns(sources: readonly (readonly string[])[]): {
  columns: string[];
  remaps: (ColumnRemap | undefined)[];
} {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const own of sources)
    for (const c of own) {
      if (seen.has(c)) continue;
      seen.add(c);
      columns.push(c);
    }
  const remaps = sources.map((own) => {
    if (own.length === 0 || (own.length === columns.length && own.every((c, i) => c === columns[i]))) return undefined;
    const at = new Map(own.map((c, i) => [c, i]));
    return { width: own.length, fields: columns.map((c) => at.get(c) ?? -1) };
  });
  return { columns, remaps };
}
