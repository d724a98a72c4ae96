/**
 * The worker thread's entry, loaded by Piscina: phase A (summarize a file range) or phase B
 * (parse a file range, or bytes cut from a stream, or array items, into the chunk's sink).
 * File tasks first check it is the file that was planned (and, for a confined job, that the open
 * is still inside the job's root: input/open-input.ts). Returns small plain objects; data
 * errors come back as data (Piscina would drop their fields).
 */
import { fstatSync, type Stats } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { ChunkmillError, fileError } from '../errors.js';
import type { ChunkReply, ChunkTask, InputIdentity, ParseChunkTask } from '../exec/protocol.js';
import { parseRecords } from '../input/parse-records.js';
import { parseRange, summarizeRange, withFile, type RangeOutcome } from '../input/read-range.js';
import { openChunkSink } from '../kinds/chunk-sink.js';
import { columnsOf } from '../kinds/computation-spec.js';
import type { ChunkSink } from '../kinds/sink.js';
import { RemoteChannel } from './control-channel.js';
import { WARM_UP_MIN_BYTES, warmUp } from './warm-up.js';

export default async function runChunk(task: ChunkTask): Promise<ChunkReply> {
  if (task.started !== undefined) Atomics.store(task.started.flags, task.started.slot, 1);
  const channel = task.op !== 'summarize' && task.port !== undefined ? new RemoteChannel(task.port) : null;
  try {
    if (task.op === 'summarize') {
      return withInput(task.input, (fd) => ({ summary: summarizeRange(fd, task.start, task.end, task.quote) }));
    }
    // Before the thread's first large chunk only: a small job would pay for it and gain nothing.
    if (task.op === 'parse' && task.end - task.start >= WARM_UP_MIN_BYTES) warmUp();
    const sink = await openChunkSink(task.computation, channel, threadId, task.chunkIndex, true);
    return { parsed: { ...read(task, sink), partial: sink.partial() } };
  } catch (e) {
    return errorReply(e, task.op === 'parseBytes' ? '<stream>' : task.op === 'parseRows' ? '<array>' : task.input.path);
  } finally {
    await channel?.flush();
  }
}

/** Reads the chunk's records into the sink. */
function read(task: ParseChunkTask, sink: ChunkSink): RangeOutcome {
  const columns = columnsOf(task.computation);
  if (task.op === 'parseRows')
    return parseRecords({ rows: task.rows }, 'rows', columns, task.dialect, task.maxRecordSize, sink);
  if (task.op === 'parseBytes')
    return parseRecords({ bytes: task.bytes }, task.format, columns, task.dialect, task.maxRecordSize, sink);
  return withInput(task.input, (fd) =>
    parseRange(fd, task.input.size, task.start, task.end, task.dialect, sink, task.maxRecordSize),
  );
}

/** Opens the planned input (checked at open for a confined job), checks it is the planned file, runs `fn`. */
function withInput<T>(input: InputIdentity, fn: (fd: number) => T): T {
  return withFile(
    input.path,
    (fd, stats) => {
      checkIdentity(input, stats ?? fstatSync(fd));
      return fn(fd);
    },
    input.confinement,
    input.fileId,
  );
}

/** A data or file error as a reply; anything else is a bug, rethrown for Piscina to carry. */
function errorReply(e: unknown, path: string): ChunkReply {
  if (e instanceof ChunkmillError) return { error: e.toData() };
  if ((e as NodeJS.ErrnoException).code !== undefined && (e as NodeJS.ErrnoException).syscall !== undefined) {
    return { error: fileError(e, path).toData() };
  }
  throw e;
}

function checkIdentity(input: InputIdentity, now: Stats): void {
  if (now.size !== input.size || now.mtimeMs !== input.mtimeMs) {
    throw new ChunkmillError({
      code: 'ERR_FILE_CHANGED',
      file: input.path,
      message: `${input.path} changed while it was being processed (${now.size !== input.size ? `size ${input.size} -> ${now.size}` : 'modified time changed'})`,
      hint: 'process a copy or a finished file',
    });
  }
}
