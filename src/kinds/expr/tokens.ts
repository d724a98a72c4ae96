/**
 * The tokens of `--where` and of group-by expressions (one tokenizer, so a column name, a quoted
 * text and a number read the same in both). A word runs up to a space, an operator, a quote, a
 * paren or a comma: `dep-delay` and `a.b` stay one word (so `-` between words needs spaces to be
 * a minus: `a - b`); `+`, `*`, `/`, `,` and `~` always end a word. A column whose name holds one
 * of those is written in backticks.
 */

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type ArithOp = '+' | '-' | '*' | '/';

export type Token =
  | { type: 'word' | 'quoted-name'; text: string; at: number }
  /** `raw`: the text between the quotes with only \<quote> undone, backslashes kept (a regex's \d). */
  | { type: 'string'; text: string; raw: string; at: number }
  | { type: 'op'; text: CompareOp; at: number }
  | { type: 'arith'; text: ArithOp; at: number }
  | { type: '(' | ')' | ',' | '~' | 'end'; text: string; at: number };

/** A syntax error at a 0-based character of the text; describe() draws a caret under it. */
export class ExpressionSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly text: string,
    readonly at: number,
  ) {
    super(`${reason} (character ${at + 1})`);
    this.name = 'ExpressionSyntaxError';
  }

  /** The message, then the expression and a caret under the character at fault. */
  describe(): string {
    const shown = this.text.replace(/[\r\n\t]/g, ' ');
    return `${this.message}:\n  ${shown}\n  ${' '.repeat(Math.min(this.at, shown.length))}^`;
  }
}

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
const BREAK = /[\s()=!<>"'`,+*/~]/;
export const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function tokenize(text: string, make: (reason: string, at: number) => Error): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (c === '(' || c === ')' || c === ',' || c === '~') {
      tokens.push({ type: c, text: c, at });
      i++;
      continue;
    }
    if (c === '+' || c === '*' || c === '/') {
      tokens.push({ type: 'arith', text: c, at });
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
    if (c === '!') throw make("'!' is not an operator here: write != or not", at);
    if (c === '"' || c === "'" || c === '`') {
      let value = '';
      let raw = '';
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < text.length) {
          i++;
          if (text[i] !== c) raw += '\\';
        }
        value += text[i];
        raw += text[i];
        i++;
      }
      if (i >= text.length)
        throw make(c === '`' ? 'this column name has no closing `' : `this text has no closing ${c}`, at);
      i++;
      tokens.push(c === '`' ? { type: 'quoted-name', text: value, at } : { type: 'string', text: value, raw, at });
      continue;
    }
    while (i < text.length && !BREAK.test(text[i]!)) i++;
    const word = text.slice(at, i);
    // A lone '-' is the minus of `a - b`.
    if (word === '-') tokens.push({ type: 'arith', text: '-', at });
    else tokens.push({ type: 'word', text: word, at });
  }
  tokens.push({ type: 'end', text: '', at: text.length });
  return tokens;
}
