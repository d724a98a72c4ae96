/**
 * A byte stream (stdin, a .gz file through gunzip, NDJSON) as a chunk source: cut into chunks at
 * record boundaries as it is read (record-cutter.ts), after its header.
 */
import { decodeFieldAs, type InputEncoding, type TextEncoding } from '../csv/encoding.js';
import { InvalidUtf8Error } from '../csv/fields.js';
import { headerNames } from '../csv/header-names.js';
import {
  classTable,
  countLines,
  dialectOf,
  FieldSlots,
  ScanResult,
  ScanStatus,
  scanRecords,
  type Dialect,
  type RecordSink,
} from '../csv/scanner.js';
import { ChunkmillError, describeLocation } from '../errors.js';
import type { ChunkSource, SourceChunk, SourceHead } from './chunk-source.js';
import { RecordCutter } from './record-cutter.js';
import { namesOf } from './value-rows.js';

const BOM = [0xef, 0xbb, 0xbf];
const MAX_COLUMNS = 1 << 16;

/** What a stream source needs of the job's options. */
export interface StreamSourceOptions {
  format: 'csv' | 'ndjson';
  /** The input's name, for messages. */
  path: string;
  delimiter: string;
  quote: string;
  header: boolean;
  /** The input's text encoding (csv/encoding.ts); absent: UTF-8. UTF-16 arrives here as UTF-8. */
  encoding?: InputEncoding;
  chunkSize: number;
  maxRecordSize: number;
}

/** Pulls a byte stream and cuts it into chunks at record boundaries (CSV or NDJSON). */
export class StreamSource implements ChunkSource {
  readonly format: 'csv' | 'ndjson';
  bytesRead = 0;
  private readonly iterator: AsyncIterator<Uint8Array>;
  private readonly cutter: RecordCutter;
  private done = false;
  private offset = 0;
  private nextIndex = 0;

  constructor(
    private readonly source: AsyncIterable<Uint8Array>,
    private readonly opts: StreamSourceOptions,
  ) {
    this.iterator = source[Symbol.asyncIterator]();
    this.format = opts.format;
    const quote = this.format === 'ndjson' ? -1 : opts.quote.charCodeAt(0);
    this.cutter = new RecordCutter(quote, Math.min(opts.chunkSize * 2, 64 << 20));
  }

  head(): Promise<SourceHead> {
    return this.format === 'ndjson' ? this.firstJson() : this.header(dialectOf(this.opts));
  }

  /** NDJSON has no header: the first record's keys name the columns, and it stays data. */
  private async firstJson(): Promise<SourceHead> {
    let bytes = 0;
    let lines = 0;
    for (;;) {
      const line = await this.next(1);
      if (line === null) return { columns: [], bytes, lines, firstChunk: null };
      const text = Buffer.from(line.bytes.buffer, line.bytes.byteOffset, line.bytes.byteLength).toString('utf8').trim();
      if (text === '') {
        // Blank lines before the first record: consumed here, counted for offsets and line numbers.
        bytes += line.chunk.length;
        lines++;
        continue;
      }
      let first: unknown;
      try {
        first = JSON.parse(text);
      } catch (e) {
        const at = { file: this.opts.path, line: lines + 1, byteOffset: line.chunk.offset };
        throw new ChunkmillError({
          code: 'ERR_NDJSON_INVALID',
          ...at,
          message: `Invalid JSON: ${(e as Error).message}${describeLocation(at)}`,
          hint: 'format: "csv" reads the file as CSV',
        });
      }
      // The first record stays data: it is chunk 0, and the chunks after it count from 1.
      this.nextIndex = 1;
      return { columns: namesOf(first), bytes, lines, firstChunk: { ...line, chunk: { ...line.chunk, index: 0 } } };
    }
  }

  /** The first record: the header's names (or, without a header, the first data chunk). */
  private async header(dialect: Dialect): Promise<SourceHead> {
    let skipped = 0;
    let lines = 0;
    for (let first = true; ; first = false) {
      let record = await this.next(1);
      if (record === null) return { columns: [], bytes: skipped, lines, firstChunk: null };
      if (first && record.bytes.length >= 3 && BOM.every((b, i) => record!.bytes[i] === b)) {
        record = {
          bytes: record.bytes.subarray(3),
          chunk: { ...record.chunk, offset: 3, length: record.chunk.length - 3 },
        };
      }
      const fields = firstRecordFields(
        Buffer.from(record.bytes.buffer, record.bytes.byteOffset, record.bytes.byteLength),
        dialect,
        this.opts.quote,
        this.opts.path,
        this.opts.header,
      );
      if (fields === null) {
        // Blank lines before the first record.
        skipped += record.chunk.length + (first ? record.chunk.offset : 0);
        lines += countLines(record.bytes, 0, record.bytes.length);
        this.nextIndex = 0;
        continue;
      }
      if (!this.opts.header)
        return { columns: fields.map((_, i) => String(i + 1)), bytes: skipped, lines, firstChunk: record };
      this.nextIndex = 0;
      // The same naming rule as a file's header (empty names numbered, duplicates refused).
      const where = () => ({ line: lines + 1, byteOffset: record!.chunk.offset });
      const columns = headerNames(fields, this.opts.path, where);
      return {
        columns,
        bytes: skipped + record.chunk.offset + record.chunk.length,
        lines: lines + countLines(record.bytes, 0, record.bytes.length),
        firstChunk: null,
      };
    }
  }

  /** The next chunk (at least `minSize` bytes unless the stream ends), or null at the end. */
  async next(minSize = this.opts.chunkSize): Promise<(SourceChunk & { bytes: Uint8Array }) | null> {
    for (;;) {
      const cut = this.cutter.take(minSize);
      if (cut !== null) return this.chunk(cut, false);
      if (this.done) {
        const rest = this.cutter.rest();
        return rest === null ? null : this.chunk(rest, true);
      }
      if (this.cutter.buffered > minSize + this.opts.maxRecordSize) {
        throw new ChunkmillError({
          code: 'ERR_CSV_RECORD_TOO_LARGE',
          file: this.opts.path,
          byteOffset: this.offset,
          message: `A record is longer than maxRecordSize (${this.opts.maxRecordSize} bytes)${describeLocation({ file: this.opts.path, byteOffset: this.offset })}`,
          hint: 'usually a quote that is never closed; raise maxRecordSize if such long records are real',
        });
      }
      const read = await this.iterator.next().catch((e: unknown) => {
        throw new ChunkmillError(
          {
            code: 'ERR_FILE_UNREADABLE',
            file: this.opts.path,
            message: `Cannot read ${this.opts.path}: ${(e as Error).message}`,
          },
          { cause: e },
        );
      });
      if (read.done) this.done = true;
      else {
        const bytes = typeof read.value === 'string' ? Buffer.from(read.value) : read.value;
        // As a file's (input-layout.ts): gzip bytes would fail as bad UTF-8, with a wrong hint.
        if (this.bytesRead === 0 && bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b)
          throw notText(
            this.opts,
            'it starts with the gzip signature',
            'pipe the stream through zlib.createGunzip() first',
          );
        this.cutter.push(bytes);
        this.bytesRead += bytes.length;
      }
    }
  }

  /** After a failure: stops the source (a pending read on an idle pipe would keep it open). */
  close(): void {
    const source = this.source as { destroy?: () => void };
    if (typeof source.destroy === 'function') source.destroy();
    else void this.iterator.return?.();
  }

  private chunk(bytes: Uint8Array, last: boolean): SourceChunk & { bytes: Uint8Array } {
    const chunk = { index: this.nextIndex++, offset: this.offset, length: bytes.length, last };
    this.offset += bytes.length;
    return { bytes, chunk };
  }
}

/** ERR_NOT_CSV for a stream that is plainly not text, at its first byte. */
function notText(opts: StreamSourceOptions, what: string, hint: string): ChunkmillError {
  const at = { file: opts.path, line: 1, byteOffset: 0 };
  const format = opts.format === 'ndjson' ? 'NDJSON' : 'CSV';
  return new ChunkmillError({
    code: 'ERR_NOT_CSV',
    ...at,
    message: `This does not look like ${format} text: ${what}${describeLocation(at)}`,
    hint,
  });
}

/** The fields of the first record in `buf`, or null when it holds only blank lines. */
function firstRecordFields(
  buf: Buffer,
  dialect: Dialect,
  quote: string,
  file: string,
  decode: boolean,
): string[] | null {
  let fields: string[] | null = null;
  const sink: RecordSink = {
    record(b: Buffer, slots: FieldSlots, fieldCount: number) {
      const n = Math.min(fieldCount, slots.capacity);
      // Without a header the first record is data: only its width matters here.
      fields = Array.from({ length: n }, (_, i) =>
        decode ? decodeHeaderField(b, slots, i, quote, file, dialect.encoding) : '',
      );
      return false;
    },
  };
  const result = scanRecords(
    buf,
    0,
    buf.length,
    buf.length,
    true,
    dialect,
    classTable(dialect),
    new FieldSlots(MAX_COLUMNS),
    sink,
    new ScanResult(),
  );
  if (result.status === ScanStatus.UnclosedQuote || result.status === ScanStatus.InvalidClosingQuote) {
    const at = {
      file,
      line: 1 + result.errorLines + countLines(buf, result.pos, result.errorAt),
      byteOffset: result.errorAt,
    };
    const unclosed = result.status === ScanStatus.UnclosedQuote;
    const what = unclosed
      ? 'The first record has a quoted field that is never closed'
      : 'Unexpected text after a closing quote in the first record';
    throw new ChunkmillError({
      code: unclosed ? 'ERR_CSV_UNCLOSED_QUOTE' : 'ERR_CSV_INVALID_CLOSING_QUOTE',
      ...at,
      message: what + describeLocation(at),
    });
  }
  return fields;
}

function decodeHeaderField(
  buf: Buffer,
  slots: FieldSlots,
  i: number,
  quote: string,
  file: string,
  encoding: TextEncoding = 'utf8',
): string {
  try {
    return decodeFieldAs(encoding, buf, slots.starts[i]!, slots.ends[i]!, slots.quoted[i]!, quote);
  } catch (e) {
    if (!(e instanceof InvalidUtf8Error)) throw e;
    const at = { file, line: 1 + countLines(buf, 0, e.at), byteOffset: e.at, columnIndex: i + 1 };
    throw new ChunkmillError({
      code: e.code,
      message: e.message + describeLocation(at),
      ...at,
      ...(e.hint !== undefined ? { hint: e.hint } : {}),
    });
  }
}
