/**
 * The sink for one chunk of any computation, in a worker or in processSerial: the same code on
 * the same bytes either way, which is what makes the serial run an oracle for the parallel one.
 */
import { setDecimalSeparator } from '../csv/fields.js';
import { AggregateSink } from './aggregate/sink.js';
import { TranscodingSink } from './transcoding-sink.js';
import type { AggregatePartial } from './aggregate/partial.js';
import type { ComputationSpec } from './computation-spec.js';
import { FilterSink, type FilterCounts } from './filter/sink.js';
import { RemapSink, type RemapSwitch } from './remap-sink.js';
import type { ChunkSink } from './sink.js';
import { Context, type ControlChannel } from './user/context.js';
import { userSink, type UserPartial } from './user/sinks.js';

export type PartialSink = ChunkSink & { partial(): (AggregatePartial | UserPartial) & FilterCounts };

/**
 * User modules are loaded and set up first; `setupOnce` runs setup once per thread (a worker)
 * instead of once per call (processSerial). `remap`, for a source of a dataset under
 * unionColumns whose columns are not the dataset's: its records are handed on with the dataset's
 * columns (remap-sink.ts); without it there is no such layer at all.
 */
export async function openChunkSink(
  spec: ComputationSpec,
  channel: ControlChannel | null,
  threadId: number,
  chunkIndex: number,
  setupOnce: boolean,
  remap?: RemapSwitch,
): Promise<PartialSink> {
  // Synchronously before the chunk's records are read (the caller reads them right after).
  setDecimalSeparator(spec.decimal ?? '.');
  const sink: PartialSink =
    spec.kind === 'aggregate'
      ? new AggregateSink(spec.plan, chunkIndex)
      : await userSink(spec, new Context(spec.params, spec.columns, threadId, channel), chunkIndex, setupOnce);
  const policies = spec.kind === 'aggregate' ? spec.plan : spec;
  const filtered =
    spec.filter === undefined
      ? sink
      : new FilterSink(sink, spec.filter, { onBadNumber: policies.onBadNumber, quote: policies.quote });
  // In front of the filter (it reads the dataset's columns too), behind the transcoding, which
  // reads a record's span from its fields in the file's own order.
  const remapped = remap === undefined ? filtered : new RemapSink(filtered, remap);
  // Outermost: every sink behind it, the filter included, reads the record as UTF-8.
  return spec.encoding === undefined ? remapped : new TranscodingSink(remapped, spec.encoding);
}
