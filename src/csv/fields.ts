/**
 * Decoding single fields from the bytes the scanner located. Numbers are parsed straight from
 * bytes (no string per value); text is decoded only where a value is kept (group keys, headers).
 */
import { ChunkmillError } from '../errors.js';

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
export function parseNumberInto(
  buf: Uint8Array,
  start: number,
  end: number,
  out: Float64Array,
  index: number,
): boolean {
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
  // biome-ignore lint/suspicious/noSelfCompare: false only for NaN, without a call on the hot path
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

const REPLACEMENT = '\uFFFD';
/** Fields up to this many bytes may take decodeField's ASCII path (longer: the native decoder wins). */
const SHORT_FIELD = 24;

/**
 * The field's text as UTF-8, quotes removed and doubled quotes unescaped. Bytes that are not
 * UTF-8 throw an InvalidUtf8Error (never a silent U+FFFD: two different bad keys would become one
 * group).
 *
 * Fast path: Node's decoder turns every invalid sequence into U+FFFD, so text without U+FFFD came
 * from valid bytes; only text with one (rare: bad bytes, or a real U+FFFD) is checked byte by
 * byte. The check is one native string search, ~10 ns on a short field (toString alone is ~70 ns).
 * A short ASCII field (most fields) is built from its bytes in JavaScript instead: ~0.6x the time
 * of toString's native call on 7-byte fields (measured, with 10-byte-ish sales fields).
 */
export function decodeField(buf: Buffer, start: number, end: number, quotedFlag: number, quoteChar: string): string {
  if (end - start <= SHORT_FIELD) {
    let ascii = '';
    let i = start;
    for (; i < end; i++) {
      const b = buf[i]!;
      if (b >= 0x80) break;
      ascii += String.fromCharCode(b);
    }
    if (i === end) return quotedFlag === 2 ? ascii.split(quoteChar + quoteChar).join(quoteChar) : ascii;
  }
  const text = buf.toString('utf8', start, end);
  if (text.indexOf(REPLACEMENT) !== -1) {
    const bad = invalidUtf8At(buf, start, end);
    if (bad >= 0) throw new InvalidUtf8Error(buf, bad, end);
  }
  return quotedFlag === 2 ? text.split(quoteChar + quoteChar).join(quoteChar) : text;
}

/**
 * Where buf[start, end) stops being UTF-8: the index of the first byte of the first ill-formed
 * sequence (Unicode 15, table 3-7: no overlongs, no surrogates, nothing above U+10FFFF, no
 * truncated sequence), or -1 if it is all UTF-8.
 */
export function invalidUtf8At(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let continuation: number;
    let lo = 0x80; // the range of the second byte
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) continuation = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      continuation = 2;
      if (b === 0xe0)
        lo = 0xa0; // overlong
      else if (b === 0xed) hi = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      continuation = 3;
      if (b === 0xf0)
        lo = 0x90; // overlong
      else if (b === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    if (i + continuation >= end) return i; // truncated
    const second = buf[i + 1]!;
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= continuation; k++) {
      const c = buf[i + k]!;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += continuation + 1;
  }
  return -1;
}

/** The bytes at `at` that are not UTF-8, for messages: `0xff 0xfe` (at most 4). */
export function describeBadBytes(buf: Uint8Array, at: number, end: number): string {
  const shown: string[] = [];
  for (let i = at; i < Math.min(end, at + 4); i++) shown.push('0x' + buf[i]!.toString(16).padStart(2, '0'));
  return shown.join(' ');
}

/** What to do about bytes that are not UTF-8, shown under the error. */
export const INVALID_UTF8_HINT =
  'the file is not UTF-8 (Latin-1 or Windows-1252?): convert it, e.g. iconv -f windows-1252 -t utf-8';

/**
 * Thrown by decodeField. `at` is the index of the bad byte in the buffer that was decoded; the
 * caller knows where that buffer lies in the file and turns it into a located error (line, byte,
 * column), e.g. as a sink error with `offset: at`.
 */
export class InvalidUtf8Error extends ChunkmillError {
  readonly at: number;
  constructor(buf: Uint8Array, at: number, end: number) {
    super({ code: 'ERR_CSV_INVALID_UTF8', message: invalidUtf8Message(buf, at, end), hint: INVALID_UTF8_HINT });
    this.at = at;
  }
}

function invalidUtf8Message(buf: Uint8Array, at: number, end: number): string {
  return `Invalid UTF-8 (${describeBadBytes(buf, at, end)})`;
}
