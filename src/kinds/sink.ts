/**
 * The record sink a chunk's reader drives (input/read-range.ts, input/value-rows.ts): a scanner
 * RecordSink that also keeps the first data error it finds and applies the bad-row policy.
 * Every kind of work (aggregate, task, transform) implements it.
 */
import type { RecordSink } from '../csv/scanner.js';
import type { ErrorData } from '../errors.js';
import type { BadRows } from './bad-rows.js';

/** A data error found by the sink, with a buffer-relative offset the driver makes absolute. */
export interface SinkError {
  data: ErrorData;
  offset: number;
}

export interface ChunkSink extends RecordSink {
  /** Fields each record should have; the scanner keeps one slot more, to notice extra fields. */
  readonly width: number;
  error: SinkError | null;
  /** The onBadRow policy: a record to report stops the scan with `pending` set (bad-rows.ts). */
  readonly badRows: BadRows;
}
