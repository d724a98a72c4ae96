/**
 * Numbers parsed from bytes (src/csv/fields.ts) are the very double Number() gives for the same
 * text, on the fast path (<= 15 digits, no exponent) and the slow one; anything else is refused.
 */
import { describe, expect, test } from 'vitest';
import { parseNumberInto } from '../../src/csv/fields.ts';
import { rng } from '../helpers/random-csv.ts';

const out = new Float64Array(1);
function parse(text: string): number | null {
  const buf = Buffer.from(`x${text}y`); // not at offset 0, and bounded by other bytes
  return parseNumberInto(buf, 1, buf.length - 1, out, 0) ? out[0]! : null;
}

describe('parseNumberInto', () => {
  test('random decimals give exactly Number(text)', () => {
    const random = rng(99);
    for (let i = 0; i < 20_000; i++) {
      const intDigits = Math.floor(random() * 18);
      const fracDigits = Math.floor(random() * 18);
      let text = random() < 0.3 ? '-' : random() < 0.1 ? '+' : '';
      for (let d = 0; d < intDigits; d++) text += Math.floor(random() * 10);
      if (fracDigits > 0 || intDigits === 0) text += '.';
      for (let d = 0; d < fracDigits || (intDigits === 0 && d === 0); d++) text += Math.floor(random() * 10);
      if (random() < 0.2) text += `e${random() < 0.5 ? '-' : ''}${Math.floor(random() * 30)}`;
      expect(Object.is(parse(text), Number(text)), text).toBe(true);
    }
  });

  test.each([
    ['0', 0],
    ['-0', -0],
    ['12', 12],
    ['3.50', 3.5],
    ['.5', 0.5],
    ['5.', 5],
    ['  7 ', 7],
    ['\t-2.25', -2.25],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['0.1', 0.1],
    ['123456789012345.6', 123456789012345.6],
    ['9007199254740993', 9007199254740992],
  ])('%j -> %d', (text, value) => {
    expect(Object.is(parse(text), value)).toBe(true);
  });

  test.each([
    '',
    ' ',
    '-',
    '+',
    '.',
    'abc',
    '1,5',
    '1.2.3',
    '12abc',
    'NaN',
    'Infinity',
    '0x10',
    '1e',
    '1e400',
    '--1',
    '١٢',
  ])('%j is not a number', (text) => {
    expect(parse(text)).toBeNull();
  });
});
