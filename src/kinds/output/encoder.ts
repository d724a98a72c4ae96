/**
 * Encoding a chunk's output rows, in the worker, into the bytes the coordinator writes as they
 * are: CSV lines, NDJSON lines, or JSON array items (each preceded by ",\n"; the coordinator drops
 * the very first separator and adds the brackets).
 *
 * CSV fields follow @fast-csv/format's FieldFormatter (its quoting and escaping rules, exactly):
 * rows of strings, numbers, booleans and empty values are written as bytes by csv-line.ts, others
 * by the FieldFormatter called directly (its stream API, writeToBuffer, measured 15 MB/s on this
 * machine, the FieldFormatter alone 33 MB/s, 100k rows x 5 fields). The package has no exports map, and
 * the lockfile pins the version; test/kinds/transform-csv-format.test.ts checks the bytes against
 * fast-csv's own writeToBuffer so a change there cannot go unnoticed.
 */
import { createRequire } from 'node:module';
import type { FormatterOptions } from '@fast-csv/format';
import type { OutputRow } from '../../api/tasks.js';
import { ChunkmillError } from '../../errors.js';
import type { FieldSlots } from '../../csv/scanner.js';
import { moduleFor, wasmScan } from '../../csv/wasm-scan.js';
import { csvLineBound, tsvLine, writeCsvLine } from './csv-line.js';
import { JsonRowWriter } from './json-row.js';
import { claim } from './output-buffers.js';
import { recordBound, writeCsvRecord, writeJsonRecord, type RecordPlan } from './record-bytes.js';
import { writeTsvRecord } from './tsv-record.js';

export type OutputFormat = 'csv' | 'tsv' | 'ndjson' | 'json';

interface FieldFormatter {
  format(field: unknown, fieldIndex: number, isHeader: boolean): string;
}
const require = createRequire(import.meta.url);
/**
 * One formatter for every chunk (it holds only the options), loaded on first use: most lines are
 * written by csv-line.ts, and loading @fast-csv/format cost every worker thread's start ~8-15 ms
 * though only a CSV output with values of other types calls it. The package is CommonJS, so a
 * require() loads it synchronously in any thread.
 */
let fieldFormatter: FieldFormatter | null = null;
function csvFields(): FieldFormatter {
  if (fieldFormatter !== null) return fieldFormatter;
  const { FieldFormatter } = require('@fast-csv/format/build/src/formatter/FieldFormatter.js') as {
    FieldFormatter: new (options: FormatterOptions<never, never>) => FieldFormatter;
  };
  const { FormatterOptions } = require('@fast-csv/format') as {
    FormatterOptions: new (options: object) => FormatterOptions<never, never>;
  };
  fieldFormatter = new FieldFormatter(new FormatterOptions({}));
  return fieldFormatter;
}

/** One CSV line (with its "\n") from values, quoted where fast-csv quotes them. */
export function csvLine(values: readonly unknown[], isHeader = false): string {
  const formatter = csvFields();
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += ',';
    line += formatter.format(values[i], i, isHeader);
  }
  return line + '\n';
}

/**
 * Encoded rows go straight into bytes: a chunk's row strings held until the end outlive the young
 * generation, and GC then takes more time than the encoding (profile of a 10 MB NDJSON transform
 * holding them: 1.2 s of GC in 2.2 s). The buffer is one per thread, reused by each chunk in turn
 * (a thread encodes one chunk at a time): a new one per chunk is garbage that V8 frees only when
 * the thread next collects, so RSS would rise with the input.
 */
let scratch = Buffer.allocUnsafe(64 << 10);
/** See OutputEncoder.pending. */
const PENDING_LIMIT = 16 << 10;

export class OutputEncoder {
  rows = 0;
  /** Undeclared CSV columns: the keys of the first object row (then every object must match). */
  keys: string[] | null = null;
  private length = 0;
  /** Bytes of records in the module's record writer's area, not yet copied after `length` (flushModule). */
  private moduleBytes = 0;
  private readonly json = new JsonRowWriter();

  constructor(
    private readonly format: OutputFormat,
    private readonly columns: readonly string[] | undefined,
  ) {}

  /** A transform's return value: nothing, one row, or an array of rows. */
  // biome-ignore lint/suspicious/noConfusingVoidType: what transform() returned, void included
  emit(out: OutputRow | OutputRow[] | null | undefined | void): void {
    if (out === null || out === undefined) return;
    if (Array.isArray(out) && (out.length === 0 || isRow(out[0]))) {
      for (const row of out as OutputRow[]) this.add(row);
    } else {
      this.add(out as OutputRow);
    }
  }

  private add(row: OutputRow): void {
    if (this.moduleBytes > 0) this.flushModule();
    if (!isRow(row))
      throw outputError(
        `transform() returned ${row === null ? 'null' : typeof row} inside an array; expected objects or arrays`,
      );
    this.rows++;
    if (this.format === 'tsv') {
      this.append(tsvLine(Array.isArray(row) ? Array.from(row) : this.valuesOf(row as Record<string, unknown>)));
      return;
    }
    if (this.format === 'csv') {
      // An array row's values are copied first, so that each is read once on either path.
      const values = Array.isArray(row) ? Array.from(row) : this.valuesOf(row as Record<string, unknown>);
      const bound = csvLineBound(values);
      if (bound < 0) {
        this.append(csvLine(values));
        return;
      }
      if (this.pending.length > 0) this.flush();
      if (this.length + bound > scratch.length) this.grow(this.length + bound);
      this.length = writeCsvLine(scratch, this.length, values);
      return;
    }
    const bound = this.json.prepare(row);
    if (bound >= 0) {
      if (this.pending.length > 0) this.flush();
      const need = this.length + bound + 2;
      if (need > scratch.length) this.grow(need);
      let n = this.length;
      if (this.format === 'json') {
        scratch[n++] = 0x2c; // ",\n": the coordinator drops the first one
        scratch[n++] = 0x0a;
      }
      n = this.json.write(scratch, n);
      if (this.format === 'ndjson') scratch[n++] = 0x0a;
      this.length = n;
      return;
    }
    let json: string;
    try {
      json = JSON.stringify(this.json.copy() ?? row);
    } catch (e) {
      throw outputError(`an output row cannot be written as JSON: ${(e as Error).message}`);
    }
    this.append(this.format === 'json' ? `,\n${json}` : `${json}\n`);
  }

  /**
   * One input record written from its bytes by `plan` (the built-in select's fast path). Returns
   * -1, or the input field whose bytes are not UTF-8 (then nothing is written).
   */
  addRecord(buf: Uint8Array, slots: FieldSlots, plan: RecordPlan): number {
    if (this.pending.length > 0) this.flush();
    if (plan.format !== 'tsv') {
      // A record of the thread's block that the module's record loop read: the module's record
      // writer writes it where it is (wasm/write-record.ts), into its own area, which is copied
      // out in one piece: as JSON, or as CSV where the record is its own CSV line.
      const wasm = moduleFor(buf, slots.capacity);
      if (wasm?.holdsSlots(slots) && wasm.useWriterPlan(plan)) {
        const csv = plan.format === 'csv';
        let end = csv ? wasm.writeCsvWhole(this.moduleBytes) : wasm.writeJson(this.moduleBytes);
        if (end === -2 && this.moduleBytes > 0) {
          this.flushModule();
          end = csv ? wasm.writeCsvWhole(0) : wasm.writeJson(0);
        }
        if (end >= 0) {
          this.moduleBytes = end;
          this.rows++;
          return -1;
        }
        // Not UTF-8 (the path below names the field), not its own CSV line, or larger than the area.
      }
    }
    if (this.moduleBytes > 0) this.flushModule();
    const need = this.length + recordBound(slots, plan);
    if (need > scratch.length) this.grow(need);
    const end =
      plan.format === 'csv'
        ? writeCsvRecord(scratch, this.length, buf, slots, plan)
        : plan.format === 'tsv'
          ? writeTsvRecord(scratch, this.length, buf, slots, plan)
          : writeJsonRecord(scratch, this.length, buf, slots, plan);
    if (end < 0) return plan.fields[-1 - end]!;
    this.length = end;
    this.rows++;
    return -1;
  }

  private grow(need: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(scratch.length * 2, need));
    scratch.copy(bigger, 0, 0, this.length);
    scratch = bigger;
  }

  private valuesOf(row: Record<string, unknown>): unknown[] {
    const columns = this.columns ?? this.keys;
    if (columns === null) {
      this.keys = Object.keys(row);
      return Object.values(row);
    }
    // The common case, keys that are the columns in their order: one native call for the values,
    // where a lookup per column is a megamorphic keyed load each.
    if (sameList(Object.keys(row), columns)) return Object.values(row);
    if (this.columns === undefined && !sameKeys(row, columns)) {
      throw outputError(
        `an output row has the keys ${JSON.stringify(Object.keys(row))}, but the first output row had ${JSON.stringify(columns)}`,
        'declare the CSV header with columns in defineTransform, or output.columns',
      );
    }
    return columns.map((c) => row[c]);
  }

  /**
   * Encoded rows are joined into one string of up to PENDING_LIMIT UTF-16 units before they are
   * written as UTF-8: one native write per ~16 KiB instead of one per row (the write call was
   * ~10% of a user transform's time in a profile).
   */
  private pending = '';

  private append(text: string): void {
    this.pending += text;
    if (this.pending.length >= PENDING_LIMIT) this.flush();
  }

  private flush(): void {
    const text = this.pending;
    this.pending = '';
    if (this.length + text.length * 3 > scratch.length) this.grow(this.length + text.length * 3);
    this.length += scratch.write(text, this.length);
  }

  /** The records the module's record writer holds, after the rest (one of the two is empty). */
  private flushModule(): void {
    const n = this.moduleBytes;
    if (this.length + n > scratch.length) this.grow(this.length + n);
    scratch.set(wasmScan()!.writerOutput(n), this.length);
    this.length += n;
    this.moduleBytes = 0;
  }

  /** The chunk's output, in a buffer of its own (output-buffers.ts): the reply moves it whole. */
  finish(): Uint8Array {
    if (this.moduleBytes > 0) this.flushModule();
    if (this.pending.length > 0) this.flush();
    const output = claim(this.length);
    scratch.copy(output, 0, 0, this.length);
    return output;
  }
}

function isRow(value: unknown): value is OutputRow {
  return value !== null && typeof value === 'object';
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The same key set (in any order): values are taken by name. */
function sameKeys(row: Record<string, unknown>, columns: readonly string[]): boolean {
  let n = 0;
  for (const key in row) {
    if (!Object.hasOwn(row, key)) continue;
    n++;
  }
  return n === columns.length && columns.every((c) => Object.hasOwn(row, c));
}

function outputError(message: string, hint?: string): ChunkmillError {
  return new ChunkmillError({ code: 'ERR_TRANSFORM_OUTPUT', message, ...(hint !== undefined ? { hint } : {}) });
}
