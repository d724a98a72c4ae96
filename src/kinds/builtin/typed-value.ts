/**
 * Typed JSON output (`convert --types`, `aggregate --types`): a field's text as the JSON value it
 * reads as. Decided per value, not per column: a streamed output cannot know the rest of a column
 * before writing its first row, and a sample can be wrong about row 10 million.
 *
 * - empty text is null (an empty field is NULL, as everywhere in chunkmill);
 * - text written as JSON writes a number (`-12`, `3.50`, `1e6`; no `+`, no leading zeros, no
 *   spaces, no `.5`) becomes that number, if a double holds it exactly: at most 15 significant
 *   digits, so `3.50` is 3.5 but a 19-digit id stays text rather than being rounded;
 * - everything else stays text: `007` (a code, not a number), `true`, `N/A`.
 *
 * So one column may mix numbers and text when its values do; `007` and `7` stay distinct.
 */

/** JSON's number grammar but for its leading-zero rule, which hasLeadingZero states for stats too. */
const JSON_NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const LEADING_ZERO = /^\s*[+-]?0\d/;

/**
 * Whether a number's text starts with a zero followed by a digit (`007`, `00501`, `-01.5`): a
 * code, not a quantity, so text, in `convert --types` and in `stats` alike (`0`, `0.5` are numbers).
 */
export function hasLeadingZero(text: string): boolean {
  const first = text.charCodeAt(0);
  // Most numbers start with 1-9: no expression to run (stats asks for every value of a column).
  return !(first >= 49 && first <= 57) && LEADING_ZERO.test(text);
}
import { numberText } from '../../csv/fields.js';

/** 15 significant digits always survive a round trip through a double. */
const EXACT_DIGITS = 15;

export function typedValue(raw: string): string | number | null {
  if (raw === '') return null;
  const text = numberText(raw); // under a decimal comma `1,5` is the number 1.5
  if (text.length > 40 || !JSON_NUMBER.test(text) || hasLeadingZero(text)) return raw;
  const mantissa = text
    .replace(/[eE].*$/, '')
    .replace(/[-.]/g, '')
    .replace(/^0+/, '');
  const significant = mantissa.replace(/0+$/, '').length;
  if (significant > EXACT_DIGITS) return raw;
  const n = Number(text);
  return Number.isFinite(n) ? n : raw;
}
