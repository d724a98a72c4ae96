/**
 * Records from bytes cut at a record boundary (CSV or NDJSON, from a stream) or from array
 * items, fed to a chunk's sink. Shared by the worker and processSerial.
 */
import { Buffer } from 'node:buffer';
import type { Dialect } from '../csv/scanner.js';
import type { ChunkSink } from '../kinds/sink.js';
import { parseBytes, type RangeOutcome } from './read-range.js';
import { parseArrayRows, parseNdjson } from './value-rows.js';

export type RecordFormat = 'csv' | 'ndjson' | 'rows';

export function parseRecords(
  from: { bytes?: Uint8Array | undefined; rows?: readonly unknown[] | undefined },
  format: RecordFormat,
  columns: readonly string[],
  dialect: Dialect,
  maxRecordSize: number,
  sink: ChunkSink,
): RangeOutcome {
  if (format === 'rows') return parseArrayRows(from.rows!, columns, sink);
  const bytes = Buffer.from(from.bytes!.buffer, from.bytes!.byteOffset, from.bytes!.byteLength);
  return format === 'ndjson' ? parseNdjson(bytes, columns, sink) : parseBytes(bytes, dialect, sink, maxRecordSize);
}
