/**
 * The column names of a file, as a job on it would see them: the CSV header (BOM, blank lines,
 * quoting and the naming rule of a job's header), or an NDJSON file's first record's keys, read
 * through gunzip for `.gz`. Only the first record is read, so a form can offer a file's columns
 * without paying for its size.
 */
import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DEFAULTS } from '../api/options.js';
import { StreamSource } from './stream-source.js';

export interface ColumnsOptions {
  format: 'csv' | 'ndjson';
  gzip: boolean;
  /** @default ',' */
  delimiter?: string;
  /** @default '"' */
  quote?: string;
  /** @default true */
  header?: boolean;
  /** A first record longer than this fails with ERR_CSV_RECORD_TOO_LARGE. @default 1 MiB */
  maxRecordSize?: number;
  /** Read this open file instead of opening `path` (which then only names it); the caller closes it. */
  handle?: FileHandle;
  /** Read these bytes (an object's, say) instead of opening `path`; destroyed once the header is read. */
  stream?: Readable;
}

/** Reads the columns of `path`; throws the coded error a job on the file would (ERR_FILE_*, ERR_CSV_*, ERR_NDJSON_INVALID). */
export async function fileColumns(path: string, options: ColumnsOptions): Promise<string[]> {
  const { handle } = options;
  const file =
    options.stream ??
    createReadStream(path, { highWaterMark: 64 << 10, ...(handle ? { fd: handle, autoClose: false } : {}) });
  const bytes = options.gzip ? pipeline(file, createGunzip(), () => {}) : file;
  const source = new StreamSource(bytes, {
    format: options.format,
    path,
    delimiter: options.delimiter ?? DEFAULTS.delimiter,
    quote: options.quote ?? DEFAULTS.quote,
    header: options.header ?? DEFAULTS.header,
    chunkSize: 64 << 10,
    maxRecordSize: options.maxRecordSize ?? 1 << 20,
  });
  try {
    return (await source.head()).columns;
  } finally {
    source.close();
    file.destroy();
  }
}
