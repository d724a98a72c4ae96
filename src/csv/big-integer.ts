/**
 * Integers beyond the safe range of a double (|v| > 2^53 - 1): a double cannot hold every one of
 * them (9007199254740993 parses to ...992), so where a value's digits matter (min, max, sum)
 * such an integer is read again as a BigInt, as DuckDB reads it as a BIGINT or HUGEINT.
 *
 * Only integers are exact: text with a '.' or an exponent is a double, as in DuckDB. The number
 * parsers stay on doubles; a caller asks here only when the double it got is beyond the safe
 * range (isBeyondSafe), which no ordinary value is, so the common case pays one compare.
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_SAFE_BIG = BigInt(MAX_SAFE);
/** The stats and aggregate grammar of an integer: sign, digits, whitespace around. */
const INTEGER = /^\s*[+-]?\d+\s*$/;

/** Whether a parsed double may stand for an integer that a double does not hold exactly. */
export function isBeyondSafe(v: number): boolean {
  return v > MAX_SAFE || v < -MAX_SAFE;
}

/** `text` as a BigInt if it is an integer beyond the safe range; null otherwise (a double holds it, or it is not an integer). */
export function bigIntegerOf(text: string): bigint | null {
  if (!INTEGER.test(text)) return null;
  const b = BigInt(text); // allows the sign and the whitespace INTEGER allows
  return b > MAX_SAFE_BIG || b < -MAX_SAFE_BIG ? b : null;
}

/** bigIntegerOf for buf[start, end) (ASCII digits: read as latin1, a view, no copy). */
export function bigIntegerAt(buf: Uint8Array, start: number, end: number): bigint | null {
  return bigIntegerOf(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1'));
}
