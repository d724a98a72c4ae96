/**
 * The serial path: the same scanner and aggregate as the workers, in-process, over the whole data
 * range as one chunk. It is the 1-core baseline in benchmarks and the oracle in tests. It blocks
 * the calling thread while it reads; use processDataset in servers.
 */
import { finalStats, locate, prepare, type AggregateResult } from './coordinator.js';
import { signalAborted } from './errors.js';
import { validate, type ProcessOptions } from './options.js';
import { parseRange, withFile } from './read-range.js';
import { AggregateSink } from './tasks/aggregate.js';
import { AggregateMerger } from './tasks/merge.js';
import type { AggregateRow, MeasureSpec } from './tasks/measures.js';

export async function processSerial<G extends string, M extends Record<string, MeasureSpec>>(
  options: ProcessOptions<G, M>,
): Promise<AggregateResult<AggregateRow<G, M>>> {
  const started = performance.now();
  const opts = validate(options as ProcessOptions);
  // The parse below blocks this thread, so a signal is honoured before it starts, not during.
  if (opts.signal?.aborted) throw signalAborted(opts.signal);
  const { layout, dialect, plan, input } = await prepare(opts);
  if (opts.signal?.aborted) throw signalAborted(opts.signal);
  const sink = new AggregateSink(plan);
  const outcome = withFile(input.path, (fd) => parseRange(fd, layout.size, layout.dataStart, layout.size, dialect, sink, opts.maxRecordSize));
  if (outcome.error !== undefined) throw locate(outcome.error, layout.headerLines, opts.path);
  const merger = new AggregateMerger(plan);
  merger.add(sink.partial());
  const stats = finalStats(merger, layout.size, layout.dataStart < layout.size ? 1 : 0, 0, performance.now() - started, false);
  return { rows: merger.rows() as AggregateRow<G, M>[], stats };
}
