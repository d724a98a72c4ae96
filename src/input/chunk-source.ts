/**
 * Where chunks come from when the input cannot be read by range: a byte stream (stdin, a .gz
 * file through gunzip, NDJSON) cut at record boundaries as it is read (stream-source.ts), or an
 * in-memory array sliced into chunks of `chunkRows` records (array-source.ts). The stream
 * scheduler pulls from a source only when a worker slot and the reorder window have room.
 */

export interface StreamChunk {
  index: number;
  /** Offset of the chunk's first byte in the (decompressed) stream, or of its first record in an array. */
  offset: number;
  /** Bytes, or records for an array. */
  length: number;
  /** The last chunk of its stream (of its file, in a dataset read as streams). */
  last: boolean;
  /**
   * A dataset's chunk that starts another file (input/dataset-stream.ts): its name, and the lines
   * of its header. `offset` counts from that file's first byte.
   */
  file?: { name: string; lines: number };
}

/** One chunk of input: bytes cut at a record boundary, or a slice of an array. */
export interface SourceChunk {
  chunk: StreamChunk;
  bytes?: Uint8Array;
  rows?: readonly unknown[];
}

/** What comes before the data: the column names, and what was consumed to learn them. */
export interface SourceHead {
  columns: string[];
  /** Bytes before the first data chunk (BOM, blank lines, header). */
  bytes: number;
  /** LF bytes in them. */
  lines: number;
  /** A chunk read to learn the columns that is data too (no header, NDJSON). */
  firstChunk: SourceChunk | null;
}

export interface ChunkSource {
  readonly format: 'csv' | 'ndjson' | 'rows';
  /** Bytes (or records) read so far. */
  readonly bytesRead: number;
  head(): Promise<SourceHead>;
  next(): Promise<SourceChunk | null>;
  close(): void;
}
