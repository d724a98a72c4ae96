/**
 * The error for a column name the input does not have, with the columns it does have and, when
 * one is close, a "did you mean": the same name in another case first (`Origin` for `origin`),
 * else the nearest by edit distance (leven), if it is near enough to be a typo.
 */
import { closestMatch } from 'leven';
import { ChunkmillError } from '../errors.js';

/** Columns listed in the message; a wide file's header would bury the message. */
const SHOWN = 20;

/**
 * The column `name` was probably meant as, or undefined. A typo is a few edits, fewer for a
 * short name (1 up to 3 characters, 2 up to 5, else 3; a swap of two letters is 2): `orign` ->
 * `origin`, `dealy` -> `delay`, but `x` suggests nothing for `id`.
 */
export function suggestColumn(name: string, columns: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const sameButCase = columns.find((c) => c.toLowerCase() === lower);
  if (sameButCase !== undefined) return sameButCase;
  const maxDistance = name.length <= 3 ? 1 : name.length <= 5 ? 2 : 3;
  const lowered = columns.map((c) => c.toLowerCase());
  const near = closestMatch(lower, lowered, { maxDistance });
  return near === undefined ? undefined : columns[lowered.indexOf(near)];
}

/**
 * ERR_UNKNOWN_COLUMN for `column`, named in `option` (an option path such as
 * `aggregate.groupBy[0]` or `where`; the CLI turns it into its flag).
 */
export function unknownColumn(
  column: string,
  option: string,
  columns: readonly string[],
  file: string | undefined,
): ChunkmillError {
  const shown = columns
    .slice(0, SHOWN)
    .map((c) => JSON.stringify(c))
    .join(', ');
  const suggestion = suggestColumn(column, columns);
  return new ChunkmillError({
    code: 'ERR_UNKNOWN_COLUMN',
    message: `Unknown column ${JSON.stringify(column)} in ${option}${file ? ` (${file})` : ''}; the columns are: ${shown}${columns.length > SHOWN ? ', ...' : ''}`,
    column,
    option,
    ...(file !== undefined ? { file } : {}),
    ...(suggestion !== undefined ? { hint: `did you mean ${JSON.stringify(suggestion)}?` } : {}),
  });
}

/** The same error with a "did you mean" added, for one raised where the columns were not at hand. */
export function withSuggestion(error: unknown, columns: readonly string[]): unknown {
  if (!(error instanceof ChunkmillError) || error.code !== 'ERR_UNKNOWN_COLUMN' || error.column === undefined)
    return error;
  if (error.hint !== undefined) return error;
  const suggestion = suggestColumn(error.column, columns);
  if (suggestion === undefined) return error;
  return new ChunkmillError(
    { ...error.toData(), hint: `did you mean ${JSON.stringify(suggestion)}?` },
    { cause: error.cause },
  );
}
