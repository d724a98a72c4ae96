/**
 * The chunks of a plan over one or many sources, with what the file scheduler asks of them: which
 * source a chunk reads, whether it is its source's first (where records and lines start afresh),
 * and the exact record starts that quote parity gives, source by source (each source's parity
 * runs from its own first data byte: csv/boundary.ts).
 */
import { BoundaryStitcher, type ChunkSummary } from '../csv/boundary.js';
import type { ColumnRemap } from '../kinds/remap-sink.js';
import type { ChunkRange, FilePlan, SourcePlan } from '../plan/file-plan.js';

export class DatasetChunks {
  /** Per source: the index of its first chunk (a source with no data has none: its next's). */
  private readonly firstChunk: number[] = [];
  private readonly stitchers: BoundaryStitcher[];

  constructor(
    private readonly plan: FilePlan,
    readonly ranges: readonly ChunkRange[],
  ) {
    const counts = plan.sources.map(() => 0);
    for (const c of ranges) counts[c.source]!++;
    let k = 0;
    for (const n of counts) {
      this.firstChunk.push(k);
      k += n;
    }
    this.stitchers = plan.sources.map((s, i) => new BoundaryStitcher(counts[i]!, s.layout.dataStart));
  }

  get length(): number {
    return this.ranges.length;
  }

  range(k: number): ChunkRange {
    return this.ranges[k]!;
  }

  /** The source chunk k reads. */
  sourceOf(k: number): SourcePlan {
    return this.plan.sources[this.ranges[k]!.source]!;
  }

  /** What chunk k's parse requests add under unionColumns: its source's remap, if it has one. */
  remapOf(k: number): { remap?: ColumnRemap } {
    const { remap } = this.sourceOf(k);
    return remap === undefined ? {} : { remap };
  }

  /** Chunk k is its source's first: its records start at the source's first data byte. */
  startsSource(k: number): boolean {
    return this.firstChunk[this.ranges[k]!.source] === k;
  }

  /** Chunk k is its source's only chunk: its start is known and no other chunk's depends on it. */
  alone(k: number): boolean {
    return this.startsSource(k) && this.ranges[k + 1]?.source !== this.ranges[k]!.source;
  }

  /** Records chunk k's parity summary; returns the chunks whose first record start became known, in order. */
  stitch(k: number, summary: ChunkSummary): { index: number; start: number }[] {
    const s = this.ranges[k]!.source;
    const offset = this.firstChunk[s]!;
    return this.stitchers[s]!.add(k - offset, summary).map(({ index, start }) => ({ index: index + offset, start }));
  }
}
