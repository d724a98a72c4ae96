/**
 * An expression resolved against the input's columns, once per job on the coordinator: column
 * names become field indexes, function names are checked with their arguments. The result is
 * plain data (it crosses to the workers with each chunk request), which eval.ts turns into a
 * closure per chunk.
 */
import { closestMatch } from 'leven';
import { ChunkmillError } from '../../errors.js';
import { unknownColumn } from '../unknown-column.js';
import type { Expr } from './parse.js';
import type { ArithOp } from './tokens.js';

export type DateUnit = 'year' | 'month' | 'day' | 'hour';
export type ExprType = 'number' | 'text' | 'any';

export type ExprSpec =
  | { kind: 'field'; field: number }
  | { kind: 'number'; value: number }
  | { kind: 'text'; value: string }
  | { kind: 'part'; unit: DateUnit; arg: ExprSpec }
  | { kind: 'trunc'; unit: DateUnit; arg: ExprSpec }
  | { kind: 'case'; upper: boolean; arg: ExprSpec }
  | { kind: 'substr'; arg: ExprSpec; start: number; length?: number }
  | { kind: 'arith'; op: ArithOp; left: ExprSpec; right: ExprSpec }
  | { kind: 'negate'; arg: ExprSpec };

const UNITS: readonly DateUnit[] = ['year', 'month', 'day', 'hour'];
export const FUNCTIONS = ['year', 'month', 'day', 'hour', 'date_trunc', 'lower', 'upper', 'substr'] as const;

/** ERR_INVALID_OPTION naming the option: what is wrong, then the expression with a caret under the character. */
export function expressionError(
  text: string,
  at: number,
  reason: string,
  option: string,
  hint?: string,
): ChunkmillError {
  const shown = text.replace(/[\r\n\t]/g, ' ');
  return new ChunkmillError({
    code: 'ERR_INVALID_OPTION',
    message: `Invalid option "${option}": ${reason} (character ${at + 1}):\n  ${shown}\n  ${' '.repeat(Math.min(at, shown.length))}^`,
    option,
    ...(hint !== undefined ? { hint } : {}),
  });
}

/** The static type of a compiled expression: a column is either, until a test reads it. */
export function typeOf(e: ExprSpec): ExprType {
  switch (e.kind) {
    case 'field':
      return 'any';
    case 'number':
    case 'part':
    case 'arith':
    case 'negate':
      return 'number';
    default:
      return 'text';
  }
}

export function compileExpr(
  text: string,
  expr: Expr,
  columnNames: readonly string[],
  option: string,
  file: string | undefined,
): ExprSpec {
  const fail = (at: number, reason: string, hint?: string): never => {
    throw expressionError(text, at, reason, option, hint);
  };
  const numeric = (e: Expr): ExprSpec => {
    const s = walk(e);
    if (typeOf(s) === 'text') fail(e.at, 'this is text, not a number');
    return s;
  };
  const textual = (e: Expr): ExprSpec => {
    const s = walk(e);
    if (typeOf(s) === 'number') fail(e.at, 'this is a number, not text');
    return s;
  };
  const literal = (e: Expr | undefined, what: string): number => {
    if (e?.kind === 'number' && Number.isInteger(e.value)) return e.value;
    if (e?.kind === 'negate' && e.arg.kind === 'number' && Number.isInteger(e.arg.value)) return -e.arg.value;
    return fail(e?.at ?? 0, `${what} must be a whole number written as is`);
  };
  const walk = (e: Expr): ExprSpec => {
    switch (e.kind) {
      case 'column': {
        const field = columnNames.indexOf(e.name);
        if (field < 0) {
          const error = unknownColumn(e.name, option, columnNames, file);
          throw new ChunkmillError({
            ...error.toData(),
            message: `${error.message} (in ${JSON.stringify(text)} at character ${e.at + 1})`,
          });
        }
        return { kind: 'field', field };
      }
      case 'number':
        return { kind: 'number', value: e.value };
      case 'string':
        return { kind: 'text', value: e.value };
      case 'negate':
        return { kind: 'negate', arg: numeric(e.arg) };
      case 'binary':
        return { kind: 'arith', op: e.op, left: numeric(e.left), right: numeric(e.right) };
      case 'call':
        return call(e);
    }
  };
  const call = (e: Extract<Expr, { kind: 'call' }>): ExprSpec => {
    const name = e.name.toLowerCase();
    const arity = (min: number, max = min) => {
      if (e.args.length < min || e.args.length > max)
        fail(
          e.at,
          `${name}() takes ${min === max ? min : `${min} or ${max}`} argument${max === 1 ? '' : 's'}, not ${e.args.length}`,
        );
    };
    switch (name) {
      case 'year':
      case 'month':
      case 'day':
      case 'hour':
        arity(1);
        return { kind: 'part', unit: name, arg: textual(e.args[0]!) };
      case 'date_trunc': {
        arity(2);
        const unit = e.args[0]!;
        if (unit.kind !== 'string' || !UNITS.includes(unit.value.toLowerCase() as DateUnit))
          fail(unit.at, `date_trunc's first argument is one of ${UNITS.map((u) => `'${u}'`).join(', ')}`);
        return {
          kind: 'trunc',
          unit: (unit as { value: string }).value.toLowerCase() as DateUnit,
          arg: textual(e.args[1]!),
        };
      }
      case 'lower':
      case 'upper':
        arity(1);
        return { kind: 'case', upper: name === 'upper', arg: textual(e.args[0]!) };
      case 'substr':
      case 'substring': {
        arity(2, 3);
        const start = literal(e.args[1], "substr's start");
        if (e.args.length === 2) return { kind: 'substr', arg: textual(e.args[0]!), start };
        const length = literal(e.args[2], "substr's length");
        if (length < 0) fail(e.args[2]!.at, "substr's length cannot be negative");
        return { kind: 'substr', arg: textual(e.args[0]!), start, length };
      }
      default: {
        const near = closestMatch(name, [...FUNCTIONS], { maxDistance: 2 });
        return fail(
          e.at,
          `unknown function ${e.name}()`,
          near !== undefined
            ? `did you mean ${near}()? The functions are ${FUNCTIONS.join(', ')}`
            : `the functions are ${FUNCTIONS.join(', ')}`,
        );
      }
    }
  };
  return walk(expr);
}
