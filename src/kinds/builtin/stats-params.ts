/** The params of the stats task, apart from the task itself (the coordinator needs no more). */

/** Distinct values counted exactly up to here; above it, a HyperLogLog estimate. */
export const DEFAULT_DISTINCT_LIMIT = 10_000;

export interface StatsParams {
  /** Count distinct values exactly up to this many per column. @default 10000 */
  distinctLimit?: number;
}
