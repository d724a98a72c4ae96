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
const COMMA = 44;
const ZERO = 48;

/**
 * The decimal separator numbers are read with in this thread: `.` or, under the decimal option
 * `,`, a comma (then `1.5` is not a number: a `.` there is a thousands separator or a mistake, and
 * reading it as a decimal point would be a silent wrong answer). Set by openChunkSink before each
 * chunk (kinds/chunk-sink.ts): a worker thread parses one chunk at a time, and processSerial,
 * which runs in the caller's thread, takes only the default (plan/validate.ts).
 */
let decimalPoint = DOT;

export function setDecimalSeparator(separator: '.' | ','): void {
  decimalPoint = separator === ',' ? COMMA : DOT;
}

/** The decimal separator byte parseNumberInto reads now. */
export function decimalByte(): number {
  return decimalPoint;
}

/**
 * `text` as the `.` number grammar reads it: unchanged, or under a decimal comma with its comma
 * as a point (`1,5` -> `1.5`), and a text with a `.` made one that no number grammar accepts.
 */
export function numberText(text: string): string {
  if (decimalPoint === DOT) return text;
  return text.includes('.') ? '.' : text.replace(',', '.');
}

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
  if (i < end && buf[i] === decimalPoint) {
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
  const raw = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1'); // a view, no copy
  const text = numberText(raw);
  if (!DECIMAL.test(text)) return NaN;
  const v = Number(text);
  return Number.isFinite(v) ? v : NaN;
}

const REPLACEMENT = '\uFFFD';
/** Fields up to this many bytes may take decodeField's ASCII path (longer: the native decoder wins). */
const SHORT_FIELD = 24;
/** ASCII fields up to this many bytes are built by one String.fromCharCode call (asciiText). */
const ARITY_FIELD = 12;

/**
 * The field's text as UTF-8, quotes removed and doubled quotes unescaped. Bytes that are not
 * UTF-8 throw an InvalidUtf8Error (never a silent U+FFFD: two different bad keys would become one
 * group).
 *
 * Fast path: Node's decoder turns every invalid sequence into U+FFFD, so text without U+FFFD came
 * from valid bytes; only text with one (rare: bad bytes, or a real U+FFFD) is checked byte by
 * byte. The check is one native string search, ~10 ns on a short field (toString alone is ~70 ns).
 * A short ASCII field (most fields) is built from its bytes in JavaScript instead: by one
 * String.fromCharCode call up to ARITY_FIELD bytes (38-42 ns per sales field, against 69-75 ns
 * for a string grown a character at a time and 98 ns for the native utf8Slice), else a character
 * at a time. A field with a byte >= 0x80 gives up the ASCII path and takes the native decoder.
 */
export function decodeField(buf: Buffer, start: number, end: number, quotedFlag: number, quoteChar: string): string {
  const n = end - start;
  if (n <= SHORT_FIELD) {
    const ascii = n <= ARITY_FIELD ? asciiText(buf, start, n) : asciiLoop(buf, start, end);
    if (ascii !== null) return quotedFlag === 2 ? ascii.split(quoteChar + quoteChar).join(quoteChar) : ascii;
  }
  const text = buf.toString('utf8', start, end);
  if (text.indexOf(REPLACEMENT) !== -1) {
    const bad = invalidUtf8At(buf, start, end);
    if (bad >= 0) throw new InvalidUtf8Error(buf, bad, end);
  }
  return quotedFlag === 2 ? text.split(quoteChar + quoteChar).join(quoteChar) : text;
}

/** buf[start, end) if it is ASCII, a character at a time; else null. */
function asciiLoop(buf: Buffer, start: number, end: number): string | null {
  let ascii = '';
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b >= 0x80) return null;
    ascii += String.fromCharCode(b);
  }
  return ascii;
}

/**
 * buf[s, s + n) (n <= ARITY_FIELD) if it is ASCII, else null: its bytes loaded once, checked
 * together (their OR below 0x80), and made one string by one String.fromCharCode call with n
 * arguments, where a loop allocates a string per character.
 */
function asciiText(buf: Buffer, s: number, n: number): string | null {
  const f = String.fromCharCode;
  switch (n) {
    case 0:
      return '';
    case 1: {
      const a = buf[s]!;
      return a < 0x80 ? f(a) : null;
    }
    case 2: {
      const a = buf[s]!;
      const b = buf[s + 1]!;
      return (a | b) < 0x80 ? f(a, b) : null;
    }
    case 3: {
      const a = buf[s]!;
      const b = buf[s + 1]!;
      const c = buf[s + 2]!;
      return (a | b | c) < 0x80 ? f(a, b, c) : null;
    }
    case 4: {
      const a = buf[s]!;
      const b = buf[s + 1]!;
      const c = buf[s + 2]!;
      const d = buf[s + 3]!;
      return (a | b | c | d) < 0x80 ? f(a, b, c, d) : null;
    }
    case 5: {
      const a = buf[s]!;
      const b = buf[s + 1]!;
      const c = buf[s + 2]!;
      const d = buf[s + 3]!;
      const e = buf[s + 4]!;
      return (a | b | c | d | e) < 0x80 ? f(a, b, c, d, e) : null;
    }
    case 6: {
      const a = buf[s]!;
      const b = buf[s + 1]!;
      const c = buf[s + 2]!;
      const d = buf[s + 3]!;
      const e = buf[s + 4]!;
      const g = buf[s + 5]!;
      return (a | b | c | d | e | g) < 0x80 ? f(a, b, c, d, e, g) : null;
    }
    default:
      return asciiLong(buf, s, n);
  }
}

/** asciiText for 7 to ARITY_FIELD bytes: the first six as in asciiText, the rest by count. */
function asciiLong(buf: Buffer, s: number, n: number): string | null {
  const a = buf[s]!;
  const b = buf[s + 1]!;
  const c = buf[s + 2]!;
  const d = buf[s + 3]!;
  const e = buf[s + 4]!;
  const g = buf[s + 5]!;
  const h = buf[s + 6]!;
  let any = a | b | c | d | e | g | h;
  if (n === 7) return any < 0x80 ? String.fromCharCode(a, b, c, d, e, g, h) : null;
  const i = buf[s + 7]!;
  any |= i;
  if (n === 8) return any < 0x80 ? String.fromCharCode(a, b, c, d, e, g, h, i) : null;
  const j = buf[s + 8]!;
  any |= j;
  if (n === 9) return any < 0x80 ? String.fromCharCode(a, b, c, d, e, g, h, i, j) : null;
  const k = buf[s + 9]!;
  any |= k;
  if (n === 10) return any < 0x80 ? String.fromCharCode(a, b, c, d, e, g, h, i, j, k) : null;
  const l = buf[s + 10]!;
  any |= l;
  if (n === 11) return any < 0x80 ? String.fromCharCode(a, b, c, d, e, g, h, i, j, k, l) : null;
  const m = buf[s + 11]!;
  return (any | m) < 0x80 ? String.fromCharCode(a, b, c, d, e, g, h, i, j, k, l, m) : null;
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
  'the file is not UTF-8 (Latin-1 or Windows-1252?): read it with encoding: "latin1" (or "windows-1252")';

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
