/**
 * The unionColumns option's seam: a sink in front of a chunk's sink that hands it each record of
 * one source with the dataset's columns (the union of every file's, by name) in place of the
 * source's own. The computation was compiled against the dataset's columns and never knows which
 * file a record came from: a field the source lacks is handed on as an empty unquoted field, which
 * is exactly what a CSV with that field empty gives (null to a measure, '' to a task or transform).
 *
 * A source whose columns are the dataset's, in order, has no remap and no such sink: the hot path
 * of a dataset with one header is untouched.
 */
import { FieldSlots } from '../csv/field-slots.js';
import { fieldCountError, slotsFor } from './bad-rows.js';
import type { ChunkSink, SinkError } from './sink.js';

/** How one source's records map onto the dataset's columns; resolved in the plan, sent with each chunk request. */
export interface ColumnRemap {
  /** The source's own column count: a record of another width is a bad row of that source. */
  width: number;
  /** Per dataset column, the index of the source's field that holds it, or -1 where the source lacks it. */
  fields: number[];
}

/** Which remap applies to the records read next: one per chunk in a worker, switched per source in processSerial. */
export interface RemapSwitch {
  remap: ColumnRemap | null;
}

/** A chunk sink with its partial result (chunk-sink.ts's PartialSink, by shape: no import cycle). */
type PartialSink = ChunkSink & { partial(): unknown };

export class RemapSink<S extends PartialSink> {
  /** Made at the first record, with the capacity the inner sink's scanner would have had. */
  private slots: FieldSlots | null = null;

  constructor(
    private readonly inner: S,
    private readonly current: RemapSwitch,
  ) {}

  /** The source's width: the scanner sizes its slots from it, and a record of another is a bad row. */
  get width(): number {
    return this.current.remap?.width ?? this.inner.width;
  }

  get badRows(): S['badRows'] {
    return this.inner.badRows;
  }

  get error(): SinkError | null {
    return this.inner.error;
  }

  set error(e: SinkError | null) {
    this.inner.error = e;
  }

  partial(): ReturnType<S['partial']> {
    return this.inner.partial() as ReturnType<S['partial']>;
  }

  record(buf: Uint8Array, slots: FieldSlots, fieldCount: number, recordStart: number): boolean {
    const remap = this.current.remap;
    if (remap === null) return this.inner.record(buf, slots, fieldCount, recordStart);
    if (fieldCount !== remap.width) {
      // The inner sink's policy, with the message of the source's own width (its header's).
      return this.badRows.check(buf as Buffer, slots, fieldCount, recordStart, () => {
        this.inner.error = fieldCountError(remap.width, fieldCount, recordStart);
      });
    }
    const { fields } = remap;
    let into = this.slots;
    if (into === null || into.capacity < fields.length) {
      into = new FieldSlots(slotsFor(fields.length, this.badRows.policy));
      this.slots = into;
    }
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      if (f >= 0) {
        into.starts[i] = slots.starts[f]!;
        into.ends[i] = slots.ends[f]!;
        into.quoted[i] = slots.quoted[f]!;
      } else {
        // Empty, where the record starts: no byte of it, and no offset outside the record.
        into.starts[i] = recordStart;
        into.ends[i] = recordStart;
        into.quoted[i] = 0;
      }
    }
    into.dirty = true;
    return this.inner.record(buf, into, fields.length, recordStart);
  }
}
