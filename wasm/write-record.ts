/**
 * A record of the block as an NDJSON line or a JSON array item, or as its own CSV line, from its
 * slots (the record loop's, scan.ts): the built-in select transform's fast path
 * (src/kinds/output/record-bytes.ts writeJsonRecord and copyWholeRecord are the reference, and
 * write the same bytes).
 *
 * JSON: each value is `"..."` with `"` and `\` escaped, control bytes as \b \t \n \f \r or \u00xx
 * (lowercase), UTF-8 copied as it is once checked to be UTF-8; a doubled quote of a quoted input
 * field counts as one quote. CSV: the record's bytes as they are, where no byte needs quoting.
 * Both sixteen bytes at a time where none of them needs escaping, checking or unquoting.
 *
 * Records are written one after another into an area of the module's memory; the JavaScript side
 * copies them out in one piece when the area fills or before it writes anything itself.
 */
import { ends, origin, quoted, starts } from './scan';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Per byte: 0 copied, 1 escaped short (\b \t \n \f \r \" \\), 2 escaped as \u00xx, 3 the lead of a multi-byte sequence. */
let classes: usize = 0;
/** Per byte with class 1: its letter. */
let letters: usize = 0;

// The plan (writerPlan()): per output value its input field (i32) and its key's bytes.
let fields: usize = 0;
/** count + 1 offsets (i32) into keyBytes: value k's key is [keyAt[k], keyAt[k + 1]). */
let keyAt: usize = 0;
let keyBytes: usize = 0;
let count: i32 = 0;
/** 1 if value k is field k for every k (a CSV record may then be copied whole). */
let inOrder: i32 = 0;
let quote: i32 = 0;
/** 1: a JSON array item (",\n" first, no line end); 0: an NDJSON line. */
let arrayItem: i32 = 0;

// Where records are written.
let out: usize = 0;
let outSize: i32 = 0;

/** Where the plan's arrays, the output area and the two 256-byte tables are. */
export function writerLayout(
  fieldsAt: usize,
  keyAtAt: usize,
  keyBytesAt: usize,
  outAt: usize,
  size: i32,
  tablesAt: usize,
): void {
  fields = fieldsAt;
  keyAt = keyAtAt;
  keyBytes = keyBytesAt;
  out = outAt;
  outSize = size;
  classes = tablesAt;
  letters = tablesAt + 256;
  for (let b = 0; b < 256; b++) {
    let c = 0;
    if (b >= 0x80) c = 3;
    else if (b === 8 || b === 9 || b === 10 || b === 12 || b === 13 || b === QUOTE || b === BACKSLASH) c = 1;
    else if (b < 0x20) c = 2;
    store<u8>(classes + b, c as u8);
  }
  store<u8>(letters + 8, 0x62); // b
  store<u8>(letters + 9, 0x74); // t
  store<u8>(letters + 10, 0x6e); // n
  store<u8>(letters + 12, 0x66); // f
  store<u8>(letters + 13, 0x72); // r
  store<u8>(letters + QUOTE, QUOTE);
  store<u8>(letters + BACKSLASH, BACKSLASH);
}

/** The plan of the next records: `n` values (their fields and keys already in place), the input's quote byte. */
export function writerPlan(n: i32, quoteByte: i32, item: i32): void {
  count = n;
  quote = quoteByte;
  arrayItem = item;
  inOrder = 1;
  for (let k = 0; k < n; k++) if (load<i32>(fields + ((k as usize) << 2)) !== k) inOrder = 0;
}

/**
 * The record in the slots as its own CSV line at out[at], where it is one (copyWholeRecord's
 * rules: every field in input order, none quoted, comma-separated, and no `"`, `|`, NUL, CR or LF
 * in it, and UTF-8): the new end; -2 if the area has no room for it (nothing written); -1 if it is
 * not (what was written is to be overwritten: the per-field path takes it).
 */
export function writeCsvWhole(at: i32): i32 {
  if (inOrder === 0 || count === 0) return -1;
  for (let k = 0; k < count; k++) if (load<u8>(quoted + (k as usize)) !== 0) return -1;
  for (let k = 0; k + 1 < count; k++) {
    const end = load<i32>(ends + ((k as usize) << 2));
    if (load<i32>(starts + (((k + 1) as usize) << 2)) !== end + 1) return -1;
    if (load<u8>(origin + (end as usize)) !== 0x2c) return -1;
  }
  let p = origin + (load<i32>(starts) as usize);
  const e = origin + (load<i32>(ends + (((count - 1) as usize) << 2)) as usize);
  if (at + ((e - p) as i32) + 1 > outSize) return -2;
  let n = out + (at as usize);
  const q = i8x16.splat(QUOTE as i8);
  const bar = i8x16.splat(0x7c);
  const lf = i8x16.splat(0x0a);
  const cr = i8x16.splat(0x0d);
  const zero = i8x16.splat(0);
  let checked = false; // the rest of the record is known to be UTF-8
  while (p < e) {
    if (e - p >= 16) {
      // Sixteen bytes below 0x80 (not negative) that are none of `"`, `|`, NUL, LF, CR: copied.
      const v = v128.load(p);
      const special = v128.or(
        v128.or(v128.or(i8x16.lt_s(v, zero), i8x16.eq(v, zero)), v128.or(i8x16.eq(v, q), i8x16.eq(v, bar))),
        v128.or(i8x16.eq(v, lf), i8x16.eq(v, cr)),
      );
      if (!v128.any_true(special)) {
        v128.store(n, v);
        n += 16;
        p += 16;
        continue;
      }
    }
    const b = load<u8>(p) as i32;
    if (b === QUOTE || b === 0x7c || b === 0 || b === 0x0a || b === 0x0d) return -1;
    if (b >= 0x80 && !checked) {
      if (!utf8(p, e)) return -1; // the per-field path names the field
      checked = true;
    }
    store<u8>(n++, b as u8);
    p++;
  }
  store<u8>(n++, 0x0a);
  return (n - out) as i32;
}

/**
 * The record in the slots, written at out[at]: the new end; -2 if the area has no room for it
 * (nothing written); -1 - k if value k holds bytes that are not UTF-8 (what was written is to be
 * overwritten: the JavaScript side takes the record and names the field).
 */
export function writeJson(at: i32): i32 {
  let bound: i32 = 4;
  for (let k = 0; k < count; k++) {
    const f = (load<i32>(fields + ((k as usize) << 2)) as usize) << 2;
    bound += (load<i32>(ends + f) - load<i32>(starts + f)) * 6 + 1;
    bound += load<i32>(keyAt + (((k + 1) as usize) << 2)) - load<i32>(keyAt + ((k as usize) << 2));
  }
  if (at + bound > outSize) return -2;
  let n = out + (at as usize);
  if (arrayItem !== 0) {
    store<u8>(n, 0x2c); // ",\n": the coordinator drops the first one
    store<u8>(n, 0x0a, 1);
    n += 2;
  }
  store<u8>(n++, 0x7b); // {
  for (let k = 0; k < count; k++) {
    const from = load<i32>(keyAt + ((k as usize) << 2));
    const length = load<i32>(keyAt + (((k + 1) as usize) << 2)) - from;
    memory.copy(n, keyBytes + (from as usize), length as usize); // `,"key":"`
    n += length as usize;
    const f = load<i32>(fields + ((k as usize) << 2)) as usize;
    const s = origin + (load<i32>(starts + (f << 2)) as usize);
    const e = origin + (load<i32>(ends + (f << 2)) as usize);
    n = value(n, s, e, load<u8>(quoted + f) === 2);
    if (n === 0) return -1 - k;
    store<u8>(n++, QUOTE);
  }
  store<u8>(n++, 0x7d); // }
  if (arrayItem === 0) store<u8>(n++, 0x0a);
  return (n - out) as i32;
}

/** Bytes [p, e) of a value, escaped, at n: the new n; 0 if a byte >= 0x80 starts no UTF-8 sequence there. */
function value(n: usize, p: usize, e: usize, doubled: bool): usize {
  const space = i8x16.splat(0x20 as i8);
  const q = i8x16.splat(QUOTE as i8);
  const bs = i8x16.splat(BACKSLASH as i8);
  let checked = false; // the rest of the value is known to be UTF-8
  while (p < e) {
    if (!doubled && e - p >= 16) {
      // Sixteen bytes that are all copied as they are: below 0x80 (signed: not negative), not a
      // control byte, not `"` or `\`.
      const v = v128.load(p);
      const special = v128.or(
        v128.or(i8x16.lt_s(v, space), i8x16.eq(v, q)), // bytes >= 0x80 are negative: below 0x20 too
        i8x16.eq(v, bs),
      );
      if (!v128.any_true(special)) {
        v128.store(n, v);
        n += 16;
        p += 16;
        continue;
      }
    }
    const b = load<u8>(p) as i32;
    const c = load<u8>(classes + b);
    if (c === 0) {
      store<u8>(n++, b as u8);
      p++;
      if (doubled && b === quote) p++; // the second quote of a doubled pair
      continue;
    }
    if (c === 3) {
      if (!checked) {
        if (!utf8(p, e)) return 0;
        checked = true;
      }
      store<u8>(n++, b as u8);
      p++;
      continue;
    }
    store<u8>(n++, BACKSLASH);
    if (c === 1) store<u8>(n++, load<u8>(letters + b));
    else {
      store<u8>(n, 0x75); // u00xx
      store<u8>(n, 0x30, 1);
      store<u8>(n, 0x30, 2);
      store<u8>(n, hex(b >> 4), 3);
      store<u8>(n, hex(b & 15), 4);
      n += 5;
    }
    p++;
    if (doubled && b === quote) p++;
  }
  return n;
}

function hex(d: i32): u8 {
  return (d < 10 ? 0x30 + d : 0x57 + d) as u8; // 0-9, a-f
}

/** True if [p, e) is UTF-8 (the rules of src/csv/fields.ts invalidUtf8At: no overlongs, surrogates, or code points above U+10FFFF). */
function utf8(p: usize, e: usize): bool {
  while (p < e) {
    const b = load<u8>(p) as i32;
    if (b < 0x80) {
      p++;
      continue;
    }
    let continuation = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) continuation = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      continuation = 2;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      continuation = 3;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return false;
    if (p + (continuation as usize) >= e) return false;
    const second = load<u8>(p + 1) as i32;
    if (second < lo || second > hi) return false;
    for (let k = 2; k <= continuation; k++) {
      const c = load<u8>(p + (k as usize)) as i32;
      if (c < 0x80 || c > 0xbf) return false;
    }
    p += (continuation + 1) as usize;
  }
  return true;
}
