/**
 * Rows to a Parquet file, a row group at a time, with hyparquet-writer (pure JavaScript, no
 * WebAssembly blob, maintained by Hyperparam, SNAPPY pages by default). Its ParquetWriter takes
 * one row group per write() and calls the byte writer's flush() after each: the bytes of that
 * row group go to the destination stream there, and the buffer starts again from its beginning.
 * Memory is so bounded by one row group (its values as JavaScript values, and its encoded bytes),
 * whatever the size of the input; the footer (the row groups' metadata) comes at the end.
 *
 * The input is the TSV that convert's select transform writes (a header line, then one line per
 * row, every value its field text, in the columns' order), in input order: row groups are written
 * in input order. TSV rather than NDJSON: split on tabs, where JSON.parse of an object per row
 * was a third of the main thread's time in a profile. Each column has
 * a type decided before the first row (kinds of the whole input, from a first pass):
 *
 *   int64      BIGINT, each value by BigInt (exact to 2^63 - 1)
 *   double     DOUBLE, each value by Number (the double nearest the text)
 *   timestamp  TIMESTAMP (microseconds, not adjusted to UTC), for `YYYY-MM-DD[T ]HH:MM:SS[.ffffff]`
 *   date       DATE (days since 1970), for `YYYY-MM-DD`, as DuckDB's read_csv types such a column
 *   string     VARCHAR (UTF-8)
 *
 * An empty field is NULL in every type, as DuckDB's read_csv reads it. A timestamp or date column
 * is decided from its least and greatest values alone; a value in it that is not one sets
 * `demoted` and fails the write: the caller writes the file again with that column as a string
 * (never a wrong value, at the cost of a second write in that rare case).
 */
import { StringDecoder } from 'node:string_decoder';
import { Writable } from 'node:stream';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { ChunkmillError } from '../index.js';

export type ParquetType = 'int64' | 'double' | 'timestamp' | 'date' | 'string';

/** DuckDB's row group size: 122,880 rows (its default for COPY ... (FORMAT parquet)). */
export const ROW_GROUP_ROWS = 122_880;

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/** Microseconds since 1970 of an ISO timestamp without a zone, or null if `text` is not one. */
export function timestampMicros(text: string): bigint | null {
  const m = TIMESTAMP.exec(text);
  if (m === null) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (y < 100 || h > 23 || mi > 59 || s > 59) return null; // Date.UTC reads years below 100 as 19xx
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const date = new Date(ms);
  // 2023-02-30 would roll over to March: not a date.
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return BigInt(ms) * 1000n + BigInt((m[7] ?? '').padEnd(6, '0'));
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Days since 1970 of an ISO date, or null if `text` is not one. */
export function dateDays(text: string): number | null {
  const m = DATE.exec(text);
  if (m === null) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 100) return null; // Date.UTC reads years below 100 as 19xx
  const ms = Date.UTC(y, mo - 1, d);
  const date = new Date(ms);
  // 2023-02-30 would roll over to March: not a date.
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return ms / DAY_MS;
}

/**
 * Dates and timestamps repeat (a day's orders, an hour's events): each column keeps the values of
 * the texts it converted last, up to CACHE_SIZE, so a repeated one costs a Map lookup (the parse
 * took a third of the write's time in a profile of the sales file).
 */
const CACHE_SIZE = 4096;

const SCHEMA_TYPE: Record<ParquetType, object> = {
  int64: { type: 'INT64' },
  double: { type: 'DOUBLE' },
  timestamp: { type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' } },
  date: { type: 'INT32', converted_type: 'DATE' },
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
};

export interface ParquetColumn {
  name: string;
  type: ParquetType;
}

/** A writable stream of NDJSON rows that writes them to `out` as Parquet. */
export class ParquetRows extends Writable {
  rows = 0;
  /** A timestamp column that met a value that is not one (then the write failed). */
  demoted: string | null = null;
  private readonly bytes = new ByteWriter(1 << 20);
  private readonly writer: ParquetWriter;
  private readonly values: unknown[][];
  private readonly caches: Map<string, bigint | number | null>[];
  private rest = '';
  private readonly decoder = new StringDecoder('utf8');
  private header = true;

  constructor(
    private readonly columns: readonly ParquetColumn[],
    private readonly out: NodeJS.WritableStream,
    /** The decimal option: with ',' a DOUBLE's text is `1,5` (stats took it for a number). */
    private readonly decimal: '.' | ',' = '.',
    private readonly rowGroupRows = ROW_GROUP_ROWS,
  ) {
    super({ highWaterMark: 4 << 20 });
    this.values = columns.map(() => []);
    this.caches = columns.map(() => new Map());
    const schema = [
      { name: 'root', num_children: columns.length },
      ...columns.map((c) => ({ name: c.name, repetition_type: 'OPTIONAL', ...SCHEMA_TYPE[c.type] })),
    ];
    // hyparquet-writer calls flush() after each row group (its Writer interface; ByteWriter has none).
    (this.bytes as { flush?: () => void }).flush = () => this.flushBytes();
    this.writer = new ParquetWriter({ writer: this.bytes, schema: schema as never, createdBy: 'chunkmill' });
  }

  override _write(chunk: Buffer, _encoding: string, done: (e?: Error | null) => void): void {
    try {
      this.lines(this.rest + this.decoder.write(chunk));
    } catch (e) {
      done(e as Error);
      return;
    }
    this.drained(done);
  }

  /**
   * The TSV lines of `text` (tsvLine's format: a field is quoted only when it holds a tab, a quote
   * or a line break): a line without a quote is split on tabs, one with a quote is read field by
   * field (splitTsv); an unfinished last line waits in `rest` for the next write.
   */
  private lines(text: string): void {
    let pos = 0;
    for (;;) {
      const nl = text.indexOf('\n', pos);
      if (nl < 0) break;
      const q = text.indexOf('"', pos);
      let fields: string[];
      if (q < 0 || q > nl) {
        fields = text.slice(pos, nl).split('\t');
        pos = nl + 1;
      } else {
        const read = splitTsv(text, pos);
        if (read === null) break;
        [fields, pos] = read;
      }
      if (this.header)
        this.header = false; // the select transform's header line: the columns
      else this.add(fields);
    }
    this.rest = text.slice(pos);
  }

  override _final(done: (e?: Error | null) => void): void {
    try {
      this.lines(this.rest + this.decoder.end());
      if (this.rest !== '') throw new Error(`the rows end inside a record: ${JSON.stringify(this.rest.slice(0, 40))}`);
      if (this.values[0]!.length > 0 || this.rows === 0) this.writeGroup();
      this.writer.finish();
      this.flushBytes();
    } catch (e) {
      done(e as Error);
      return;
    }
    this.drained(done);
  }

  private add(row: readonly string[]): void {
    const { columns, values } = this;
    for (let i = 0; i < columns.length; i++) {
      const { name, type } = columns[i]!;
      values[i]!.push(this.value(row[i] ?? '', type, name, i));
    }
    this.rows++;
    if (values[0]!.length >= this.rowGroupRows) this.writeGroup();
  }

  private value(text: string, type: ParquetType, name: string, column: number): unknown {
    if (text === '') return null;
    if (type === 'string') return text;
    if (type === 'double') return Number(this.decimal === ',' ? text.replace(',', '.') : text);
    if (type === 'int64') return BigInt(text);
    const cache = this.caches[column]!;
    let value = cache.get(text);
    if (value === undefined) {
      value = type === 'date' ? dateDays(text) : timestampMicros(text);
      if (cache.size >= CACHE_SIZE) cache.clear();
      cache.set(text, value);
    }
    if (value !== null) return value;
    this.demoted = name;
    throw new ChunkmillError({
      code: 'ERR_OUTPUT',
      message: `Column ${JSON.stringify(name)} was taken for ${type}s, but holds ${JSON.stringify(text)}`,
    });
  }

  /** One row group of the values held; they are let go once it is encoded. */
  private writeGroup(): void {
    const columnData = this.columns.map((c, i) => ({ name: c.name, data: this.values[i]! }));
    void this.writer.write({ columnData, rowGroupSize: Math.max(this.values[0]!.length, 1) });
    for (const v of this.values) v.length = 0;
  }

  /** The encoded bytes so far to `out`; the buffer is then reused from its start. */
  private flushBytes(): void {
    const { bytes } = this;
    if (bytes.index === 0) return;
    this.out.write(Buffer.from(bytes.buffer.slice(0, bytes.index)));
    bytes.index = 0;
  }

  /** `done` once `out` has room again: the job's output waits (and its workers with it) meanwhile. */
  private drained(done: () => void): void {
    const out = this.out as Writable;
    if (out.writableNeedDrain) out.once('drain', () => done());
    else done();
  }
}

/**
 * One TSV record from `pos` whose fields may be quoted (doubled quotes inside, tabs and line
 * breaks kept): its fields and where the next record starts, or null if it does not end in `text`.
 */
function splitTsv(text: string, pos: number): [string[], number] | null {
  const fields: string[] = [];
  let i = pos;
  for (;;) {
    let value: string;
    if (text.charCodeAt(i) === 0x22) {
      value = '';
      let j = i + 1;
      for (;;) {
        const close = text.indexOf('"', j);
        if (close < 0) return null;
        value += text.slice(j, close);
        if (text.charCodeAt(close + 1) === 0x22) {
          value += '"';
          j = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
    } else {
      let end = i;
      while (end < text.length && text.charCodeAt(end) !== 0x09 && text.charCodeAt(end) !== 0x0a) end++;
      value = text.slice(i, end);
      i = end;
    }
    fields.push(value);
    if (i >= text.length) return null;
    if (text.charCodeAt(i) === 0x0a) return [fields, i + 1];
    i++; // the tab
  }
}
