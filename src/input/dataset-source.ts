/**
 * One file or object of a dataset (plan/dataset.ts expands the input into them), and the rule that
 * the files of a dataset have one header.
 */
import { ChunkmillError } from '../errors.js';
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
    hint: 'every file of a dataset must have the same columns in the same order',
  });
}
