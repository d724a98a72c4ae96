/** The where filter's truth values (SQL's three, and FAILED) and the test it compiles to. */
import type { FieldSlots } from '../../csv/scanner.js';

export const FALSE = 0;
export const TRUE = 1;
/** NULL in a comparison. */
export const UNKNOWN = 2;
/** A value that is not a number under onBadNumber: 'error', or text that is not UTF-8: `fail` was called; stop the scan. */
export const FAILED = 3;

export type Truth = typeof FALSE | typeof TRUE | typeof UNKNOWN | typeof FAILED;
export type RecordTest = (buf: Uint8Array, slots: FieldSlots) => Truth;
