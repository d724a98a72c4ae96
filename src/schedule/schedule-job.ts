/**
 * Picks the scheduler for the input kind: byte-range chunks for a plain CSV file; chunks cut as
 * the input is read for everything else (streams, .gz files, NDJSON, arrays).
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { JobReporter, JobWarning } from '../api/events.js';
import type { ExecutorProvider } from '../exec/executor.js';
import { ArraySource } from '../input/array-source.js';
import type { ChunkSource } from '../input/chunk-source.js';
import { openInputSync } from '../input/open-input.js';
import { DatasetStreamSource } from '../input/dataset-stream.js';
import { openSourceStream } from '../input/source-stream.js';
import { StreamSource } from '../input/stream-source.js';
import { type Utf16, utf16Bom, utf16ToUtf8 } from '../input/utf16.js';
import type { DatasetSource } from '../input/dataset-source.js';
import { expandDataset } from '../plan/dataset.js';
import type { ResolvedInput, ResolvedOptions } from '../plan/resolved-options.js';
import { formatOfName } from '../plan/resolve-input.js';
import { invalidOption } from '../errors.js';
import { scheduleFile } from './schedule-file.js';
import { scheduleStream } from './stream-scheduler.js';
import { type GzipParts, scheduleWholeFiles, wholeFilesApply } from './whole-file-scheduler.js';

/** Runs the job to its result; `executors` gives it the executor for its chunks once it has a plan. */
export async function scheduleJob(
  given: ResolvedOptions,
  reporter: JobReporter,
  signal: AbortSignal,
  executors: ExecutorProvider,
): Promise<unknown> {
  const { opts, utf16 } = await textOf(given);
  const { input } = opts;
  if (input.kind === 'file' && !input.gzip && input.format === 'csv' && utf16 === null)
    return scheduleFile(opts, [{ name: input.path }], reporter, signal, executors);
  if (input.kind === 'dataset') return scheduleDataset(opts, input, reporter, signal, executors);
  // A confined open's refusal fails the job like any other error.
  const source = openChunkSource(opts, opts.chunkSize, opts.chunkRows, utf16);
  return scheduleStream(opts, source, reporter, signal, executors);
}

/**
 * A CSV file in UTF-16 (the encoding option, or its byte order mark) is read as a stream turned
 * into UTF-8 (input/utf16.ts): the options then say UTF-8, which is what the workers see.
 */
export async function textOf(opts: ResolvedOptions): Promise<{ opts: ResolvedOptions; utf16: Utf16 | null }> {
  const { input, encoding } = opts;
  const named = encoding === 'utf-16le' || encoding === 'utf-16be' ? encoding : null;
  if (input.kind !== 'file' || input.format !== 'csv') {
    if (named !== null) throw invalidOption('encoding', `${encoding} applies to one CSV file or a stream of one`);
    return { opts, utf16: null };
  }
  const utf16 = named ?? (encoding === 'utf8' && !input.gzip ? await utf16Bom(input.path, opts.confinement) : null);
  return utf16 === null ? { opts, utf16 } : { opts: { ...opts, encoding: 'utf8' }, utf16 };
}

/**
 * A dataset (files, a glob, objects): expanded, then read by range when every source can be
 * (plain CSV, and an HTTP server that answers Range requests), else as streams, one after another.
 */
async function scheduleDataset(
  opts: ResolvedOptions,
  input: Extract<ResolvedInput, { kind: 'dataset' }>,
  reporter: JobReporter,
  signal: AbortSignal,
  executors: ExecutorProvider,
): Promise<unknown> {
  const reading = await readingOf(opts, input, opts.chunkSize);
  if ('byRange' in reading) return scheduleFile(opts, reading.byRange, reporter, signal, executors);
  // An engine's journal where none can apply (readingOf refuses a user's): the job runs without.
  if (opts.checkpointByEngine) opts = { ...opts, checkpoint: undefined };
  // Gzip parts: one whole file per worker, inflated there (whole-file-scheduler.ts says when).
  if (reading.gzipParts !== undefined && wholeFilesApply(opts, reading.gzipParts.sources.length)) {
    reading.stream.close();
    return scheduleWholeFiles(opts, reading.gzipParts, reporter, signal, executors);
  }
  return scheduleStream(opts, reading.stream, reporter, signal, executors, reading.warnings);
}

/**
 * How a dataset is read: its sources by range, or one chunk source over all of them as streams;
 * when every source is gzip, also those sources, for one whole file per worker.
 */
export async function readingOf(
  opts: ResolvedOptions,
  input: Extract<ResolvedInput, { kind: 'dataset' }>,
  chunkSize: number,
): Promise<{ byRange: DatasetSource[] } | { stream: ChunkSource; warnings: JobWarning[]; gzipParts?: GzipParts }> {
  const sources = await expandDataset(input.patterns, opts.s3, opts.confinement);
  const kinds = sources.map((s) => sourceKind(s, input));
  if (kinds.every((k) => k.format === 'csv' && !k.gzip && k.ranges)) return { byRange: sources };
  if (opts.checkpoint !== undefined && !opts.checkpointByEngine)
    throw invalidOption(
      'checkpoint',
      'applies to plain CSV files and objects read by range; this dataset is read as streams (gzip, NDJSON or a server without Range), which cannot be re-read from a chunk',
    );
  // Remapping is a chunk request's (remap-sink.ts); chunks cut from streams carry none.
  if (opts.unionColumns)
    throw invalidOption(
      'unionColumns',
      'applies to plain CSV files and objects read by range; this dataset is read as streams (gzip, NDJSON or a server without Range), whose files must have one header',
    );
  const format = kinds[0]!.format;
  if (kinds.some((k) => k.format !== format))
    throw invalidOption('input', 'mixes CSV and NDJSON files; the files of a dataset have one format');
  const sized = { ...opts, format, chunkSize };
  // A server that ignores Range is read whole, once, by the coordinator: correct, but not spread
  // over the workers' own reads. Say so, as DuckDB's httpfs does.
  const warnings = sources
    .filter((_, i) => !kinds[i]!.ranges && !kinds[i]!.gzip && kinds[i]!.format === 'csv')
    .map((s) => ({
      code: 'WARN_NO_RANGES',
      message: `${s.name} is read as one stream: its server does not answer Range requests, so its chunks cannot be read by the workers themselves`,
    }));
  return {
    stream: new DatasetStreamSource(sources, sized, (s) =>
      openSourceStream(s, sourceKind(s, input).gzip, opts.s3, opts.confinement),
    ),
    warnings,
    // Every source compressed: each can also be read whole by a worker of its own.
    ...(kinds.every((k) => k.gzip) && { gzipParts: { sources, format } }),
  };
}

/** How one source of a dataset is read: its format and compression (the options', else its name's). */
function sourceKind(
  source: DatasetSource,
  input: Extract<ResolvedInput, { kind: 'dataset' }>,
): { format: 'csv' | 'ndjson'; gzip: boolean; ranges: boolean } {
  const named = formatOfName(source.name.split('?')[0]!);
  return {
    format: input.format ?? named.format,
    gzip: input.gzip ?? named.gzip,
    ranges: source.object === undefined || source.object.ranges,
  };
}

/**
 * The chunk source for input that is not a plain CSV file. NDJSON files go through it too:
 * without quoting every LF is a record boundary, so the coordinator can cut them as it reads
 * (indexOf only) and no boundary phase is needed.
 */
export function openChunkSource(
  opts: ResolvedOptions,
  chunkSize: number,
  chunkRows: number,
  utf16: Utf16 | null = null,
): ChunkSource {
  const { input } = opts;
  if (input.kind === 'array') return new ArraySource(input.rows, chunkRows);
  if (input.kind === 'dataset') throw new Error('A dataset is read through readingOf()');
  const sized = { ...opts, format: input.format, chunkSize };
  if (input.kind === 'stream') return new StreamSource(input.stream, sized);
  // A confined job's file is opened here, checked (open-input.ts), and read through that descriptor.
  const file =
    opts.confinement === undefined
      ? createReadStream(input.path)
      : createReadStream(input.path, { fd: openInputSync(input.path, opts.confinement).fd });
  const bytes = input.gzip ? file.pipe(createGunzip()) : file;
  return new StreamSource(utf16 === null ? bytes : bytes.pipe(utf16ToUtf8(utf16)), sized);
}
