/**
 * Decoding single fields from the bytes the scanner located. Numbers are parsed straight from
 * bytes (no string per value); text is decoded only where a value is kept (group keys, headers).
 */

/** Exact powers of ten: every 10^k with k <= 22 is a double without rounding. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
const SPACE = 32;
const TAB = 9;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const ZERO = 48;

/**
 * Parse buf[start, end) as a finite decimal number (`-12`, `3.5`, `.5`, `1e-3`, surrounding
 * spaces allowed) into `out[index]`; returns whether the text was one. The value goes to a
 * typed-array slot because a double returned from a call V8 does not inline is boxed (a heap
 * allocation per value).
 *
 * Fast path: at most 15 significant digits and no exponent, so the digits form an integer below
 * 2^53 and the value is `mantissa / 10^scale`: one correctly rounded division of two exact
 * doubles, hence the same double as Number(text) (Clinger's fast path).
 */
export function parseNumberInto(buf: Uint8Array, start: number, end: number, out: Float64Array, index: number): boolean {
  while (start < end && (buf[start] === SPACE || buf[start] === TAB)) start++;
  while (end > start && (buf[end - 1] === SPACE || buf[end - 1] === TAB)) end--;
  let i = start;
  let negative = false;
  const sign = buf[i];
  if (sign === MINUS) {
    negative = true;
    i++;
  } else if (sign === PLUS) {
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  while (i < end) {
    const d = buf[i]! - ZERO;
    if (d < 0 || d > 9) break;
    mantissa = mantissa * 10 + d;
    digits++;
    i++;
  }
  if (i < end && buf[i] === DOT) {
    i++;
    while (i < end) {
      const d = buf[i]! - ZERO;
      if (d < 0 || d > 9) break;
      mantissa = mantissa * 10 + d;
      digits++;
      scale++;
      i++;
    }
  }
  if (digits === 0) return false;
  if (i === end && digits <= 15) {
    const v = scale === 0 ? mantissa : mantissa / POW10[scale]!;
    out[index] = negative ? -v : v;
    return true;
  }
  const v = parseNumberSlow(buf, start, end);
  out[index] = v;
  return v === v;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Exponents and long mantissas: validate the grammar, then let V8 round. */
function parseNumberSlow(buf: Uint8Array, start: number, end: number): number {
  const text = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1'); // a view, no copy
  if (!DECIMAL.test(text)) return NaN;
  const v = Number(text);
  return Number.isFinite(v) ? v : NaN;
}

/** The field's text as UTF-8, quotes removed and doubled quotes unescaped. */
export function decodeField(buf: Buffer, start: number, end: number, quotedFlag: number, quoteChar: string): string {
  const text = buf.toString('utf8', start, end);
  return quotedFlag === 2 ? text.split(quoteChar + quoteChar).join(quoteChar) : text;
}
