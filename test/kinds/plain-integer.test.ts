/**
 * The quantile's own read of a plain integer field (group-measures-bytes.ts plainInteger) against
 * the Row's parser (csv/fields.ts parseNumberInto): random short fields of digits, signs, points,
 * exponents and spaces; where plainInteger gives a number it is the parser's (-0 kept apart from
 * 0), and every field of an optional '-' and 1 to 15 digits takes it (the fast path is taken).
 */
import { expect, test } from 'vitest';
import { parseNumberInto } from '../../src/csv/fields.ts';
import { plainInteger } from '../../src/kinds/builtin/group-measures-bytes.ts';
import { rng } from '../helpers/random-csv.ts';

const PLAIN = /^-?\d{1,15}$/;

test('plainInteger: the parser’s number where it gives one, and it gives one for every plain integer', () => {
  const random = rng(3);
  const fields = ['', '-', '-0', '0', '000', '007', '-007', '999999999999999', '-999999999999999', '1000000000000000'];
  for (let k = 0; k < 20_000; k++) {
    const alphabet = random() < 0.7 ? '0123456789' : '0123456789-+. e';
    let s = random() < 0.3 ? '-' : '';
    const length = Math.floor(random() * 18);
    for (let i = 0; i < length; i++) s += alphabet[Math.floor(random() * alphabet.length)];
    fields.push(s);
  }
  const out = new Float64Array(1);
  let plain = 0;
  for (const s of fields) {
    // Behind other bytes, as a field lies in a read buffer.
    const buf = Buffer.from(`9,${s},9`, 'latin1');
    const v = plainInteger(buf, 2, 2 + s.length);
    if (PLAIN.test(s)) {
      plain++;
      expect(parseNumberInto(buf, 2, 2 + s.length, out, 0), s).toBe(true);
      expect(Object.is(v, out[0]), `${s}: ${v} vs ${out[0]}`).toBe(true);
    } else expect(v, s).toBeNaN();
  }
  expect(plain).toBeGreaterThan(5000);
});
