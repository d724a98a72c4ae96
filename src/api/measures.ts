/**
 * Built-in measures, as plain data specs: they are created on the caller's thread and cross to
 * the workers by structured clone, so they hold no functions. The code that runs them is in
 * kinds/aggregate/sink.ts (per-row work, in workers) and kinds/aggregate/merge.ts (partials, on
 * the coordinator).
 */

export interface CountSpec {
  readonly kind: 'count';
}
export interface ColumnMeasureSpec<
  K extends 'sum' | 'min' | 'max' | 'mean' | 'stddev' | 'variance' =
    | 'sum'
    | 'min'
    | 'max'
    | 'mean'
    | 'stddev'
    | 'variance',
> {
  readonly kind: K;
  readonly column: string;
}
export type MeasureSpec = CountSpec | ColumnMeasureSpec;

/** Number of rows in the group. */
export const count = (): CountSpec => ({ kind: 'count' });
/** Sum of the column's numeric values, exact (correctly rounded); `null` when the group has none. */
export const sum = (column: string): ColumnMeasureSpec<'sum'> => ({ kind: 'sum', column });
/** Smallest numeric value; `null` when the group has none. */
export const min = (column: string): ColumnMeasureSpec<'min'> => ({ kind: 'min', column });
/** Largest numeric value; `null` when the group has none. */
export const max = (column: string): ColumnMeasureSpec<'max'> => ({ kind: 'max', column });
/** Arithmetic mean, computed as exact sum / count (never a mean of means); `null` when none. */
export const mean = (column: string): ColumnMeasureSpec<'mean'> => ({ kind: 'mean', column });

/**
 * The sample standard deviation (DuckDB's stddev_samp); `null` with fewer than two values. A
 * double, not exact: Welford's running mean and squared deviations per chunk, merged by Chan's
 * formula, so it can differ between chunkings in the last bits (~1e-15 relative).
 */
export const stddev = (column: string): ColumnMeasureSpec<'stddev'> => ({ kind: 'stddev', column });
/** The sample variance (DuckDB's var_samp); `null` with fewer than two values; computed as stddev. */
export const variance = (column: string): ColumnMeasureSpec<'variance'> => ({ kind: 'variance', column });

export const MEASURE_KINDS = ['count', 'sum', 'min', 'max', 'mean', 'stddev', 'variance'] as const;

export interface AggregateSpec<
  G extends string = string,
  M extends Record<string, MeasureSpec> = Record<string, MeasureSpec>,
> {
  /** Columns to group by. Empty or omitted: one global row. */
  groupBy?: readonly G[];
  /** Output name -> measure. */
  measures: M;
}

/**
 * The type of one result row: group columns as strings, then one field per measure. A sum, min
 * or max of integers beyond 2^53 is a bigint, exact (docs/aggregates.md); a mean is a double.
 */
export type AggregateRow<G extends string, M extends Record<string, MeasureSpec>> = { [K in G]: string } & {
  [K in keyof M]: M[K] extends CountSpec
    ? number
    : M[K] extends ColumnMeasureSpec<'mean' | 'stddev' | 'variance'>
      ? number | null
      : number | bigint | null;
};
