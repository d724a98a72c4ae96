/**
 * The where grammar: what parses to what (precedence, keywords, quoting), and syntax errors that
 * name the character at fault with a caret under it, through processDataset's `where` option.
 */
import { expect, test } from 'vitest';
import { count, processDataset } from 'chunkmill';
import { parseWhere, whereColumns } from '../../src/kinds/filter/parse.ts';
import { rejectionOf } from '../helpers/errors.ts';

test('and binds tighter than or, not tighter than both; keywords in any case', () => {
  expect(parseWhere('a = 1 OR b = 2 and not c > 3')).toMatchObject({
    kind: 'or',
    args: [
      { kind: 'compare', expr: { kind: 'column', name: 'a' }, at: 0, op: '=', value: 1 },
      {
        kind: 'and',
        args: [
          { kind: 'compare', expr: { kind: 'column', name: 'b' }, at: 9, op: '=', value: 2 },
          { kind: 'not', arg: { kind: 'compare', expr: { kind: 'column', name: 'c' }, at: 23, op: '>', value: 3 } },
        ],
      },
    ],
  });
  expect(parseWhere('(a = 1 or b = 2) and c is not empty')).toMatchObject({
    kind: 'and',
    args: [
      {
        kind: 'or',
        args: [
          { kind: 'compare', expr: { kind: 'column', name: 'a' }, at: 1, op: '=', value: 1 },
          { kind: 'compare', expr: { kind: 'column', name: 'b' }, at: 10, op: '=', value: 2 },
        ],
      },
      { kind: 'not', arg: { kind: 'empty', expr: { kind: 'column', name: 'c' }, at: 21 } },
    ],
  });
});

test('operators, numbers, both quotes, escapes, and `quoted names`', () => {
  const ops = ['=', '==', '!=', '<>', '<', '<=', '>', '>='].map((op) => parseWhere(`x${op}-1.5e2`));
  expect(ops.map((e) => (e.kind === 'compare' ? [e.op, e.value] : null))).toEqual([
    ['=', -150],
    ['=', -150],
    ['!=', -150],
    ['!=', -150],
    ['<', -150],
    ['<=', -150],
    ['>', -150],
    ['>=', -150],
  ]);
  expect(parseWhere(`note = 'it\\'s "ok"'`)).toMatchObject({ value: `it's "ok"` });
  expect(parseWhere('`unit price` >= 10')).toMatchObject({ expr: { kind: 'column', name: 'unit price' }, value: 10 });
  expect(parseWhere('1 = "x"')).toMatchObject({ expr: { kind: 'column', name: '1' }, value: 'x' }); // headerless columns are named 1, 2, ...
  expect(whereColumns(parseWhere('a > 1 and (b = "x" or a < 5) and c is empty'))).toEqual(['a', 'b', 'c']);
});

/** The error processDataset rejects with for `where`, before any thread starts. */
async function whereError(where: string) {
  const error = await rejectionOf(
    processDataset({ input: [{ a: 1 }], where, aggregate: { measures: { n: count() } } }).result,
  );
  expect(error.code).toBe('ERR_INVALID_OPTION');
  expect(error.option).toBe('where');
  return error.message;
}

test.each([
  ['delay > and origin = "LAS"', 'expected a number or a quoted text after >, found the keyword and', 8],
  ['origin = LAS', 'expected a number or a quoted text after =, found LAS (text goes in quotes: "LAS")', 9],
  ['delay >', 'expected a number or a quoted text after >, found the end', 7],
  ['(delay > 1', 'expected ) to close the ( at character 1, found the end', 10],
  ['delay > 1)', 'this ) closes no (', 9],
  ['delay 60', "expected a comparison (=, !=, <, <=, >, >=) or 'is empty' after the column delay, found 60", 6],
  ['origin = "LAS', 'this text has no closing "', 9],
  ['origin is blank', "expected 'empty' after 'is', found blank", 10],
  ['origin = ""', "an empty field is NULL and equals nothing: write 'origin is empty' (or 'is not empty')", 9],
  ['delay ! 3', "'!' is not an operator here: write != or not", 6],
  ['', 'the expression is empty', 0],
  ['a = 1 b = 2', "expected 'and', 'or' or the end, found b", 6],
])('%j: %s, with a caret under character %i', async (where, reason, at) => {
  expect(await whereError(where)).toBe(
    `Invalid option "where": ${reason} (character ${at + 1}):\n  ${where}\n  ${' '.repeat(at)}^`,
  );
});

test('a where that is not a string', async () => {
  const error = await rejectionOf(
    processDataset({ input: [{ a: 1 }], where: 5 as never, aggregate: { measures: { n: count() } } }).result,
  );
  expect(error.message).toBe('Invalid option "where": expected an expression as a string, got 5');
});
