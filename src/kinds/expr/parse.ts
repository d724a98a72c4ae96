/**
 * Value expressions, for group keys (`-g 'month(date)'`) and the left side of a `--where` test:
 *
 *   expr    := term (('+' | '-') term)*
 *   term    := factor (('*' | '/') factor)*
 *   factor  := number | "text" | column | name '(' [expr (',' expr)*] ')' | '(' expr ')' | '-' factor
 *
 * Parsed by hand over tokens.ts's tokens; names are resolved (columns, functions) in compile.ts,
 * where the input's columns are known. `at` is the 0-based character each node starts at.
 */
import { ExpressionSyntaxError, NUMBER, type ArithOp, type Token, tokenize } from './tokens.js';

export type Expr =
  | { kind: 'column'; name: string; at: number }
  | { kind: 'number'; value: number; text: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'call'; name: string; args: Expr[]; at: number }
  | { kind: 'binary'; op: ArithOp; left: Expr; right: Expr; at: number }
  | { kind: 'negate'; arg: Expr; at: number };

/** Words that are never a column name in a where expression. */
export const KEYWORDS = new Set(['and', 'or', 'not', 'is', 'empty', 'in', 'like', 'between', 'as']);

/** A position in a token list, shared by the where parser and the expression parser. */
export class Cursor {
  k = 0;
  constructor(
    readonly text: string,
    readonly tokens: Token[],
  ) {}
  peek(offset = 0): Token {
    return this.tokens[Math.min(this.k + offset, this.tokens.length - 1)]!;
  }
  next(): Token {
    return this.tokens[this.k++]!;
  }
  fail(reason: string, at = this.peek().at): never {
    throw new ExpressionSyntaxError(reason, this.text, at);
  }
  keyword(word: string, t = this.peek()): boolean {
    return t.type === 'word' && t.text.toLowerCase() === word;
  }
  isKeyword(t: Token): boolean {
    return t.type === 'word' && KEYWORDS.has(t.text.toLowerCase());
  }
  describe(t: Token): string {
    if (t.type === 'end') return 'the end';
    if (t.type === 'string') return `"${t.text}"`;
    if (t.type === 'quoted-name') return `\`${t.text}\``;
    return this.isKeyword(t) ? `the keyword ${t.text}` : t.text;
  }
}

export function cursorOf(text: string): Cursor {
  return new Cursor(
    text,
    tokenize(text, (reason, at) => new ExpressionSyntaxError(reason, text, at)),
  );
}

/** An expression starting at the cursor; stops at the first token that cannot continue it. */
export function parseExpr(c: Cursor): Expr {
  let left = term(c);
  for (;;) {
    const t = c.peek();
    if (t.type === 'arith' && (t.text === '+' || t.text === '-')) {
      c.next();
      left = { kind: 'binary', op: t.text, left, right: term(c), at: left.at };
    } else if (t.type === 'word' && /^[+-]/.test(t.text) && NUMBER.test(t.text)) {
      // `a -1`: the tokenizer kept the sign on the number.
      c.next();
      const right: Expr = { kind: 'number', value: Math.abs(Number(t.text)), text: t.text.slice(1), at: t.at + 1 };
      left = { kind: 'binary', op: t.text[0] as ArithOp, left, right, at: left.at };
    } else return left;
  }
}

function term(c: Cursor): Expr {
  let left = factor(c);
  for (;;) {
    const t = c.peek();
    if (t.type !== 'arith' || (t.text !== '*' && t.text !== '/')) return left;
    c.next();
    left = { kind: 'binary', op: t.text, left, right: factor(c), at: left.at };
  }
}

function factor(c: Cursor): Expr {
  const t = c.peek();
  if (t.type === 'arith' && t.text === '-') {
    c.next();
    return { kind: 'negate', arg: factor(c), at: t.at };
  }
  if (t.type === '(') {
    c.next();
    const inner = parseExpr(c);
    if (c.peek().type !== ')')
      c.fail(`expected ) to close the ( at character ${t.at + 1}, found ${c.describe(c.peek())}`);
    c.next();
    return inner;
  }
  if (t.type === 'string') {
    c.next();
    return { kind: 'string', value: t.text, at: t.at };
  }
  if (t.type === 'quoted-name') {
    c.next();
    return { kind: 'column', name: t.text, at: t.at };
  }
  if (t.type !== 'word') return c.fail(`expected a column name, found ${c.describe(t)}`);
  if (NUMBER.test(t.text)) {
    c.next();
    const value = Number(t.text);
    if (!Number.isFinite(value)) c.fail(`${t.text} is too large a number`, t.at);
    return { kind: 'number', value, text: t.text, at: t.at };
  }
  if (c.isKeyword(t))
    c.fail(`expected a column name, found the keyword ${t.text} (a column of that name is written \`${t.text}\`)`);
  c.next();
  if (c.peek().type !== '(') return { kind: 'column', name: t.text, at: t.at };
  const open = c.next();
  const args: Expr[] = [];
  if (c.peek().type !== ')') {
    args.push(parseExpr(c));
    while (c.peek().type === ',') {
      c.next();
      args.push(parseExpr(c));
    }
  }
  if (c.peek().type !== ')')
    c.fail(
      `expected , or ) in the call of ${t.text} opened at character ${open.at + 1}, found ${c.describe(c.peek())}`,
    );
  c.next();
  return { kind: 'call', name: t.text, args, at: t.at };
}

/** A group-by item: an expression, optionally `as name`. */
export interface GroupItem {
  expr: Expr;
  /** The output column: the alias, else the text as written (trimmed). */
  name: string;
}

/** Parses `-g` items such as `month(date)` or `lower(city) as town`; throws ExpressionSyntaxError. */
export function parseGroupItem(text: string): GroupItem {
  const c = cursorOf(text);
  const expr = parseExpr(c);
  let end = c.peek().at;
  let name: string | undefined;
  if (c.keyword('as')) {
    c.next();
    const alias = c.next();
    if (alias.type !== 'word' && alias.type !== 'quoted-name')
      c.fail(`expected a name after 'as', found ${c.describe(alias)}`, alias.at);
    name = alias.text;
    end = alias.at;
  }
  if (c.peek().type !== 'end') c.fail(`expected an operator, 'as' or the end, found ${c.describe(c.peek())}`);
  return { expr, name: name ?? text.slice(0, end).trim() };
}

/** The column names an expression reads, in order of first mention. */
export function exprColumns(e: Expr, into: Set<string> = new Set()): Set<string> {
  switch (e.kind) {
    case 'column':
      into.add(e.name);
      break;
    case 'call':
      for (const a of e.args) exprColumns(a, into);
      break;
    case 'binary':
      exprColumns(e.left, into);
      exprColumns(e.right, into);
      break;
    case 'negate':
      exprColumns(e.arg, into);
      break;
  }
  return into;
}

/** Splits a `-g` list at the commas outside parentheses and quotes: `date_trunc('month', d),region`. */
export function splitGroupList(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quote = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote !== '') {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      items.push(text.slice(from, i));
      from = i + 1;
    }
  }
  items.push(text.slice(from));
  return items;
}
