/** The `stats` every result carries, from the merger's counters and the run's figures. */
import type { JobStats } from '../api/events.js';
import type { ChunkMerger } from '../kinds/computation.js';

export function finalStats(
  merger: ChunkMerger,
  bytes: number,
  chunks: number,
  workers: number,
  elapsedMs: number,
  fallback: boolean,
  chunksResumed = 0,
): JobStats {
  const { rowsUsed, rowsRejected, valuesSkipped } = merger;
  const rowsFiltered = merger.rowsFiltered ?? 0;
  return {
    rows: rowsUsed + rowsRejected + rowsFiltered,
    rowsUsed,
    rowsRejected,
    rowsFiltered,
    valuesSkipped,
    bytes,
    chunks,
    workers,
    elapsedMs,
    sequentialFallback: fallback,
    chunksResumed,
  };
}
