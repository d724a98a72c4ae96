/**
 * Storing a finished run: the result as a summary with the job record, and an aggregate's rows in
 * pages of their own, each a short write between which the event loop runs. The rows are not
 * kept after they are stored: the caller drops the result once this returns.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { AggregateResult, TaskResult, TransformResult } from '../api/results.js';
import { ROWS_PER_PAGE } from '../queue/queue.js';
import type { Outcome, ResultSummary } from '../store/records.js';

type AnyResult = AggregateResult | TaskResult | TransformResult;

/** The summary and (for an aggregate) the row pages of a run's result. */
export function outcomeOf(result: AnyResult, outputPath: string | undefined): Outcome & { state: 'succeeded' } {
  if ('rows' in result) {
    const pages: unknown[][] = [];
    for (let i = 0; i < result.rows.length; i += ROWS_PER_PAGE) pages.push(result.rows.slice(i, i + ROWS_PER_PAGE));
    const summary: ResultSummary = { kind: 'aggregate', rowCount: result.rows.length, stats: result.stats };
    return { state: 'succeeded', result: summary, rows: pages };
  }
  if ('value' in result)
    return { state: 'succeeded', result: { kind: 'task', value: result.value, stats: result.stats } };
  return {
    state: 'succeeded',
    result: {
      kind: 'transform',
      rowsIn: result.rowsIn,
      rowsOut: result.rowsOut,
      bytesWritten: result.bytesWritten,
      output: outputPath ?? '',
      stats: result.stats,
    },
  };
}

/** Writes the pages one by one, letting the event loop run between them. */
export async function writePages(
  pages: readonly unknown[][],
  write: (part: number, rows: readonly unknown[]) => Promise<void>,
): Promise<void> {
  for (let part = 0; part < pages.length; part++) {
    await write(part, pages[part]!);
    await yieldToLoop();
  }
}
