/**
 * An object's chunk read once for both phases (summarizeParse). A local file's chunk is read twice,
 * for its quote-parity summary and for its parse, and the second read comes from the page cache;
 * an object's would be a second ranged GET of every byte. So the worker fetches [start - 1, end)
 * once into memory, summarizes it, and parses from the summary's first record start at even
 * parity (or from the start the request knows) through a reader that serves those bytes from
 * memory and fetches only what lies past `end` (the rest of the last record) from the object.
 * Memory: one chunk per worker (8 MiB by default), besides the reader's pieces.
 */
import { SummaryBuilder, type ChunkSummary } from '../csv/boundary.js';
import { ChunkmillError } from '../errors.js';
import type { ParseOutcome, SummarizeParseRequest } from '../exec/protocol.js';
import type { ChunkSink } from '../kinds/sink.js';
import type { BlockReader } from './byte-source.js';
import { openObjectReader } from './object-source.js';
import { parseRange } from './read-range.js';

export async function summarizeAndParse(
  request: SummarizeParseRequest,
  sink: ChunkSink & { partial(): ParseOutcome['partial'] },
): Promise<{ summary: ChunkSummary; speculative?: { from: number; outcome: ParseOutcome } }> {
  const { input, start, end, quote } = request;
  const headStart = Math.max(0, start - 1);
  const head = await fetchRange(input, headStart, end);
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
}

/** [from, to) of the object, whole (its reader fetches pieces ahead, checked against the identity). */
async function fetchRange(input: SummarizeParseRequest['input'], from: number, to: number): Promise<Buffer> {
  const reader = await openObjectReader(input, from, to);
  const bytes = Buffer.allocUnsafe(to - from);
  try {
    let got = 0;
    while (got < bytes.length) {
      const n = await reader.read(bytes, got, bytes.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    if (got < bytes.length)
      throw new ChunkmillError({
        code: 'ERR_FILE_CHANGED',
        file: input.path,
        message: `${input.path} became shorter while it was read (${from + got} bytes, ${input.size} planned)`,
      });
    return bytes;
  } finally {
    await reader.close();
  }
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
