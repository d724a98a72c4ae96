/**
 * The WebAssembly SIMD structural index (wasm/scan.ts, built to dist/csv/scan.wasm) and the one
 * read buffer per thread that lives in its memory.
 *
 * The engine's block buffer (input/read-range.ts) is a view of the module's memory, so a file is
 * read straight into it (readSync into the view: no copy), and the index is computed where the
 * bytes already are. scanRecords (scanner.ts) sees that a buffer is this view and reads its
 * records through the index (plain-run-indexed.ts); any other buffer takes the JavaScript path,
 * which stays the reference.
 *
 * Memory layout: [0, INDEX_BYTES) the index of one segment, [DATA, DATA + capacity) the block,
 * then 64 bytes of slack (the SIMD loop reads up to 63 bytes past the end it is given).
 *
 * One module per thread, compiled from the file's bytes on first use (the module is 400 bytes:
 * compiling it costs well under a millisecond). CHUNKMILL_SCANNER=js turns it off (the
 * JavaScript scanner alone, as before); without WebAssembly SIMD the engine falls back to it.
 */
import { readFileSync } from 'node:fs';

/** Bytes indexed per call into the module: at most one entry per byte, 4 bytes each. */
export const SEGMENT = 1 << 16;
const INDEX_BYTES = SEGMENT * 4;
const DATA = INDEX_BYTES;
const SLACK = 64;
const PAGE = 1 << 16;
const FIRST_SPAN = 1 << 12;
/** Entry positions have 30 bits: a larger block (a record over 512 MiB) is scanned in JavaScript. */
const MAX_INDEXED = 1 << 30;

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

interface Exports {
  memory: Memory;
  index(
    from: number,
    to: number,
    origin: number,
    out: number,
    delimiter: number,
    quote: number,
    inside: number,
  ): number;
}

/** The module's instance on this thread, its block view and the index of one segment of the block. */
export class WasmScan {
  /**
   * The index of the last segment: positions relative to the block's byte 0 in bits 0-29, the kind
   * in bits 30-31 (KIND_* in plain-run-indexed.ts, as wasm/scan.ts writes them).
   */
  entries: Int32Array;
  /** Entries of the last segment. */
  count = 0;
  /** The next entry to read. */
  next = 0;
  /** The block bytes indexed so far (the end of the last segment). */
  covered = 0;
  /**
   * The index past `covered` cannot be trusted: the state machine took a record the index could not
   * (a bare quote breaks the quote parity the index assumes), so indexing starts again after it.
   */
  stale = false;
  /** 1 while `covered` is inside quotes. */
  private inside = 0;
  /** Bytes the next segment covers: small after a restart (bare quotes may come often), doubling up to SEGMENT. */
  private span = FIRST_SPAN;
  private block: Buffer;

  constructor(private readonly exports: Exports) {
    this.entries = new Int32Array(exports.memory.buffer, 0, SEGMENT);
    this.block = this.view(exports.memory.buffer.byteLength - DATA - SLACK);
  }

  /** The block view, at least `capacity` bytes (grows the memory; the bytes in it stay). */
  buffer(capacity: number): Buffer {
    const memory = this.exports.memory;
    if (DATA + capacity + SLACK > memory.buffer.byteLength) {
      memory.grow(Math.ceil((DATA + capacity + SLACK - memory.buffer.byteLength) / PAGE));
      // Growing detaches the old ArrayBuffer: every view is made again.
      this.entries = new Int32Array(memory.buffer, 0, SEGMENT);
      this.block = this.view(memory.buffer.byteLength - DATA - SLACK);
    }
    return this.block.length === capacity ? this.block : this.view(capacity);
  }

  /** True if `buf` is this thread's block view (so its bytes can be indexed: positions fit in 30 bits). */
  owns(buf: Uint8Array): boolean {
    return buf.buffer === this.exports.memory.buffer && buf.byteOffset === DATA && buf.length <= MAX_INDEXED;
  }

  /** Starts indexing the block at `pos`, a record start (so outside quotes): no segment indexed yet. */
  reset(pos: number): void {
    this.count = 0;
    this.next = 0;
    this.covered = pos;
    this.inside = 0;
    this.stale = false;
    this.span = FIRST_SPAN;
  }

  /** Indexes the next segment of the block, from `covered` up to at most `limit`, as the current one. */
  fill(limit: number, delimiter: number, quote: number): void {
    const from = this.covered;
    const to = Math.min(from + this.span, limit);
    const r = this.exports.index(DATA + from, DATA + to, DATA, 0, delimiter, quote, this.inside);
    this.count = r >>> 1;
    this.inside = r & 1;
    this.next = 0;
    this.covered = to;
    if (this.span < SEGMENT) this.span *= 2;
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

/** The current WasmScan if `buf` is its block view, else null: what scanRecords asks per call. */
export function indexFor(buf: Uint8Array): WasmScan | null {
  return state?.owns(buf) ? state : null;
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
  const scan = indexFor(buf);
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
    try {
      const instance = new wasm.Instance(new wasm.Module(bytes));
      return new WasmScan(instance.exports as unknown as Exports);
    } catch {
      return null; // no WebAssembly SIMD here: the JavaScript scanner does the work
    }
  }
  return null;
}
