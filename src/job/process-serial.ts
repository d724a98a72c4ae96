/**
 * The serial path: the same scanner and sinks as the workers, in-process, over the whole input as
 * one chunk. It is the 1-core baseline in benchmarks and the oracle in tests. It blocks the
 * calling thread while it parses; use processDataset in servers. User modules run here too
 * (their ctx.log / ctx.progress go nowhere: there is no Job).
 */
import type { AggregateRow, MeasureSpec } from '../api/measures.js';
import type { AnyProcessOptions, ProcessOptions, TaskOptions, TransformOptions } from '../api/options.js';
import type { AggregateResult, TaskResult, TransformResult } from '../api/results.js';
import { dialectOf } from '../csv/scanner.js';
import { invalidOption, signalAborted } from '../errors.js';
import { parseRecords } from '../input/parse-records.js';
import { parseRange, withFile, type RangeOutcome } from '../input/read-range.js';
import { openChunkSink, type PartialSink } from '../kinds/chunk-sink.js';
import { columnsOf } from '../kinds/computation-spec.js';
import { openComputation, type Computation } from '../kinds/computation.js';
import { planFile } from '../plan/file-plan.js';
import { finalStats } from '../plan/final-stats.js';
import type { ResolvedOptions } from '../plan/resolved-options.js';
import { validate } from '../plan/validate.js';
import { locatedError } from '../schedule/located-error.js';
import { openChunkSource } from '../schedule/schedule-job.js';

export function processSerial<G extends string, M extends Record<string, MeasureSpec>>(
  options: ProcessOptions<G, M>,
): Promise<AggregateResult<AggregateRow<G, M>>>;
export function processSerial<R>(options: TaskOptions<R>): Promise<TaskResult<R>>;
export function processSerial(options: TransformOptions): Promise<TransformResult>;
export async function processSerial(options: AnyProcessOptions): Promise<unknown> {
  const started = performance.now();
  const opts = validate(options);
  // The parse below blocks this thread, so a signal is honoured before it starts, not during.
  if (opts.signal?.aborted) throw signalAborted(opts.signal);
  // The separator is a per-thread setting (csv/fields.ts); jobs in the caller's thread could
  // interleave between setting it and reading, so a comma is read on worker threads only.
  if (opts.decimal !== '.')
    throw invalidOption('decimal', "',' is read by processDataset's worker threads; processSerial takes '.' only");
  const { input } = opts;
  if (input.kind === 'file' && !input.gzip && input.format === 'csv') {
    const { layout, computation } = await planFile(opts, input.path, null);
    return finish(opts, computation, started, layout.size, layout.dataStart < layout.size, async (sink) => {
      if (layout.dataStart >= layout.size) return null;
      const outcome = withFile(input.path, (fd) =>
        parseRange(fd, layout.size, layout.dataStart, layout.size, dialectOf(opts), sink, opts.maxRecordSize),
      );
      if (outcome.rejects !== undefined) computation.report(outcome.rejects, layout.headerLines);
      return { outcome, linesBefore: layout.headerLines };
    });
  }
  // Anything else is read whole, as one chunk: the oracle needs no cut at all.
  const source = openChunkSource(opts, Infinity, Infinity);
  const head = await source.head();
  const computation = await openComputation(opts, head.columns, null, source.format !== 'csv');
  // At most two chunks: the first record when it was read to learn the columns, then the rest.
  // A read that fails lets go of the output opened for the job (its new file is removed).
  const rest = await source.next().catch(async (e: unknown) => {
    await computation.abandon();
    throw e;
  });
  const chunks = [head.firstChunk, rest].filter((c) => c !== null);
  return finish(opts, computation, started, source.bytesRead, chunks.length > 0, async (sink) => {
    let linesBefore = head.lines;
    let outcome: RangeOutcome | null = null;
    for (const chunk of chunks) {
      outcome = parseRecords(
        chunk,
        source.format,
        columnsOf(computation.spec),
        dialectOf(opts),
        opts.maxRecordSize,
        sink,
      );
      if (outcome.rejects !== undefined) computation.report(outcome.rejects, linesBefore);
      if (outcome.error !== undefined) {
        if (outcome.error.byteOffset !== undefined && chunk.bytes !== undefined)
          outcome.error.byteOffset += chunk.chunk.offset;
        break;
      }
      linesBefore += outcome.lines;
    }
    return outcome === null ? null : { outcome, linesBefore };
  });
}

/** Runs the one chunk through the job's sink and merger, and builds the result. */
async function finish(
  opts: ResolvedOptions,
  computation: Computation,
  started: number,
  bytes: number,
  hasData: boolean,
  parse: (sink: PartialSink) => Promise<{ outcome: RangeOutcome; linesBefore: number } | null>,
): Promise<unknown> {
  try {
    const sink = await openChunkSink(computation.spec, null, 0, 0, false);
    const parsed = await parse(sink);
    if (parsed?.outcome.error !== undefined) throw locatedError(parsed.outcome.error, parsed.linesBefore, opts.path);
    if (parsed !== null) computation.merger.add(sink.partial(), 0);
    return await computation.finish(
      finalStats(computation.merger, bytes, hasData ? 1 : 0, 0, performance.now() - started, false),
    );
  } catch (e) {
    await computation.abandon();
    throw e;
  }
}
