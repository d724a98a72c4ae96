/**
 * What a chunk's aggregate sends back to the coordinator (sink.ts builds it, merge.ts merges it):
 * its groups in order of first appearance, packed into a few typed arrays
 * (structured clone copies those as blocks, where an object per group and per measure cost the
 * worker and the coordinator's event loop tens of ms per chunk for 1000 groups x 20 measures).
 * Per-measure arrays are group-major: index g * measures + m.
 */

export interface AggregatePartial {
  /** groupBy.length strings per group. */
  keys: string[];
  rows: Float64Array;
  counts: Float64Array;
  extremes: Float64Array;
  /** Per (group, measure) of a stddev or variance: the running mean and sum of squared deviations (Welford); else 0. Absent without such a measure. */
  means?: Float64Array;
  m2s?: Float64Array;
  /** Per (group, measure): how many small partials, then how many big, of its exact sum. */
  sumSizes: Int32Array;
  /** Those partials, in the same order. */
  sumValues: Float64Array;
  /**
   * Per (group, measure) index: the exact value of a min or max that is an integer beyond the
   * safe range (`extremes` holds its nearest double); absent when there is none, the usual case.
   */
  exactExtremes?: Map<number, bigint>;
  /** The (group, measure) indexes whose sum had a double beyond the safe range (ExactSum.double); absent when none. */
  doubleSums?: number[];
  rowsUsed: number;
  rowsRejected: number;
  valuesSkipped: number;
}

export function emptyPartial(): AggregatePartial {
  const none = new Float64Array(0);
  return {
    keys: [],
    rows: none,
    counts: none,
    extremes: none,
    sumSizes: new Int32Array(0),
    sumValues: none,
    rowsUsed: 0,
    rowsRejected: 0,
    valuesSkipped: 0,
  };
}
