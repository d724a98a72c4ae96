/**
 * A compiled expression (compile.ts) as a closure over one record's fields, built once per chunk.
 * Date parts read the field's bytes in place (ISO `YYYY-MM-DD`, then `T` or a space and
 * `HH:MM[:SS[.fff]]`, anything after ignored, no time zone arithmetic); text functions decode
 * the field; arithmetic parses numbers as the aggregate does. NULL (an empty field) gives NULL,
 * as in SQL; so does a division by zero, as in DuckDB.
 *
 * A value that is not a number where one is needed, or not an ISO date where a date part is
 * asked for, goes to the reader's `bad`, which follows onBadNumber: it throws (error) or reads
 * NULL (skip).
 */
import type { DateUnit, ExprSpec } from './compile.js';
import type { ArithOp } from './tokens.js';

/** One record's fields, as the expressions read them. */
export interface FieldReader {
  /** Field f's text (quotes undone); '' for an empty field. */
  text(f: number): string;
  /** Field f as a number; null for an empty field, or one that is not a number under onBadNumber: 'skip'. */
  number(f: number): number | null;
  /**
   * Field f's bytes, for the date parser: a buffer whose [start, end) holds them (the reader sets
   * `start` and `end`).
   */
  bytes(f: number): Uint8Array;
  start: number;
  end: number;
  /** A field that is not what `what` needs: throws under onBadNumber: 'error', returns (NULL) under 'skip'. */
  bad(f: number, what: string): void;
}

export type NumberOf = (r: FieldReader) => number | null;
export type TextOf = (r: FieldReader) => string | null;

/** year, month, day, hour, and 1 if a time was given. */
const parts = new Int32Array(5);

export function numberOf(e: ExprSpec): NumberOf {
  switch (e.kind) {
    case 'field': {
      const f = e.field;
      return (r) => r.number(f);
    }
    case 'number': {
      const v = e.value;
      return () => v;
    }
    case 'part': {
      const index = PART_INDEX[e.unit];
      const f = e.arg.kind === 'field' ? e.arg.field : -1;
      const text = textOf(e.arg);
      return (r) => {
        if (f >= 0) {
          const buf = r.bytes(f);
          if (r.start === r.end) return null;
          if (parseDate(buf, r.start, r.end)) return parts[index]!;
          r.bad(f, 'an ISO date (YYYY-MM-DD)');
          return null;
        }
        const t = text(r);
        if (t === null || t === '') return null;
        const b = Buffer.from(t, 'latin1');
        return parseDate(b, 0, b.length) ? parts[index]! : null;
      };
    }
    case 'negate': {
      const arg = numberOf(e.arg);
      return (r) => {
        const v = arg(r);
        return v === null ? null : -v;
      };
    }
    case 'arith': {
      const left = numberOf(e.left);
      const right = numberOf(e.right);
      return arith(e.op, left, right);
    }
    default:
      throw new Error(`not a number expression: ${e.kind}`);
  }
}

function arith(op: ArithOp, left: NumberOf, right: NumberOf): NumberOf {
  switch (op) {
    case '+':
      return (r) => nullOr(left(r), right(r), (a, b) => a + b);
    case '-':
      return (r) => nullOr(left(r), right(r), (a, b) => a - b);
    case '*':
      return (r) => nullOr(left(r), right(r), (a, b) => a * b);
    case '/':
      return (r) => nullOr(left(r), right(r), (a, b) => (b === 0 ? null : a / b));
  }
}

function nullOr(a: number | null, b: number | null, op: (a: number, b: number) => number | null): number | null {
  return a === null || b === null ? null : op(a, b);
}

const PART_INDEX: Record<DateUnit, number> = { year: 0, month: 1, day: 2, hour: 3 };

export function textOf(e: ExprSpec): TextOf {
  switch (e.kind) {
    case 'field': {
      const f = e.field;
      return (r) => {
        const t = r.text(f);
        return t === '' ? null : t;
      };
    }
    case 'text': {
      const v = e.value;
      return () => v;
    }
    case 'case': {
      const arg = textOf(e.arg);
      return e.upper ? (r) => arg(r)?.toUpperCase() ?? null : (r) => arg(r)?.toLowerCase() ?? null;
    }
    case 'substr': {
      const arg = textOf(e.arg);
      const { start, length } = e;
      return (r) => {
        const t = arg(r);
        return t === null ? null : substr(t, start, length);
      };
    }
    case 'trunc': {
      const unit = e.unit;
      const f = e.arg.kind === 'field' ? e.arg.field : -1;
      const text = textOf(e.arg);
      return (r) => {
        let buf: Uint8Array;
        let s: number;
        let end: number;
        if (f >= 0) {
          buf = r.bytes(f);
          s = r.start;
          end = r.end;
        } else {
          const t = text(r);
          if (t === null) return null;
          buf = Buffer.from(t, 'latin1');
          s = 0;
          end = buf.length;
        }
        if (s === end) return null;
        if (!parseDate(buf, s, end)) {
          if (f >= 0) r.bad(f, 'an ISO date (YYYY-MM-DD)');
          return null;
        }
        return truncated(unit);
      };
    }
    default: {
      // A number as text, as DuckDB casts one to VARCHAR: integers without a fraction.
      const n = numberOf(e);
      return (r) => {
        const v = n(r);
        return v === null ? null : String(v);
      };
    }
  }
}

/** DuckDB's substring: 1-based, in characters (code points); a start <= 0 counts from the end (0: before the first). */
export function substr(t: string, start: number, length: number | undefined): string {
  // Code points: only text with surrogate pairs needs the array.
  const chars = /[\uD800-\uDFFF]/.test(t) ? Array.from(t) : null;
  const n = chars === null ? t.length : chars.length;
  const from = start > 0 ? start - 1 : start < 0 ? n + start : -1;
  const to = length === undefined ? n : from + length;
  const a = Math.max(0, Math.min(n, from));
  const b = Math.max(a, Math.min(n, to));
  return chars === null ? t.slice(a, b) : chars.slice(a, b).join('');
}

const pad2 = (v: number) => (v < 10 ? `0${v}` : `${v}`);

/** date_trunc of the last parsed date, as DuckDB prints the TIMESTAMP it returns. */
function truncated(unit: DateUnit): string {
  const y = parts[0]!;
  const year = y < 1000 ? String(y).padStart(4, '0') : String(y);
  const month = unit === 'year' ? '01' : pad2(parts[1]!);
  const day = unit === 'year' || unit === 'month' ? '01' : pad2(parts[2]!);
  const hour = unit === 'hour' ? pad2(parts[3]!) : '00';
  return `${year}-${month}-${day} ${hour}:00:00`;
}

const DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(buf: Uint8Array, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Parses an ISO date or timestamp at buf[s, e) into `parts`; false if it is not one. */
export function parseDate(buf: Uint8Array, s: number, e: number): boolean {
  const n = e - s;
  if (n < 10 || buf[s + 4] !== 45 || buf[s + 7] !== 45) return false;
  const year = digits(buf, s, 4);
  const month = digits(buf, s + 5, 2);
  const day = digits(buf, s + 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > DAYS[month]!) return false;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return false;
  parts[0] = year;
  parts[1] = month;
  parts[2] = day;
  parts[3] = 0;
  parts[4] = 0;
  if (n === 10) return true;
  const sep = buf[s + 10];
  if ((sep !== 84 && sep !== 32) || n < 16 || buf[s + 13] !== 58) return false; // 'T' or ' ', then HH:MM
  const hour = digits(buf, s + 11, 2);
  const minute = digits(buf, s + 14, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return false;
  parts[3] = hour;
  parts[4] = 1;
  return true;
}
