/**
 * The CSV record loop over the structural bytes of the block, and the quote parity of a chunk's
 * summary, sixteen bytes per SIMD compare (AssemblyScript, built to dist/csv/scan.wasm by `npm
 * run build`; src/csv/wasm-scan.ts loads it, src/csv/plain-run-wasm.ts drives the record loop, a
 * call per record, and src/csv/boundary.ts asks for the parity).
 *
 * The masks, per 64 bytes (a word): four 16-byte loads, each compared with the delimiter, LF and
 * the quote byte, each compare turned into 16 bits by i8x16.bitmask; four of them make one 64-bit
 * mask per byte kind. Which bytes are inside quotes comes from the quote mask by a prefix XOR
 * (x ^= x << 1, << 2, ... << 32: WebAssembly has no carry-less multiply), carried from one word
 * to the next.
 *
 * The records: next() takes the structural bytes of the word (delimiters and LFs outside quotes,
 * quotes, LFs inside quotes) lowest first, by ctz, and writes each record's field offsets into the
 * slots (FieldSlots' arrays are views of this memory), so the JavaScript side only hands the
 * record to its sink; the next word's masks are made when the word's bits run out. Before, a
 * pass wrote the positions of 64 KiB at a time out as an index that next() then read back:
 * reading the masks directly took `npx tsx bench/micro.ts --only scan-sales-count` from 1,112 /
 * 1,113 to 1,441 / 1,428 MB/s (interleaved pairs, 2-core AMD EPYC). A record it cannot take
 * exactly (a bare quote, data after a closing quote, one that runs past the block's valid bytes)
 * it leaves to the scanner's state machine (scanner.ts), which stays the reference for every rule
 * and error.
 *
 * Positions are relative to the block's byte 0 (`origin`), as the JavaScript side counts them.
 */

/**
 * The exports' shape: src/csv/wasm-scan.ts refuses a module of another (one left from another
 * build beside newer JavaScript would read its memory wrongly, or never end a run).
 */
export const VERSION: i32 = 5;

const CR = 13;

// next()'s answers below 0; 1 and more: a record of that many fields is in the slots.
/** The next record starts at or after ownedEnd; STATE[0] is its start. */
const DONE = -1;
/** The record at STATE[0] is the state machine's. */
const REACHED_STOP = -2;
/** The record at STATE[0] is longer than maxRecordSize. */
const TOO_LARGE = -3;

// The layout, set once by layout(): where the slots, the state and the block live.
export let starts: usize = 0;
export let ends: usize = 0;
export let quoted: usize = 0;
let state: usize = 0;
export let origin: usize = 0;

// One run's settings (begin()).
let limit: i32 = 0;
let ownedEnd: i32 = 0;
let maxRecordSize: i32 = 0;
let capacity: i32 = 0;
let delimiter: v128 = i8x16.splat(0);
let quote: v128 = i8x16.splat(0);

// The word: bytes [at, covered) of the block; its masks have bit t for byte at + t.
let at: i32 = 0;
let covered: i32 = 0;
/** The structural bytes of the word not taken yet. */
let pending: u64 = 0;
let quotes: u64 = 0;
/** Quotes and LFs: a structural byte that is neither is a delimiter outside quotes. */
let special: u64 = 0;
/** Bytes inside quotes (an opening quote counts as inside, its closing one not). */
let within: u64 = 0;
/** All ones if the byte after the word is inside quotes. */
let carry: u64 = 0;

// Where the records stand: the next one starts at nextStart; lines is the LFs from the run's start to it.
let nextStart: i32 = 0;
let lines: i32 = 0;

/** Where the slots, the state and the block are. */
export function layout(startsAt: usize, endsAt: usize, quotedAt: usize, stateAt: usize, blockAt: usize): void {
  starts = startsAt;
  ends = endsAt;
  quoted = quotedAt;
  state = stateAt;
  origin = blockAt;
}

/** Starts a run of records at `pos`, a record start (so outside quotes), in the block's valid bytes [0, limitAt). */
export function begin(
  pos: i32,
  limitAt: i32,
  ownedEndAt: i32,
  maxRecord: i32,
  slotCount: i32,
  delimiterByte: i32,
  quoteByte: i32,
): void {
  limit = limitAt;
  ownedEnd = ownedEndAt;
  maxRecordSize = maxRecord;
  capacity = slotCount;
  delimiter = i8x16.splat(delimiterByte as i8);
  quote = i8x16.splat(quoteByte as i8);
  covered = pos;
  pending = 0;
  carry = 0;
  nextStart = pos;
  lines = 0;
}

/**
 * The next record: its field count (its fields in the slots, its start in STATE[0], the LFs
 * before it in STATE[1]), or DONE, REACHED_STOP or TOO_LARGE (the record start in STATE[0], the
 * LFs before it in STATE[1]).
 */
export function next(): i32 {
  let recordStart = nextStart;
  let field = 0;
  let fieldStart = recordStart;
  let open = -1; // the current field's opening quote, or -1: an unquoted field
  let close = -1; // a quote of the current field that may be its closing one, or -1
  let flag = 1; // the quoted flag: 2 once a doubled quote is seen
  let inner = 0; // LFs inside quotes in the current record
  if (recordStart >= ownedEnd) return answer(DONE, recordStart);
  while (true) {
    if (pending === 0) {
      if (covered >= limit) return answer(REACHED_STOP, recordStart); // the record runs past the valid bytes
      nextWord();
      continue;
    }
    const t = ctz(pending);
    const bit = (1 as u64) << t;
    pending ^= bit;
    const j = at + (t as i32);
    if ((special & bit) === 0) {
      // A delimiter outside quotes.
      if (open < 0) {
        if (field < capacity) {
          store<i32>(starts + ((field as usize) << 2), fieldStart);
          store<i32>(ends + ((field as usize) << 2), j);
          store<u8>(quoted + (field as usize), 0);
        }
      } else {
        if (close !== j - 1) return answer(REACHED_STOP, recordStart); // data after the closing quote
        if (field < capacity) {
          store<i32>(starts + ((field as usize) << 2), open + 1);
          store<i32>(ends + ((field as usize) << 2), close);
          store<u8>(quoted + (field as usize), flag as u8);
        }
        open = -1;
        close = -1;
        flag = 1;
      }
      field++;
      fieldStart = j + 1;
      continue;
    }
    if ((quotes & bit) !== 0) {
      if (open < 0) {
        if (j !== fieldStart) return answer(REACHED_STOP, recordStart); // a bare quote: the parity no longer holds
        open = j;
      } else if (close < 0) close = j;
      else if (j === close + 1) {
        flag = 2; // a doubled quote
        close = -1;
      } else return answer(REACHED_STOP, recordStart); // data after the closing quote
      continue;
    }
    if ((within & bit) !== 0) {
      inner++; // an LF inside quotes
      continue;
    }
    // LF: the record ends before it, or before the CR of a CRLF.
    const end = j > recordStart && load<u8>(origin + (j as usize) - 1) === CR ? j - 1 : j;
    if (open >= 0) {
      if (close !== end - 1) return answer(REACHED_STOP, recordStart); // data after the closing quote
      if (field < capacity) {
        store<i32>(starts + ((field as usize) << 2), open + 1);
        store<i32>(ends + ((field as usize) << 2), close);
        store<u8>(quoted + (field as usize), flag as u8);
      }
    } else if (field < capacity) {
      store<i32>(starts + ((field as usize) << 2), fieldStart);
      store<i32>(ends + ((field as usize) << 2), end);
      store<u8>(quoted + (field as usize), 0);
    }
    if (end !== recordStart) {
      if (end - recordStart > maxRecordSize) return answer(TOO_LARGE, recordStart);
      store<i32>(state, recordStart);
      store<i32>(state, lines, 4);
      lines += inner + 1;
      nextStart = j + 1;
      return field + 1;
    }
    // A blank line (LF or CRLF): no record.
    lines++;
    recordStart = j + 1;
    if (recordStart >= ownedEnd) {
      nextStart = recordStart;
      return answer(DONE, recordStart);
    }
    field = 0;
    fieldStart = recordStart;
    open = -1;
    close = -1;
    flag = 1;
  }
}

/** An end of the run: where it stopped and the LFs before that. */
function answer(code: i32, pos: i32): i32 {
  store<i32>(state, pos);
  store<i32>(state, lines, 4);
  return code;
}

/**
 * The masks of the next word, the 64 bytes from `covered` (fewer at `limit`: the bits past it are
 * cleared), in the quote state `carry`. Reads up to 63 bytes past `limit`: the caller leaves that slack.
 */
function nextWord(): void {
  const base = origin + (covered as usize);
  const a = v128.load(base);
  const b = v128.load(base, 16);
  const c = v128.load(base, 32);
  const e = v128.load(base, 48);
  let dm = mask(i8x16.eq(a, delimiter), i8x16.eq(b, delimiter), i8x16.eq(c, delimiter), i8x16.eq(e, delimiter));
  const lf = i8x16.splat(10);
  let lm = mask(i8x16.eq(a, lf), i8x16.eq(b, lf), i8x16.eq(c, lf), i8x16.eq(e, lf));
  let qm = mask(i8x16.eq(a, quote), i8x16.eq(b, quote), i8x16.eq(c, quote), i8x16.eq(e, quote));
  at = covered;
  if (limit - covered < 64) {
    const valid = ((1 as u64) << ((limit - covered) as u64)) - 1;
    dm &= valid;
    lm &= valid;
    qm &= valid;
    covered = limit;
  } else covered += 64;
  // Inside quotes: an odd number of quote bytes up to here (the opening quote counts as inside).
  let x = qm;
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  within = x ^ carry;
  carry = ((within as i64) >> 63) as u64; // all ones if the last byte is inside
  quotes = qm;
  special = qm | lm;
  pending = (dm & ~within) | lm | qm;
}

/**
 * The parity (0 or 1) of the quote bytes in memory [from, from + length), for the summary of a
 * chunk (src/csv/boundary.ts): each byte lane of `flips` flips at a quote in that lane, so the
 * number of lanes flipped an odd number of times has the parity of the count. Reads nothing past
 * the end.
 */
export function quoteParity(from: usize, length: i32, quoteByte: i32): i32 {
  const q = i8x16.splat(quoteByte as i8);
  let flips = i8x16.splat(0);
  let p = from;
  const end = from + (length as usize);
  while (p + 64 <= end) {
    flips = v128.xor(flips, i8x16.eq(v128.load(p), q));
    flips = v128.xor(flips, i8x16.eq(v128.load(p, 16), q));
    flips = v128.xor(flips, i8x16.eq(v128.load(p, 32), q));
    flips = v128.xor(flips, i8x16.eq(v128.load(p, 48), q));
    p += 64;
  }
  while (p + 16 <= end) {
    flips = v128.xor(flips, i8x16.eq(v128.load(p), q));
    p += 16;
  }
  let parity = popcnt(i8x16.bitmask(flips)) & 1;
  for (; p < end; p++) if ((load<u8>(p) as i32) === quoteByte) parity ^= 1;
  return parity;
}

function mask(a: v128, b: v128, c: v128, e: v128): u64 {
  return (
    (i8x16.bitmask(a) as u32 as u64) |
    ((i8x16.bitmask(b) as u32 as u64) << 16) |
    ((i8x16.bitmask(c) as u32 as u64) << 32) |
    ((i8x16.bitmask(e) as u32 as u64) << 48)
  );
}
