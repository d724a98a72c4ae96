/**
 * The where expression compiled against the input's columns, once per job on the coordinator:
 * names resolved to field indexes. Plain data: it crosses to the workers with every chunk, and
 * predicate.ts turns it into a test per chunk.
 *
 * A comparison of a bare column with a literal keeps its byte-level form (`number`, `text`); any
 * other test (in, like, between, ~, or an expression on the left) is a `value` test on what the
 * expression evaluates to (value-test.ts).
 */
import { compileExpr, type ExprSpec, expressionError, typeOf } from '../expr/compile.js';
import type { Expr } from '../expr/parse.js';
import { unknownColumn } from '../unknown-column.js';
import type { CompareOp, Literal, WhereExpr } from './parse.js';

/** A test on an expression's value; `exact`: the literals' digits where one is an integer beyond 2^53. */
export type ValueTest =
  | { op: 'compare'; cmp: CompareOp; value: Literal }
  | { op: 'in'; values: Literal[] }
  | { op: 'between'; low: Literal; high: Literal }
  | { op: 'like'; pattern: string }
  | { op: 'regex'; pattern: string }
  | { op: 'empty' };

export type FilterNode =
  | { kind: 'and' | 'or'; args: FilterNode[] }
  | { kind: 'not'; arg: FilterNode }
  | { kind: 'number'; field: number; op: CompareOp; value: number; exact?: string }
  | { kind: 'text'; field: number; op: CompareOp; value: string }
  | { kind: 'empty'; field: number }
  | { kind: 'value'; expr: ExprSpec; as: 'number' | 'text'; test: ValueTest; exact?: (string | null)[] };

/** What a chunk's sink needs to filter its records. */
export interface FilterPlan {
  /** The expression as given, for messages. */
  text: string;
  root: FilterNode;
  /** Column names by field index, for messages. */
  columnNames: readonly string[];
}

/** Integer text beyond the safe range of a double: compared by its digits (value-test.ts). */
function exactText(text: string): string | null {
  if (!/^[+-]?\d+$/.test(text)) return null;
  const n = Number(text);
  return n > Number.MAX_SAFE_INTEGER || n < -Number.MAX_SAFE_INTEGER ? text : null;
}

/** Throws ERR_UNKNOWN_COLUMN (with a "did you mean") for a column the input does not have. */
export function compileFilter(
  text: string,
  expr: WhereExpr,
  columnNames: readonly string[],
  file: string | undefined,
): FilterPlan {
  const field = (column: string): number => {
    const i = columnNames.indexOf(column);
    if (i < 0) throw unknownColumn(column, 'where', columnNames, file);
    return i;
  };
  const value = (
    e: Expr,
    at: number,
    test: ValueTest,
    literals: readonly Literal[],
    texts: readonly string[],
  ): FilterNode => {
    const spec = compileExpr(text, e, columnNames, 'where', file);
    const wantsText = test.op === 'like' || test.op === 'regex' || typeof literals[0] === 'string';
    const type = typeOf(spec);
    if (test.op !== 'empty' && type === 'number' && wantsText)
      throw expressionError(text, at, 'this is a number: compare it with a number', 'where');
    if (test.op !== 'empty' && type === 'text' && !wantsText)
      throw expressionError(text, at, 'this is text: compare it with a quoted text', 'where');
    const exact = spec.kind === 'field' && !wantsText ? texts.map(exactText) : [];
    return {
      kind: 'value',
      expr: spec,
      as: wantsText || (test.op === 'empty' && type !== 'number') ? 'text' : 'number',
      test,
      ...(exact.some((x) => x !== null) && { exact }),
    };
  };
  const compile = (e: WhereExpr): FilterNode => {
    switch (e.kind) {
      case 'and':
      case 'or':
        return { kind: e.kind, args: e.args.map(compile) };
      case 'not':
        return { kind: 'not', arg: compile(e.arg) };
      case 'empty':
        if (e.expr.kind === 'column') return { kind: 'empty', field: field(e.expr.name) };
        return value(e.expr, e.at, { op: 'empty' }, [], []);
      case 'compare': {
        if (e.expr.kind !== 'column')
          return value(e.expr, e.at, { op: 'compare', cmp: e.op, value: e.value }, [e.value], [e.text]);
        const f = field(e.expr.name);
        if (typeof e.value === 'string') return { kind: 'text', field: f, op: e.op, value: e.value };
        const exact = exactText(e.text);
        return { kind: 'number', field: f, op: e.op, value: e.value, ...(exact !== null && { exact }) };
      }
      case 'in':
        return value(e.expr, e.at, { op: 'in', values: e.values }, e.values, e.texts);
      case 'between':
        return value(e.expr, e.at, { op: 'between', low: e.low, high: e.high }, [e.low, e.high], e.texts);
      case 'like':
        return value(e.expr, e.at, { op: 'like', pattern: e.pattern }, [e.pattern], [e.pattern]);
      case 'regex':
        return value(e.expr, e.at, { op: 'regex', pattern: e.pattern }, [e.pattern], [e.pattern]);
    }
  };
  return { text, root: compile(expr), columnNames };
}
