/**
 * The byte-level CSV record scanner: the hot loop of the engine.
 *
 * Pure: no I/O, no threads, no exceptions in the loop. It walks a byte buffer record by record,
 * writes each record's field offsets into preallocated typed arrays (no object or string per
 * field), hands the record to a sink, and returns a status that tells the driver what to do next
 * (read more bytes, stop, report an error). On the thread's read block, which lives in
 * WebAssembly memory, most records are taken by the module's SIMD record loop instead
 * (plain-run-wasm.ts); this file's state machine stays the reference for every rule below.
 *
 * Grammar (RFC 4180, lenient where common files are): records end at LF or CRLF; a field that
 * starts with the quote byte is quoted and may hold delimiters, CR, LF and doubled quotes; a quote
 * byte inside an unquoted field is literal data (`5'11"`); after a closing quote only a delimiter
 * or a record end may follow (ERR_CSV_INVALID_CLOSING_QUOTE otherwise); an empty line is no
 * record; a lone CR inside an unquoted field is data.
 */
import type { Dialect } from './dialect.js';
import type { FieldSlots, RecordSink } from './field-slots.js';
import { plainRun, plainRunWords, RUN_DONE, RUN_STOPPED, RUN_TOO_LARGE, wordsOf } from './plain-run.js';
import { plainRunWasm } from './plain-run-wasm.js';
import { type ScanResult, ScanStatus } from './scan-result.js';
import { moduleFor } from './wasm-scan.js';

// The scanner's vocabulary, one file each, re-exported: its users import it from here.
export { dialectOf, type Dialect } from './dialect.js';
export { FieldSlots, type RecordSink } from './field-slots.js';
export { ScanResult, ScanStatus } from './scan-result.js';

const CLASS_DATA = 0;
const CLASS_DELIMITER = 1;
const CLASS_LF = 2;
const CLASS_CR = 3;
// This file's own constants, as in plain-run.ts: V8 folds them into the loop.
const LF = 10;
const CR = 13;

/** Byte classes for the unquoted-field loop: one table load per byte instead of three compares. */
export function classTable(dialect: Dialect): Uint8Array {
  const table = new Uint8Array(256);
  table[dialect.delimiter] = CLASS_DELIMITER;
  table[LF] = CLASS_LF;
  table[CR] = CLASS_CR;
  return table;
}

/**
 * Scan records starting at `pos` (a record start) while they start before `ownedEnd`.
 * `limit` is the number of valid bytes in `buf`; `eof` says whether `limit` is the end of input.
 */
export function scanRecords(
  buf: Uint8Array,
  pos: number,
  limit: number,
  ownedEnd: number,
  eof: boolean,
  dialect: Dialect,
  classes: Uint8Array,
  slots: FieldSlots,
  sink: RecordSink,
  out: ScanResult,
  maxRecordSize = Infinity,
): ScanResult {
  const quote = dialect.quote;
  const delimiter = dialect.delimiter;
  const capacity = slots.capacity;
  const starts = slots.starts;
  const ends = slots.ends;
  const quotedFlags = slots.quoted;
  // Native search (memchr speed) bounded to the valid bytes: the buffer may hold stale bytes past `limit`.
  const valid = buf.subarray(0, limit) as Buffer;
  let nextQuote = -1; // the next quote byte at or after `pos`, or `limit` if none
  // The thread's block in WebAssembly memory is read by the module's SIMD record loop (wasm-scan.ts); other
  // buffers word by word where they are 4-byte aligned words, else byte by byte.
  const wasm = moduleFor(buf, capacity);
  const words = wasm === null ? wordsOf(buf) : null;
  let lines = 0;
  let rows = 0;

  while (true) {
    if (pos >= ownedEnd) return finish(out, ScanStatus.Done, pos, lines, rows);
    if (pos >= limit) return finish(out, eof ? ScanStatus.Eof : ScanStatus.NeedMore, pos, lines, rows);

    // ---- Fast path: the records before the next quote byte (found natively, memchr speed), or
    // through the module's record loop every record it can take (plain-run-wasm.ts) ----
    if (wasm === null && nextQuote < pos) {
      nextQuote = valid.indexOf(quote, pos);
      if (nextQuote < 0) nextQuote = limit;
    }
    out.lines = lines;
    out.rows = rows;
    const run =
      wasm !== null
        ? plainRunWasm(buf, wasm, pos, limit, ownedEnd, delimiter, quote, maxRecordSize, slots, sink, out)
        : words !== null
          ? plainRunWords(buf, words, pos, nextQuote, ownedEnd, delimiter, maxRecordSize, slots, sink, out)
          : plainRun(buf, pos, nextQuote, ownedEnd, delimiter, maxRecordSize, slots, sink, out);
    lines = out.lines;
    rows = out.rows;
    if (run === RUN_DONE) return finish(out, ScanStatus.Done, out.pos, lines, rows);
    if (run === RUN_STOPPED) return finish(out, ScanStatus.Stopped, out.pos, lines, rows);
    if (run === RUN_TOO_LARGE) return fail(out, ScanStatus.RecordTooLarge, out.pos, out.pos, lines, rows);
    pos = out.pos;
    const recordStart = pos;
    const linesAtRecordStart = lines;
    if (pos >= limit) return finish(out, eof ? ScanStatus.Eof : ScanStatus.NeedMore, pos, lines, rows);

    // ---- General path: one record that holds a quote byte (that the module could not take) or
    // runs to the end of the buffer ----
    let i = pos;
    let field = 0;
    let recordEnd = pos; // where the record's terminator starts
    while (true) {
      // ---- one field, starting at i ----
      let start = i;
      let end: number;
      let flag = 0;
      if (i < limit && buf[i] === quote) {
        flag = 1;
        start = ++i;
        while (true) {
          if (i >= limit) {
            if (!eof) return finish(out, ScanStatus.NeedMore, recordStart, linesAtRecordStart, rows);
            return fail(out, ScanStatus.UnclosedQuote, start - 1, recordStart, linesAtRecordStart, rows);
          }
          const c = buf[i]!;
          if (c === quote) {
            if (i + 1 < limit) {
              if (buf[i + 1] === quote) {
                flag = 2;
                i += 2;
                continue;
              }
            } else if (!eof) {
              return finish(out, ScanStatus.NeedMore, recordStart, linesAtRecordStart, rows);
            }
            break;
          }
          if (c === LF) lines++;
          i++;
        }
        end = i++;
        // After the closing quote: delimiter, record end, or end of input.
        if (i < limit) {
          const c = buf[i]!;
          if (c !== delimiter && c !== LF && c !== CR) {
            return fail(out, ScanStatus.InvalidClosingQuote, i, recordStart, linesAtRecordStart, rows);
          }
          if (c === CR) {
            if (i + 1 < limit) {
              if (buf[i + 1] !== LF)
                return fail(out, ScanStatus.InvalidClosingQuote, i, recordStart, linesAtRecordStart, rows);
            } else if (!eof) {
              return finish(out, ScanStatus.NeedMore, recordStart, linesAtRecordStart, rows);
            }
          }
        } else if (!eof) {
          return finish(out, ScanStatus.NeedMore, recordStart, linesAtRecordStart, rows);
        }
      } else {
        while (i < limit && classes[buf[i]!] === CLASS_DATA) i++;
        // A CR not followed by LF is data: keep scanning past it.
        while (i < limit && buf[i] === CR) {
          if (i + 1 < limit) {
            if (buf[i + 1] === LF) break;
          } else if (!eof) {
            return finish(out, ScanStatus.NeedMore, recordStart, linesAtRecordStart, rows);
          } else {
            break; // a CR right at the end of input ends the record
          }
          i++;
          while (i < limit && classes[buf[i]!] === CLASS_DATA) i++;
        }
        if (i >= limit && !eof) return finish(out, ScanStatus.NeedMore, recordStart, linesAtRecordStart, rows);
        end = i;
      }
      if (field < capacity) {
        starts[field] = start;
        ends[field] = end;
        quotedFlags[field] = flag;
        if (flag !== 0) slots.dirty = true;
      }
      field++;

      // ---- what ends the field: delimiter (next field), record end, or end of input ----
      recordEnd = i;
      if (i >= limit) {
        pos = i;
        break;
      }
      const c = buf[i]!;
      if (c === delimiter) {
        i++;
        if (i >= limit && !eof) return finish(out, ScanStatus.NeedMore, recordStart, linesAtRecordStart, rows);
        continue;
      }
      // LF, or CR (followed by LF, or at the very end of input).
      if (c === CR) i++;
      if (i < limit) {
        lines++; // buf[i] is LF here
        i++;
      }
      pos = i;
      break;
    }

    // A record that is one empty unquoted field is a blank line (e.g. a lone CR at the end).
    if (field === 1 && ends[0] === starts[0] && quotedFlags[0] === 0) continue;
    if (recordEnd - recordStart > maxRecordSize)
      return fail(out, ScanStatus.RecordTooLarge, recordStart, recordStart, linesAtRecordStart, rows);
    if (!sink.record(buf, slots, field, recordStart)) {
      out.errorLines = linesAtRecordStart;
      return finish(out, ScanStatus.Stopped, recordStart, linesAtRecordStart, rows);
    }
    rows++;
  }
}

function finish(out: ScanResult, status: ScanStatus, pos: number, lines: number, rows: number): ScanResult {
  out.status = status;
  out.pos = pos;
  out.lines = lines;
  out.rows = rows;
  return out;
}

function fail(
  out: ScanResult,
  status: ScanStatus,
  errorAt: number,
  recordStart: number,
  lines: number,
  rows: number,
): ScanResult {
  out.errorAt = errorAt;
  out.errorLines = lines;
  return finish(out, status, recordStart, lines, rows);
}

/** Count LF bytes in buf[from, to): turns a record-start line into the line of a byte inside it. */
export function countLines(buf: Uint8Array, from: number, to: number): number {
  // indexOf (a native search) rather than a byte loop: whole NDJSON chunks are counted with it.
  const view = buf.subarray(from, to);
  let n = 0;
  for (let i = view.indexOf(LF); i >= 0; i = view.indexOf(LF, i + 1)) n++;
  return n;
}
