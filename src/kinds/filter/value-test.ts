/**
 * The where filter's `value` tests (compile.ts): an expression evaluated per record (expr/eval.ts)
 * and tested with compare, in, between, like, ~ or is empty, in SQL's three-valued logic (NULL
 * gives UNKNOWN). Values that cannot be read are ExprFaults: the record FAILS with the fault's
 * error (the sink stops on it), as the byte-level tests fail.
 *
 * Exactness: numbers are doubles, except where a literal is an integer beyond 2^53 and the
 * expression a bare column: where the field's double ties the literal's, the two are compared by
 * their decimal digits, so `id = 9007199254740993` does not match 9007199254740992.
 */
import { ExprFault, type ByteFieldReader } from '../expr/byte-reader.js';
import { numberOf, textOf } from '../expr/eval.js';
import { fullMatch, likeMatcher } from '../expr/regex.js';
import type { SinkError } from '../sink.js';
import type { FilterNode } from './compile.js';
import type { CompareOp } from './parse.js';
import { FAILED, FALSE, type RecordTest, TRUE, UNKNOWN } from './truth.js';

type ValueNode = Extract<FilterNode, { kind: 'value' }>;

export function valueTest(node: ValueNode, reader: ByteFieldReader, fail: (e: SinkError) => void): RecordTest {
  const test = node.test;
  const holds = node.as === 'number' ? numberHolds(node, reader) : textHolds(node);
  const read = node.as === 'number' ? numberOf(node.expr) : textOf(node.expr);
  const empty = test.op === 'empty';
  return (buf, slots) => {
    let v: number | string | null;
    try {
      v = read(reader.at(buf, slots));
    } catch (e) {
      if (!(e instanceof ExprFault)) throw e;
      fail(e.error);
      return FAILED;
    }
    if (empty) return v === null ? TRUE : FALSE;
    if (v === null) return UNKNOWN;
    return holds(v as never) ? TRUE : FALSE;
  };
}

function numberHolds(node: ValueNode, reader: ByteFieldReader): (v: number) => boolean {
  const test = node.test;
  const field = node.expr.kind === 'field' ? node.expr.field : -1;
  const exact = node.exact;
  /** The sign of v against literal k: doubles, then digits where they tie and the literal is exact. */
  const order = (v: number, literal: number, k: number): number => {
    if (v !== literal || exact === undefined || exact[k] == null) return v < literal ? -1 : v > literal ? 1 : 0;
    const text = Buffer.from(
      reader.buf.buffer,
      reader.buf.byteOffset + reader.slots.starts[field]!,
      reader.slots.ends[field]! - reader.slots.starts[field]!,
    ).toString('latin1');
    return compareDecimal(text, exact[k]!);
  };
  switch (test.op) {
    case 'compare': {
      const sign = signTest(test.cmp);
      const literal = test.value as number;
      return (v) => sign(order(v, literal, 0));
    }
    case 'in': {
      const values = test.values as number[];
      if (exact === undefined) {
        const set = new Set(values);
        return (v) => set.has(v);
      }
      return (v) => values.some((x, k) => order(v, x, k) === 0);
    }
    case 'between': {
      const low = test.low as number;
      const high = test.high as number;
      return (v) => order(v, low, 0) >= 0 && order(v, high, 1) <= 0;
    }
    default:
      return () => false;
  }
}

function textHolds(node: ValueNode): (v: string) => boolean {
  const test = node.test;
  switch (test.op) {
    case 'compare': {
      const sign = signTest(test.cmp);
      const literal = test.value as string;
      return (v) => sign(compareCodePoints(v, literal));
    }
    case 'in': {
      const set = new Set(test.values as string[]);
      return (v) => set.has(v);
    }
    case 'between': {
      const low = test.low as string;
      const high = test.high as string;
      return (v) => compareCodePoints(v, low) >= 0 && compareCodePoints(v, high) <= 0;
    }
    case 'like':
      return likeMatcher(test.pattern);
    case 'regex': {
      const re = fullMatch(test.pattern);
      return (v) => re.test(v);
    }
    default:
      return () => false;
  }
}

/** Text order by code point (UTF-8 byte order, as DuckDB compares VARCHAR); JS's < compares UTF-16 units. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (U+D800..DFFF) stands for a code point above U+FFFF: it sorts after U+E000..FFFF.
    const kx = x >= 0xd800 && x <= 0xdfff ? x + 0x2000 : x >= 0xe000 ? x - 0x800 : x;
    const ky = y >= 0xd800 && y <= 0xdfff ? y + 0x2000 : y >= 0xe000 ? y - 0x800 : y;
    return kx - ky;
  }
  return a.length - b.length;
}

/** A test on the sign of a three-way comparison (`<` holds for c < 0); the predicate's too. */
export function signTest(op: CompareOp): (c: number) => boolean {
  switch (op) {
    case '=':
      return (c) => c === 0;
    case '!=':
      return (c) => c !== 0;
    case '<':
      return (c) => c < 0;
    case '<=':
      return (c) => c <= 0;
    case '>':
      return (c) => c > 0;
    case '>=':
      return (c) => c >= 0;
  }
}

/**
 * Two decimal numerals by value: sign, integer digits, fraction digits. A numeral with an
 * exponent (or anything else) compares as 0 (a tie of their doubles, which the caller found).
 */
export function compareDecimal(a: string, b: string): number {
  const pa = decimalParts(a.trim());
  const pb = decimalParts(b.trim());
  if (pa === null || pb === null) return 0;
  if (pa.negative !== pb.negative) return pa.zero && pb.zero ? 0 : pa.negative ? -1 : 1;
  const sign = pa.negative ? -1 : 1;
  if (pa.int.length !== pb.int.length) return sign * (pa.int.length - pb.int.length);
  if (pa.int !== pb.int) return sign * (pa.int < pb.int ? -1 : 1);
  const n = Math.max(pa.frac.length, pb.frac.length);
  const fa = pa.frac.padEnd(n, '0');
  const fb = pb.frac.padEnd(n, '0');
  return fa === fb ? 0 : sign * (fa < fb ? -1 : 1);
}

function decimalParts(text: string): { negative: boolean; int: string; frac: string; zero: boolean } | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const int = m[2]!.replace(/^0+/, '');
  const frac = (m[3] ?? '').replace(/0+$/, '');
  return { negative: m[1] === '-', int, frac, zero: int === '' && frac === '' };
}
