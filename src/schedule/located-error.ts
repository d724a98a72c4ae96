/**
 * Errors with their place in the input, as the schedulers make them. A worker's error data: the
 * worker counts lines from its chunk's first record (`localLine`), the scheduler knows how many
 * lines the chunks before it had, so the sum is the file line (DuckDB's reader does the same).
 * A quote mismatch: the scheduler finds it, where the chunks meet.
 */
import { ChunkmillError, describeLocation, fromData, type ErrorData, type ErrorLocation } from '../errors.js';

export function locatedError(data: ErrorData, linesBefore: number, file: string, chunkIndex?: number): ChunkmillError {
  const { localLine, ...rest } = data;
  const line = localLine !== undefined ? linesBefore + localLine + 1 : rest.line;
  const located = {
    ...rest,
    file,
    ...(line !== undefined ? { line } : {}),
    ...(chunkIndex !== undefined ? { chunkIndex } : {}),
  };
  // Errors about the file as a whole (missing, changed) already name it and have no position.
  const positioned = line !== undefined || rest.byteOffset !== undefined;
  return fromData({ ...located, message: positioned ? data.message + describeLocation(located) : data.message });
}

/** What a quote mismatch says; `where` narrows it (" before byte 42") where it is known. */
export function quoteMismatchText(where = ''): string {
  return `Quote characters do not pair up${where}: a quote inside an unquoted field (like 5'11")`;
}

/**
 * The parser and the quote parity disagree about where a chunk's records start: a quote inside an
 * unquoted field, so the cuts between chunks cannot be trusted. `hint`: what the user can do.
 */
export function quoteMismatch(at: ErrorLocation, where: string, hint: string): ChunkmillError {
  return new ChunkmillError({
    code: 'ERR_CSV_QUOTE_MISMATCH',
    ...at,
    message: quoteMismatchText(where) + describeLocation(at),
    hint,
  });
}
