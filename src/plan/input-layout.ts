/**
 * What the coordinator learns about an input before planning: size and identity, the UTF-8 BOM,
 * the header's column names and where the data starts. It reads only the first record, with
 * async I/O, so the main thread stays free; the data itself is read by workers.
 *
 * Bad input found here, before any work starts (docs/failure-behaviour.md):
 * - binary data (a NUL byte in the first 64 KiB, or a gzip/zip signature): ERR_NOT_CSV;
 * - a header that is not UTF-8 (without the encoding option): ERR_CSV_INVALID_UTF8;
 * - empty or repeated column names are renamed as DuckDB renames them (csv/header-names.ts),
 *   or refused with ERR_CSV_HEADER under headerNames: 'error' (checked in openComputation).
 */
import type { Confinement } from '../api/confinement.js';
import { decodeFieldAs, type TextEncoding } from '../csv/encoding.js';
import { describeBadBytes, INVALID_UTF8_HINT, InvalidUtf8Error } from '../csv/fields.js';
import { headerNames } from '../csv/header-names.js';
import {
  classTable,
  countLines,
  FieldSlots,
  ScanResult,
  ScanStatus,
  scanRecords,
  type Dialect,
  type RecordSink,
} from '../csv/scanner.js';
import { ChunkmillError, describeLocation } from '../errors.js';
import { openHead } from './source-head.js';
import type { S3Settings } from '../api/s3-settings.js';
import type { DatasetSource } from '../input/dataset-source.js';

export interface InputLayout {
  size: number;
  mtimeMs: number;
  /** The file's identity on this host (for a confined job's workers: open-input.ts). */
  dev: number;
  ino: number;
  /** Column names: the header's, or '1', '2', ... without one. Empty for an empty file. */
  columns: string[];
  /** Offset of the first data byte (after the BOM and header). */
  dataStart: number;
  /** LF bytes before `dataStart`: turns data-relative line counts into file lines. */
  headerLines: number;
  /**
   * When the first record is one field that holds another likely delimiter (`a;b;c` read with
   * ','): that delimiter. A real one-column file is no error; this only explains a column that
   * is not found (withDelimiterHint).
   */
  likelyDelimiter?: string;
}

const BOM = [0xef, 0xbb, 0xbf];
/** Header reads start at 64 KiB and double: one read for any ordinary header. */
const FIRST_READ = 64 << 10;
/** Column slots for the header: any real header fits. */
const MAX_COLUMNS = 1 << 16;
/** Reused (readFirstRecord is synchronous): 576 KiB new per source cost a 100-file plan its GCs. */
let headerSlots: FieldSlots | null = null;
/**
 * Binary sniffing looks at the first read only (64 KiB, or the whole file if smaller): once per
 * job on the coordinator, nothing on the hot path. CSV text never holds a NUL byte; binary data
 * (and UTF-16 text) nearly always does within a few bytes. A NUL further in is data.
 */
const SNIFF_BYTES = FIRST_READ;
/** Other delimiters a one-column header may reveal, most common first. */
const LIKELY_DELIMITERS = [',', ';', '\t', '|'];

export async function inspectInput(
  source: DatasetSource,
  dialect: Dialect,
  header: boolean,
  maxRecordSize: number,
  confinement?: Confinement,
  s3?: S3Settings,
): Promise<InputLayout> {
  const path = source.name;
  const { info, head } = await openHead(source, confinement, s3);
  try {
    let buf = Buffer.alloc(Math.min(FIRST_READ, info.size));
    for (let sniffed = false; ; sniffed = true) {
      const valid = await head.read(buf, buf.length);
      if (!sniffed) sniffBinary(buf, Math.min(valid, SNIFF_BYTES), path);
      const bom = valid >= 3 && BOM.every((b, i) => buf[i] === b) ? 3 : 0;
      const first = readFirstRecord(buf, bom, valid, valid >= info.size, dialect, path, header);
      if (first !== 'need-more') {
        const layout = { size: info.size, mtimeMs: info.mtimeMs, dev: info.dev, ino: info.ino };
        if (first === null) return { ...layout, columns: [], dataStart: info.size, headerLines: 0 };
        const likely =
          first.count === 1
            ? likelyDelimiter(buf.toString('utf8', first.starts[0]!, first.ends[0]!), dialect)
            : undefined;
        const extra = likely !== undefined ? { likelyDelimiter: likely } : {};
        if (!header)
          return {
            ...layout,
            columns: Array.from({ length: first.count }, (_, i) => String(i + 1)),
            dataStart: bom,
            headerLines: 0,
            ...extra,
          };
        const columns = headerNames(first.fields, path, (i) => ({
          line: lineAt(buf, first.starts[i]!),
          byteOffset: first.starts[i]!,
        }));
        return { ...layout, columns, dataStart: first.next, headerLines: first.lines, ...extra };
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
    await head.close();
  }
}

/**
 * Captures the first record: its field count and positions, and (for a header) its fields as
 * text; then stops at the second record. Positions are file offsets: the header buffer is read
 * from byte 0.
 */
class FirstRecordSink implements RecordSink {
  count = -1;
  fields: string[] = [];
  starts: number[] = [];
  ends: number[] = [];
  /** A header field that is not UTF-8: the field's index and the bad byte. */
  badUtf8: { index: number; at: number } | null = null;
  constructor(
    private readonly quote: string,
    private readonly decode: boolean,
    private readonly encoding: TextEncoding = 'utf8',
  ) {}
  record(buf: Buffer, slots: FieldSlots, fieldCount: number): boolean {
    if (this.count >= 0) return false;
    const n = Math.min(fieldCount, slots.capacity);
    this.count = n;
    this.starts = Array.from(slots.starts.subarray(0, n));
    this.ends = Array.from(slots.ends.subarray(0, n));
    if (!this.decode) return true;
    for (let i = 0; i < n; i++) {
      try {
        const [s, e, q] = [slots.starts[i]!, slots.ends[i]!, slots.quoted[i]!];
        this.fields.push(decodeFieldAs(this.encoding, buf, s, e, q, this.quote));
      } catch (e) {
        if (!(e instanceof InvalidUtf8Error)) throw e;
        this.badUtf8 = { index: i, at: e.at };
        return false;
      }
    }
    return true;
  }
}

interface FirstRecord {
  /** Fields in the first record. */
  count: number;
  /** Their text (only when it is a header). */
  fields: string[];
  /** Content offsets of each field in the file. */
  starts: number[];
  ends: number[];
  /** Where the next record starts. */
  next: number;
  /** LF bytes before `next`. */
  lines: number;
}

/** The first record in buf[from, valid): its fields, where the next record starts, LFs before it. */
function readFirstRecord(
  buf: Buffer,
  from: number,
  valid: number,
  eof: boolean,
  dialect: Dialect,
  file: string,
  header: boolean,
): FirstRecord | 'need-more' | null {
  const sink = new FirstRecordSink(String.fromCharCode(dialect.quote), header, dialect.encoding);
  headerSlots ??= new FieldSlots(MAX_COLUMNS);
  const result = scanRecords(
    buf,
    from,
    valid,
    Infinity,
    eof,
    dialect,
    classTable(dialect),
    headerSlots,
    sink,
    new ScanResult(),
  );
  if (sink.badUtf8 !== null) {
    const { index, at } = sink.badUtf8;
    const where = { file, line: lineAt(buf, at), columnIndex: index + 1, byteOffset: at };
    throw new ChunkmillError({
      code: 'ERR_CSV_INVALID_UTF8',
      ...where,
      message: `Invalid UTF-8 (${describeBadBytes(buf, at, sink.ends[index]!)}) in column ${index + 1} of the header${describeLocation(where)}`,
      hint: INVALID_UTF8_HINT,
    });
  }
  if (sink.count < 0) {
    if (result.status === ScanStatus.NeedMore) return 'need-more';
    if (result.status === ScanStatus.Eof) return null; // empty, or blank lines only
    const unclosed = result.status === ScanStatus.UnclosedQuote;
    // The line of the faulty byte itself: a quoted header field may span lines.
    const at = {
      file,
      line: 1 + result.errorLines + countLines(buf, result.pos, result.errorAt),
      byteOffset: result.errorAt,
    };
    const what = unclosed
      ? 'The first record has a quoted field that is never closed'
      : `Unexpected ${JSON.stringify(String.fromCharCode(buf[result.errorAt]!))} after a closing quote in the first record`;
    // A JSON object per line read as CSV fails right here: say what it probably is.
    const json =
      buf[from] === 0x7b /* { */
        ? { hint: 'this looks like NDJSON: name the file *.ndjson or pass format: "ndjson"' }
        : {};
    throw new ChunkmillError({
      code: unclosed ? 'ERR_CSV_UNCLOSED_QUOTE' : 'ERR_CSV_INVALID_CLOSING_QUOTE',
      ...at,
      message: what + describeLocation(at),
      ...json,
    });
  }
  // Whatever stopped the scan (the second record, or the end), it stopped at a record start.
  return {
    count: sink.count,
    fields: sink.fields,
    starts: sink.starts,
    ends: sink.ends,
    next: result.pos,
    lines: result.lines,
  };
}

/** 1-based line of a byte of the header buffer (which starts at file offset 0). */
function lineAt(buf: Uint8Array, at: number): number {
  return 1 + countLines(buf, 0, at);
}

/**
 * Refuses input that is plainly not CSV text, from its first bytes: a compressed archive by its
 * signature, anything else binary (or UTF-16) by a NUL byte.
 */
function sniffBinary(buf: Buffer, length: number, file: string): void {
  const notCsv = (byteOffset: number, what: string, hint: string): never => {
    const where = { file, line: lineAt(buf, byteOffset), byteOffset };
    throw new ChunkmillError({
      code: 'ERR_NOT_CSV',
      ...where,
      message: `This does not look like CSV text: ${what}${describeLocation(where)}`,
      hint,
    });
  };
  if (length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b)
    notCsv(0, 'it starts with the gzip signature', 'name it *.gz or pass gzip: true to read it decompressed');
  if (length >= 4 && buf.readUInt32BE(0) === 0x504b0304)
    notCsv(0, 'it starts with the zip signature', 'extract the CSV file from the archive first');
  const nul = buf.subarray(0, length).indexOf(0);
  if (nul < 0) return;
  // UTF-16 with a BOM reaches here only in a dataset or from an object (one file is read by its
  // BOM: input/utf16.ts); without one, ASCII text has a NUL in every other byte.
  const bom = length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff));
  const pairs = Math.min(length, 64) >> 1;
  const nulAt = [0, 0];
  for (let i = 0; i < pairs * 2; i++) if (buf[i] === 0) nulAt[i & 1]!++;
  const half = nulAt[1]! >= pairs * 0.75 ? 'utf-16le' : nulAt[0]! >= pairs * 0.75 ? 'utf-16be' : null;
  if (bom || half !== null)
    notCsv(
      nul,
      bom
        ? 'it is UTF-16 text (a UTF-16 byte order mark, and NUL bytes)'
        : `it looks like ${half!.toUpperCase()} text without a byte order mark`,
      bom
        ? 'one UTF-16 file is read by its byte order mark; for several, convert them to UTF-8 (iconv -f utf-16 -t utf-8)'
        : `read it with encoding: "${half}"`,
    );
  notCsv(
    nul,
    `a NUL byte at byte ${nul} (binary data?)`,
    'chunkmill reads UTF-8 CSV text; a NUL byte never occurs in it',
  );
}

/**
 * For a first record read as one field: the other delimiter it most likely uses (the most
 * frequent of , ; tab | in it, other than the configured one), or undefined.
 */
export function likelyDelimiter(text: string, dialect: Dialect): string | undefined {
  let best: string | undefined;
  let most = 0;
  for (const d of LIKELY_DELIMITERS) {
    if (d.charCodeAt(0) === dialect.delimiter) continue;
    const n = text.split(d).length - 1;
    if (n > most) {
      best = d;
      most = n;
    }
  }
  return best;
}

/**
 * Adds the likely delimiter to an ERR_UNKNOWN_COLUMN error (what reading a ';' file with ','
 * gives), in its message and hint; any other error is returned as it is.
 */
export function withDelimiterHint(error: unknown, layout: Pick<InputLayout, 'likelyDelimiter'>): unknown {
  const d = layout.likelyDelimiter;
  if (!(error instanceof ChunkmillError) || error.code !== 'ERR_UNKNOWN_COLUMN' || d === undefined) return error;
  const shown = JSON.stringify(d);
  return new ChunkmillError(
    {
      ...error.toData(),
      message: `${error.message}. The header was read as one column: is the delimiter ${shown}?`,
      hint: `csv: { delimiter: ${shown} } reads the file with ${shown}`,
    },
    { cause: error },
  );
}
