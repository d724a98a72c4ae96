/**
 * The where filter as a test on one record's bytes, built once per chunk from the plan: a tree of
 * small closures over the scanner's field offsets. No string per field: numbers are parsed from
 * the bytes as the aggregate parses them (parseNumberInto), text is compared byte by byte
 * against the literal's UTF-8 (doubled quotes of a quoted field undone on the fly).
 *
 * Logic is SQL's three-valued one: an empty field is NULL, and a comparison with NULL is neither
 * true nor false (UNKNOWN); `not UNKNOWN` is UNKNOWN, `false and UNKNOWN` false, `true or
 * UNKNOWN` true. A record is kept only when the whole expression is true, so `delay > 60` and
 * `not (delay > 60)` both drop the rows with no delay; `is empty` is the way to ask for them.
 *
 * Text compares by bytes, which for UTF-8 is code point order (as DuckDB compares VARCHAR).
 * A compared field whose bytes are not UTF-8 has no text to compare: it fails the job with the
 * error a group-by on it gives (ERR_CSV_INVALID_UTF8), never a silent "no match". Checking it
 * costs an OR over its bytes (ASCII: done); only a field with a byte >= 0x80 is checked fully.
 */
import type { BadNumberPolicy } from '../../api/options.js';
import { describeBadBytes, INVALID_UTF8_HINT, invalidUtf8At, parseNumberInto } from '../../csv/fields.js';
import type { SinkError } from '../sink.js';
import type { FilterNode, FilterPlan } from './compile.js';
import type { CompareOp } from './parse.js';
import { ByteFieldReader } from '../expr/byte-reader.js';
import { compareDecimal, signTest, valueTest } from './value-test.js';

import { FAILED, FALSE, type RecordTest, TRUE, type Truth, UNKNOWN } from './truth.js';

export { FAILED, FALSE, type RecordTest, TRUE, type Truth, UNKNOWN } from './truth.js';

export interface PredicateHooks {
  onBadNumber: BadNumberPolicy;
  quote: string;
  /** A value that is not a number, under onBadNumber: 'error'; a compared text that is not UTF-8. */
  fail(error: SinkError): void;
  /** A value that is not a number, under onBadNumber: 'skip' (read as NULL). */
  skipped(): void;
}

export function compilePredicate(plan: FilterPlan, hooks: PredicateHooks): RecordTest {
  const quote = hooks.quote.charCodeAt(0);
  const number = new Float64Array(1);
  const reader = new ByteFieldReader(plan.columnNames, hooks.quote, hooks.onBadNumber, 'where', hooks.skipped);

  const build = (node: FilterNode): RecordTest => {
    switch (node.kind) {
      case 'and': {
        const args = node.args.map(build);
        return (buf, slots) => {
          let result: Truth = TRUE;
          for (const test of args) {
            const t = test(buf, slots);
            if (t === FALSE || t === FAILED) return t;
            if (t === UNKNOWN) result = UNKNOWN;
          }
          return result;
        };
      }
      case 'or': {
        const args = node.args.map(build);
        return (buf, slots) => {
          let result: Truth = FALSE;
          for (const test of args) {
            const t = test(buf, slots);
            if (t === TRUE || t === FAILED) return t;
            if (t === UNKNOWN) result = UNKNOWN;
          }
          return result;
        };
      }
      case 'not': {
        const arg = build(node.arg);
        return (buf, slots) => {
          const t = arg(buf, slots);
          return t === TRUE ? FALSE : t === FALSE ? TRUE : t;
        };
      }
      case 'empty': {
        const f = node.field;
        return (_buf, slots) => (slots.starts[f] === slots.ends[f] ? TRUE : FALSE);
      }
      case 'value':
        return valueTest(node, reader, hooks.fail);
      case 'number': {
        const { field: f, value, exact } = node;
        const holds = numberOp(node.op);
        const sign = signTest(node.op);
        return (buf, slots) => {
          const s = slots.starts[f]!;
          const e = slots.ends[f]!;
          if (s === e) return UNKNOWN;
          if (!parseNumberInto(buf, s, e, number, 0)) {
            if (hooks.onBadNumber === 'skip') {
              hooks.skipped();
              return UNKNOWN;
            }
            hooks.fail(badNumber(buf, s, e, f, plan));
            return FAILED;
          }
          // An integer literal beyond 2^53 that ties the field's double: compared by digits.
          if (exact !== undefined && number[0] === value)
            return sign(compareDecimal(Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('latin1'), exact))
              ? TRUE
              : FALSE;
          return holds(number[0]!, value) ? TRUE : FALSE;
        };
      }
      case 'text': {
        const { field: f } = node;
        const literal = Buffer.from(node.value, 'utf8');
        if (node.op === '=' || node.op === '!=') {
          const when = node.op === '=' ? TRUE : FALSE;
          const otherwise = node.op === '=' ? FALSE : TRUE;
          return (buf, slots) => {
            const s = slots.starts[f]!;
            const e = slots.ends[f]!;
            if (s === e) return UNKNOWN;
            if (notUtf8(buf, s, e, f)) return FAILED;
            // Most fields differ in length from the literal: no byte needs comparing.
            if (slots.quoted[f] !== 2) return e - s === literal.length && sameBytes(buf, s, literal) ? when : otherwise;
            return compareField(buf, s, e, true, quote, literal) === 0 ? when : otherwise;
          };
        }
        const holds = signTest(node.op);
        return (buf, slots) => {
          const s = slots.starts[f]!;
          const e = slots.ends[f]!;
          if (s === e) return UNKNOWN;
          if (notUtf8(buf, s, e, f)) return FAILED;
          return holds(compareField(buf, s, e, slots.quoted[f] === 2, quote, literal)) ? TRUE : FALSE;
        };
      }
    }
  };
  /** buf[s, e) holds bytes that are not UTF-8: `fail` was called. ASCII (nearly every field) is one pass of ORs. */
  const notUtf8 = (buf: Uint8Array, s: number, e: number, field: number): boolean => {
    let high = 0;
    for (let i = s; i < e; i++) high |= buf[i]!;
    if (high < 0x80) return false;
    const bad = invalidUtf8At(buf, s, e);
    if (bad < 0) return false;
    hooks.fail(invalidUtf8(buf, bad, e, field, plan));
    return true;
  };
  return build(plan.root);
}

/** The group-by's error for the same bytes (aggregate/sink.ts decodeKey): code, message, hint, column. */
function invalidUtf8(buf: Uint8Array, at: number, e: number, field: number, plan: FilterPlan): SinkError {
  return {
    offset: at,
    data: {
      code: 'ERR_CSV_INVALID_UTF8',
      message: `Invalid UTF-8 (${describeBadBytes(buf, at, e)})`,
      hint: INVALID_UTF8_HINT,
      column: plan.columnNames[field]!,
      columnIndex: field + 1,
    },
  };
}

function numberOp(op: CompareOp): (a: number, b: number) => boolean {
  switch (op) {
    case '=':
      return (a, b) => a === b;
    case '!=':
      return (a, b) => a !== b;
    case '<':
      return (a, b) => a < b;
    case '<=':
      return (a, b) => a <= b;
    case '>':
      return (a, b) => a > b;
    case '>=':
      return (a, b) => a >= b;
  }
}

/** buf[s, s + literal.length) equals `literal`. */
function sameBytes(buf: Uint8Array, s: number, literal: Uint8Array): boolean {
  for (let j = 0; j < literal.length; j++) if (buf[s + j] !== literal[j]) return false;
  return true;
}

/**
 * buf[s, e) against `literal`, bytewise: negative, zero or positive. With `unquote` (a quoted
 * field holding doubled quotes) the second quote of each pair is passed over.
 */
export function compareField(
  buf: Uint8Array,
  s: number,
  e: number,
  unquote: boolean,
  quote: number,
  literal: Uint8Array,
): number {
  let j = 0;
  for (let i = s; i < e; i++, j++) {
    if (j === literal.length) return 1; // the field is longer
    const b = buf[i]!;
    const d = b - literal[j]!;
    if (d !== 0) return d;
    if (unquote && b === quote) i++;
  }
  return j === literal.length ? 0 : -1;
}

function badNumber(buf: Uint8Array, s: number, e: number, field: number, plan: FilterPlan): SinkError {
  const text = Buffer.from(buf.buffer, buf.byteOffset + s, Math.min(e - s, 40)).toString('utf8');
  const column = plan.columnNames[field]!;
  return {
    offset: s,
    data: {
      code: 'ERR_CSV_BAD_NUMBER',
      message: `${JSON.stringify(text + (e - s > 40 ? '...' : ''))} is not a number, but where compares ${column} with one`,
      column,
      columnIndex: field + 1,
      hint: 'onBadNumber: "skip" reads such values as empty (NULL), so the comparison drops the row',
    },
  };
}
