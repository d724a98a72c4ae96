/**
 * Picks the driver for the input kind: byte-range chunks for a plain CSV file; chunks cut as the
 * input is read for everything else (streams, .gz files, NDJSON, arrays).
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { runFile } from './coordinator.js';
import type { Job } from './job.js';
import type { ResolvedOptions } from './options.js';
import { ArraySource, ChunkReader, type ChunkSource } from './sources.js';
import { runStream } from './stream-run.js';

export function runInput(opts: ResolvedOptions, job: Job<unknown>, signal: AbortSignal): Promise<unknown> {
  const { input } = opts;
  if (input.kind === 'file' && !input.gzip && input.format === 'csv') return runFile(opts, input.path, job, signal);
  return runStream(opts, chunkSource(opts, opts.chunkSize, opts.chunkRows), job, signal);
}

/**
 * The chunk source for input that is not a plain CSV file. NDJSON files go through it too:
 * without quoting every LF is a record boundary, so the coordinator can cut them as it reads
 * (indexOf only) and no boundary phase is needed.
 */
export function chunkSource(opts: ResolvedOptions, chunkSize: number, chunkRows: number): ChunkSource {
  const { input } = opts;
  if (input.kind === 'array') return new ArraySource(input.rows, chunkRows);
  const sized = { ...opts, chunkSize };
  if (input.kind === 'stream') return new ChunkReader(input.stream, sized);
  const file = createReadStream(input.path);
  return new ChunkReader(input.gzip ? file.pipe(createGunzip()) : file, sized);
}
