/**
 * The `where` filter's grammar, parsed by hand (recursive descent; no eval, no generated code):
 *
 *   where      := or
 *   or         := and ('or' and)*
 *   and        := unary ('and' unary)*
 *   unary      := 'not' unary | '(' or ')' | test
 *   test       := column compare value | column 'is' ['not'] 'empty'
 *   compare    := '=' | '==' | '!=' | '<>' | '<' | '<=' | '>' | '>='
 *   column     := word | `any text`          (a word: letters, digits and _ . - $ ... up to a space, operator, quote or paren)
 *   value      := number | "text" | 'text'   (a backslash escapes the next character inside quotes)
 *
 * Keywords are case-insensitive; `and` binds tighter than `or`, `not` tighter than both. A bare
 * word on the right of a comparison must be a number: `origin = LAS` is refused with a hint to
 * quote it, so a typo never turns into a silent column-vs-text comparison.
 *
 * Errors are WhereSyntaxError with the 0-based character `at` fault; `describe()` draws the
 * expression with a caret under it.
 */

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** The parsed expression. `at` is the character where the column name starts (for messages). */
export type WhereExpr =
  | { kind: 'and' | 'or'; args: WhereExpr[] }
  | { kind: 'not'; arg: WhereExpr }
  | { kind: 'compare'; column: string; at: number; op: CompareOp; value: number | string }
  | { kind: 'empty'; column: string; at: number };

export class WhereSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly text: string,
    readonly at: number,
  ) {
    super(`${reason} (character ${at + 1})`);
    this.name = 'WhereSyntaxError';
  }

  /** The message, then the expression and a caret under the character at fault. */
  describe(): string {
    const shown = this.text.replace(/[\r\n\t]/g, ' ');
    return `${this.message}:\n  ${shown}\n  ${' '.repeat(Math.min(this.at, shown.length))}^`;
  }
}

type Token =
  | { type: 'word' | 'string' | 'quoted-name'; text: string; at: number }
  | { type: 'op'; text: CompareOp; at: number }
  | { type: '(' | ')' | 'end'; text: string; at: number };

const OPS: Record<string, CompareOp> = {
  '=': '=',
  '==': '=',
  '!=': '!=',
  '<>': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};
/** Characters that end a word. */
const BREAK = /[\s()=!<>"'`]/;
const KEYWORDS = new Set(['and', 'or', 'not', 'is', 'empty']);
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (c === '(' || c === ')') {
      tokens.push({ type: c, text: c, at });
      i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (OPS[two] !== undefined) {
      tokens.push({ type: 'op', text: OPS[two], at });
      i += 2;
      continue;
    }
    if (OPS[c] !== undefined) {
      tokens.push({ type: 'op', text: OPS[c], at });
      i++;
      continue;
    }
    if (c === '!') throw new WhereSyntaxError("'!' is not an operator here: write != or not", text, at);
    if (c === '"' || c === "'" || c === '`') {
      let value = '';
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
      if (i >= text.length)
        throw new WhereSyntaxError(
          c === '`' ? 'this column name has no closing `' : `this text has no closing ${c}`,
          text,
          at,
        );
      i++;
      tokens.push({ type: c === '`' ? 'quoted-name' : 'string', text: value, at });
      continue;
    }
    while (i < text.length && !BREAK.test(text[i]!)) i++;
    tokens.push({ type: 'word', text: text.slice(at, i), at });
  }
  tokens.push({ type: 'end', text: '', at: text.length });
  return tokens;
}

/** Parses a where expression; throws WhereSyntaxError pointing at the character at fault. */
export function parseWhere(text: string): WhereExpr {
  const tokens = tokenize(text);
  let k = 0;
  const peek = () => tokens[k]!;
  const fail = (reason: string, at = peek().at): never => {
    throw new WhereSyntaxError(reason, text, at);
  };
  const keyword = (t: Token, word: string) => t.type === 'word' && t.text.toLowerCase() === word;
  const isKeyword = (t: Token) => t.type === 'word' && KEYWORDS.has(t.text.toLowerCase());
  const describe = (t: Token) =>
    t.type === 'end'
      ? 'the end'
      : t.type === 'string'
        ? `"${t.text}"`
        : t.type === 'quoted-name'
          ? `\`${t.text}\``
          : isKeyword(t)
            ? `the keyword ${t.text}`
            : t.text;

  function or(): WhereExpr {
    const args = [and()];
    while (keyword(peek(), 'or')) {
      k++;
      args.push(and());
    }
    return args.length === 1 ? args[0]! : { kind: 'or', args };
  }

  function and(): WhereExpr {
    const args = [unary()];
    while (keyword(peek(), 'and')) {
      k++;
      args.push(unary());
    }
    return args.length === 1 ? args[0]! : { kind: 'and', args };
  }

  function unary(): WhereExpr {
    const t = peek();
    if (keyword(t, 'not')) {
      k++;
      return { kind: 'not', arg: unary() };
    }
    if (t.type === '(') {
      k++;
      const inner = or();
      if (peek().type !== ')') fail(`expected ) to close the ( at character ${t.at + 1}, found ${describe(peek())}`);
      k++;
      return inner;
    }
    return test();
  }

  function test(): WhereExpr {
    const name = peek();
    if (name.type === 'end') fail(k === 0 ? 'the expression is empty' : 'expected a column name, found the end');
    if (name.type !== 'word' && name.type !== 'quoted-name')
      fail(
        `expected a column name, found ${describe(name)}${name.type === 'string' ? ' (write column = "text")' : ''}`,
      );
    if (isKeyword(name))
      fail(
        `expected a column name, found the keyword ${name.text} (a column of that name is written \`${name.text}\`)`,
      );
    k++;
    const column = name.text;
    const t = peek();
    if (keyword(t, 'is')) {
      k++;
      const negated = keyword(peek(), 'not');
      if (negated) k++;
      if (!keyword(peek(), 'empty'))
        fail(`expected 'empty' after '${negated ? 'is not' : 'is'}', found ${describe(peek())}`);
      k++;
      const test: WhereExpr = { kind: 'empty', column, at: name.at };
      return negated ? { kind: 'not', arg: test } : test;
    }
    if (t.type !== 'op')
      fail(
        `expected a comparison (=, !=, <, <=, >, >=) or 'is empty' after the column ${column}, found ${describe(t)}`,
      );
    k++;
    const v = peek();
    let value: number | string;
    if (v.type === 'string') {
      if (v.text === '')
        fail(`an empty field is NULL and equals nothing: write '${column} is empty' (or 'is not empty')`, v.at);
      value = v.text;
    } else if (v.type === 'word' && NUMBER.test(v.text)) {
      value = Number(v.text);
      if (!Number.isFinite(value)) fail(`${v.text} is too large a number`, v.at);
    } else if (v.type === 'word' && !isKeyword(v)) {
      return fail(
        `expected a number or a quoted text after ${t.text}, found ${v.text} (text goes in quotes: "${v.text}")`,
        v.at,
      );
    } else {
      return fail(`expected a number or a quoted text after ${t.text}, found ${describe(v)}`, v.at);
    }
    k++;
    return { kind: 'compare', column, at: name.at, op: t.text as CompareOp, value };
  }

  const expr = or();
  const rest = peek();
  if (rest.type !== 'end')
    fail(rest.type === ')' ? 'this ) closes no (' : `expected 'and', 'or' or the end, found ${describe(rest)}`);
  return expr;
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
        names.add(e.column);
    }
  };
  walk(expr);
  return [...names];
}
