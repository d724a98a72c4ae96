/** A checkpoint journal belongs to one reading of the input: its key covers `where`, the encoding and the decimal separator, so another never resumes from it. */
import { expect, test } from 'vitest';
import { validate } from '../../src/plan/validate.ts';
import { checkpointKey } from '../../src/schedule/checkpoint.ts';

const base = { input: '/data/x.csv', aggregate: { measures: { n: { kind: 'count' as const } } } };
const key = (where?: string) =>
  checkpointKey(validate(where === undefined ? base : { ...base, where }), '/data/x.csv', 100, 1, 8);

test('another where, another key; the same where, the same key', () => {
  expect(key('a > 1')).not.toBe(key('a > 2'));
  expect(key('a > 1')).not.toBe(key());
  expect(key('a > 1')).toBe(key('a > 1'));
  expect(key()).toBe(key());
});

test('another encoding or decimal separator, another key; their defaults keep the key they always had', () => {
  const k = (extra: object) => checkpointKey(validate({ ...base, ...extra }), '/data/x.csv', 100, 1, 8);
  expect(k({ encoding: 'latin1' })).not.toBe(key());
  expect(k({ encoding: 'latin1' })).not.toBe(k({ encoding: 'windows-1252' }));
  expect(k({ decimal: ',' })).not.toBe(key());
  expect(k({ encoding: 'utf8', decimal: '.' })).toBe(key());
});
