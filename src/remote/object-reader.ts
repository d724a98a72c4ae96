/**
 * A worker's reader of one object's byte range [from, to), with read-ahead: while the parser
 * scans one piece, the next pieces are already on their way, so a ranged GET's round trip is
 * hidden behind parsing instead of added to it.
 *
 * Memory is bounded: at most `inFlight` pieces of `pieceSize` bytes are held (the one being read
 * included). Past `to` (a parser finishing the record that crosses its chunk's end) pieces are
 * fetched on demand only, small at first (16 KiB, doubling up to pieceSize): the last record of
 * a chunk is usually short, and a whole piece for it would read far more than the chunk needs.
 *
 * The sizes: 4 MiB pieces, 3 in flight (12 MiB per reader). bench/object-read.ts against s3rver
 * on loopback (2-core AMD EPYC, load average 15-23, 100 MB, median of 5): 2 MiB x 3 45 MB/s,
 * 4 MiB x 3 87 MB/s, 4 x 4 69, 8 x 2 75, 8 x 3 59 (and 1 MiB x 3 63 MB/s against 72-180 for the
 * larger ones in a run of 200 MB x 3). Below 4 MiB a request's fixed cost (a round trip, the
 * server's open and seek) shows; above it the figures are the machine's noise, so the smallest
 * piece on the plateau wins: it holds the least memory and makes a chunk's first read wait least.
 * The reader's own CPU: 0.25-0.28 s per 100 MB at 4 MiB and up (0.39 s at 2 MiB).
 */
import type { ObjectInfo } from './object-info.js';
import { readObjectRange } from './object-range.js';
import { rangeUnsupported } from './remote-errors.js';
import type { RemoteSettings } from './request.js';

export const DEFAULT_PIECE_SIZE = 4 << 20;
export const DEFAULT_IN_FLIGHT = 3;
/** The first piece read past `to`. */
const TAIL_PIECE = 16 << 10;

export interface ObjectReaderOptions {
  /** Bytes per ranged GET (default 4 MiB). */
  pieceSize?: number;
  /** Pieces requested ahead at most, the one being read included (default 3). */
  inFlight?: number;
  settings?: RemoteSettings;
}

interface Piece {
  start: number;
  end: number;
  data: Promise<Buffer>;
  abort: AbortController;
}

/**
 * The bytes [from, to) of the object, written into `target` (at least `to - from` long) by ranged
 * GETs of about `pieceSize`, `inFlight` at a time: for a reader that needs the whole range before it
 * starts (a chunk read once for both phases), with no piece buffers and no copy between them.
 * Resolves with the bytes read: fewer than asked only where the object ends before `to`.
 */
export async function readObjectInto(
  info: ObjectInfo,
  from: number,
  to: number,
  target: Buffer,
  options: ObjectReaderOptions = {},
): Promise<number> {
  if (!info.ranges) throw rangeUnsupported(info.url, 'its server answered a Range request with the whole object');
  const stop = info.size >= 0 ? Math.min(to, info.size) : to;
  // Pieces of equal size, as near pieceSize as a whole number of them comes: a chunk with its
  // byte before (8 MiB + 1) is two GETs, not two of 4 MiB and a third of one byte.
  const pieces = Math.max(1, Math.round((stop - from) / Math.max(1, options.pieceSize ?? DEFAULT_PIECE_SIZE)));
  const pieceSize = Math.max(1, Math.ceil((stop - from) / pieces));
  const abort = new AbortController();
  let next = from;
  let got = 0;
  // Each lane takes the next piece when its last one is in; a piece's bytes go to their place.
  const lane = async (): Promise<void> => {
    while (next < stop && !abort.signal.aborted) {
      const start = next;
      const end = Math.min(stop, start + pieceSize);
      next = end;
      const bytes = await readObjectRange(
        info,
        start,
        end,
        options.settings,
        abort.signal,
        target.subarray(start - from),
      );
      got += bytes.length;
    }
  };
  const lanes = Math.max(1, options.inFlight ?? DEFAULT_IN_FLIGHT);
  try {
    await Promise.all(Array.from({ length: lanes }, lane));
  } catch (e) {
    abort.abort(); // the other lanes' requests: no use for their bytes now
    throw e;
  }
  return got;
}

export class ObjectReader {
  readonly info: ObjectInfo;
  readonly from: number;
  readonly to: number;
  private readonly pieceSize: number;
  private readonly inFlight: number;
  private readonly settings: RemoteSettings | undefined;
  /** Pieces requested, in order of their bytes, contiguous. */
  private queue: Piece[] = [];
  /** Where the next piece starts. */
  private next: number;
  private tail = TAIL_PIECE;
  private closed = false;

  /** ERR_RANGE_UNSUPPORTED for an object whose server does not answer ranges (info.ranges false). */
  constructor(info: ObjectInfo, from: number, to: number, options: ObjectReaderOptions = {}) {
    if (!info.ranges) throw rangeUnsupported(info.url, 'its server answered a Range request with the whole object');
    this.info = info;
    this.from = from;
    this.to = info.size >= 0 ? Math.min(to, info.size) : to;
    this.pieceSize = Math.max(1, options.pieceSize ?? DEFAULT_PIECE_SIZE);
    this.inFlight = Math.max(1, options.inFlight ?? DEFAULT_IN_FLIGHT);
    this.settings = options.settings;
    this.next = from;
  }

  /**
   * Copies up to `length` bytes of the object from `position` into `buf` at `at`, and returns
   * how many (0 at the object's end). Positions are expected to move forward, as a scanner's
   * do; a position elsewhere is served too, by starting over from there.
   */
  async read(buf: Buffer, at: number, length: number, position: number): Promise<number> {
    if (this.closed) throw new Error('ObjectReader: read after close');
    if (length <= 0 || (this.info.size >= 0 && position >= this.info.size)) return 0;
    while (this.queue.length > 0 && this.queue[0]!.end <= position) this.drop();
    if (this.queue.length > 0 && this.queue[0]!.start > position) this.reset(position);
    if (this.queue.length === 0 && this.next !== position) this.reset(position);
    this.fill();
    const piece = this.queue[0];
    if (piece === undefined) return 0; // past the end of an object of unknown size
    const data = await piece.data;
    const offset = position - piece.start;
    const n = Math.min(length, data.length - offset);
    if (n <= 0) return 0;
    data.copy(buf, at, offset, offset + n);
    return n;
  }

  /** Aborts every request in flight; later reads throw. */
  close(): void {
    this.closed = true;
    while (this.queue.length > 0) this.drop();
  }

  /** Requests pieces until `inFlight` are out: ahead within [from, to), one at a time past it. */
  private fill(): void {
    while (this.queue.length < this.inFlight && this.next < this.to) {
      this.request(this.next, Math.min(this.to, this.next + this.pieceSize));
    }
    if (this.queue.length === 0 && this.next >= this.to && (this.info.size < 0 || this.next < this.info.size)) {
      const end = this.info.size >= 0 ? Math.min(this.info.size, this.next + this.tail) : this.next + this.tail;
      this.tail = Math.min(this.pieceSize, this.tail * 2);
      this.request(this.next, end);
    }
  }

  private request(start: number, end: number): void {
    const abort = new AbortController();
    const data = readObjectRange(this.info, start, end, this.settings, abort.signal);
    // A piece read ahead may fail before anyone awaits it (or be aborted, and never be): the
    // failure is seen when its turn comes, never as an unhandled rejection.
    data.catch(() => {});
    this.queue.push({ start, end, data, abort });
    this.next = end;
  }

  private drop(): void {
    this.queue.shift()!.abort.abort();
  }

  private reset(position: number): void {
    while (this.queue.length > 0) this.drop();
    this.next = position;
    this.tail = TAIL_PIECE;
  }
}
