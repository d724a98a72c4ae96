/**
 * JSON values written as UTF-8 bytes, exactly as JSON.stringify writes them (json-row.ts and
 * json-shape.ts build rows from these). Strings follow QuoteJSONString (ES2019): `"` `\` and the
 * short escapes \b \t \n \f \r, other units below 0x20 and lone surrogates as \u00xx / \udxxx in
 * lowercase hex, every other code point as its UTF-8 bytes. Numbers: finite ones as
 * Number::toString (String(n)), the others as null.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
/** Per unit below 0x80: 0 copy it; 1 a short escape (SHORT); 2 \u00xx. */
const ESCAPE = Uint8Array.from({ length: 128 }, (_, c) =>
  c === 8 || c === 9 || c === 10 || c === 12 || c === 13 || c === QUOTE || c === BACKSLASH ? 1 : c < 0x20 ? 2 : 0,
);
const SHORT = Uint8Array.from(
  { length: 128 },
  (_, c) => ({ 8: 0x62, 9: 0x74, 10: 0x6e, 12: 0x66, 13: 0x72, 34: QUOTE, 92: BACKSLASH })[c] ?? 0,
);
const NULL = [0x6e, 0x75, 0x6c, 0x6c];
const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
/** The longest Number::toString: "-0.0000012345678901234567" (exponents below -6 switch to e-notation). */
const NUMBER_BOUND = 25;

/**
 * The most bytes writeValue() takes for `v`, or -1 when it does not write `v`: undefined, a
 * symbol (left out of objects, null in arrays), or an object, function or BigInt (toJSON,
 * nesting, a TypeError: JSON.stringify's to do).
 */
export function valueBound(v: unknown): number {
  switch (typeof v) {
    case 'string':
      return 6 * v.length + 2; // \u00xx: 6 bytes per unit at most; UTF-8 takes 3 per unit at most
    case 'number':
      return NUMBER_BOUND;
    case 'boolean':
      return 5;
    case 'object':
      return v === null ? 4 : -1;
    default:
      return -1;
  }
}

/** Writes `v`, for which valueBound() gave room, at out[at]; returns the end. */
export function writeValue(out: Uint8Array, at: number, v: unknown): number {
  if (typeof v === 'string') return writeJsonString(out, at, v);
  if (typeof v === 'number') return Number.isFinite(v) ? writeAscii(out, at, String(v)) : writeBytes(out, at, NULL);
  return writeBytes(out, at, v === true ? TRUE : v === false ? FALSE : NULL);
}

/** `null`, for a value JSON.stringify writes as null in an array (undefined, a symbol). */
export function writeNull(out: Uint8Array, at: number): number {
  return writeBytes(out, at, NULL);
}

function writeBytes(out: Uint8Array, at: number, bytes: readonly number[]): number {
  let n = at;
  for (let j = 0; j < bytes.length; j++) out[n++] = bytes[j]!;
  return n;
}

/** Text known to be ASCII (a number's digits, sign, point, exponent). */
function writeAscii(out: Uint8Array, at: number, text: string): number {
  let n = at;
  for (let i = 0; i < text.length; i++) out[n++] = text.charCodeAt(i);
  return n;
}

/** `s` as a JSON string in UTF-8 at out[at] (at most 6 * s.length + 2 bytes); returns the end. */
export function writeJsonString(out: Uint8Array, at: number, s: string): number {
  let n = at;
  out[n++] = QUOTE;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      const e = ESCAPE[c]!;
      if (e === 0) out[n++] = c;
      else if (e === 1) {
        out[n++] = BACKSLASH;
        out[n++] = SHORT[c]!;
      } else n = writeUnitEscape(out, n, c);
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      const d = i + 1 < len ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        out[n++] = 0xf0 | (cp >> 18);
        out[n++] = 0x80 | ((cp >> 12) & 0x3f);
        out[n++] = 0x80 | ((cp >> 6) & 0x3f);
        out[n++] = 0x80 | (cp & 0x3f);
        i++;
      } else n = writeUnitEscape(out, n, c); // a lone surrogate
    }
  }
  out[n++] = QUOTE;
  return n;
}

/** \uxxxx, lowercase hex. */
function writeUnitEscape(out: Uint8Array, at: number, c: number): number {
  let n = at;
  out[n++] = BACKSLASH;
  out[n++] = 0x75; // u
  out[n++] = HEX[(c >> 12) & 15]!;
  out[n++] = HEX[(c >> 8) & 15]!;
  out[n++] = HEX[(c >> 4) & 15]!;
  out[n++] = HEX[c & 15]!;
  return n;
}
