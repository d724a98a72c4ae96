/** Awaiting failures: the rejection of a promise, as a ChunkmillError. */
import { expect } from 'vitest';
import { ChunkmillError } from 'chunkmill';

/** Resolves with what `promise` rejects with; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<ChunkmillError> {
  let value: unknown;
  try {
    value = await promise;
  } catch (e) {
    expect(e, `expected a ChunkmillError, got ${String(e)}`).toBeInstanceOf(ChunkmillError);
    return e as ChunkmillError;
  }
  throw new Error(`expected a rejection, but it resolved with ${JSON.stringify(value)}`);
}

/** The located fields of an error, for toStrictEqual: undefined ones stay undefined. */
export function where(e: ChunkmillError): {
  code: string;
  line: number | undefined;
  column: string | undefined;
  byteOffset: number | undefined;
} {
  return { code: e.code, line: e.line, column: e.column, byteOffset: e.byteOffset };
}
