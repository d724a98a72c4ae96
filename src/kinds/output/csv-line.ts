/**
 * A CSV line of a transform's output values written straight into bytes: exactly the UTF-8
 * bytes of encoder.ts's csvLine(values), fast-csv's FieldFormatter rules per field, without its
 * strings (the formatter's template string, NUL replace, quote search and escape regex per field,
 * the line's concatenation and its UTF-8 write).
 *
 * fast-csv's rules, for the default options the encoder uses: the field is `${value ?? ''}` with
 * NUL characters removed; one with a `"` is quoted and its quotes doubled; else one with `,` LF
 * CR or `|` (its escape class `[,\n|\r|\n]` holds a literal `|`) is quoted; others are written as
 * they are. The text goes out as Buffer.write writes UTF-8: a lone surrogate as U+FFFD.
 *
 * Strings, numbers, booleans, null and undefined are written here; for any other value (an
 * object's toString, a symbol's TypeError) csvLineBound says -1 and the caller uses csvLine.
 */

const QUOTE = 0x22;
/** Per unit below 0x80: 0 copy; 1 `"`; 2 a unit that makes fast-csv quote; 3 NUL (dropped). */
const CSV_CLASS = Uint8Array.from({ length: 128 }, (_, c) =>
  c === QUOTE ? 1 : c === 0x2c || c === 0x0a || c === 0x0d || c === 0x7c ? 2 : c === 0 ? 3 : 0,
);

/**
 * The most bytes writeCsvLine() takes for `values`, or -1 if one is a value it does not write.
 * Per string unit: 3 bytes of UTF-8, or 2 for a doubled quote.
 */
export function csvLineBound(values: readonly unknown[]): number {
  let bound = 1 + values.length;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    switch (typeof v) {
      case 'string':
        bound += 3 * v.length + 2;
        break;
      case 'number':
        bound += 25; // the longest Number::toString; also "-Infinity"
        break;
      case 'boolean':
      case 'undefined':
        bound += 5;
        break;
      default:
        if (v !== null) return -1;
    }
  }
  return bound;
}

/** Writes `values` (csvLineBound gave room) as one CSV line with its "\n" at out[at]; returns the end. */
export function writeCsvLine(out: Uint8Array, at: number, values: readonly unknown[]): number {
  let n = at;
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out[n++] = 0x2c;
    const v = values[i];
    if (typeof v === 'string') n = writeCsvField(out, n, v);
    else if (typeof v === 'number' || typeof v === 'boolean') n = writeAscii(out, n, String(v));
    // null and undefined: an empty field
  }
  out[n++] = 0x0a;
  return n;
}

/** Text known to be ASCII without a unit fast-csv quotes (a number, true, false). */
function writeAscii(out: Uint8Array, at: number, text: string): number {
  let n = at;
  for (let i = 0; i < text.length; i++) out[n++] = text.charCodeAt(i);
  return n;
}

/** One field by fast-csv's rules. Optimistic: written as it is until a unit says otherwise. */
function writeCsvField(out: Uint8Array, at: number, s: string): number {
  let n = at;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (CSV_CLASS[c] !== 0) return writeSpecial(out, at, s);
      out[n++] = c;
    } else if (isPair(s, i, c)) {
      n = writePair(out, n, c, s.charCodeAt(++i));
    } else n = writeUnit(out, n, c);
  }
  return n;
}

/** A field with a quote, a unit that makes fast-csv quote, or a NUL: the general rules. */
function writeSpecial(out: Uint8Array, at: number, s: string): number {
  let hasQuote = false;
  let special = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) hasQuote = true;
    else if (c < 0x80 && CSV_CLASS[c] === 2) special = true;
  }
  const quoted = hasQuote || special;
  let n = at;
  if (quoted) out[n++] = QUOTE;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0) continue;
      out[n++] = c;
      if (c === QUOTE) out[n++] = QUOTE;
    } else if (isPair(s, i, c)) {
      n = writePair(out, n, c, s.charCodeAt(++i));
    } else n = writeUnit(out, n, c);
  }
  if (quoted) out[n++] = QUOTE;
  return n;
}

/** Whether s[i] (= c) and s[i + 1] are a surrogate pair. */
function isPair(s: string, i: number, c: number): boolean {
  if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) return false;
  const d = s.charCodeAt(i + 1);
  return d >= 0xdc00 && d <= 0xdfff;
}

/** A surrogate pair's code point as 4 bytes of UTF-8. */
function writePair(out: Uint8Array, at: number, hi: number, lo: number): number {
  const cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
  let n = at;
  out[n++] = 0xf0 | (cp >> 18);
  out[n++] = 0x80 | ((cp >> 12) & 0x3f);
  out[n++] = 0x80 | ((cp >> 6) & 0x3f);
  out[n++] = 0x80 | (cp & 0x3f);
  return n;
}

/** One unit >= 0x80 that is not part of a pair as UTF-8; a lone surrogate as U+FFFD, as Buffer.write does. */
function writeUnit(out: Uint8Array, at: number, unit: number): number {
  const c = unit >= 0xd800 && unit <= 0xdfff ? 0xfffd : unit;
  let n = at;
  if (c < 0x800) {
    out[n++] = 0xc0 | (c >> 6);
    out[n++] = 0x80 | (c & 0x3f);
    return n;
  }
  out[n++] = 0xe0 | (c >> 12);
  out[n++] = 0x80 | ((c >> 6) & 0x3f);
  out[n++] = 0x80 | (c & 0x3f);
  return n;
}

/**
 * One TSV line (with its "\n"): the values tab-separated, a value quoted (its quotes doubled)
 * where it holds a tab, a quote, LF or CR, as DuckDB's CSV writer does with DELIMITER '\t', so
 * DuckDB, csvkit and chunkmill itself (-d tab) read every value back as it was. null and
 * undefined are empty; other values as `${value}`.
 */
export function tsvLine(values: readonly unknown[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += '\t';
    const v = values[i];
    const text = v === null || v === undefined ? '' : String(v);
    line += /[\t"\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  }
  return line + '\n';
}
