/**
 * What the coordinator learns about an input before planning: size and identity, the UTF-8 BOM,
 * the header's column names and where the data starts. It reads only the first record, with
 * async I/O, so the main thread stays free; the data itself is read by workers.
 */
import { open, stat } from 'node:fs/promises';
import { ChunkmillError, describeLocation } from '../errors.js';
import { decodeField } from './fields.js';
import { classTable, countLines, FieldSlots, ScanResult, ScanStatus, scanRecords, type Dialect, type RecordSink } from './scanner.js';

export interface InputLayout {
  size: number;
  mtimeMs: number;
  /** Column names: the header's, or '1', '2', ... without one. Empty for an empty file. */
  columns: string[];
  /** Offset of the first data byte (after the BOM and header). */
  dataStart: number;
  /** LF bytes before `dataStart`: turns data-relative line counts into file lines. */
  headerLines: number;
}

const BOM = [0xef, 0xbb, 0xbf];
/** Header reads start at 64 KiB and double: one read for any ordinary header. */
const FIRST_READ = 64 << 10;
/** Column slots for the header: any real header fits. */
const MAX_COLUMNS = 1 << 16;

export async function inspectInput(path: string, dialect: Dialect, header: boolean, maxRecordSize: number): Promise<InputLayout> {
  const info = await statInput(path);
  const handle = await open(path, 'r').catch((e: unknown) => {
    throw fileError(e, path);
  });
  try {
    let buf = Buffer.alloc(Math.min(FIRST_READ, info.size));
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      const valid = bytesRead;
      const bom = valid >= 3 && BOM.every((b, i) => buf[i] === b) ? 3 : 0;
      const first = readFirstRecord(buf, bom, valid, valid >= info.size, dialect, path);
      if (first !== 'need-more') {
        const layout = { size: info.size, mtimeMs: info.mtimeMs };
        if (first === null) return { ...layout, columns: [], dataStart: info.size, headerLines: 0 };
        if (!header) return { ...layout, columns: first.fields.map((_, i) => String(i + 1)), dataStart: bom, headerLines: 0 };
        return { ...layout, columns: first.fields, dataStart: first.next, headerLines: first.lines };
      }
      if (buf.length >= maxRecordSize || buf.length >= info.size) {
        throw new ChunkmillError({
          code: 'ERR_CSV_RECORD_TOO_LARGE',
          file: path,
          line: 1,
          message: `The first record is longer than ${buf.length} bytes`,
          hint: 'usually an unclosed quote in the header or a file that is not CSV',
        });
      }
      buf = Buffer.alloc(Math.min(buf.length * 2, info.size, maxRecordSize));
    }
  } finally {
    await handle.close();
  }
}

async function statInput(path: string) {
  const info = await stat(path).catch((e: unknown) => {
    throw fileError(e, path);
  });
  if (!info.isFile()) {
    throw new ChunkmillError({ code: 'ERR_NOT_A_FILE', file: path, message: `${path} is ${info.isDirectory() ? 'a directory' : 'not a regular file'}, not a CSV file` });
  }
  return info;
}

export function fileError(e: unknown, path: string): ChunkmillError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new ChunkmillError({ code: 'ERR_FILE_NOT_FOUND', file: path, message: `No such file: ${path}` }, { cause: e });
  if (code === 'EISDIR') return new ChunkmillError({ code: 'ERR_NOT_A_FILE', file: path, message: `${path} is a directory, not a CSV file` }, { cause: e });
  return new ChunkmillError({ code: 'ERR_FILE_UNREADABLE', file: path, message: `Cannot read ${path}: ${(e as Error).message}` }, { cause: e });
}

/** Captures the first record's fields as text, then stops at the second record. */
class FirstRecordSink implements RecordSink {
  fields: string[] | null = null;
  constructor(private readonly quote: string) {}
  record(buf: Buffer, slots: FieldSlots, fieldCount: number): boolean {
    if (this.fields !== null) return false;
    const n = Math.min(fieldCount, slots.capacity);
    this.fields = Array.from({ length: n }, (_, i) => decodeField(buf, slots.starts[i]!, slots.ends[i]!, slots.quoted[i]!, this.quote));
    return true;
  }
}

/** The first record in buf[from, valid): its fields, where the next record starts, LFs before it. */
function readFirstRecord(buf: Buffer, from: number, valid: number, eof: boolean, dialect: Dialect, file: string) {
  const sink = new FirstRecordSink(String.fromCharCode(dialect.quote));
  const result = scanRecords(buf, from, valid, Infinity, eof, dialect, classTable(dialect), new FieldSlots(MAX_COLUMNS), sink, new ScanResult());
  if (sink.fields === null) {
    if (result.status === ScanStatus.NeedMore) return 'need-more';
    if (result.status === ScanStatus.Eof) return null; // empty, or blank lines only
    const unclosed = result.status === ScanStatus.UnclosedQuote;
    // The line of the faulty byte itself: a quoted header field may span lines.
    const at = { file, line: 1 + result.errorLines + countLines(buf, result.pos, result.errorAt), byteOffset: result.errorAt };
    const what = unclosed
      ? 'The first record has a quoted field that is never closed'
      : `Unexpected ${JSON.stringify(String.fromCharCode(buf[result.errorAt]!))} after a closing quote in the first record`;
    throw new ChunkmillError({ code: unclosed ? 'ERR_CSV_UNCLOSED_QUOTE' : 'ERR_CSV_INVALID_CLOSING_QUOTE', ...at, message: what + describeLocation(at) });
  }
  // Whatever stopped the scan (the second record, or the end), it stopped at a record start.
  return { fields: sink.fields, next: result.pos, lines: result.lines };
}
