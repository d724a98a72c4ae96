/**
 * The encoding option's seam: a sink in front of a chunk's sink that hands it each record as
 * UTF-8 (csv/encoding.ts). The scanner reads the file's own bytes (Latin-1 and Windows-1252 keep
 * ASCII where it is, so records and fields are found as in UTF-8); each record's span is then
 * written as UTF-8 into a buffer of this sink's, and the fields are handed on with positions in
 * it. Errors the inner sink finds carry offsets in that buffer: they are mapped back to the
 * file's byte where the character came from, so a located error names the file's own byte.
 */
import { transcodeSpan, type TextEncoding } from '../csv/encoding.js';
import { FieldSlots } from '../csv/field-slots.js';
import type { ChunkSink, SinkError } from './sink.js';

/** A chunk sink with its partial result (chunk-sink.ts's PartialSink, by shape: no import cycle). */
type PartialSink = ChunkSink & { partial(): unknown };

export class TranscodingSink<S extends PartialSink> {
  private out = Buffer.allocUnsafe(64 << 10);
  private origin = new Int32Array(64 << 10);
  private position = new Int32Array(16 << 10);
  /** Made at the first record, with the scanner's capacity (slotsFor: the inner sink's own). */
  private slots: FieldSlots | null = null;

  constructor(
    private readonly inner: S,
    private readonly encoding: Exclude<TextEncoding, 'utf8'>,
  ) {}

  get width(): number {
    return this.inner.width;
  }

  get badRows(): S['badRows'] {
    return this.inner.badRows;
  }

  /** The inner sink's error, its offset turned back into the scanned buffer's. */
  get error(): SinkError | null {
    const e = this.inner.error;
    if (e === null) return null;
    return { data: e.data, offset: this.origin[Math.min(Math.max(e.offset, 0), this.origin.length - 1)]! };
  }

  set error(e: SinkError | null) {
    this.inner.error = e;
  }

  partial(): ReturnType<S['partial']> {
    return this.inner.partial() as ReturnType<S['partial']>;
  }

  record(buf: Uint8Array, slots: FieldSlots, fieldCount: number, recordStart: number): boolean {
    const stored = Math.min(fieldCount, slots.capacity);
    // The record's span, up to the byte after its last stored field (a closing quote or delimiter).
    const last = stored > 0 ? slots.ends[stored - 1]! : recordStart;
    const end = Math.min(last + 1, buf.length);
    const length = end - recordStart;
    this.ensure(length);
    const n = transcodeSpan(this.encoding, buf, recordStart, end, this.out, 0, this.origin, this.position);
    if (this.slots === null || this.slots.capacity !== slots.capacity) this.slots = new FieldSlots(slots.capacity);
    const into = this.slots;
    for (let i = 0; i < stored; i++) {
      into.starts[i] = this.position[slots.starts[i]! - recordStart]!;
      into.ends[i] = this.position[slots.ends[i]! - recordStart]!;
      into.quoted[i] = slots.quoted[i]!;
    }
    into.dirty = true;
    return this.inner.record(this.out.subarray(0, n), into, fieldCount, 0);
  }

  /** Room for a span of `length` input bytes: 3 output bytes each, and a position per byte. */
  private ensure(length: number): void {
    if (this.position.length < length + 1) this.position = new Int32Array((length + 1) * 2);
    if (this.out.length < length * 3 + 1) {
      this.out = Buffer.allocUnsafe((length * 3 + 1) * 2);
      this.origin = new Int32Array(this.out.length);
    }
  }
}
