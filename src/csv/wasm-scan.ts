/**
 * The WebAssembly SIMD record loop (wasm/scan.ts; the module is wasm/module.ts, built to
 * dist/csv/scan.wasm) and the one read buffer per thread that lives in its memory.
 *
 * The engine's block buffer (input/read-range.ts) is a view of the module's memory, so a file is
 * read straight into it (readSync into the view: no copy), and the SIMD compares run where the
 * bytes already are. scanRecords (scanner.ts) sees that a buffer is this view and takes
 * its records from the module, one call per record (plain-run-wasm.ts); any other buffer takes
 * the JavaScript path, which stays the reference.
 *
 * Memory layout: the slots of one record (starts, ends, quoted flags: FieldSlots' arrays are
 * views of them) and next()'s state; the record writer's tables, plan and output area (wasm/write-record.ts,
 * for the built-in select: kinds/output/encoder.ts); from DATA (a page of its own) the block, then
 * 64 bytes of slack (the SIMD compares read up to 63 bytes past the valid bytes).
 *
 * One module per thread, compiled from the file's bytes on first use (it is ~1 KB: compiling it
 * costs well under a millisecond). CHUNKMILL_SCANNER=js turns it off (the JavaScript scanner
 * alone, as before); without WebAssembly SIMD the engine falls back to it.
 */
import { readFileSync } from 'node:fs';
import { FieldSlots } from './field-slots.js';

/** The most fields a record's slots hold here; a sink that wants more slots reads its records in JavaScript. */
export const MAX_SLOTS = 1 << 14;
const STARTS = 0;
const ENDS = STARTS + MAX_SLOTS * 4;
const QUOTED = ENDS + MAX_SLOTS * 4;
const STATE = QUOTED + MAX_SLOTS;
// The record writer (wasm/write-record.ts): its two byte tables, a plan of up to MAX_SLOTS values with
// WRITER_KEYS bytes of keys, and the area it writes records into.
const WRITER_TABLES = STATE + 16;
const WRITER_FIELDS = WRITER_TABLES + 512;
const WRITER_KEY_AT = WRITER_FIELDS + MAX_SLOTS * 4;
const WRITER_KEY_BYTES = WRITER_KEY_AT + (MAX_SLOTS + 1) * 4;
const WRITER_KEYS = 1 << 16;
const WRITER_OUT = WRITER_KEY_BYTES + WRITER_KEYS;
/** The record writer's area: the records it writes are copied out when it is full (or before anything else is written). */
export const WRITER_OUT_BYTES = 1 << 18;
const PAGE = 1 << 16;
/** The block starts on a page of its own (so it is word aligned, for the JavaScript scanner too). */
const DATA = Math.ceil((WRITER_OUT + WRITER_OUT_BYTES) / PAGE) * PAGE;
const SLACK = 64;
/** Positions are i32s in the module: a larger block (a record over 512 MiB) is scanned in JavaScript. */
const MAX_BLOCK = 1 << 30;

/** The few WebAssembly types used here (the build's lib has no WebAssembly namespace). */
interface Memory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

/** wasm/scan.ts's VERSION: the exports and layout this file expects. */
const VERSION = 5;

/** wasm/scan.ts's exports (see there). */
interface Exports {
  VERSION: { value: number };
  memory: Memory;
  layout(starts: number, ends: number, quoted: number, state: number, block: number): void;
  begin(
    pos: number,
    limit: number,
    ownedEnd: number,
    maxRecordSize: number,
    capacity: number,
    delimiter: number,
    quote: number,
  ): void;
  next(): number;
  quoteParity(at: number, length: number, quote: number): number;
  writerLayout(fields: number, keyAt: number, keyBytes: number, out: number, size: number, tables: number): void;
  writerPlan(count: number, quote: number, arrayItem: number): void;
  writeJson(at: number): number;
  writeCsvWhole(at: number): number;
}

/** What the record writer writes per record (kinds/output/record-bytes.ts RecordPlan). */
export interface WriterPlan {
  format: string;
  /** The input field of each output value. */
  fields: Int32Array;
  /** JSON: per value, `,"key":` (no `,` for the first) in UTF-8; CSV: none. */
  keys: Uint8Array[];
  quote: number;
}

/** next()'s answers below 0 (wasm/scan.ts; -2, the state machine's record, is the rest); 1 and more: a record of that many fields. */
export const NEXT_DONE = -1;
export const NEXT_TOO_LARGE = -3;

/** The module's instance on this thread: its record loop, its slots, and the block view. */
export class WasmScan {
  /** The module's record loop (wasm/scan.ts next()). */
  readonly next: () => number;
  /** [0] the start of the record next() answered, [1] the LFs from the run's start to it. */
  state: Int32Array;
  private slots: FieldSlots | null = null;
  private block: Buffer;
  /** The plan the record writer holds, or null. */
  private writerPlan: WriterPlan | null = null;

  constructor(private readonly exports: Exports) {
    exports.layout(STARTS, ENDS, QUOTED, STATE, DATA);
    exports.writerLayout(WRITER_FIELDS, WRITER_KEY_AT, WRITER_KEY_BYTES, WRITER_OUT, WRITER_OUT_BYTES, WRITER_TABLES);
    this.next = exports.next;
    this.state = new Int32Array(exports.memory.buffer, STATE, 2);
    this.block = this.view(exports.memory.buffer.byteLength - DATA - SLACK);
  }

  /** The block view, at least `capacity` bytes (grows the memory; the bytes in it stay). */
  buffer(capacity: number): Buffer {
    const memory = this.exports.memory;
    if (DATA + capacity + SLACK > memory.buffer.byteLength) {
      memory.grow(Math.ceil((DATA + capacity + SLACK - memory.buffer.byteLength) / PAGE));
      // Growing detaches the old ArrayBuffer: every view is made again.
      this.state = new Int32Array(memory.buffer, STATE, 2);
      this.slots = null;
      this.block = this.view(memory.buffer.byteLength - DATA - SLACK);
    }
    return this.block.length === capacity ? this.block : this.view(capacity);
  }

  /**
   * True if `buf` is this thread's block view (so the module can read its records: positions fit
   * in 30 bits) and records of `capacity` slots fit in the module's.
   */
  owns(buf: Uint8Array, capacity: number): boolean {
    return (
      buf.buffer === this.exports.memory.buffer &&
      buf.byteOffset === DATA &&
      buf.length <= MAX_BLOCK &&
      capacity <= MAX_SLOTS
    );
  }

  /** True if `buf` is a view of the module's memory. */
  holds(buf: Uint8Array): boolean {
    return buf.buffer === this.exports.memory.buffer;
  }

  /** The parity of the quote bytes in memory [at, at + length) (wasm/scan.ts quoteParity()). */
  quoteParity(at: number, length: number, quote: number): number {
    return this.exports.quoteParity(at, length, quote);
  }

  /** True if `slots` are the module's (slotsOf()): the record in them is the one next() answered last. */
  holdsSlots(slots: FieldSlots): boolean {
    return slots === this.slots;
  }

  /**
   * Gives the record writer `plan` (once per plan object; a thread's chunks take turns); false if it
   * does not fit the module's arrays (then the JavaScript writer takes its records).
   */
  useWriterPlan(plan: WriterPlan): boolean {
    if (plan === this.writerPlan) return true;
    const count = plan.fields.length;
    let bytes = 0;
    for (const key of plan.keys) bytes += key.length + 1;
    if (count > MAX_SLOTS || bytes > WRITER_KEYS) return false;
    const buffer = this.exports.memory.buffer;
    new Int32Array(buffer, WRITER_FIELDS, count).set(plan.fields);
    const keyAt = new Int32Array(buffer, WRITER_KEY_AT, count + 1);
    const keyBytes = new Uint8Array(buffer, WRITER_KEY_BYTES, WRITER_KEYS);
    let at = 0;
    for (let k = 0; k < count; k++) {
      keyAt[k] = at;
      const key = plan.keys[k]; // none for CSV
      if (key === undefined) continue;
      keyBytes.set(key, at);
      at += key.length;
      keyBytes[at++] = 0x22; // the value's opening quote
    }
    keyAt[count] = at;
    this.exports.writerPlan(count, plan.quote, plan.format === 'json' ? 1 : 0);
    this.writerPlan = plan;
    return true;
  }

  /**
   * The record in the module's slots as JSON (NDJSON or an array item, as the plan says), written
   * at byte `at` of the writer's area: the new end; -2 if the area has no room for it; -1 - k if
   * value k is not UTF-8 (wasm/write-record.ts).
   */
  writeJson(at: number): number {
    return this.exports.writeJson(at);
  }

  /**
   * The record in the module's slots as its own CSV line at byte `at` of the writer's area, where
   * it is one (record-bytes.ts copyWholeRecord's rules): the new end; -2 if the area has no room
   * for it; -1 if it is not (the per-field path takes it).
   */
  writeCsvWhole(at: number): number {
    return this.exports.writeCsvWhole(at);
  }

  /** The first `length` bytes of the record writer's area. */
  writerOutput(length: number): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer, WRITER_OUT, length);
  }

  /** Slots of `capacity` fields whose arrays are the module's: next() writes a record's fields there. */
  slotsOf(capacity: number): FieldSlots {
    if (this.slots === null || this.slots.capacity !== capacity) {
      const buffer = this.exports.memory.buffer;
      this.slots = new FieldSlots(capacity, {
        starts: new Int32Array(buffer, STARTS, capacity),
        ends: new Int32Array(buffer, ENDS, capacity),
        quoted: new Uint8Array(buffer, QUOTED, capacity),
      });
    }
    return this.slots;
  }

  /** Starts a run of records at `pos`, a record start (see wasm/scan.ts begin()). */
  begin(
    pos: number,
    limit: number,
    ownedEnd: number,
    maxRecordSize: number,
    capacity: number,
    delimiter: number,
    quote: number,
  ): void {
    // ownedEnd may be Infinity and maxRecordSize too: i32s here (the block is under 2^30 bytes).
    this.exports.begin(
      pos,
      limit,
      Math.min(ownedEnd, MAX_BLOCK),
      Math.min(maxRecordSize, 0x7fffffff),
      capacity,
      delimiter,
      quote,
    );
  }

  private view(length: number): Buffer {
    return Buffer.from(this.exports.memory.buffer, DATA, length);
  }
}

let state: WasmScan | null | undefined;

/** This thread's WasmScan, or null where it is turned off or cannot run. */
export function wasmScan(): WasmScan | null {
  if (state === undefined) state = process.env.CHUNKMILL_SCANNER === 'js' ? null : load();
  return state;
}

/**
 * The parity (0 or 1) of the quote bytes in buf[from, to), counted sixteen bytes at a time by the
 * module where `buf` is a view of its memory (the thread's block, or part of it); -1 elsewhere.
 * For the chunk summary (boundary.ts), whose native search per quote is slower where quotes are
 * many (sales: a quoted note in one record of twenty).
 */
export function moduleQuoteParity(buf: Uint8Array, from: number, to: number, quote: number): number {
  return state?.holds(buf) ? state.quoteParity(buf.byteOffset + from, to - from, quote) : -1;
}

/**
 * The current WasmScan if `buf` is its block view and its slots hold `capacity` fields, else
 * null: what scanRecords asks per call.
 */
export function moduleFor(buf: Uint8Array, capacity: number): WasmScan | null {
  return state?.owns(buf, capacity) ? state : null;
}

/**
 * The thread's read buffer of `size` bytes: the module's block view, or a plain Buffer where the
 * module is off. There is one block per thread: a second call gives a view of the same bytes.
 */
export function blockBuffer(size: number): Buffer {
  return wasmScan()?.buffer(size) ?? Buffer.allocUnsafe(size);
}

/**
 * The block doubled, with its bytes [from, to) moved to its start: for a record longer than the
 * block. The module's view grows in place (its bytes stay where they are); a plain Buffer is copied.
 */
export function growBlock(buf: Buffer, from: number, to: number): Buffer {
  const scan = moduleFor(buf, 0);
  if (scan !== null) {
    let bigger: Buffer | null = null;
    try {
      bigger = scan.buffer(buf.length * 2);
    } catch {
      // The memory cannot grow (its reservation or a ulimit): this thread goes on in a plain
      // Buffer, which the JavaScript scanner reads. The block's bytes are still in `buf`.
    }
    if (bigger !== null) {
      bigger.copyWithin(0, from, to);
      return bigger;
    }
  }
  const bigger = Buffer.allocUnsafe(buf.length * 2);
  buf.copy(bigger, 0, from, to);
  return bigger;
}

/** Where the built module is: beside this file in dist/, or dist/'s copy for src/ run through tsx. */
const CANDIDATES = ['./scan.wasm', '../../dist/csv/scan.wasm'];

function load(): WasmScan | null {
  for (const name of CANDIDATES) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(new URL(name, import.meta.url));
    } catch {
      continue;
    }
    let exports: Exports;
    try {
      exports = new wasm.Instance(new wasm.Module(bytes)).exports as Exports;
    } catch {
      return null; // no WebAssembly SIMD here: the JavaScript scanner does the work
    }
    // A module from another build (a dist/ rebuilt under a running process, a partial copy): the
    // JavaScript scanner, rather than a record loop that reads the wrong memory.
    return exports.VERSION?.value === VERSION ? new WasmScan(exports) : null;
  }
  return null;
}
