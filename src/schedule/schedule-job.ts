/**
 * Picks the scheduler for the input kind: byte-range chunks for a plain CSV file; chunks cut as
 * the input is read for everything else (streams, .gz files, NDJSON, arrays).
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { JobReporter } from '../api/events.js';
import type { ExecutorProvider } from '../exec/executor.js';
import { ArraySource } from '../input/array-source.js';
import type { ChunkSource } from '../input/chunk-source.js';
import { openInputSync } from '../input/open-input.js';
import { StreamSource } from '../input/stream-source.js';
import type { ResolvedOptions } from '../plan/resolved-options.js';
import { scheduleFile } from './file-scheduler.js';
import { scheduleStream } from './stream-scheduler.js';

/** Runs the job to its result; `executors` gives it the executor for its chunks once it has a plan. */
export function scheduleJob(
  opts: ResolvedOptions,
  reporter: JobReporter,
  signal: AbortSignal,
  executors: ExecutorProvider,
): Promise<unknown> {
  const { input } = opts;
  if (input.kind === 'file' && !input.gzip && input.format === 'csv')
    return scheduleFile(opts, input.path, reporter, signal, executors);
  let source: ChunkSource;
  try {
    source = openChunkSource(opts, opts.chunkSize, opts.chunkRows);
  } catch (e) {
    return Promise.reject(e); // a confined open's refusal fails the job like any other error
  }
  return scheduleStream(opts, source, reporter, signal, executors);
}

/**
 * The chunk source for input that is not a plain CSV file. NDJSON files go through it too:
 * without quoting every LF is a record boundary, so the coordinator can cut them as it reads
 * (indexOf only) and no boundary phase is needed.
 */
export function openChunkSource(opts: ResolvedOptions, chunkSize: number, chunkRows: number): ChunkSource {
  const { input } = opts;
  if (input.kind === 'array') return new ArraySource(input.rows, chunkRows);
  const sized = { ...opts, format: input.format, chunkSize };
  if (input.kind === 'stream') return new StreamSource(input.stream, sized);
  // A confined job's file is opened here, checked (open-input.ts), and read through that descriptor.
  const file =
    opts.confinement === undefined
      ? createReadStream(input.path)
      : createReadStream(input.path, { fd: openInputSync(input.path, opts.confinement).fd });
  return new StreamSource(input.gzip ? file.pipe(createGunzip()) : file, sized);
}
