/**
 * The worker thread's entry, loaded by Piscina: phase A (summarize a file range) or phase B
 * (parse a file range, or bytes cut from a stream, or array items, into the chunk's sink).
 * Range tasks read a local file or an object (input/byte-source.ts). File tasks first check it is the file that was planned (and, for a confined job, that the open
 * is still inside the job's root: input/open-input.ts). Returns small plain objects; data
 * errors come back as data (Piscina would drop their fields).
 */
import { fstatSync, type Stats } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { ChunkmillError, fileError } from '../errors.js';
import type { ChunkReply, ChunkRequest, InputIdentity, ParseChunkRequest } from '../exec/protocol.js';
import { parseRecords } from '../input/parse-records.js';
import { FileReader, type BlockReader } from '../input/byte-source.js';
import { summarizeAndParseFile } from '../input/file-chunk.js';
import { summarizeAndParse } from '../input/object-chunk.js';
import { openObjectReader } from '../input/object-source.js';
import { crcOfRange, parseRange, summarizeRange, type RangeOutcome } from '../input/read-range.js';
import { openChunkSink } from '../kinds/chunk-sink.js';
import { offer } from '../kinds/output/output-buffers.js';
import { columnsOf } from '../kinds/computation-spec.js';
import type { ChunkSink } from '../kinds/sink.js';
import { RemoteChannel } from './control-channel.js';
import { withOutputMoved } from './move-output.js';
import { parseFile } from './parse-file.js';
import { WARM_UP_MIN_BYTES, warmUp } from './warm-up.js';

/**
 * The requests this thread has taken, chained: Piscina hands a thread its next request while it
 * still runs one (concurrentTasksPerWorker, piscina-executor.ts), so that the next starts the
 * moment this one ends instead of a round trip through the coordinator later. They share the
 * thread's buffers and its module's memory, so they run one at a time, in the order they came.
 */
let taken: Promise<unknown> = Promise.resolve();

export default function runChunk(request: ChunkRequest): Promise<ChunkReply> {
  const reply = taken.then(() => run(request)).then(withOutputMoved);
  taken = reply.catch(() => {}); // its failure is its own reply's, not the next request's
  return reply;
}

async function run(request: ChunkRequest): Promise<ChunkReply> {
  if (request.started !== undefined) Atomics.store(request.started.flags, request.started.slot, 1);
  const channel = request.op !== 'summarize' && request.port !== undefined ? new RemoteChannel(request.port) : null;
  try {
    if (request.op === 'summarize') {
      return await withInput(request.input, request.start - 1, request.end, async (reader) => ({
        summary: await summarizeRange(reader, request.start, request.end, request.quote),
      }));
    }
    // Before the thread's first large chunk only: a small job would pay for it and gain nothing.
    if ((request.op === 'parse' || request.op === 'summarizeParse') && request.end - request.start >= WARM_UP_MIN_BYTES)
      warmUp();
    offer(request.outputBuffer);
    // A dataset's source under unionColumns whose columns are not the dataset's (remap-sink.ts).
    const remap = 'remap' in request && request.remap !== undefined ? { remap: request.remap } : undefined;
    const sink = await openChunkSink(request.computation, channel, threadId, request.chunkIndex, true, remap);
    if (request.op === 'summarizeParse')
      return request.input.object !== undefined
        ? await summarizeAndParse(request, sink)
        : await withInput(request.input, request.start - 1, request.end, (reader) =>
            summarizeAndParseFile(reader, request, sink),
          );
    if (request.op === 'parseFile') return await parseFile(request, sink, checkIdentity);
    return { parsed: { ...(await read(request, sink)), partial: sink.partial() } };
  } catch (e) {
    return errorReply(
      e,
      request.op === 'parseBytes' ? '<stream>' : request.op === 'parseRows' ? '<array>' : request.input.path,
    );
  } finally {
    await channel?.flush();
  }
}

/** Reads the chunk's records into the sink. */
async function read(request: ParseChunkRequest, sink: ChunkSink): Promise<RangeOutcome> {
  const columns = columnsOf(request.computation);
  if (request.op === 'parseRows')
    return parseRecords({ rows: request.rows }, 'rows', columns, request.dialect, request.maxRecordSize, sink);
  if (request.op === 'parseBytes')
    return parseRecords(
      { bytes: request.bytes },
      request.format,
      columns,
      request.dialect,
      request.maxRecordSize,
      sink,
    );
  return withInput(request.input, request.start, request.end, async (reader) => {
    const outcome = await parseRange(
      reader,
      request.input.size,
      request.start,
      request.end,
      request.dialect,
      sink,
      request.maxRecordSize,
    );
    // verify: 'content': every byte the parse read, from the chunk's first, for the coordinator to compare.
    if (request.crcFrom !== undefined && reader instanceof FileReader)
      outcome.crc = crcOfRange(reader.fd, request.crcFrom, outcome.next);
    return outcome;
  });
}

/**
 * Opens the planned input, runs `fn` with its reader, and always closes it. A file is checked at
 * open for a confined job and must be the planned file; an object's reads (from `from`, read ahead
 * up to `to`) are checked against its planned identity on every ranged GET.
 */
async function withInput<T>(
  input: InputIdentity,
  from: number,
  to: number,
  fn: (reader: BlockReader) => Promise<T>,
): Promise<T> {
  let reader: BlockReader;
  if (input.object !== undefined) {
    reader = await openObjectReader(input, Math.max(0, from), to);
  } else {
    const opened = FileReader.open(input.path, input.confinement, input.fileId);
    reader = opened.reader;
    try {
      checkIdentity(input, opened.stats ?? fstatSync(opened.reader.fd));
    } catch (e) {
      reader.close();
      throw e;
    }
  }
  try {
    return await fn(reader);
  } finally {
    await reader.close();
  }
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
