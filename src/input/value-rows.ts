/**
 * Records that are JavaScript values (NDJSON lines, in-memory arrays) fed to the same sinks as
 * CSV records. Each record's fields are written as text into a reused buffer with the scanner's
 * field slots, so the built-in aggregate, user tasks and transforms run unchanged and give the
 * same answers as for the equivalent CSV: null or a missing key is an empty field (NULL), a
 * number is its shortest text (which parses back to the same double), true/false are text,
 * nested objects are their JSON.
 */
import type { BadRowPolicy } from '../api/options.js';
import { countLines, FieldSlots } from '../csv/scanner.js';
import type { ErrorData } from '../errors.js';
import { slotsFor, type Reject } from '../kinds/bad-rows.js';
import type { ChunkSink } from '../kinds/sink.js';
import { takeReject, withRejects, type RangeOutcome } from './read-range.js';

const LF = 10;
const CR = 13;

export class ValueRecordAdapter {
  private scratch = Buffer.allocUnsafe(4096);
  private readonly slots: FieldSlots;

  constructor(
    private readonly columns: readonly string[],
    policy: BadRowPolicy = 'error',
  ) {
    this.slots = new FieldSlots(slotsFor(Math.max(1, columns.length), policy));
  }

  /** One record: an object (fields by column name) or an array (fields by position). */
  feed(value: unknown, sink: ChunkSink): boolean | ErrorData {
    if (value === null || typeof value !== 'object')
      return {
        code: 'ERR_INPUT_FORMAT',
        message: `A record is ${value === null ? 'null' : typeof value}, not an object or array`,
      };
    const { slots } = this;
    let n = 0;
    if (Array.isArray(value)) {
      const stored = Math.min(value.length, slots.capacity);
      for (let i = 0; i < stored; i++) n = this.put(i, value[i], n);
      return sink.record(this.scratch, slots, value.length, 0);
    }
    const record = value as Record<string, unknown>;
    for (let i = 0; i < this.columns.length; i++) n = this.put(i, record[this.columns[i]!], n);
    return sink.record(this.scratch, slots, this.columns.length, 0);
  }

  private put(i: number, value: unknown, at: number): number {
    const text =
      value === null || value === undefined
        ? ''
        : typeof value === 'string'
          ? value
          : typeof value === 'object'
            ? JSON.stringify(value)
            : String(value);
    const max = at + text.length * 3;
    if (max > this.scratch.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, max));
      this.scratch.copy(bigger, 0, 0, at);
      this.scratch = bigger;
    }
    const end = at + this.scratch.write(text, at);
    this.slots.starts[i] = at;
    this.slots.ends[i] = end;
    this.slots.quoted[i] = 0;
    return end;
  }
}

/** The names a record brings: an object's keys, or '1', '2', ... for an array. */
export function namesOf(record: unknown): string[] {
  if (Array.isArray(record)) return record.map((_, i) => String(i + 1));
  return record !== null && typeof record === 'object' ? Object.keys(record) : [];
}

/** A chunk of an in-memory array; `localLine` of an error is the record's index in the chunk. */
export function parseArrayRows(rows: readonly unknown[], columns: readonly string[], sink: ChunkSink): RangeOutcome {
  const adapter = new ValueRecordAdapter(columns, sink.badRows.policy);
  const rejects: Reject[] = [];
  for (let i = 0; i < rows.length; i++) {
    let fed = adapter.feed(rows[i], sink);
    if (fed === false && takeReject(sink, i, rejects)) fed = adapter.feed(rows[i], sink); // now passed over
    if (fed === true) continue;
    const data = fed === false ? sink.error!.data : fed;
    return withRejects({ next: i, rows: i, lines: i, error: { ...data, localLine: i } }, rejects);
  }
  return withRejects({ next: rows.length, rows: rows.length, lines: rows.length }, rejects);
}

/** NDJSON bytes that end at a line boundary: one JSON value per line; blank lines are skipped. */
export function parseNdjson(buf: Buffer, columns: readonly string[], sink: ChunkSink): RangeOutcome {
  const adapter = new ValueRecordAdapter(columns, sink.badRows.policy);
  const rejects: Reject[] = [];
  let rows = 0;
  let lines = 0;
  for (let start = 0; start < buf.length; lines++) {
    let end = buf.indexOf(LF, start);
    const next = end < 0 ? buf.length : end + 1;
    if (end < 0) end = buf.length;
    if (end > start && buf[end - 1] === CR) end--;
    if (!isBlank(buf, start, end)) {
      let value: unknown;
      try {
        value = JSON.parse(buf.toString('utf8', start, end));
      } catch (e) {
        return withRejects(
          {
            next: start,
            rows,
            lines,
            error: {
              code: 'ERR_NDJSON_INVALID',
              message: `Invalid JSON: ${(e as Error).message}`,
              byteOffset: start,
              localLine: lines,
            },
          },
          rejects,
        );
      }
      let fed = adapter.feed(value, sink);
      if (fed === false && takeReject(sink, lines, rejects)) fed = adapter.feed(value, sink);
      if (fed !== true) {
        const data = fed === false ? sink.error!.data : { ...fed, code: 'ERR_NDJSON_INVALID' as const };
        return withRejects(
          { next: start, rows, lines, error: { ...data, byteOffset: start, localLine: lines } },
          rejects,
        );
      }
      rows++;
    }
    start = next;
  }
  return withRejects({ next: buf.length, rows, lines: countLines(buf, 0, buf.length) }, rejects);
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 32 && buf[i] !== 9 && buf[i] !== CR) return false;
  return true;
}
