/**
 * min and max where a value may be an integer beyond the safe range (csv/big-integer.ts): such a
 * value is kept as its nearest double, which orders it among doubles, and its BigInt, which
 * decides between values whose doubles are equal. Rounding is monotone, so two values whose
 * doubles differ are in the order of their doubles; only equal doubles need the exact values,
 * and JavaScript compares a BigInt with a number exactly.
 */

/**
 * Whether (d, exact) should replace the current extreme (e, current) as the min (`lower`) or
 * the max. Strict, as every extreme here: of tied values the first one stays.
 */
export function replacesExtreme(
  lower: boolean,
  d: number,
  exact: bigint | undefined,
  e: number,
  current: bigint | undefined,
): boolean {
  if (d !== e) return lower ? d < e : d > e;
  if (exact === undefined && current === undefined) return false;
  const x = exact ?? d;
  const y = current ?? e;
  return lower ? x < y : x > y;
}
