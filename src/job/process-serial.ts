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
import type { InputIdentity } from '../exec/protocol.js';
import { FileReader, type BlockReader } from '../input/byte-source.js';
import type { ChunkSource } from '../input/chunk-source.js';
import { openObjectReader } from '../input/object-source.js';
import { parseRange, type RangeOutcome } from '../input/read-range.js';
import { openChunkSink, type PartialSink } from '../kinds/chunk-sink.js';
import type { RemapSwitch } from '../kinds/remap-sink.js';
import { columnsOf } from '../kinds/computation-spec.js';
import { openComputation, type Computation } from '../kinds/computation.js';
import type { DatasetSource } from '../input/dataset-source.js';
import { planFile } from '../plan/file-plan.js';
import { finalStats } from '../plan/final-stats.js';
import type { ResolvedOptions } from '../plan/resolved-options.js';
import { validate } from '../plan/validate.js';
import { locatedError } from '../schedule/located-error.js';
import { openChunkSource, readingOf, textOf } from '../schedule/schedule-job.js';
import { withOutputTargets } from './output-target.js';

export function processSerial<G extends string, M extends Record<string, MeasureSpec>>(
  options: ProcessOptions<G, M>,
): Promise<AggregateResult<AggregateRow<G, M>>>;
export function processSerial<R>(options: TaskOptions<R>): Promise<TaskResult<R>>;
export function processSerial(options: TransformOptions): Promise<TransformResult>;
export async function processSerial(options: AnyProcessOptions): Promise<unknown> {
  const started = performance.now();
  const validated = validate(options);
  const { opts, utf16 } = await textOf(withOutputTargets(validated, validated.signal));
  // The parse below blocks this thread, so a signal is honoured before it starts, not during.
  if (opts.signal?.aborted) throw signalAborted(opts.signal);
  // The separator is a per-thread setting (csv/fields.ts); jobs in the caller's thread could
  // interleave between setting it and reading, so a comma is read on worker threads only.
  if (opts.decimal !== '.')
    throw invalidOption('decimal', "',' is read by processDataset's worker threads; processSerial takes '.' only");
  const { input } = opts;
  let byRange: DatasetSource[] | null =
    input.kind === 'file' && !input.gzip && input.format === 'csv' && utf16 === null ? [{ name: input.path }] : null;
  let stream: ChunkSource | null = null;
  if (input.kind === 'dataset') {
    const reading = await readingOf(opts, input, Infinity);
    if ('byRange' in reading) byRange = reading.byRange;
    else stream = reading.stream;
  }
  if (byRange !== null) return serialByRange(opts, byRange, started);
  return serialStream(opts, stream ?? openChunkSource(opts, Infinity, Infinity, utf16), started);
}

/** Files or objects read by range: each source's data as one range, in dataset order, into one sink. */
async function serialByRange(opts: ResolvedOptions, sources: DatasetSource[], started: number): Promise<unknown> {
  const plan = await planFile(opts, sources, null);
  const { computation } = plan;
  // unionColumns: one sink for every source, its remap switched to each source's as it is read.
  const remaps: RemapSwitch | undefined = plan.sources.some((s) => s.remap) ? { remap: null } : undefined;
  return finish(
    computation,
    started,
    () => plan.size,
    async (sink) => {
      let last: Parsed | null = null;
      for (const { layout, input, remap } of plan.sources) {
        if (layout.dataStart >= layout.size) continue;
        if (remaps !== undefined) remaps.remap = remap ?? null;
        const reader = await openReader(input);
        try {
          const outcome = await parseRange(
            reader,
            layout.size,
            layout.dataStart,
            layout.size,
            plan.dialect,
            sink,
            opts.maxRecordSize,
          );
          if (outcome.rejects !== undefined) computation.report(outcome.rejects, layout.headerLines);
          last = { outcome, linesBefore: layout.headerLines, file: input.path };
          if (outcome.error !== undefined) break;
        } finally {
          await reader.close();
        }
      }
      return last;
    },
    remaps,
  );
}

/** A local file's reader, or an object's that reads it whole. */
async function openReader(input: InputIdentity): Promise<BlockReader> {
  if (input.object !== undefined) return openObjectReader(input, 0, input.size);
  return FileReader.open(input.path, input.confinement, input.fileId).reader;
}

/** Anything else is read whole, as one chunk per file: the oracle needs no cut at all. */
async function serialStream(opts: ResolvedOptions, source: ChunkSource, started: number): Promise<unknown> {
  const head = await source.head();
  const computation = await openComputation(opts, head.columns, null, source.format !== 'csv');
  // A read that fails lets go of the output opened for the job (its new file is removed): finish() does.
  return finish(
    computation,
    started,
    () => source.bytesRead,
    async (sink) => {
      let linesBefore = head.lines;
      let file = opts.path;
      let last: Parsed | null = null;
      // At most two chunks per file: the first record when it was read to learn the columns, then the rest.
      for (let chunk = head.firstChunk ?? (await source.next()); chunk !== null; chunk = await source.next()) {
        if (chunk.chunk.file !== undefined) {
          file = chunk.chunk.file.name;
          linesBefore = chunk.chunk.file.lines;
        }
        const outcome = parseRecords(
          chunk,
          source.format,
          columnsOf(computation.spec),
          dialectOf(opts),
          opts.maxRecordSize,
          sink,
        );
        if (outcome.rejects !== undefined) computation.report(outcome.rejects, linesBefore);
        last = { outcome, linesBefore, file };
        if (outcome.error !== undefined) {
          if (outcome.error.byteOffset !== undefined && chunk.bytes !== undefined)
            outcome.error.byteOffset += chunk.chunk.offset;
          break;
        }
        linesBefore += outcome.lines;
      }
      return last;
    },
  );
}

/** What the one parse gave: the last outcome, and where its lines and file are. */
interface Parsed {
  outcome: RangeOutcome;
  linesBefore: number;
  file: string;
}

/** Runs the one chunk through the job's sink and merger, and builds the result. */
async function finish(
  computation: Computation,
  started: number,
  bytes: () => number,
  parse: (sink: PartialSink) => Promise<Parsed | null>,
  remaps?: RemapSwitch,
): Promise<unknown> {
  try {
    const sink = await openChunkSink(computation.spec, null, 0, 0, false, remaps);
    const parsed = await parse(sink);
    if (parsed?.outcome.error !== undefined) throw locatedError(parsed.outcome.error, parsed.linesBefore, parsed.file);
    if (parsed !== null) computation.merger.add(sink.partial(), 0);
    return await computation.finish(
      finalStats(computation.merger, bytes(), parsed !== null ? 1 : 0, 0, performance.now() - started, false),
    );
  } catch (e) {
    await computation.abandon();
    throw e;
  }
}
