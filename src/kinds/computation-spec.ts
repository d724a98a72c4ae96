/**
 * What phase B computes for each chunk, as plain data sent with every parse task: the built-in
 * aggregate compiled against the columns, or a user module with its params and policies.
 */
import type { AggregatePlan } from './aggregate/plan.js';
import type { UserSpec } from './user/sinks.js';

export type ComputationSpec = { kind: 'aggregate'; plan: AggregatePlan } | UserSpec;

/** The column names the records of this computation are read against. */
export function columnsOf(spec: ComputationSpec): readonly string[] {
  return spec.kind === 'aggregate' ? spec.plan.columnNames : spec.columns;
}
