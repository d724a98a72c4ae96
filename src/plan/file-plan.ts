/**
 * The plan of a job over CSV files or objects, made on the coordinator before any work: each
 * source's layout (header, where the data starts) and identity, the dialect, the computation
 * compiled against the columns, and the byte-range chunks. A chunk is (source, range): a dataset
 * of many files is planned as one input whose chunks run on every worker at once, and a single
 * file is the dataset of one. The parallel run and processSerial both start from it.
 */
import type { JobReporter } from '../api/events.js';
import { dialectOf, type Dialect } from '../csv/scanner.js';
import type { InputIdentity } from '../exec/protocol.js';
import { openComputation, type Computation } from '../kinds/computation.js';
import { checkSameColumns, unionOfColumns, type DatasetSource } from '../input/dataset-source.js';
import type { ColumnRemap } from '../kinds/remap-sink.js';
import { inspectInput, withDelimiterHint, type InputLayout } from './input-layout.js';
import type { ResolvedOptions } from './resolved-options.js';

/** 64 Ki chunks: ~16 KiB chunks for 1 GB, still far more chunks than workers. */
const MAX_CHUNKS = 1 << 16;
/** A header mismatch's way out, where the sources are read by range. */
const UNION_HINT = ', or unionColumns: true takes the union of their columns by name';
/** Sources whose headers are read at once: 100 objects cost 13 round trips, not 100 in a row. */
const INSPECT_AT_ONCE = 8;

/** One file or object of the plan. */
export interface SourcePlan {
  layout: InputLayout;
  input: InputIdentity;
  /** unionColumns: how this source's fields map onto the plan's columns; absent where they are its own. */
  remap?: ColumnRemap;
}

export interface FilePlan {
  /** In dataset order; every one with the first's columns, or under unionColumns its remap. */
  sources: SourcePlan[];
  /** The columns (the first source's header; under unionColumns, the union of every source's). */
  columns: string[];
  dialect: Dialect;
  computation: Computation;
  /** Bytes over all sources. */
  size: number;
}

export interface ChunkRange {
  /** Index into the plan's sources. */
  source: number;
  start: number;
  end: number;
}

export async function planFile(
  opts: ResolvedOptions,
  dataset: readonly DatasetSource[],
  reporter: JobReporter | null,
): Promise<FilePlan> {
  const dialect = dialectOf(opts);
  const sources: SourcePlan[] = [];
  for (let i = 0; i < dataset.length; i += INSPECT_AT_ONCE) {
    const batch = dataset.slice(i, i + INSPECT_AT_ONCE);
    sources.push(...(await Promise.all(batch.map((s) => planSource(opts, s, dialect)))));
  }
  const first = sources.find((s) => s.layout.columns.length > 0) ?? sources[0]!;
  const columns = opts.unionColumns ? unionColumns(sources) : first.layout.columns;
  if (!opts.unionColumns)
    for (const s of sources)
      if (s !== first)
        checkSameColumns(first.input.path, first.layout.columns, s.input.path, s.layout.columns, UNION_HINT);
  const { layout } = first;
  // "a;b;c" read with ',' is one column: an unknown column then gets the likely delimiter as a hint.
  const computation = await openComputation(opts, columns, reporter).catch((e: unknown) => {
    throw withDelimiterHint(e, layout);
  });
  const size = sources.reduce((sum, s) => sum + s.layout.size, 0);
  return { sources, columns, dialect, computation, size };
}

/** The union of the sources' columns; each source whose own differ gets its remap. */
function unionColumns(sources: SourcePlan[]): string[] {
  const { columns, remaps } = unionOfColumns(sources.map((s) => s.layout.columns));
  remaps.forEach((remap, i) => {
    if (remap !== undefined) sources[i]!.remap = remap;
  });
  return columns;
}

async function planSource(opts: ResolvedOptions, source: DatasetSource, dialect: Dialect): Promise<SourcePlan> {
  const layout = await inspectInput(source, dialect, opts.header, opts.maxRecordSize, opts.confinement, opts.s3);
  const { size, mtimeMs } = layout;
  if (source.object !== undefined) {
    const s3 = opts.s3 !== undefined ? { s3: opts.s3 } : {};
    return { layout, input: { path: source.name, size, mtimeMs, object: source.object, ...s3 } };
  }
  // A confined job's workers check every open: the file proven inside here, or a full proof.
  const confined =
    opts.confinement !== undefined
      ? { confinement: opts.confinement, fileId: { dev: layout.dev, ino: layout.ino } }
      : {};
  return { layout, input: { path: source.name, size, mtimeMs, ...confined } };
}

/**
 * The byte ranges of the data, `chunkSize` each, source by source. Every chunk size gives the same
 * result, so a size that would make more than MAX_CHUNKS chunks is raised: per-chunk bookkeeping
 * on the coordinator stays bounded (chunkSize 1 on 1 GB is fine).
 */
export function chunkRanges(plan: FilePlan, requested: number): { chunkSize: number; chunks: ChunkRange[] } {
  const data = plan.sources.reduce((sum, s) => sum + s.layout.size - s.layout.dataStart, 0);
  const chunkSize = Math.max(requested, Math.ceil(data / MAX_CHUNKS));
  const chunks: ChunkRange[] = [];
  plan.sources.forEach(({ layout }, source) => {
    for (let s = layout.dataStart; s < layout.size; s += chunkSize)
      chunks.push({ source, start: s, end: Math.min(s + chunkSize, layout.size) });
  });
  return { chunkSize, chunks };
}
