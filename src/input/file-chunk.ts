/**
 * A local file's chunk read once for both phases (summarizeParse), as object-chunk.ts does for an
 * object. With phase A apart, every byte was read twice (the summary, then the parse) and a chunk's
 * parse waited for its summary and the stitch; the boundary pass cost ~115 ms of CPU on the
 * 200 MB sales file (on a loaded 2-core machine). Here the summary is fed from the parse's own
 * reads, straight from the thread's block buffer: the bytes before the first record start at even
 * parity come from a small read of their own, the rest as the parse reads them, and what the parse
 * did not read (it stopped on an error) is read for the summary at the end. The summary sees each
 * byte of [start - 1, end) exactly once and in order, so it is the one summarizeRange would give.
 */
import { SummaryBuilder, type ChunkSummary } from '../csv/boundary.js';
import type { ParseOutcome, SummarizeParseRequest } from '../exec/protocol.js';
import type { ChunkSink } from '../kinds/sink.js';
import type { BlockReader } from './byte-source.js';
import { parseRange } from './read-range.js';

/** Bytes per read while looking for the first record start: most records are far shorter. */
const PROBE = 16 << 10;
let probe: Buffer | null = null;

export async function summarizeAndParseFile(
  reader: BlockReader,
  request: SummarizeParseRequest,
  sink: ChunkSink & { partial(): ParseOutcome['partial'] },
): Promise<{ summary: ChunkSummary; speculative?: { from: number; outcome: ParseOutcome } }> {
  const { input, start, end, quote } = request;
  const feeder = new FeedingReader(reader, new SummaryBuilder(start, end, quote), Math.max(0, start - 1), end);
  let from = request.from;
  if (from === undefined) {
    while (feeder.firstEven() < 0 && feeder.fed < end) {
      if (!feeder.feedTo(Math.min(end, feeder.fed + PROBE))) break;
    }
    from = feeder.firstEven();
  }
  if (from < 0 || from >= end) {
    feeder.feedTo(end); // no record starts here at even parity
    return { summary: feeder.builder.summary() };
  }
  const outcome = await parseRange(feeder, input.size, from, end, request.dialect, sink, request.maxRecordSize);
  feeder.feedTo(end); // the parse stopped early (an error): the summary still covers the chunk
  return { summary: feeder.builder.summary(), speculative: { from, outcome: { ...outcome, partial: sink.partial() } } };
}

/**
 * A file reader that feeds the summary every byte of [fed, end) it reads, once: a read that starts
 * past `fed` first reads the gap for the summary; bytes already fed are not fed again.
 */
class FeedingReader implements BlockReader {
  constructor(
    private readonly inner: BlockReader,
    readonly builder: SummaryBuilder,
    /** The bytes before this were fed to the summary. */
    public fed: number,
    private readonly end: number,
  ) {}

  firstEven(): number {
    return this.builder.summary().firstEven;
  }

  read(buf: Buffer, at: number, length: number, position: number): number {
    if (position > this.fed && this.fed < this.end) this.feedTo(Math.min(position, this.end));
    const n = this.readSync(buf, at, length, position);
    const from = Math.max(position, this.fed);
    const to = Math.min(position + n, this.end);
    if (from < to) {
      this.builder.feed(buf.subarray(at + from - position, at + to - position), to - from, from);
      this.fed = to;
    }
    return n;
  }

  /** Reads [fed, to) for the summary alone; false if the file ended first. */
  feedTo(to: number): boolean {
    probe ??= Buffer.allocUnsafe(PROBE);
    while (this.fed < to) {
      const n = this.readSync(probe, 0, Math.min(PROBE, to - this.fed), this.fed);
      if (n === 0) return false;
      this.builder.feed(probe, n, this.fed);
      this.fed += n;
    }
    return true;
  }

  close(): void {}

  private readSync(buf: Buffer, at: number, length: number, position: number): number {
    const n = this.inner.read(buf, at, length, position);
    // A local file's reads are synchronous (FileReader); an object's go through object-chunk.ts.
    if (typeof n !== 'number') throw new Error('summarizeAndParseFile: a local file reader must read synchronously');
    return n;
  }
}
