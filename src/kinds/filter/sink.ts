/**
 * The where filter as a sink around any other: a record that passes the test goes on to the inner
 * sink (aggregate, task or transform), one that does not is counted in `rowsFiltered` and goes no
 * further. The inner sink is not changed and knows nothing of the filter.
 *
 * A record with the wrong field count goes straight to the inner sink, whose onBadRow policy
 * rejects (or reports, or fails on) it: a broken row is rejected, never "filtered out".
 */
import type { BadNumberPolicy } from '../../api/options.js';
import type { FieldSlots } from '../../csv/scanner.js';
import type { BadRows } from '../bad-rows.js';
import type { ChunkSink, SinkError } from '../sink.js';
import type { FilterPlan } from './compile.js';
import { compilePredicate, TRUE, FAILED, type RecordTest } from './predicate.js';

/** The counters a filtered chunk's partial carries besides the inner sink's own. */
export interface FilterCounts {
  /** Records the filter dropped. */
  rowsFiltered?: number;
}

export class FilterSink<P extends { valuesSkipped: number }> implements ChunkSink {
  rowsFiltered = 0;
  private valuesSkipped = 0;
  private own: SinkError | null = null;
  private readonly test: RecordTest;
  /** The inner sink's, read once: record() runs per record. */
  readonly width: number;

  constructor(
    private readonly inner: ChunkSink & { partial(): P },
    plan: FilterPlan,
    policies: { onBadNumber: BadNumberPolicy; quote: string },
  ) {
    this.width = inner.width;
    this.test = compilePredicate(plan, {
      ...policies,
      fail: (e) => (this.own = e),
      skipped: () => this.valuesSkipped++,
    });
  }

  get badRows(): BadRows {
    return this.inner.badRows;
  }

  get error(): SinkError | null {
    return this.own ?? this.inner.error;
  }

  set error(e: SinkError | null) {
    this.own = e;
  }

  record(buf: Uint8Array, slots: FieldSlots, fieldCount: number, recordStart: number): boolean {
    if (fieldCount !== this.width) return this.inner.record(buf, slots, fieldCount, recordStart);
    const t = this.test(buf, slots);
    if (t === TRUE) return this.inner.record(buf, slots, fieldCount, recordStart);
    if (t === FAILED) return false;
    this.rowsFiltered++;
    return true;
  }

  partial(): P & FilterCounts {
    const p = this.inner.partial();
    return { ...p, valuesSkipped: p.valuesSkipped + this.valuesSkipped, rowsFiltered: this.rowsFiltered };
  }
}
