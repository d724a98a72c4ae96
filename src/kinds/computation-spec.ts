/**
 * What phase B computes for each chunk, as plain data sent with every parse task: the built-in
 * aggregate compiled against the columns, or a user module with its params and policies, and the
 * where filter in front of either.
 */
import type { AggregatePlan } from './aggregate/plan.js';
import type { FilterPlan } from './filter/compile.js';
import type { UserSpec } from './user/sinks.js';

/**
 * `filter`: the where option, compiled; records that fail it never reach the computation.
 * `decimal`: ',' under the decimal option (absent: '.'), set in the thread before each chunk.
 * `encoding`: a single-byte encoding of the input (absent: UTF-8), read by a TranscodingSink.
 */
export type ComputationSpec = ({ kind: 'aggregate'; plan: AggregatePlan } | UserSpec) & {
  filter?: FilterPlan;
  decimal?: ',';
  encoding?: 'latin1' | 'windows-1252';
};

/** The column names the records of this computation are read against. */
export function columnsOf(spec: ComputationSpec): readonly string[] {
  return spec.kind === 'aggregate' ? spec.plan.columnNames : spec.columns;
}
