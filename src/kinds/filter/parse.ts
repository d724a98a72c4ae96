/**
 * The `where` filter's grammar, parsed by hand (recursive descent; no eval, no generated code):
 *
 *   where      := or
 *   or         := and ('or' and)*
 *   and        := unary ('and' unary)*
 *   unary      := 'not' unary | '(' or ')' | test
 *   test       := expr compare value | expr 'is' ['not'] 'empty'
 *               | expr ['not'] 'in' '(' value (',' value)* ')' | expr ['not'] 'like' "pattern"
 *               | expr ['not'] 'between' value 'and' value | expr '~' "regex"
 *   compare    := '=' | '==' | '!=' | '<>' | '<' | '<=' | '>' | '>='
 *   expr       := a column, or a function of columns, or arithmetic (expr/parse.ts)
 *   column     := word | `any text`          (a word: letters, digits and _ . - $ ... up to a space, operator, quote, comma or paren)
 *   value      := number | "text" | 'text'   (a backslash escapes the next character inside quotes)
 *
 * Keywords are case-insensitive; `and` binds tighter than `or`, `not` tighter than both. A bare
 * word on the right of a comparison must be a number: `origin = LAS` is refused with a hint to
 * quote it, so a typo never turns into a silent column-vs-text comparison. A `(` opens a group of
 * tests, or else an expression (`(a + b) * 2 > 10`).
 *
 * Errors are WhereSyntaxError with the 0-based character `at` fault; `describe()` draws the
 * expression with a caret under it.
 */
import { type Cursor, cursorOf, type Expr, exprColumns, parseExpr } from '../expr/parse.js';
import { regexRefusal } from '../expr/regex.js';
import { type CompareOp, ExpressionSyntaxError, NUMBER } from '../expr/tokens.js';

export type { CompareOp } from '../expr/tokens.js';

export type Literal = number | string;

/** The parsed expression. `at` is the character where the tested expression starts (for messages). */
export type WhereExpr =
  | { kind: 'and' | 'or'; args: WhereExpr[] }
  | { kind: 'not'; arg: WhereExpr }
  | { kind: 'compare'; expr: Expr; at: number; op: CompareOp; value: Literal; text: string }
  | { kind: 'empty'; expr: Expr; at: number }
  | { kind: 'in'; expr: Expr; at: number; values: Literal[]; texts: string[] }
  | { kind: 'like'; expr: Expr; at: number; pattern: string }
  | { kind: 'between'; expr: Expr; at: number; low: Literal; high: Literal; texts: [string, string] }
  | { kind: 'regex'; expr: Expr; at: number; pattern: string };

/** The where expression's syntax error (one class with the group-by expressions'). */
export const WhereSyntaxError = ExpressionSyntaxError;
export type WhereSyntaxError = ExpressionSyntaxError;

/** Parses a where expression; throws WhereSyntaxError pointing at the character at fault. */
export function parseWhere(text: string): WhereExpr {
  const c = cursorOf(text);

  function or(): WhereExpr {
    const args = [and()];
    while (c.keyword('or')) {
      c.next();
      args.push(and());
    }
    return args.length === 1 ? args[0]! : { kind: 'or', args };
  }

  function and(): WhereExpr {
    const args = [unary()];
    while (c.keyword('and')) {
      c.next();
      args.push(unary());
    }
    return args.length === 1 ? args[0]! : { kind: 'and', args };
  }

  function unary(): WhereExpr {
    const t = c.peek();
    if (c.keyword('not')) {
      c.next();
      return { kind: 'not', arg: unary() };
    }
    if (t.type === '(') {
      const from = c.k;
      try {
        c.next();
        const inner = or();
        if (c.peek().type !== ')')
          c.fail(`expected ) to close the ( at character ${t.at + 1}, found ${c.describe(c.peek())}`);
        c.next();
        return inner;
      } catch (groupError) {
        // Not a group of tests: perhaps an expression in parentheses, `(a + b) > 3`.
        c.k = from;
        try {
          return test(c);
        } catch {
          throw groupError;
        }
      }
    }
    return test(c);
  }

  const expr = or();
  const rest = c.peek();
  if (rest.type !== 'end')
    c.fail(rest.type === ')' ? 'this ) closes no (' : `expected 'and', 'or' or the end, found ${c.describe(rest)}`);
  return expr;
}

function test(c: Cursor): WhereExpr {
  const name = c.peek();
  if (name.type === 'end') c.fail(c.k === 0 ? 'the expression is empty' : 'expected a column name, found the end');
  if (name.type === 'string') c.fail(`expected a column name, found "${name.text}" (write column = "text")`);
  let expr = parseExpr(c);
  // A bare number on the left is a column name: headerless columns are named 1, 2, ...
  if (expr.kind === 'number') expr = { kind: 'column', name: expr.text, at: expr.at };
  const at = name.at;
  const shown = exprText(c, name.at);
  if (c.keyword('is')) {
    c.next();
    const negated = c.keyword('not');
    if (negated) c.next();
    if (!c.keyword('empty'))
      c.fail(`expected 'empty' after '${negated ? 'is not' : 'is'}', found ${c.describe(c.peek())}`);
    c.next();
    const test: WhereExpr = { kind: 'empty', expr, at };
    return negated ? { kind: 'not', arg: test } : test;
  }
  const negated = c.keyword('not') && ['in', 'like', 'between'].some((w) => c.keyword(w, c.peek(1)));
  if (negated) c.next();
  const t = c.peek();
  let result: WhereExpr;
  if (c.keyword('in')) {
    c.next();
    if (c.peek().type !== '(') c.fail(`expected ( after in, found ${c.describe(c.peek())}`);
    c.next();
    const values: Literal[] = [];
    const texts: string[] = [];
    for (;;) {
      const [v, text] = value(c, 'in (');
      values.push(v);
      texts.push(text);
      if (c.peek().type === ',') c.next();
      else break;
    }
    if (c.peek().type !== ')') c.fail(`expected , or ) in the in list, found ${c.describe(c.peek())}`);
    c.next();
    if (
      typeof values[0] === 'number'
        ? values.some((v) => typeof v !== 'number')
        : values.some((v) => typeof v === 'number')
    )
      c.fail('an in list is all numbers or all quoted texts', t.at);
    result = { kind: 'in', expr, at, values, texts };
  } else if (c.keyword('like')) {
    c.next();
    const p = c.next();
    if (p.type !== 'string') c.fail(`expected a quoted pattern after like, found ${c.describe(p)}`, p.at);
    result = { kind: 'like', expr, at, pattern: p.text };
  } else if (c.keyword('between')) {
    c.next();
    const [low, lowText] = value(c, 'between');
    if (!c.keyword('and')) c.fail(`expected 'and' after between ${lowText}, found ${c.describe(c.peek())}`);
    c.next();
    const [high, highText] = value(c, 'and');
    if (typeof low !== typeof high) c.fail('between takes two numbers or two quoted texts', t.at);
    result = { kind: 'between', expr, at, low, high, texts: [lowText, highText] };
  } else if (t.type === '~') {
    c.next();
    const p = c.next();
    if (p.type !== 'string') c.fail(`expected a quoted regular expression after ~, found ${c.describe(p)}`, p.at);
    // The pattern as written: its backslashes are the regex's own (\d, \.), not escapes.
    const pattern = p.type === 'string' ? p.raw : '';
    const refused = regexRefusal(pattern);
    if (refused !== null) c.fail(refused.reason, p.at + 1 + refused.at);
    result = { kind: 'regex', expr, at, pattern };
  } else if (t.type === 'op') {
    c.next();
    const [v, text] = value(c, t.text, shown);
    result = { kind: 'compare', expr, at, op: t.text, value: v, text };
  } else {
    return c.fail(
      `expected a comparison (=, !=, <, <=, >, >=) or 'is empty' after ${expr.kind === 'column' ? `the column ${expr.name}` : shown}, found ${c.describe(t)}`,
    );
  }
  return negated ? { kind: 'not', arg: result } : result;
}

/** The text of the expression from `from` up to the cursor, for messages. */
function exprText(c: Cursor, from: number): string {
  return c.text.slice(from, c.peek().at).trim();
}

/** A literal: a number or a non-empty quoted text; with the number's text as written. */
function value(c: Cursor, after: string, column?: string): [Literal, string] {
  let v = c.peek();
  let sign = '';
  if (v.type === 'arith' && v.text === '+' && c.peek(1).type === 'word') {
    c.next();
    sign = '+';
    v = c.peek();
  }
  if (v.type === 'string') {
    if (sign !== '') c.fail(`expected a number after +, found ${c.describe(v)}`, v.at);
    if (v.text === '' && column !== undefined)
      c.fail(`an empty field is NULL and equals nothing: write '${column} is empty' (or 'is not empty')`, v.at);
    if (v.text === '') c.fail('an empty field is NULL and equals nothing: use is empty', v.at);
    c.next();
    return [v.text, v.text];
  }
  if (v.type === 'word' && NUMBER.test(v.text)) {
    const n = Number(v.text);
    if (!Number.isFinite(n)) c.fail(`${v.text} is too large a number`, v.at);
    c.next();
    return [n, v.text];
  }
  if (v.type === 'word' && !c.isKeyword(v))
    return c.fail(
      `expected a number or a quoted text after ${after}, found ${v.text} (text goes in quotes: "${v.text}")`,
      v.at,
    );
  return c.fail(`expected a number or a quoted text after ${after}, found ${c.describe(v)}`, v.at);
}

/** The column names an expression reads, in order of first mention. */
export function whereColumns(expr: WhereExpr): string[] {
  const names = new Set<string>();
  const walk = (e: WhereExpr): void => {
    switch (e.kind) {
      case 'and':
      case 'or':
        e.args.forEach(walk);
        break;
      case 'not':
        walk(e.arg);
        break;
      default:
        exprColumns(e.expr, names);
    }
  };
  walk(expr);
  return [...names];
}
