/** What a job's `result` resolves to, per kind of job. Types only. */
import type { JobStats } from './events.js';

/**
 * A group-by aggregate: one row per group, in order of first appearance in the input. A sum, min
 * or max that is an integer beyond Number.MAX_SAFE_INTEGER comes as a BigInt, exactly.
 */
export interface AggregateResult<Row = Record<string, string | number | bigint | null>> {
  rows: Row[];
  stats: JobStats;
}

/** A user task. */
export interface TaskResult<R = unknown> {
  /** finalize(combine of every chunk's accumulator), or that accumulator without finalize. */
  value: R;
  stats: JobStats;
}

/** A user transform: its rows went to the output, in input order. */
export interface TransformResult {
  /** Rows read (stats.rows). */
  rowsIn: number;
  rowsOut: number;
  bytesWritten: number;
  stats: JobStats;
}
