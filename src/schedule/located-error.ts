/**
 * A worker's error data as a ChunkmillError with its place in the file: the worker counts lines
 * from its chunk's first record (`localLine`), the scheduler knows how many lines the chunks
 * before it had, so the sum is the file line (DuckDB's reader does the same).
 */
import { describeLocation, fromData, type ChunkmillError, type ErrorData } from '../errors.js';

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
