/**
 * An object's chunk read once for both phases (summarizeParse). A local file's chunk is read twice,
 * for its quote-parity summary and for its parse, and the second read comes from the page cache;
 * an object's would be a second ranged GET of every byte. So the worker fetches [start - 1, end)
 * once into memory, summarizes it, and parses from the summary's first record start at even
 * parity (or from the start the request knows) through a reader that serves those bytes from
 * memory and fetches only what lies past `end` (the rest of the last record) from the object.
 * Memory: one chunk per worker (8 MiB by default), read straight into a buffer the worker keeps
 * for the next chunk: a fresh 8 MiB per chunk (and 4 MiB per piece before it) cost the reads
 * their page faults and the thread its garbage collections, 2-3x the CPU of the parse's own.
 */
import { SummaryBuilder, type ChunkSummary } from '../csv/boundary.js';
import { ChunkmillError } from '../errors.js';
import type { ParseOutcome, SummarizeParseRequest } from '../exec/protocol.js';
import type { ChunkSink } from '../kinds/sink.js';
import type { BlockReader } from './byte-source.js';
import { openObjectReader, readObjectBytes } from './object-source.js';
import { parseRange } from './read-range.js';

export async function summarizeAndParse(
  request: SummarizeParseRequest,
  sink: ChunkSink & { partial(): ParseOutcome['partial'] },
): Promise<{ summary: ChunkSummary; speculative?: { from: number; outcome: ParseOutcome } }> {
  const { input, start, end, quote } = request;
  const headStart = Math.max(0, start - 1);
  const memory = takeBuffer(end - headStart);
  try {
    const head = await fetchRange(input, headStart, end, memory);
    const builder = new SummaryBuilder(start, end, quote);
    builder.feed(head, head.length, headStart);
    const summary = builder.summary();
    const from = request.from ?? summary.firstEven;
    if (from < 0 || from >= end) return { summary }; // no record starts here at even parity
    const reader = new PrefixReader(head, headStart, () => openObjectReader(input, end, end));
    try {
      const outcome = await parseRange(reader, input.size, from, end, request.dialect, sink, request.maxRecordSize);
      return { summary, speculative: { from, outcome: { ...outcome, partial: sink.partial() } } };
    } finally {
      await reader.close();
    }
  } finally {
    // The parse copied what it keeps (the scanner reads from its own block): the bytes are free.
    giveBack(memory);
  }
}

/** A chunk's memory kept for the next chunk; none above this size (a job with huge chunks). */
const KEEP_LIMIT = 64 << 20;
/** Free for the next chunk (a worker may hold several chunks at once: each takes its own). */
let spare: Buffer | null = null;

function takeBuffer(size: number): Buffer {
  if (spare !== null && spare.length >= size) {
    const memory = spare;
    spare = null;
    return memory;
  }
  return Buffer.allocUnsafe(size);
}

function giveBack(memory: Buffer): void {
  if (memory.length <= KEEP_LIMIT && (spare === null || spare.length < memory.length)) spare = memory;
}

/** [from, to) of the object into `memory`, whole (pieces in flight at once, each checked against the identity). */
async function fetchRange(
  input: SummarizeParseRequest['input'],
  from: number,
  to: number,
  memory: Buffer,
): Promise<Buffer> {
  const got = await readObjectBytes(input, from, to, memory);
  if (got < to - from)
    throw new ChunkmillError({
      code: 'ERR_FILE_CHANGED',
      file: input.path,
      message: `${input.path} became shorter while it was read (${from + got} bytes, ${input.size} planned)`,
    });
  return memory.subarray(0, to - from);
}

/** Bytes from memory where they are there, the rest from a reader opened when first needed. */
class PrefixReader implements BlockReader {
  private tail: Promise<BlockReader> | null = null;

  constructor(
    private readonly head: Buffer,
    private readonly headStart: number,
    private readonly openTail: () => Promise<BlockReader>,
  ) {}

  read(buf: Buffer, at: number, length: number, position: number): number | Promise<number> {
    const headEnd = this.headStart + this.head.length;
    let n = 0;
    if (position >= this.headStart && position < headEnd) {
      const to = Math.min(headEnd, position + length) - this.headStart;
      n = this.head.copy(buf, at, position - this.headStart, to);
      if (n === length) return n;
    }
    return this.readTail(buf, at + n, length - n, position + n).then((m) => n + m);
  }

  async close(): Promise<void> {
    if (this.tail !== null) await (await this.tail).close();
  }

  private async readTail(buf: Buffer, at: number, length: number, position: number): Promise<number> {
    this.tail ??= this.openTail();
    return (await this.tail).read(buf, at, length, position);
  }
}
