/**
 * A group-by item as given (`region`, `month(date)`, `lower(city) as town`), resolved against the
 * input's columns. A text that is a column's name is that column, whatever it holds (so a column
 * named `total (usd)` stays one); anything else is parsed as an expression.
 */
import { compileExpr, expressionError, type ExprSpec } from './compile.js';
import { exprColumns, parseGroupItem } from './parse.js';
import { ExpressionSyntaxError } from './tokens.js';

export interface ResolvedGroupItem {
  /** The output column's name. */
  name: string;
  /** A plain column: its name (looked up by the caller, for its message); an expression: ''. */
  column: string;
  /** The compiled expression; null for a plain column. */
  expr: ExprSpec | null;
  option: string;
}

export function groupItem(
  text: string,
  columnNames: readonly string[],
  option: string,
  file: string | undefined,
): ResolvedGroupItem {
  if (columnNames.includes(text)) return { name: text, column: text, expr: null, option };
  let parsed: ReturnType<typeof parseGroupItem>;
  try {
    parsed = parseGroupItem(text);
  } catch (e) {
    if (!(e instanceof ExpressionSyntaxError)) throw e;
    // Not an expression either: most likely a column name with a typo.
    if (!/[(),+*/'"]/.test(text)) return { name: text, column: text, expr: null, option };
    throw expressionError(text, e.at, e.reason, option);
  }
  const { expr, name } = parsed;
  if (expr.kind === 'column') return { name, column: expr.name, expr: null, option };
  return { name, column: '', expr: compileExpr(text, expr, columnNames, option, file), option };
}

/** A group-by item's output column as written: its `as` name, else its text (without the input's columns at hand). */
export function groupOutputName(text: string): string {
  try {
    return parseGroupItem(text).name;
  } catch {
    return text;
  }
}

/** The columns a group-by item reads (its own text when it does not parse). */
export function groupItemColumns(text: string): string[] {
  try {
    return [...exprColumns(parseGroupItem(text).expr)];
  } catch {
    return [text];
  }
}
