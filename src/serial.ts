/**
 * The serial path: the same scanner and sinks as the workers, in-process, over the whole input as
 * one chunk. It is the 1-core baseline in benchmarks and the oracle in tests. It blocks the
 * calling thread while it parses; use processDataset in servers. User modules run here too
 * (their ctx.log / ctx.progress go nowhere: there is no Job).
 */
import { dialectOf, finalStats, locate, prepare } from './coordinator.js';
import { signalAborted } from './errors.js';
import type { AnyProcessOptions, ProcessOptions, ResolvedOptions, TaskOptions, TransformOptions } from './options.js';
import { validate } from './validate.js';
import { parseRange, withFile, type RangeOutcome } from './read-range.js';
import { chunkSource } from './run.js';
import type { AggregateRow, MeasureSpec } from './tasks/measures.js';
import { chunkSink, parseRecords } from './worker.js';
import { openWork, type AggregateResult, type JobWork, type TaskResult, type TransformResult } from './work.js';

export function processSerial<G extends string, M extends Record<string, MeasureSpec>>(options: ProcessOptions<G, M>): Promise<AggregateResult<AggregateRow<G, M>>>;
export function processSerial<R>(options: TaskOptions<R>): Promise<TaskResult<R>>;
export function processSerial(options: TransformOptions): Promise<TransformResult>;
export async function processSerial(options: AnyProcessOptions): Promise<unknown> {
  const started = performance.now();
  const opts = validate(options);
  // The parse below blocks this thread, so a signal is honoured before it starts, not during.
  if (opts.signal?.aborted) throw signalAborted(opts.signal);
  const { input } = opts;
  if (input.kind === 'file' && !input.gzip && input.format === 'csv') {
    const { layout, work } = await prepare(opts, input.path, null);
    return finish(opts, work, started, layout.size, layout.dataStart < layout.size, async (sink) => {
      if (layout.dataStart >= layout.size) return null;
      const outcome = withFile(input.path, (fd) => parseRange(fd, layout.size, layout.dataStart, layout.size, dialectOf(opts), sink, opts.maxRecordSize));
      if (outcome.rejects !== undefined) work.report(outcome.rejects, layout.headerLines);
      return { outcome, linesBefore: layout.headerLines };
    });
  }
  // Anything else is read whole, as one chunk: the oracle needs no cut at all.
  const source = chunkSource(opts, Infinity, Infinity);
  const head = await source.head();
  const work = await openWork(opts, head.columns, null, source.format !== 'csv');
  // At most two chunks: the first record when it was read to learn the columns, then the rest.
  const chunks = [head.firstChunk, await source.next()].filter((c) => c !== null);
  return finish(opts, work, started, source.bytesRead, chunks.length > 0, async (sink) => {
    let linesBefore = head.lines;
    let outcome: RangeOutcome | null = null;
    for (const chunk of chunks) {
      outcome = parseRecords(chunk, source.format, work.spec, dialectOf(opts), opts.maxRecordSize, sink);
      if (outcome.rejects !== undefined) work.report(outcome.rejects, linesBefore);
      if (outcome.error !== undefined) {
        if (outcome.error.byteOffset !== undefined && chunk.bytes !== undefined) outcome.error.byteOffset += chunk.chunk.offset;
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
  work: JobWork,
  started: number,
  bytes: number,
  hasData: boolean,
  parse: (sink: Awaited<ReturnType<typeof chunkSink>>) => Promise<{ outcome: RangeOutcome; linesBefore: number } | null>,
): Promise<unknown> {
  try {
    const sink = await chunkSink(work.spec, null, 0, false);
    const parsed = await parse(sink);
    if (parsed?.outcome.error !== undefined) throw locate(parsed.outcome.error, parsed.linesBefore, opts.path);
    if (parsed !== null) work.merger.add(sink.partial(), 0);
    return await work.finish(finalStats(work.merger, bytes, hasData ? 1 : 0, 0, performance.now() - started, false));
  } catch (e) {
    await work.abandon();
    throw e;
  }
}
