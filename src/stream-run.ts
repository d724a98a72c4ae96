/**
 * Running a job over input that cannot be read by range: a stream of bytes (stdin, a .gz file
 * through gunzip, NDJSON) or an in-memory array. The coordinator reads the stream, cuts it at
 * record boundaries (record-cutter.ts) into shared memory that a worker reads in place; an array
 * is sliced into chunks of `chunkRows` records. Reading is pulled: the next
 * read happens only while fewer than IN_FLIGHT_PER_WORKER chunks per worker are out and the
 * reorder window has room, so a fast stream cannot fill memory.
 *
 * A cut comes from quote parity; the parser in the worker checks it. A chunk that is not the
 * last and ends inside a quoted field was cut inside a record (a bare quote in an unquoted field,
 * like 5'11"): the job fails with ERR_CSV_QUOTE_MISMATCH instead of a silently wrong answer.
 */
import type { Piscina } from 'piscina';
import { AbortError, ChunkmillError, describeLocation, type ErrorData } from './errors.js';
import { createPool, dialectOf, finalStats, IN_FLIGHT_PER_WORKER, locate, MERGE_AHEAD_PER_WORKER } from './coordinator.js';
import { RecordCutter } from './csv/record-cutter.js';
import { classTable, FieldSlots, ScanResult, ScanStatus, scanRecords, type Dialect, type RecordSink } from './csv/scanner.js';
import { decodeField, InvalidUtf8Error } from './csv/fields.js';
import { headerNames } from './csv/dialect.js';
import { ProgressTracker, type Job } from './job.js';
import type { ResolvedOptions } from './options.js';
import { Dispatcher } from './dispatch.js';
import { openWork, type JobWork } from './work.js';
import type { TransferListItem } from 'node:worker_threads';
import { columnsOf } from './object-rows.js';
import type { ParseBytesTask, ParseOutcome, ParseRowsTask, WorkerReply, WorkerTask } from './worker.js';

const BOM = [0xef, 0xbb, 0xbf];
const MAX_COLUMNS = 1 << 16;

interface StreamChunk {
  index: number;
  /** Offset of the chunk's first byte in the (decompressed) stream, or of its first record in an array. */
  offset: number;
  /** Bytes, or records for an array. */
  length: number;
  last: boolean;
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

/** An in-memory array, chunkRows records at a time (slices cross to workers by structured clone). */
export class ArraySource implements ChunkSource {
  readonly format = 'rows';
  bytesRead = 0;
  private at = 0;
  private index = 0;

  constructor(private readonly rows: readonly unknown[], private readonly chunkRows: number) {}

  async head(): Promise<SourceHead> {
    return { columns: columnsOf(this.rows[0]), bytes: 0, lines: 0, firstChunk: null };
  }

  async next(): Promise<SourceChunk | null> {
    if (this.at >= this.rows.length) return null;
    const rows = this.rows.slice(this.at, this.at + this.chunkRows);
    const chunk = { index: this.index++, offset: this.at, length: rows.length, last: this.at + rows.length >= this.rows.length };
    this.at += rows.length;
    this.bytesRead = this.at;
    return { chunk, rows };
  }

  close(): void {}
}

export async function runStream(opts: ResolvedOptions, reader: ChunkSource, job: Job<unknown>, signal: AbortSignal): Promise<unknown> {
  let work: JobWork | null = null;
  let progress: ProgressTracker | null = null;
  try {
    const head = await reader.head();
    work = await openWork(opts, head.columns, job, reader.format !== 'csv');
    signal.throwIfAborted();
    const workers = Math.max(1, opts.workers);
    job.emit('start', { input: opts.path, bytesTotal: null, chunksTotal: null, chunkSize: opts.chunkSize, workers, columns: head.columns });
    progress = new ProgressTracker((p) => job.emit('progress', p), null, null, opts.progressInterval);
    progress.add(head.bytes, 0, 0);
    const pool = createPool(opts, workers);
    const dispatcher = new Dispatcher(pool, opts, job, signal);
    let run: StreamRun;
    try {
      run = new StreamRun(opts, reader, work, pool, dispatcher, signal, job, progress, head.lines, head.firstChunk);
      await run.execute();
    } finally {
      dispatcher.close();
      await pool.destroy();
    }
    progress.finish();
    return await work.finish(finalStats(work.merger, reader.bytesRead, run.chunks, workers, progress.elapsedMs(), false));
  } catch (e) {
    progress?.stop();
    await work?.abandon();
    reader.close();
    throw e instanceof AbortError && progress !== null ? e.at(progress.current()) : e;
  }
}

/** Pulls the source and hands out chunks cut at record boundaries. */
/** Pulls a byte stream and cuts it into chunks at record boundaries (CSV or NDJSON). */
export class ChunkReader implements ChunkSource {
  readonly format: 'csv' | 'ndjson';
  bytesRead = 0;
  private readonly iterator: AsyncIterator<Uint8Array>;
  private readonly cutter: RecordCutter;
  private done = false;
  private offset = 0;
  private nextIndex = 0;

  constructor(private readonly source: AsyncIterable<Uint8Array>, private readonly opts: ResolvedOptions) {
    this.iterator = source[Symbol.asyncIterator]();
    this.format = opts.input.kind !== 'array' && opts.input.format === 'ndjson' ? 'ndjson' : 'csv';
    const quote = this.format === 'ndjson' ? -1 : opts.quote.charCodeAt(0);
    this.cutter = new RecordCutter(quote, Math.min(opts.chunkSize * 2, 64 << 20));
  }

  head(): Promise<SourceHead> {
    return this.format === 'ndjson' ? this.firstJson() : this.header(dialectOf(this.opts));
  }

  /** NDJSON has no header: the first record's keys name the columns, and it stays data. */
  private async firstJson(): Promise<SourceHead> {
    let skipped = 0;
    for (;;) {
      const line = await this.next(1);
      if (line === null) return { columns: [], bytes: skipped, lines: skipped, firstChunk: null };
      const text = Buffer.from(line.bytes.buffer, line.bytes.byteOffset, line.bytes.byteLength).toString('utf8').trim();
      if (text === '') {
        skipped++;
        continue;
      }
      let first: unknown;
      try {
        first = JSON.parse(text);
      } catch (e) {
        const at = { file: this.opts.path, line: skipped + 1, byteOffset: line.chunk.offset };
        throw new ChunkmillError({ code: 'ERR_NDJSON_INVALID', ...at, message: `Invalid JSON: ${(e as Error).message}${describeLocation(at)}`, hint: 'format: "csv" reads the file as CSV' });
      }
      return { columns: columnsOf(first), bytes: 0, lines: 0, firstChunk: { ...line, chunk: { ...line.chunk, index: 0 } } };
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
        record = { bytes: record.bytes.subarray(3), chunk: { ...record.chunk, offset: 3, length: record.chunk.length - 3 } };
      }
      const fields = firstRecordFields(Buffer.from(record.bytes.buffer, record.bytes.byteOffset, record.bytes.byteLength), dialect, this.opts.quote, this.opts.path, this.opts.header);
      if (fields === null) {
        // Blank lines before the first record.
        skipped += record.chunk.length + (first ? record.chunk.offset : 0);
        lines += countLF(record.bytes);
        this.nextIndex = 0;
        continue;
      }
      if (!this.opts.header) return { columns: fields.map((_, i) => String(i + 1)), bytes: skipped, lines, firstChunk: record };
      this.nextIndex = 0;
      // The same naming rule as a file's header (empty names numbered, duplicates refused).
      const where = () => ({ line: lines + 1, byteOffset: record!.chunk.offset });
      const columns = headerNames(fields, this.opts.path, where);
      return { columns, bytes: skipped + record.chunk.offset + record.chunk.length, lines: lines + countLF(record.bytes), firstChunk: null };
    }
  }

  /** The next chunk (at least `minSize` bytes unless the stream ends), or null at the end. */
  async next(minSize = this.opts.chunkSize): Promise<SourceChunk & { bytes: Uint8Array } | null> {
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
        throw new ChunkmillError({ code: 'ERR_FILE_UNREADABLE', file: this.opts.path, message: `Cannot read ${this.opts.path}: ${(e as Error).message}` }, { cause: e });
      });
      if (read.done) this.done = true;
      else {
        const bytes = typeof read.value === 'string' ? Buffer.from(read.value) : read.value;
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

class StreamRun {
  chunks = 0;
  private readonly parsed = new Map<number, { out: ParseOutcome; chunk: StreamChunk }>();
  private nextMerge = 0;
  private inFlight = 0;
  private exhausted = false;
  private failed: unknown = null;
  private wake: (() => void) | null = null;
  /** Ends the read in progress with no chunk (set while one is pending). */
  private abandonRead: (() => void) | null = null;

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly reader: ChunkSource,
    private readonly work: JobWork,
    private readonly pool: Piscina<WorkerTask, WorkerReply>,
    private readonly dispatcher: Dispatcher,
    private readonly signal: AbortSignal,
    private readonly job: Job<unknown>,
    private readonly progress: ProgressTracker,
    private linesBefore: number,
    private pendingFirst: SourceChunk | null,
  ) {}

  async execute(): Promise<void> {
    const onAbort = () => this.fail(new AbortError());
    if (this.signal.aborted) onAbort();
    this.signal.addEventListener('abort', onAbort, { once: true });
    this.work.onFailure((e) => this.fail(e));
    const limit = this.pool.maxThreads * IN_FLIGHT_PER_WORKER;
    const window = this.pool.maxThreads * MERGE_AHEAD_PER_WORKER;
    try {
      while (this.failed === null && !(this.exhausted && this.inFlight === 0)) {
        const blocked = this.work.blocked(() => this.wake?.());
        if (!blocked && !this.exhausted && this.inFlight < limit && this.chunks - this.nextMerge < window) {
          const next = this.pendingFirst ?? (await this.read());
          this.pendingFirst = null;
          if (this.failed !== null) break;
          if (next === null) this.exhausted = true;
          else this.dispatch(next);
          continue;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
      if (this.failed !== null) throw this.failed;
    } finally {
      this.signal.removeEventListener('abort', onAbort);
    }
  }

  private fail(error: unknown): void {
    if (this.failed === null) this.failed = error;
    this.abandonRead?.();
    this.wake?.();
  }

  /**
   * The next chunk, or null if the run fails first: a read may wait indefinitely (an idle pipe,
   * a terminal), a cancel must not. (Not Promise.race with a promise that lives as long as the
   * run: each race's result, a whole chunk, stayed reachable from it: 2 GB of stream, 2 GB held.)
   */
  private read(): Promise<SourceChunk | null> {
    return new Promise<SourceChunk | null>((resolve, reject) => {
      this.abandonRead = () => resolve(null);
      this.reader.next().then(resolve, reject).finally(() => (this.abandonRead = null));
    });
  }

  private dispatch({ chunk, bytes, rows }: SourceChunk): void {
    this.inFlight++;
    this.chunks++;
    const make = () => {
      const port = this.work.controlPort();
      const common = { chunkIndex: chunk.index, dialect: dialectOf(this.opts), work: this.work.spec, maxRecordSize: this.opts.maxRecordSize, ...(port !== undefined ? { port } : {}) };
      const transferList: TransferListItem[] = port !== undefined ? [port] : [];
      if (rows !== undefined) return { task: { op: 'parseRows', rows, ...common } satisfies ParseRowsTask, transferList };
      // Bytes are transferred, not cloned. With retries on, a copy goes and the original stays
      // here until the chunk is merged, since a worker that dies takes what it was given with it.
      const sent = this.opts.retries > 0 ? bytes!.slice() : bytes!;
      transferList.push(sent.buffer as ArrayBuffer);
      return { task: { op: 'parseBytes', format: this.reader.format === 'ndjson' ? 'ndjson' : 'csv', bytes: sent, ...common } satisfies ParseBytesTask, transferList };
    };
    this.dispatcher.run(chunk.index, make).then(
      (reply) => {
        this.inFlight--;
        if (this.failed !== null) return;
        try {
          if ('error' in reply) throw locate(reply.error, 0, this.opts.path, chunk.index);
          if (!('parsed' in reply)) throw new ChunkmillError({ code: 'ERR_INTERNAL', message: 'A stream chunk got a summary reply' });
          this.parsed.set(chunk.index, { out: reply.parsed, chunk });
          this.mergeReady();
        } catch (e) {
          this.fail(e);
        }
        this.wake?.();
      },
      (e: unknown) => {
        this.inFlight--;
        this.fail(this.signal.aborted ? new AbortError() : e);
      },
    );
  }

  private mergeReady(): void {
    for (let entry = this.parsed.get(this.nextMerge); entry !== undefined && this.failed === null; entry = this.parsed.get(this.nextMerge)) {
      const { out, chunk } = entry;
      this.parsed.delete(chunk.index);
      if (out.error !== undefined) throw this.chunkError(out.error, chunk);
      this.work.merger.add(out.partial, chunk.index);
      if (out.rejects !== undefined) this.work.report(out.rejects, this.linesBefore);
      this.linesBefore += out.lines;
      this.nextMerge++;
      this.progress.add(chunk.length, out.rows, 1);
      this.job.emit('chunk', { index: chunk.index, start: chunk.offset, end: chunk.offset + chunk.length, rows: out.rows });
    }
  }

  private chunkError(error: ErrorData, chunk: StreamChunk): ChunkmillError {
    const shifted = { ...error, ...(error.byteOffset !== undefined ? { byteOffset: chunk.offset + error.byteOffset } : {}) };
    if (error.code === 'ERR_CSV_UNCLOSED_QUOTE' && !chunk.last) {
      const at = { file: this.opts.path, line: this.linesBefore + (error.localLine ?? 0) + 1, byteOffset: shifted.byteOffset ?? chunk.offset, chunkIndex: chunk.index };
      return new ChunkmillError({
        code: 'ERR_CSV_QUOTE_MISMATCH',
        ...at,
        message: `Quote characters do not pair up: a quote inside an unquoted field (like 5'11")${describeLocation(at)}`,
        hint: 'a stream cannot be re-read: save it to a file, where onQuoteMismatch: "sequential" handles this',
      });
    }
    return locate(shifted, this.linesBefore, this.opts.path, chunk.index);
  }
}

/** The fields of the first record in `buf`, or null when it holds only blank lines. */
function firstRecordFields(buf: Buffer, dialect: Dialect, quote: string, file: string, decode: boolean): string[] | null {
  let fields: string[] | null = null;
  const sink: RecordSink = {
    record(b: Buffer, slots: FieldSlots, fieldCount: number) {
      const n = Math.min(fieldCount, slots.capacity);
      // Without a header the first record is data: only its width matters here.
      fields = Array.from({ length: n }, (_, i) => (decode ? decodeHeaderField(b, slots, i, quote, file) : ''));
      return false;
    },
  };
  const result = scanRecords(buf, 0, buf.length, buf.length, true, dialect, classTable(dialect), new FieldSlots(MAX_COLUMNS), sink, new ScanResult());
  if (result.status === ScanStatus.UnclosedQuote || result.status === ScanStatus.InvalidClosingQuote) {
    const at = { file, line: 1 + result.errorLines + countLF(buf.subarray(result.pos, result.errorAt)), byteOffset: result.errorAt };
    const unclosed = result.status === ScanStatus.UnclosedQuote;
    const what = unclosed ? 'The first record has a quoted field that is never closed' : 'Unexpected text after a closing quote in the first record';
    throw new ChunkmillError({ code: unclosed ? 'ERR_CSV_UNCLOSED_QUOTE' : 'ERR_CSV_INVALID_CLOSING_QUOTE', ...at, message: what + describeLocation(at) });
  }
  return fields;
}

function decodeHeaderField(buf: Buffer, slots: FieldSlots, i: number, quote: string, file: string): string {
  try {
    return decodeField(buf, slots.starts[i]!, slots.ends[i]!, slots.quoted[i]!, quote);
  } catch (e) {
    if (!(e instanceof InvalidUtf8Error)) throw e;
    const at = { file, line: 1 + countLF(buf.subarray(0, e.at)), byteOffset: e.at, columnIndex: i + 1 };
    throw new ChunkmillError({ code: e.code, message: e.message + describeLocation(at), ...at, ...(e.hint !== undefined ? { hint: e.hint } : {}) });
  }
}

function countLF(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}
