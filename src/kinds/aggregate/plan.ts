/**
 * The aggregate compiled against the input's columns, once per job on the coordinator: column
 * names resolved to indexes, measure kinds, the numeric columns to parse. Plain data: it crosses
 * to the workers with every chunk.
 */
import type { BadNumberPolicy, BadRowPolicy } from '../../api/options.js';
import type { AggregateSpec, MeasureSpec } from '../../api/measures.js';
import { ChunkmillError } from '../../errors.js';
import type { ExprSpec } from '../expr/compile.js';
import { groupItem } from '../expr/group-item.js';
import type { MemoryBudget } from './memory-budget.js';

export type MeasureKind = MeasureSpec['kind'];

export interface AggregatePlan {
  /** Fields every record must have (the header's). */
  width: number;
  columnNames: string[];
  /** Per group-by item: its field, or -1 for an expression (groupExprs). */
  groupBy: number[];
  /** The group-by items' output columns: a column's name, an expression as written or its `as` name. */
  groupNames: string[];
  /** Per group-by item: the compiled expression, null for a plain column; absent when every item is a column. */
  groupExprs?: (ExprSpec | null)[];
  measures: { name: string; kind: MeasureKind; column: number }[];
  /** Distinct columns parsed as numbers, in the order their values are stored per record. */
  numericColumns: number[];
  onBadRow: BadRowPolicy;
  onBadNumber: BadNumberPolicy;
  quote: string;
  /** The job's memory budget (memory-budget.ts), which a chunk's own groups are held to as well; absent: none (warm-up, micro benchmarks). */
  budget?: MemoryBudget;
}

export function compileAggregate(
  spec: AggregateSpec,
  columnNames: string[],
  policies: { onBadRow: BadRowPolicy; onBadNumber: BadNumberPolicy; quote: string },
  file?: string,
): AggregatePlan {
  const indexOf = (column: string, option: string): number => {
    const i = columnNames.indexOf(column);
    if (i < 0) {
      const shown = columnNames
        .slice(0, 20)
        .map((c) => JSON.stringify(c))
        .join(', ');
      throw new ChunkmillError({
        code: 'ERR_UNKNOWN_COLUMN',
        message: `Unknown column "${column}" in ${option}${file ? ` (${file})` : ''}; the columns are: ${shown}${columnNames.length > 20 ? ', ...' : ''}`,
        column,
        option,
        ...(file !== undefined ? { file } : {}),
      });
    }
    return i;
  };
  const items = (spec.groupBy ?? []).map((c, k) => groupItem(c, columnNames, `aggregate.groupBy[${k}]`, file));
  const groupBy = items.map((g) => (g.expr === null ? indexOf(g.column, g.option) : -1));
  const groupNames = items.map((g) => g.name);
  const exprs = items.map((g) => g.expr);
  const numericColumns: number[] = [];
  const measures = Object.entries(spec.measures).map(([name, m]) => {
    if (m.kind === 'count') return { name, kind: m.kind, column: -1 };
    const column = indexOf(m.column, `aggregate.measures.${name}`);
    if (!numericColumns.includes(column)) numericColumns.push(column);
    return { name, kind: m.kind, column };
  });
  return {
    width: columnNames.length,
    columnNames,
    groupBy,
    groupNames,
    ...(exprs.some((e) => e !== null) && { groupExprs: exprs }),
    measures,
    numericColumns,
    ...policies,
  };
}
