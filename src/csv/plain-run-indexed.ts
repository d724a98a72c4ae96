/**
 * The scanner's fast path over the WebAssembly structural index (wasm-scan.ts, wasm/scan.ts): the
 * records of the thread's block read from the positions of its delimiters, LFs and quotes, so the
 * loop visits only those bytes. Unlike plainRun (plain-run.ts) it also takes records with quoted
 * fields, where the quotes are well formed (the index masks the delimiters and LFs inside quotes);
 * a record it cannot take exactly (a bare quote, a closing quote followed by other data, a
 * record that runs to the end of the indexed bytes) it leaves to scanRecords' state machine, which
 * stays the reference for every rule and error.
 */
import type { FieldSlots, RecordSink } from './field-slots.js';
import { RUN_DONE, RUN_REACHED_STOP, RUN_STOPPED, RUN_TOO_LARGE } from './plain-run.js';
import type { ScanResult } from './scan-result.js';
import type { WasmScan } from './wasm-scan.js';

// This file's own constants, as in plain-run.ts: V8 folds them into the loop.
const CR = 13;
const POSITION = 0x3fffffff;
/** Entry kinds (entry >>> 30), as wasm/scan.ts writes them. */
const KIND_DELIMITER = 0;
const KIND_QUOTE = 1;
const KIND_LF_OUTSIDE = 2;

/**
 * Records from `pos` (a record start) up to the first at or after `ownedEnd`, through `ix`, which
 * indexes the block up to `limit` as it goes. Same returns as plainRun; RUN_REACHED_STOP means
 * out.pos is a record the state machine must take. Updates out.lines/out.rows and out.pos.
 */
export function plainRunIndexed(
  buf: Uint8Array,
  ix: WasmScan,
  pos: number,
  limit: number,
  ownedEnd: number,
  delimiter: number,
  quote: number,
  maxRecordSize: number,
  slots: FieldSlots,
  sink: RecordSink,
  out: ScanResult,
): number {
  const starts = slots.starts;
  const ends = slots.ends;
  const quoted = slots.quoted;
  const capacity = slots.capacity;
  if (slots.dirty) {
    quoted.fill(0);
    slots.dirty = false;
  }
  // After a record the state machine took, the index past it is not trusted (or not there).
  if (ix.stale || ix.covered < pos) ix.reset(pos);
  let entries = ix.entries;
  let n = ix.next;
  let count = ix.count;
  // Entries before pos belong to records already taken.
  while (n < count && (entries[n]! & POSITION) < pos) n++;
  let lines = out.lines;
  let rows = out.rows;
  let recordStart = pos;
  let field = 0;
  let fieldStart = pos;
  let open = -1; // the current field's opening quote, or -1: an unquoted field
  let close = -1; // a quote of the current field that may be its closing one, or -1
  let flag = 1; // the quoted flag: 2 once a doubled quote is seen
  let inner = 0; // LFs inside quotes in the current record
  while (true) {
    if (n === count) {
      if (ix.covered >= limit) break; // the record runs past the indexed bytes
      ix.fill(limit, delimiter, quote);
      entries = ix.entries;
      n = 0;
      count = ix.count;
      continue;
    }
    const e = entries[n++]!;
    const j = e & POSITION;
    const kind = e >>> 30;
    if (kind === KIND_DELIMITER) {
      if (open < 0) {
        if (field < capacity) {
          starts[field] = fieldStart;
          ends[field] = j;
        }
      } else {
        if (close !== j - 1) break; // data after the closing quote
        if (field < capacity) {
          starts[field] = open + 1;
          ends[field] = close;
          quoted[field] = flag;
          slots.dirty = true;
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
        if (j !== fieldStart) break; // a bare quote: the quote parity no longer holds
        open = j;
      } else if (close < 0) close = j;
      else if (j === close + 1) {
        flag = 2; // a doubled quote
        close = -1;
      } else break; // data after the closing quote
      continue;
    }
    if (kind !== KIND_LF_OUTSIDE) {
      inner++; // an LF inside quotes
      continue;
    }
    // LF: the same record end as in plainRun.
    const end = j > recordStart && buf[j - 1] === CR ? j - 1 : j;
    if (open >= 0) {
      if (close !== end - 1) break; // data after the closing quote
      if (field < capacity) {
        starts[field] = open + 1;
        ends[field] = close;
        quoted[field] = flag;
        slots.dirty = true;
      }
      open = -1;
      close = -1;
      flag = 1;
    } else if (field < capacity) {
      starts[field] = fieldStart;
      ends[field] = end;
    }
    if (end !== recordStart) {
      if (end - recordStart > maxRecordSize) {
        ix.stale = true;
        out.lines = lines;
        out.rows = rows;
        out.pos = recordStart;
        return RUN_TOO_LARGE;
      }
      if (!sink.record(buf, slots, field + 1, recordStart)) {
        ix.stale = true;
        out.errorLines = lines;
        out.lines = lines;
        out.rows = rows;
        out.pos = recordStart;
        return RUN_STOPPED;
      }
      rows++;
      if (slots.dirty) {
        quoted.fill(0);
        slots.dirty = false;
      }
    } // else: a blank line (LF or CRLF), no record
    lines += inner + 1;
    inner = 0;
    recordStart = j + 1;
    field = 0;
    fieldStart = recordStart;
    if (recordStart >= ownedEnd) {
      ix.next = n;
      out.lines = lines;
      out.rows = rows;
      out.pos = recordStart;
      return RUN_DONE;
    }
  }
  // The record at recordStart is the state machine's.
  ix.stale = true;
  out.lines = lines;
  out.rows = rows;
  out.pos = recordStart;
  return RUN_REACHED_STOP;
}
