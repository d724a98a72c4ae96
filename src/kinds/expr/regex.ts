/**
 * `~` (a regular expression) and `like`, for the where filter.
 *
 * `~` is a full match, as DuckDB's `~` (regexp_full_match): the pattern must match the whole
 * field. JavaScript's engine backtracks, so a pattern's cost is bounded here by refusing what
 * makes backtracking explode: backreferences and lookaround (no automaton can run them),
 * a quantifier on a group that holds a quantifier or an alternation (`(a+)+`, `(a|aa)*`: the
 * exponential cases), more than MAX_UNBOUNDED unbounded quantifiers (`*`, `+`, `{n,}`: each one
 * can multiply the work by the field's length), and patterns over MAX_PATTERN characters. What is
 * left costs at most a polynomial of low degree in the field's length, and fields are bounded by
 * maxRecordSize.
 *
 * `like` needs no regex: `%` (any run of characters) and `_` (one character) are matched by the
 * two-pointer wildcard algorithm, O(field x pattern) at worst, whatever the pattern.
 */

export const MAX_PATTERN = 256;
export const MAX_UNBOUNDED = 4;

/** Why a pattern is refused, and the 0-based character in it; null when it is accepted (and compiles). */
export function regexRefusal(pattern: string): { reason: string; at: number } | null {
  if (pattern.length > MAX_PATTERN)
    return { reason: `a regular expression may have at most ${MAX_PATTERN} characters`, at: MAX_PATTERN };
  /** Per open group: whether it holds a quantifier or an alternation. */
  const groups: { risky: boolean }[] = [];
  let unbounded = 0;
  let lastGroupRisky = false;
  let lastWasGroup = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    const closedGroup = lastWasGroup;
    lastWasGroup = false;
    if (ch === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k')
        return { reason: 'backreferences are refused in ~ (they make matching cost grow without bound)', at: i };
      i++;
      continue;
    }
    if (ch === '[') {
      // A class: nothing in it is an operator.
      i++;
      if (pattern[i] === '^') i++;
      if (pattern[i] === ']') i++;
      while (i < pattern.length && pattern[i] !== ']') {
        if (pattern[i] === '\\') i++;
        i++;
      }
      continue;
    }
    if (ch === '(') {
      if (/^\(\?<?[=!]/.test(pattern.slice(i, i + 4)))
        return {
          reason: 'lookahead and lookbehind are refused in ~ (they make matching cost grow without bound)',
          at: i,
        };
      groups.push({ risky: false });
      continue;
    }
    if (ch === ')') {
      const g = groups.pop();
      lastGroupRisky = g?.risky ?? false;
      lastWasGroup = true;
      if (g?.risky && groups.length > 0) groups[groups.length - 1]!.risky = true;
      continue;
    }
    if (ch === '|') {
      if (groups.length > 0) groups[groups.length - 1]!.risky = true;
      continue;
    }
    const quantifier =
      ch === '*' || ch === '+' || ch === '?' || (ch === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(i)));
    if (!quantifier) continue;
    if (closedGroup && lastGroupRisky)
      return {
        reason:
          'a quantifier on a group that holds a quantifier or | is refused in ~ (nested quantifiers can take exponential time)',
        at: i,
      };
    const isUnbounded = ch === '*' || ch === '+' || (ch === '{' && /^\{\d+,\}/.test(pattern.slice(i)));
    if (isUnbounded && ++unbounded > MAX_UNBOUNDED)
      return { reason: `at most ${MAX_UNBOUNDED} unbounded quantifiers (*, +, {n,}) in ~`, at: i };
    if (groups.length > 0) groups[groups.length - 1]!.risky = true;
    if (ch === '{') i = pattern.indexOf('}', i);
    if (pattern[i + 1] === '?' || pattern[i + 1] === '+') i++; // lazy or possessive suffix
  }
  try {
    fullMatch(pattern);
  } catch (e) {
    return {
      reason: `not a regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`,
      at: 0,
    };
  }
  return null;
}

/** The pattern as a JavaScript RegExp that must match the whole text (code points: the u flag). */
export function fullMatch(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`, 'su');
}

/** SQL LIKE (case-sensitive, no escape character, as DuckDB's default): `%` any run, `_` one character. */
export function likeMatcher(pattern: string): (text: string) => boolean {
  const p = Array.from(pattern);
  const plainAscii = !/[^ -~]/.test(pattern); // printable ASCII only
  return (text) => {
    // Code points: a text with a character beyond U+FFFF (or a non-ASCII pattern) is split into them.
    const t = plainAscii && !/[\uD800-\uDFFF]/.test(text) ? text : Array.from(text);
    return like(t, p);
  };
}

function like(t: string | string[], p: string[]): boolean {
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (i < t.length) {
    if (j < p.length && (p[j] === '_' || p[j] === t[i])) {
      i++;
      j++;
    } else if (j < p.length && p[j] === '%') {
      star = j++;
      mark = i;
    } else if (star >= 0) {
      j = star + 1;
      i = ++mark;
    } else return false;
  }
  while (j < p.length && p[j] === '%') j++;
  return j === p.length;
}
