/**
 * Where the scanner puts a record: the field offsets of the current record (FieldSlots, typed
 * arrays reused from record to record, no object or string per field) and the sink it hands each
 * record to.
 */

/** Where each field of the current record lies in the buffer, reused from record to record. */
export class FieldSlots {
  /** Content start (after the opening quote of a quoted field). */
  readonly starts: Int32Array;
  /** Content end, exclusive (before the closing quote). */
  readonly ends: Int32Array;
  /** 0: plain field; 1: quoted; 2: quoted with doubled quotes to unescape. */
  readonly quoted: Uint8Array;
  /**
   * Some `quoted` entry may be non-zero. The fast path (records without quotes) clears them once
   * instead of writing a 0 per field: one store less per field.
   */
  dirty = false;
  /** `arrays`: the arrays to use (the WebAssembly record loop's, wasm-scan.ts), each `capacity` long. */
  constructor(
    readonly capacity: number,
    arrays?: { starts: Int32Array; ends: Int32Array; quoted: Uint8Array },
  ) {
    this.starts = arrays?.starts ?? new Int32Array(capacity);
    this.ends = arrays?.ends ?? new Int32Array(capacity);
    this.quoted = arrays?.quoted ?? new Uint8Array(capacity);
  }
}

export interface RecordSink {
  /**
   * One non-empty record. `fieldCount` may exceed `slots.capacity` (the extra fields are counted,
   * not stored). Return false to stop the scan; the sink keeps its own reason.
   */
  record(buf: Uint8Array, slots: FieldSlots, fieldCount: number, recordStart: number): boolean;
}
