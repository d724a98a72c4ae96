/**
 * Writing a CSV record's fields straight from the input bytes as an NDJSON / JSON object or a
 * CSV line: the built-in select transform's fast path (no string, object or array per row).
 * The bytes are exactly those the general path writes, JSON.stringify(row.toObject()) or
 * fast-csv's field rules over row.toArray(), for every field that is UTF-8:
 *
 *   JSON  each value "..." with `"` and `\` escaped, control bytes as \b \t \n \f \r or \u00xx
 *         (lowercase), every other byte copied (UTF-8 text is written as UTF-8 by both);
 *   CSV   a value with `"` is quoted and its quotes doubled; else one with `,` LF CR or `|` is
 *         quoted (fast-csv's escape class `[,\n|\r|\n]` holds a literal `|`); NUL bytes dropped.
 *
 * A doubled quote of a quoted input field (quoted flag 2) counts as one quote character. A field
 * with a byte >= 0x80 is checked to be UTF-8 (the caller throws the general path's error if not).
 */
import { invalidUtf8At } from '../../csv/fields.js';
import type { FieldSlots } from '../../csv/scanner.js';

/** What to write per record, compiled once per chunk (see kinds/builtin/select-plan.ts). */
export interface RecordPlan {
  format: 'csv' | 'tsv' | 'ndjson' | 'json';
  /** Input field index of each output value, in output order. */
  fields: Int32Array;
  /** JSON: `"key":` in UTF-8, per output value (prefixed by `,` from the second on). */
  keys: Uint8Array[];
  /** The input dialect's quote byte (doubled inside quoted fields). */
  quote: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX = '0123456789abcdef';
/** 0: a byte JSON copies; 1: one it escapes (JSON_ESCAPES); 2: the lead of a multi-byte sequence. */
const JSON_CLASS = Uint8Array.from({ length: 256 }, (_, b) =>
  b >= 0x80 ? 2 : b < 0x20 || b === QUOTE || b === BACKSLASH ? 1 : 0,
);
/** For CSV: 0 copy; 1 `"`; 2 a byte that makes fast-csv quote (`,` LF CR `|`); 3 NUL; 4 >= 0x80. */
const CSV_CLASS = Uint8Array.from({ length: 256 }, (_, b) =>
  b >= 0x80 ? 4 : b === QUOTE ? 1 : b === 0x2c || b === 0x0a || b === 0x0d || b === 0x7c ? 2 : b === 0 ? 3 : 0,
);
/**
 * For a whole record (copyWholeRecord): 0 a byte CSV copies, the delimiter included; 1 a byte
 * that takes the per-field rules (`"`, `|`, NUL; LF and CR, which no unquoted field holds); 2 >= 0x80.
 */
const RECORD_CLASS = Uint8Array.from({ length: 256 }, (_, b) =>
  b >= 0x80 ? 2 : b === QUOTE || b === 0x7c || b === 0 || b === 0x0a || b === 0x0d ? 1 : 0,
);
const COMMA = 0x2c;
/** JSON's escape for each byte below 0x20, and for `"` and `\`; empty: copy the byte. */
const JSON_ESCAPES: Uint8Array[] = Array.from({ length: 128 }, (_, b) => {
  if (b >= 0x20 && b !== QUOTE && b !== BACKSLASH) return new Uint8Array(0);
  const short: Record<number, string> = { 8: 'b', 9: 't', 10: 'n', 12: 'f', 13: 'r', 34: '"', 92: '\\' };
  const text = short[b] !== undefined ? `\\${short[b]}` : `\\u00${HEX[b >> 4]}${HEX[b & 15]}`;
  return Buffer.from(text, 'latin1');
});

/** The most bytes a record can take in `plan`'s format (escapes at 6 bytes per input byte). */
export function recordBound(slots: FieldSlots, plan: RecordPlan): number {
  const fields = plan.fields;
  let n = 4;
  for (let k = 0; k < fields.length; k++) {
    const f = fields[k]!;
    n += (slots.ends[f]! - slots.starts[f]!) * 6 + 3 + (plan.keys[k]?.length ?? 0);
  }
  return n;
}

/**
 * writeCsvRecord and writeJsonRecord write one record at out[at]; each returns the new end, or
 * -1 - k when output value k holds bytes that are not UTF-8 (then what was written is to be
 * discarded). `out` has recordBound() room. One function per format, called by the encoder
 * itself: one function for both measured 8% slower on NDJSON once the CSV side grew, and a
 * dispatching function in between 4-6% (V8 inlines by the size of the whole call tree).
 */
export function writeCsvRecord(
  out: Uint8Array,
  at: number,
  buf: Uint8Array,
  slots: FieldSlots,
  plan: RecordPlan,
): number {
  const { fields, quote } = plan;
  const whole = copyWholeRecord(out, at, buf, slots, fields);
  if (whole >= 0) return whole;
  let n = at;
  for (let k = 0; k < fields.length; k++) {
    const f = fields[k]!;
    if (k > 0) out[n++] = 0x2c;
    n = writeCsvField(out, n, buf, slots.starts[f]!, slots.ends[f]!, slots.quoted[f] === 2, quote);
    if (n < 0) return -1 - k;
  }
  out[n++] = 0x0a;
  return n;
}

export function writeJsonRecord(
  out: Uint8Array,
  at: number,
  buf: Uint8Array,
  slots: FieldSlots,
  plan: RecordPlan,
): number {
  const { fields, keys, quote } = plan;
  let n = at;
  if (plan.format === 'json') {
    out[n++] = 0x2c; // ",\n": the coordinator drops the first one
    out[n++] = 0x0a;
  }
  out[n++] = 0x7b; // {
  for (let k = 0; k < fields.length; k++) {
    const f = fields[k]!;
    // A byte loop: keys are a few bytes, where TypedArray.set costs a call each.
    const key = keys[k]!;
    for (let j = 0; j < key.length; j++) out[n++] = key[j]!;
    n = writeJsonString(out, n, buf, slots.starts[f]!, slots.ends[f]!, slots.quoted[f] === 2, quote);
    if (n < 0) return -1 - k;
  }
  out[n++] = 0x7d; // }
  if (plan.format === 'ndjson') out[n++] = 0x0a;
  return n;
}

/** A JSON string of buf[s, e); -1 if a byte >= 0x80 starts no UTF-8 sequence there. */
function writeJsonString(
  out: Uint8Array,
  at: number,
  buf: Uint8Array,
  s: number,
  e: number,
  doubled: boolean,
  quote: number,
): number {
  let n = at;
  out[n++] = QUOTE;
  let checked = false; // the rest of the field is known to be UTF-8
  for (let i = s; i < e; i++) {
    const b = buf[i]!;
    const kind = JSON_CLASS[b]!;
    if (kind === 0) {
      out[n++] = b;
      if (doubled && b === quote) i++; // the second quote of a doubled pair
      continue;
    }
    if (kind === 2) {
      // A multi-byte sequence: its bytes are all >= 0x80, so they are copied as they are.
      if (!checked) {
        if (invalidUtf8At(buf, i, e) >= 0) return -1;
        checked = true;
      }
      out[n++] = b;
      continue;
    }
    const esc = JSON_ESCAPES[b]!;
    for (let j = 0; j < esc.length; j++) out[n++] = esc[j]!;
    if (doubled && b === quote) i++;
  }
  out[n++] = QUOTE;
  return n;
}

/**
 * A record that is its own CSV line: every field in input order, none quoted, comma-separated,
 * and no byte the per-field rules change (so each field is written as it is, and so are the
 * commas between them): one loop over the record instead of two per field. Returns the end, or
 * -1 (what was written is to be overwritten): take the per-field path.
 */
function copyWholeRecord(out: Uint8Array, at: number, buf: Uint8Array, slots: FieldSlots, fields: Int32Array): number {
  const { starts, ends, quoted } = slots;
  const n = fields.length;
  for (let k = 0; k < n; k++) if (fields[k] !== k || quoted[k] !== 0) return -1;
  for (let k = 0; k + 1 < n; k++) if (starts[k + 1] !== ends[k]! + 1 || buf[ends[k]!] !== COMMA) return -1;
  const e = ends[n - 1]!;
  let checked = false; // the rest of the record is known to be UTF-8
  let o = at;
  // Copied while scanned (a scan then a native copy measured no faster: subarray builds a Buffer).
  for (let i = starts[0]!; i < e; i++) {
    const b = buf[i]!;
    const kind = RECORD_CLASS[b]!;
    if (kind === 1) return -1;
    if (kind === 2 && !checked) {
      if (invalidUtf8At(buf, i, e) >= 0) return -1; // the per-field path names the field
      checked = true;
    }
    out[o++] = b;
  }
  out[o++] = 0x0a;
  return o;
}

/** A CSV field of buf[s, e) by fast-csv's rules; -1 if it holds bytes that are not UTF-8. */
function writeCsvField(
  out: Uint8Array,
  at: number,
  buf: Uint8Array,
  s: number,
  e: number,
  doubled: boolean,
  quote: number,
): number {
  let n = at;
  if (!doubled) {
    // Optimistic: copied as it is until a byte says otherwise (then written again below).
    let i = s;
    while (i < e && CSV_CLASS[buf[i]!] === 0) out[n++] = buf[i++]!;
    if (i === e) return n;
    n = at;
  }
  let hasQuote = false;
  let special = false;
  let nul = false;
  let checked = false;
  for (let i = s; i < e; i++) {
    const kind = CSV_CLASS[buf[i]!]!;
    if (kind === 0) continue;
    if (kind === 1) hasQuote = true;
    else if (kind === 2) special = true;
    else if (kind === 3) nul = true;
    else if (!checked) {
      if (invalidUtf8At(buf, i, e) >= 0) return -1;
      checked = true;
    }
  }
  if (!hasQuote && !special && !nul && !doubled) {
    // A byte loop: fields are a few bytes, where subarray + set cost an object and a call each.
    for (let i = s; i < e; i++) out[n++] = buf[i]!;
    return n;
  }
  const quoted = hasQuote || special;
  if (quoted) out[n++] = QUOTE;
  for (let i = s; i < e; i++) {
    const b = buf[i]!;
    if (b === 0) continue;
    out[n++] = b;
    if (b === QUOTE && hasQuote) out[n++] = QUOTE;
    if (doubled && b === quote) i++;
  }
  if (quoted) out[n++] = QUOTE;
  return n;
}
