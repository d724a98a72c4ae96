/**
 * The structural index of a CSV block, sixteen bytes per SIMD compare (AssemblyScript, built to
 * dist/csv/scan.wasm by `npm run build`; src/csv/wasm-scan.ts loads it, and
 * src/csv/plain-run-indexed.ts reads the index).
 *
 * Per 64 bytes: four 16-byte loads, each compared with the delimiter, LF and the quote byte, each
 * compare turned into 16 bits by i8x16.bitmask; four of them make one 64-bit mask per byte kind.
 * Which bytes are inside quotes comes from the quote mask by a prefix XOR (x ^= x << 1, << 2, ...
 * << 32: WebAssembly has no carry-less multiply), carried from one 64 bytes to the next. The
 * set bits of the masks are written out as positions, so the JavaScript record loop visits only
 * those bytes and never the others.
 */

/**
 * Writes an i32 at `out` (in order) for each byte of memory [from, to) that is a delimiter
 * outside quotes (its position relative to `origin`, in bits 0-29; kind 0 in bits 30-31), a quote
 * byte (kind 1), an LF outside quotes (kind 2) or an LF inside quotes (kind 3). `inside` (0 or 1) is the quote
 * state at `from`. Returns count << 1 | the quote state at `to`. Reads up to 63 bytes past
 * `to` (their bits are masked off): the caller leaves that slack.
 */
export function index(from: usize, to: usize, origin: usize, out: usize, delimiter: i32, quote: i32, inside: i32): i32 {
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
