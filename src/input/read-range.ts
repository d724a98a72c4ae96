/**
 * Reading a byte range of a file and feeding it to the phase-A summary or the phase-B scanner.
 * Shared by the worker (one chunk per task) and the serial path (the whole file as one range),
 * so both run exactly the same code on the same bytes, read through a BlockReader: a local file
 * or an object (input/byte-source.ts). A file's reads are synchronous and awaited not at all; an
 * object's arrive as promises, one per block.
 *
 * Reads go into one reused buffer per thread, in blocks: a 2 GB chunk needs no 2 GB buffer, and
 * a record longer than a block grows the buffer until it fits.
 */
import { SummaryBuilder, type ChunkSummary } from '../csv/boundary.js';
import {
  classTable,
  countLines,
  FieldSlots,
  ScanResult,
  ScanStatus,
  scanRecords,
  type Dialect,
} from '../csv/scanner.js';
import { blockBuffer, growBlock } from '../csv/wasm-scan.js';
import type { ErrorData } from '../errors.js';
import { slotsFor, type Reject } from '../kinds/bad-rows.js';
import type { ChunkSink } from '../kinds/sink.js';
import { rangeCrc } from './range-crc.js';
import type { BlockReader } from './byte-source.js';

/**
 * 1 MiB: large enough that the read syscall is a rounding error per block, small enough to stay
 * in cache while the scanner walks it.
 */
export const BLOCK_SIZE = 1 << 20;

/**
 * Bytes read past a chunk's end at a time, for the record that crosses it: most records are far
 * shorter, and a longer one takes another read (NeedMore), as a record longer than a block does.
 */
const PAST_END = 64 << 10;

// In WebAssembly memory where the SIMD scanner runs (csv/wasm-scan.ts): files are read straight into it.
let shared = blockBuffer(BLOCK_SIZE);

export interface RangeOutcome {
  /** Where the last owned record ended: the next record start at or after `end`, or EOF. */
  next: number;
  /** Records handed to the sink. */
  rows: number;
  /** LF bytes in [start, next). */
  lines: number;
  /** A data error; `localLine` counts LFs from `start` to the error. Parsing stopped there. */
  error?: ErrorData;
  /** Records rejected under onBadRow: 'report', in order. */
  rejects?: Reject[];
  /** With verify: 'content', the CRC-32 of the bytes from the chunk's first byte to `next`. */
  crc?: number;
}

/** verify: 'content': the CRC-32 of [from, to), read through the thread's buffer. */
export function crcOfRange(fd: number, from: number, to: number): number {
  return rangeCrc(fd, from, to, shared);
}

/** Phase A: the quote-parity summary of [start, end). */
export async function summarizeRange(
  reader: BlockReader,
  start: number,
  end: number,
  quote: number,
): Promise<ChunkSummary> {
  const builder = new SummaryBuilder(start, end, quote);
  for (let at = Math.max(0, start - 1); at < end; ) {
    const read = reader.read(shared, 0, Math.min(shared.length, end - at), at);
    const n = typeof read === 'number' ? read : await read;
    if (n === 0) break;
    builder.feed(shared, n, at);
    at += n;
  }
  return builder.summary();
}

/**
 * Phase B: scan the records that start in [start, end); `start` must be a record start.
 * `size` is the input's size (reading stops there even if the file has grown).
 */
export async function parseRange(
  reader: BlockReader,
  size: number,
  start: number,
  end: number,
  dialect: Dialect,
  sink: ChunkSink,
  maxRecordSize: number,
): Promise<RangeOutcome> {
  const classes = classTable(dialect);
  const slots = new FieldSlots(slotsFor(sink.width, sink.badRows.policy));
  const result = new ScanResult();
  let base = start; // file offset of shared[0]
  // How much to read at `at` into `room` bytes: up to the file's size, and not much past `end`,
  // where only the record that crosses it is still wanted (a read to a block's end there read
  // ~1 MiB per chunk that no one scanned: 224 MB for a 200 MB file in 8 MiB chunks).
  const want = (at: number, room: number) => Math.min(room, size - at, Math.max(0, end - at) + PAST_END);
  const first = reader.read(shared, 0, want(start, shared.length), start);
  let valid = typeof first === 'number' ? first : await first;
  let pos = 0;
  let rows = 0;
  let lines = 0;
  const rejects: Reject[] = [];

  while (true) {
    const eof = base + valid >= size;
    scanRecords(shared, pos, valid, end - base, eof, dialect, classes, slots, sink, result, maxRecordSize);
    rows += result.rows;
    const linesBefore = lines;
    lines += result.lines;
    if (takeScanReject(sink, result, linesBefore, rejects)) {
      pos = result.pos; // the same record again: the sink now passes it over
      continue;
    }
    switch (result.status) {
      case ScanStatus.Done:
      case ScanStatus.Eof:
        return withRejects({ next: base + result.pos, rows, lines }, rejects);
      case ScanStatus.NeedMore: {
        // Keep the unfinished record, move it to the front, and read more after it.
        const keep = valid - result.pos;
        // `keep` may be the whole record plus its CR (its LF is in the next block): only past
        // that is it surely too long; otherwise the scanner's exact per-record check decides.
        if (keep > maxRecordSize + 1) return recordTooLarge(base + result.pos, keep, rows, lines, maxRecordSize);
        if (keep === shared.length) shared = growBlock(shared, result.pos, valid);
        else shared.copyWithin(0, result.pos, valid);
        base += result.pos;
        pos = 0;
        const more = reader.read(shared, keep, want(base + keep, shared.length - keep), base + keep);
        const n = typeof more === 'number' ? more : await more;
        if (n === 0) {
          return {
            next: base,
            rows,
            lines,
            error: {
              code: 'ERR_FILE_CHANGED',
              message: 'The file became shorter while it was read',
              byteOffset: base + keep,
            },
          };
        }
        valid = keep + n;
        continue;
      }
      default:
        return withRejects(scanFailure(shared, result, sink, base, rows, lines, linesBefore, maxRecordSize), rejects);
    }
  }
}

/** A scan stopped at a record to report: records it with its line; false for any other stop. */
function takeScanReject(sink: ChunkSink, result: ScanResult, linesBefore: number, rejects: Reject[]): boolean {
  return result.status === ScanStatus.Stopped && takeReject(sink, linesBefore + result.errorLines, rejects);
}

/** The record the sink stopped at to report (bad-rows.ts), if any, taken with its chunk-local line. */
export function takeReject(sink: ChunkSink, localLine: number, rejects: Reject[]): boolean {
  const pending = sink.badRows.pending;
  if (pending === null) return false;
  rejects.push({ ...pending, localLine });
  sink.badRows.pending = null;
  return true;
}

export function withRejects(outcome: RangeOutcome, rejects: Reject[]): RangeOutcome {
  return rejects.length > 0 ? { ...outcome, rejects } : outcome;
}

/** Phase B on bytes that end at a record boundary (a chunk cut from a stream): one scan. */
export function parseBytes(buf: Buffer, dialect: Dialect, sink: ChunkSink, maxRecordSize: number): RangeOutcome {
  const result = new ScanResult();
  const classes = classTable(dialect);
  const slots = new FieldSlots(slotsFor(sink.width, sink.badRows.policy));
  const rejects: Reject[] = [];
  let rows = 0;
  let lines = 0;
  for (let pos = 0; ; pos = result.pos) {
    scanRecords(buf, pos, buf.length, buf.length, true, dialect, classes, slots, sink, result, maxRecordSize);
    rows += result.rows;
    const linesBefore = lines;
    lines += result.lines;
    if (takeScanReject(sink, result, linesBefore, rejects)) continue;
    if (result.status === ScanStatus.Done || result.status === ScanStatus.Eof)
      return withRejects({ next: result.pos, rows, lines }, rejects);
    return withRejects(scanFailure(buf, result, sink, 0, rows, lines, linesBefore, maxRecordSize), rejects);
  }
}

/** The outcome of a scan that stopped on an error; `base` is the file offset of buf[0]. */
function scanFailure(
  buf: Buffer,
  result: ScanResult,
  sink: ChunkSink,
  base: number,
  rows: number,
  lines: number,
  linesBefore: number,
  maxRecordSize: number,
): RangeOutcome {
  switch (result.status) {
    case ScanStatus.Stopped: {
      const err = sink.error!;
      const localLine = linesBefore + result.errorLines + countLines(buf, result.pos, err.offset);
      return { next: base + result.pos, rows, lines, error: { ...err.data, byteOffset: base + err.offset, localLine } };
    }
    case ScanStatus.RecordTooLarge:
      return recordTooLarge(base + result.pos, -1, rows, lines, maxRecordSize);
    default: {
      const localLine = linesBefore + result.errorLines + countLines(buf, result.pos, result.errorAt);
      const error: ErrorData =
        result.status === ScanStatus.UnclosedQuote
          ? {
              code: 'ERR_CSV_UNCLOSED_QUOTE',
              message: 'A quoted field opened here is never closed',
              hint: 'check for a missing closing quote',
            }
          : {
              code: 'ERR_CSV_INVALID_CLOSING_QUOTE',
              message: `Unexpected ${JSON.stringify(String.fromCharCode(buf[result.errorAt]!))} after a closing quote; a quote inside a quoted field must be doubled`,
            };
      return {
        next: base + result.pos,
        rows,
        lines,
        error: { ...error, byteOffset: base + result.errorAt, localLine },
      };
    }
  }
}

/** A record longer than `maxRecordSize` (`length` -1: its full length is known only to the scanner). */
function recordTooLarge(at: number, length: number, rows: number, lines: number, maxRecordSize: number): RangeOutcome {
  return {
    next: at,
    rows,
    lines,
    error: {
      code: 'ERR_CSV_RECORD_TOO_LARGE',
      message: `A record is longer than maxRecordSize (${maxRecordSize} bytes${length >= 0 ? `; ${length} read so far` : ''})`,
      hint: 'usually a quote that is never closed; raise maxRecordSize if such long records are real',
      byteOffset: at,
      localLine: lines,
    },
  };
}
