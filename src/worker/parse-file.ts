/**
 * A worker's whole file (parseFile, exec/protocol.ts): a dataset's gzip part, which cannot be
 * split, opened, inflated and parsed here rather than on the coordinator, so that the files'
 * inflates run in parallel. The inflated bytes go through the stream path's own StreamSource (the
 * same header rule, BOM and blank lines, the same cuts at record boundaries) and each cut through
 * the same parseRecords a stream chunk gets, all into one sink: memory stays at a chunk plus
 * zlib's window, whatever the file's size.
 *
 * Lines, rejects and errors are counted from the file's first byte, so the coordinator names the
 * file and the line within it. Errors come back in the outcome, not as an error reply, so the
 * coordinator reports the first file's in dataset order, as a serial read would.
 */
import { createReadStream, fstatSync, type Stats } from 'node:fs';
import { ChunkmillError, fileError, type ErrorData } from '../errors.js';
import type { ChunkReply, InputIdentity, ParseFileRequest, ParseOutcome } from '../exec/protocol.js';
import { checkSameColumns } from '../input/dataset-source.js';
import { openInputSync } from '../input/open-input.js';
import { parseRecords } from '../input/parse-records.js';
import { gunzipped, openSourceStream } from '../input/source-stream.js';
import { StreamSource } from '../input/stream-source.js';
import type { Reject } from '../kinds/bad-rows.js';
import type { PartialSink } from '../kinds/chunk-sink.js';
import { columnsOf } from '../kinds/computation-spec.js';

/** Parses the request's whole file into `sink`; `checkFile`: the worker's check that a local file is the planned one. */
export async function parseFile(
  request: ParseFileRequest,
  sink: PartialSink,
  checkFile: (input: InputIdentity, now: Stats) => void,
): Promise<ChunkReply> {
  const { input } = request;
  const columns = columnsOf(request.computation);
  const outcome: Omit<ParseOutcome, 'partial'> = { next: 0, rows: 0, lines: 0 };
  const rejects: Reject[] = [];
  const file = { bytes: 0, located: false, cutInQuote: false };
  let stream: StreamSource | null = null;
  try {
    stream = new StreamSource(await open(input, request.gzip, request.cut.chunkSize, checkFile), {
      ...request.cut,
      format: request.format,
      path: input.path,
      maxRecordSize: request.maxRecordSize,
    });
    const head = await stream.head();
    checkSameColumns(request.first.name, request.first.columns, input.path, head.columns);
    let lines = head.lines;
    for (let cut = head.firstChunk ?? (await stream.next()); cut !== null; cut = await stream.next()) {
      const { chunk, bytes } = cut;
      const parsed = parseRecords({ bytes }, request.format, columns, request.dialect, request.maxRecordSize, sink);
      outcome.rows += parsed.rows;
      for (const r of parsed.rejects ?? []) rejects.push({ ...r, localLine: lines + r.localLine });
      if (parsed.error !== undefined) {
        outcome.error = inFile(parsed.error, lines, chunk.offset);
        file.cutInQuote = parsed.error.code === 'ERR_CSV_UNCLOSED_QUOTE' && !chunk.last;
        break;
      }
      lines += parsed.lines;
    }
    outcome.lines = lines;
  } catch (e) {
    // Thrown by reading the file (its header, a corrupt gzip, an open): already names the file.
    outcome.error = thrown(e, input.path);
    file.located = true;
  } finally {
    stream?.close();
  }
  if (rejects.length > 0) outcome.rejects = rejects;
  file.bytes = stream?.bytesRead ?? 0;
  outcome.next = file.bytes;
  return { parsed: { ...outcome, partial: sink.partial(), file } };
}

/** The file's bytes: an object by one GET (checked against its planned version), a file by its descriptor. */
async function open(
  input: InputIdentity,
  gzip: boolean,
  chunkSize: number,
  checkFile: (input: InputIdentity, now: Stats) => void,
): Promise<AsyncIterable<Uint8Array>> {
  if (input.object !== undefined)
    return openSourceStream(
      { name: input.path, object: input.object },
      gzip,
      input.s3,
      undefined,
      readAheadOf(chunkSize),
    );
  const { fd, stats } = openInputSync(input.path, input.confinement, input.fileId);
  const bytes = createReadStream(input.path, { fd });
  try {
    checkFile(input, stats ?? fstatSync(fd));
  } catch (e) {
    bytes.destroy();
    throw e;
  }
  return gzip ? gunzipped(bytes, readAheadOf(chunkSize)) : bytes;
}

/**
 * Inflated bytes zlib may hold ahead of the parse: a chunk's worth, at most 4 MiB (a micro
 * benchmark of one 25 MB part with a parse-like loop per 4 MiB: 4 MiB ahead took 0.67-0.90x the
 * time of the default 16 KiB, on the loaded 2-core machine).
 */
function readAheadOf(chunkSize: number): number {
  return Math.min(Math.max(chunkSize, 64 << 10), 4 << 20);
}

/** A chunk's error, counted from the file's start: `lines` before the chunk, which starts at byte `offset`. */
function inFile(error: ErrorData, lines: number, offset: number): ErrorData {
  return {
    ...error,
    ...(error.localLine !== undefined && { localLine: lines + error.localLine }),
    ...(error.byteOffset !== undefined && { byteOffset: offset + error.byteOffset }),
  };
}

function thrown(e: unknown, path: string): ErrorData {
  if (e instanceof ChunkmillError) return e.toData();
  if ((e as NodeJS.ErrnoException).code !== undefined && (e as NodeJS.ErrnoException).syscall !== undefined)
    return fileError(e, path).toData();
  throw e;
}
