/**
 * The CSV record loop over a structural index, sixteen bytes per SIMD compare (AssemblyScript,
 * built to dist/csv/scan.wasm by `npm run build`; src/csv/wasm-scan.ts loads it and
 * src/csv/plain-run-indexed.ts drives it, a call per record).
 *
 * The index, per 64 bytes: four 16-byte loads, each compared with the delimiter, LF and the quote
 * byte, each compare turned into 16 bits by i8x16.bitmask; four of them make one 64-bit mask per
 * byte kind. Which bytes are inside quotes comes from the quote mask by a prefix XOR (x ^= x << 1,
 * << 2, ... << 32: WebAssembly has no carry-less multiply), carried from one 64 bytes to the next.
 * The set bits are written out as positions (indexSegment), a segment of the block at a time.
 *
 * The records: next() walks those positions as plain-run-indexed.ts did in JavaScript before
 * (measured: the walk was ~70% of a scan there), and writes each record's field offsets into the
 * slots (FieldSlots' arrays are views of this memory), so the JavaScript side only hands the
 * record to its sink. A record it cannot take exactly (a bare quote, data after a closing quote,
 * one that runs past the indexed bytes) it leaves to the scanner's state machine (scanner.ts),
 * which stays the reference for every rule and error.
 *
 * Positions are relative to the block's byte 0 (`origin`), as the JavaScript side counts them.
 */

// Entry kinds (entry >>> 30), bits 30-31 of an index entry; the position in bits 0-29.
const KIND_DELIMITER = 0;
const KIND_QUOTE = 1;
const KIND_LF_OUTSIDE = 2;
const POSITION = 0x3fffffff;
const CR = 13;

// next()'s answers below 0; 1 and more: a record of that many fields is in the slots.
/** The next record starts at or after ownedEnd; STATE[0] is its start. */
const DONE = -1;
/** The record at STATE[0] is the state machine's. */
const REACHED_STOP = -2;
/** The record at STATE[0] is longer than maxRecordSize. */
const TOO_LARGE = -3;
/** The first segment's length after a reset: small, as bare quotes that force a restart may come often. */
const FIRST_SPAN = 1 << 12;

// The layout, set once by layout(): where the index, the slots and the state live.
let entries: usize = 0;
let segment: i32 = 0;
let starts: usize = 0;
let ends: usize = 0;
let quoted: usize = 0;
let state: usize = 0;
let origin: usize = 0;

// One run's settings (begin()).
let limit: i32 = 0;
let ownedEnd: i32 = 0;
let maxRecordSize: i32 = 0;
let capacity: i32 = 0;
let delimiter: i32 = 0;
let quote: i32 = 0;

// Where the index stands: entries [cursor, count) are still to read; the block is indexed up to covered.
let cursor: usize = 0;
let count: usize = 0;
let covered: i32 = 0;
let inside: i32 = 0;
let span: i32 = FIRST_SPAN;

// Where the records stand: the next one starts at nextStart; lines is the LFs from the run's start to it.
let nextStart: i32 = 0;
let lines: i32 = 0;

/** Where the index of one segment (`segmentBytes` bytes, an entry each at most), the slots and the state are. */
export function layout(
  entriesAt: usize,
  segmentBytes: i32,
  startsAt: usize,
  endsAt: usize,
  quotedAt: usize,
  stateAt: usize,
  blockAt: usize,
): void {
  entries = entriesAt;
  segment = segmentBytes;
  starts = startsAt;
  ends = endsAt;
  quoted = quotedAt;
  state = stateAt;
  origin = blockAt;
  cursor = entries;
  count = entries;
}

/**
 * Starts a run of records at `pos` (a record start, so outside quotes). The index already made
 * past `pos` is kept unless `restart` (the state machine took a record since: a bare quote breaks
 * the quote parity the index assumes) or it does not reach `pos`.
 */
export function begin(
  pos: i32,
  limitAt: i32,
  ownedEndAt: i32,
  maxRecord: i32,
  slotCount: i32,
  delimiterByte: i32,
  quoteByte: i32,
  restart: i32,
): void {
  limit = limitAt;
  ownedEnd = ownedEndAt;
  maxRecordSize = maxRecord;
  capacity = slotCount;
  delimiter = delimiterByte;
  quote = quoteByte;
  if (restart !== 0 || covered < pos) {
    cursor = entries;
    count = entries;
    covered = pos;
    inside = 0;
    span = FIRST_SPAN;
  }
  // Entries before pos belong to records already taken.
  while (cursor < count && (load<i32>(cursor) & POSITION) < pos) cursor += 4;
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
    if (cursor === count) {
      if (covered >= limit) return answer(REACHED_STOP, recordStart); // the record runs past the indexed bytes
      indexSegment();
      continue;
    }
    const e = load<i32>(cursor);
    cursor += 4;
    const j = e & POSITION;
    const kind = e >>> 30;
    if (kind === KIND_DELIMITER) {
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
    if (kind === KIND_QUOTE) {
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
    if (kind !== KIND_LF_OUTSIDE) {
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
function answer(code: i32, at: i32): i32 {
  store<i32>(state, at);
  store<i32>(state, lines, 4);
  return code;
}

/** Indexes the next segment of the block, from `covered` up to at most `limit` (its first segment small, then doubling). */
function indexSegment(): void {
  const from = covered;
  const to = min(from + span, limit);
  const r = index(origin + (from as usize), origin + (to as usize), entries);
  count = entries + ((r >>> 1) << 2);
  inside = r & 1;
  cursor = entries;
  covered = to;
  if (span < segment) span <<= 1;
}

/**
 * Writes an i32 at `out` (in order) for each byte of memory [from, to) that is a delimiter
 * outside quotes (its position relative to `origin`, in bits 0-29; kind 0 in bits 30-31), a quote
 * byte (kind 1), an LF outside quotes (kind 2) or an LF inside quotes (kind 3), starting in the
 * quote state `inside`. Returns count << 1 | the quote state at `to`. Reads up to 63 bytes past
 * `to` (their bits are masked off): the caller leaves that slack.
 */
function index(from: usize, to: usize, out: usize): i32 {
  const d = i8x16.splat(delimiter as i8);
  const lf = i8x16.splat(10);
  const q = i8x16.splat(quote as i8);
  let carry: u64 = inside !== 0 ? ~(0 as u64) : 0;
  let n = out;
  for (let base = from; base < to; base += 64) {
    const a = v128.load(base);
    const b = v128.load(base, 16);
    const c = v128.load(base, 32);
    const e = v128.load(base, 48);
    let dm = mask(i8x16.eq(a, d), i8x16.eq(b, d), i8x16.eq(c, d), i8x16.eq(e, d));
    let lm = mask(i8x16.eq(a, lf), i8x16.eq(b, lf), i8x16.eq(c, lf), i8x16.eq(e, lf));
    let qm = mask(i8x16.eq(a, q), i8x16.eq(b, q), i8x16.eq(c, q), i8x16.eq(e, q));
    if (to - base < 64) {
      const valid = ((1 as u64) << ((to - base) as u64)) - 1;
      dm &= valid;
      lm &= valid;
      qm &= valid;
    }
    // Inside quotes: an odd number of quote bytes up to here (the opening quote counts as inside).
    let x = qm;
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    const within = x ^ carry;
    carry = ((within as i64) >> 63) as u64; // all ones if the last byte is inside
    let m = (dm & ~within) | lm | qm;
    const high = lm; // bit 31: an LF
    const low = qm | (lm & within); // bit 30: a quote, or (with bit 31) an LF inside quotes
    const rel = (base - origin) as i32;
    while (m !== 0) {
      const t = ctz(m);
      store<i32>(n, (rel + (t as i32)) | ((((high >> t) & 1) as i32) << 31) | ((((low >> t) & 1) as i32) << 30));
      n += 4;
      m &= m - 1;
    }
  }
  return ((((n - out) >> 2) as i32) << 1) | ((carry & 1) as i32);
}

function mask(a: v128, b: v128, c: v128, e: v128): u64 {
  return (
    (i8x16.bitmask(a) as u32 as u64) |
    ((i8x16.bitmask(b) as u32 as u64) << 16) |
    ((i8x16.bitmask(c) as u32 as u64) << 32) |
    ((i8x16.bitmask(e) as u32 as u64) << 48)
  );
}
