/**
 * The plan of a job over a CSV file, made on the coordinator before any work: the input's layout
 * (header, where the data starts), its dialect and identity, the computation compiled against the
 * columns, and the byte-range chunks. The parallel run and processSerial both start from it.
 */
import type { JobReporter } from '../api/events.js';
import { dialectOf, type Dialect } from '../csv/scanner.js';
import type { InputIdentity } from '../exec/protocol.js';
import { openComputation, type Computation } from '../kinds/computation.js';
import { inspectInput, withDelimiterHint, type InputLayout } from './input-layout.js';
import type { ResolvedOptions } from './resolved-options.js';

/** 64 Ki chunks: ~16 KiB chunks for 1 GB, still far more chunks than workers. */
const MAX_CHUNKS = 1 << 16;

export interface FilePlan {
  layout: InputLayout;
  dialect: Dialect;
  computation: Computation;
  input: InputIdentity;
}

export interface ChunkRange {
  start: number;
  end: number;
}

export async function planFile(opts: ResolvedOptions, path: string, reporter: JobReporter | null): Promise<FilePlan> {
  const dialect = dialectOf(opts);
  const layout = await inspectInput(path, dialect, opts.header, opts.maxRecordSize, opts.confinement);
  // "a;b;c" read with ',' is one column: an unknown column then gets the likely delimiter as a hint.
  const computation = await openComputation(opts, layout.columns, reporter).catch((e: unknown) => {
    throw withDelimiterHint(e, layout);
  });
  // A confined job's workers check every open: the file proven inside here, or a full proof.
  const confined =
    opts.confinement !== undefined
      ? { confinement: opts.confinement, fileId: { dev: layout.dev, ino: layout.ino } }
      : {};
  return { layout, dialect, computation, input: { path, size: layout.size, mtimeMs: layout.mtimeMs, ...confined } };
}

/**
 * The byte ranges of the data, `chunkSize` each. Every chunk size gives the same result, so a size
 * that would make more than MAX_CHUNKS chunks is raised: per-chunk bookkeeping on the coordinator
 * stays bounded (chunkSize 1 on 1 GB is fine).
 */
export function chunkRanges(layout: InputLayout, requested: number): { chunkSize: number; chunks: ChunkRange[] } {
  const chunkSize = Math.max(requested, Math.ceil((layout.size - layout.dataStart) / MAX_CHUNKS));
  const chunks: ChunkRange[] = [];
  for (let s = layout.dataStart; s < layout.size; s += chunkSize)
    chunks.push({ start: s, end: Math.min(s + chunkSize, layout.size) });
  return { chunkSize, chunks };
}
