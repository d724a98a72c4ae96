/**
 * The where expression compiled against the input's columns, once per job on the coordinator:
 * names resolved to field indexes. Plain data: it crosses to the workers with every chunk, and
 * predicate.ts turns it into a test per chunk.
 */
import { unknownColumn } from '../unknown-column.js';
import type { CompareOp, WhereExpr } from './parse.js';

export type FilterNode =
  | { kind: 'and' | 'or'; args: FilterNode[] }
  | { kind: 'not'; arg: FilterNode }
  | { kind: 'number'; field: number; op: CompareOp; value: number }
  | { kind: 'text'; field: number; op: CompareOp; value: string }
  | { kind: 'empty'; field: number };

/** What a chunk's sink needs to filter its records. */
export interface FilterPlan {
  /** The expression as given, for messages. */
  text: string;
  root: FilterNode;
  /** Column names by field index, for messages. */
  columnNames: readonly string[];
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
  const compile = (e: WhereExpr): FilterNode => {
    switch (e.kind) {
      case 'and':
      case 'or':
        return { kind: e.kind, args: e.args.map(compile) };
      case 'not':
        return { kind: 'not', arg: compile(e.arg) };
      case 'empty':
        return { kind: 'empty', field: field(e.column) };
      case 'compare':
        return typeof e.value === 'number'
          ? { kind: 'number', field: field(e.column), op: e.op, value: e.value }
          : { kind: 'text', field: field(e.column), op: e.op, value: e.value };
    }
  };
  return { text, root: compile(expr), columnNames };
}
