/**
 * Where results go (stdout or --output) and how a table of result rows is written in each format.
 * Rows are arrays in `columns` order, never objects: an object would reorder integer-like keys
 * ('2' before '1'), and group columns of a headerless file are named '1', '2', ...
 */
import type { WriteStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { ChunkmillError } from '../../index.js';
import { isObjectUrl, openObjectSink } from '../../internal.js';
import type { Format } from '../flags.js';
import type { Cell, TableLayout } from './table.js';

export type { Cell } from './table.js';

export interface Sink {
  stream: Writable;
  /** Flushes everything written (and closes an --output file). */
  close(): Promise<void>;
  /** After a failure: closes and removes an --output file, so no half-written result is left. */
  discard(): Promise<void>;
}

/**
 * Opens --output, runs `write` with its stream, and closes it; if `write` fails, the file is
 * removed (a failed run leaves no half-written output) and the error goes on.
 */
export async function withOutput(path: string | undefined, write: (stream: Writable) => Promise<void>): Promise<void> {
  const sink = await openSink(path);
  try {
    await write(sink.stream);
    await sink.close();
  } catch (e) {
    await sink.discard();
    throw e;
  }
}

/**
 * Opens --output before the job starts, so a path that cannot be written fails at once (exit 1)
 * rather than after minutes of work.
 */
async function openSink(path: string | undefined): Promise<Sink> {
  if (path === undefined) {
    const stdout = process.stdout;
    return {
      stream: stdout,
      // stdout cannot be ended; an empty write's callback runs once everything before it is flushed.
      close: () => new Promise<void>((resolve) => stdout.write('', () => resolve())),
      discard: async () => {},
    };
  }
  if (isObjectUrl(path)) return objectSink(path);
  let stream: WriteStream;
  try {
    // The stream owns the handle (and closes it); a bare fd would be closed when the handle is collected.
    stream = (await open(path, 'w')).createWriteStream();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ChunkmillError({
      code: 'ERR_OUTPUT',
      message: `cannot write --output ${path}: ${err.code ?? err.message}`,
    });
  }
  stream.on('error', () => {}); // surfaced by close() through finished()
  return {
    stream,
    close: () => ended(stream),
    discard: async () => {
      stream.destroy();
      await unlink(path).catch(() => {});
    },
  };
}

/** Ends an --output stream and waits until all of it is written (or its error). */
async function ended(stream: Writable): Promise<void> {
  if (!stream.writableEnded) stream.end();
  await finished(stream);
}

/**
 * `-o s3://bucket/key`: a streamed multipart upload in bounded memory (parts of 8 MiB, two in
 * flight). The object appears only when the upload completes; a failure or Ctrl-C aborts it, so
 * no object, not even part of one, is left (remote/object-upload.ts).
 */
function objectSink(url: string): Sink {
  return openObjectSink(url);
}

/**
 * Writes one complete result in `format`; returns when it is all in the stream. `skipped`: the
 * counts of a job run with a skip policy (skippedCounts), which JSON then carries beside the rows.
 */
export async function writeRows(
  out: Writable,
  format: Format,
  columns: readonly string[],
  rows: readonly Cell[][],
  layout: TableLayout & { skipped?: SkippedCounts | undefined } = {},
): Promise<void> {
  switch (format) {
    case 'table':
      // The table (and string-width, ~40 ms to load) only for a terminal or --format table.
      return write(out, (await import('./table.js')).renderTable(columns, rows, layout));
    case 'json':
      if (layout.skipped !== undefined) return write(out, jsonWithSkipped(columns, rows, layout.skipped));
      // One object per line inside the array: valid JSON that is still readable and diffable.
      return write(
        out,
        rows.length === 0 ? '[]\n' : '[\n' + rows.map((r) => jsonRow(toObject(columns, r))).join(',\n') + '\n]\n',
      );
    case 'ndjson':
      return write(out, rows.map((r) => jsonRow(toObject(columns, r)) + '\n').join(''));
    case 'csv':
      return writeCsv(out, columns, rows);
  }
}

/** What a job run with --on-bad-row skip|report or --on-bad-number skip left out (WARN_ROWS_SKIPPED, WARN_VALUES_SKIPPED). */
export interface SkippedCounts {
  rows_skipped: number;
  values_skipped: number;
}

/**
 * The counts to carry in the JSON result, or undefined: only when a skip policy was asked for,
 * so the shape of the JSON depends on the flags given, never on the data (a run without them
 * keeps the plain array it always had; one with them always gets the object, zeros included).
 */
export function skippedCounts(
  o: { onBadRow?: string | undefined; onBadNumber?: string | undefined },
  stats: { rowsRejected: number; valuesSkipped: number },
): SkippedCounts | undefined {
  if (o.onBadRow !== 'skip' && o.onBadRow !== 'report' && o.onBadNumber !== 'skip') return undefined;
  return { rows_skipped: stats.rowsRejected, values_skipped: stats.valuesSkipped };
}

/** `{"rows": [...], "rows_skipped": n, "values_skipped": m}`, one row per line as in the plain array. */
function jsonWithSkipped(columns: readonly string[], rows: readonly Cell[][], skipped: SkippedCounts): string {
  const list = rows.length === 0 ? '[]' : '[\n' + rows.map((r) => jsonRow(toObject(columns, r))).join(',\n') + '\n]';
  return `{"rows": ${list},\n"rows_skipped": ${skipped.rows_skipped}, "values_skipped": ${skipped.values_skipped}}\n`;
}

function toObject(columns: readonly string[], row: readonly Cell[]): Record<string, Cell> {
  const o: Record<string, Cell> = {};
  columns.forEach((c, i) => {
    o[c] = row[i] ?? null;
  });
  return o;
}

/**
 * JSON.stringify(row), except that a bigint (an exact integer beyond 2^53) is written as a JSON
 * number with all its digits, where JSON.stringify throws: a reader that parses big numbers
 * exactly (jq 1.7, Python, DuckDB) gets the value in the file.
 */
function jsonRow(row: Record<string, Cell>): string {
  const keys = Object.keys(row);
  if (!keys.some((k) => typeof row[k] === 'bigint')) return JSON.stringify(row);
  const value = (v: Cell) => (typeof v === 'bigint' ? v.toString() : JSON.stringify(v));
  return `{${keys.map((k) => `${JSON.stringify(k)}:${value(row[k]!)}`).join(',')}}`;
}

/** Rows per CSV write: each batch is one string, so memory stays bounded for a million groups. */
const CSV_BATCH = 10_000;

/**
 * RFC 4180 via @fast-csv/format: a field is quoted when it holds a comma, a quote or a line break.
 * Formatted to strings in batches and written with a callback each, rather than piped: a pipe
 * into a stream that fails (a reader that left) would wait for a drain that never comes.
 */
async function writeCsv(out: Writable, columns: readonly string[], rows: readonly Cell[][]): Promise<void> {
  const { writeToString } = await import('@fast-csv/format'); // loaded by CSV output alone
  await write(out, await writeToString([[...columns]], { includeEndRowDelimiter: true }));
  for (let i = 0; i < rows.length; i += CSV_BATCH) {
    const batch = rows.slice(i, i + CSV_BATCH).map((r) => r.map(csvText));
    await write(out, await writeToString(batch, { includeEndRowDelimiter: true }));
  }
}

function csvText(v: Cell | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

/** Resolves once `text` is handed to the stream; rejects with the stream's error (EPIPE, ENOSPC). */
export function write(out: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => out.write(text, (e) => (e ? reject(e) : resolve())));
}
