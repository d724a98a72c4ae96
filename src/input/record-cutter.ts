/**
 * Cutting a byte stream into chunks at record boundaries, on the coordinator, for inputs that
 * cannot be read by range (stdin, gunzip output). Same idea as phase A of the file path: with
 * RFC 4180 quoting, "inside quotes" is the parity of quote bytes seen so far, carried across
 * reads, so a record boundary is an LF at even parity. Only `indexOf` runs over the bytes
 * (memory speed); the parser in the worker checks the cut (see schedule/stream-scheduler.ts).
 *
 * Each chunk is copied once, into an ArrayBuffer of its own, which can be transferred to a
 * worker. (Not shared memory: Node 20 frees a SharedArrayBuffer posted to a worker only when
 * both sides happen to collect garbage, and the scanner allocates almost nothing, so 2 GB of
 * stream input would stay in memory: bench/rss-check.ts.) At most one chunk plus one read is
 * buffered here.
 */
const LF = 10;

export class RecordCutter {
  private pending: Buffer;
  private length = 0;
  /** Bytes of `pending` whose quotes are counted into `parity`. */
  private scanned = 0;
  private parity = 0;

  /** `quote` -1: no quoting (NDJSON), every LF ends a record. */
  constructor(
    private readonly quote: number,
    initialCapacity: number,
  ) {
    this.pending = Buffer.allocUnsafe(Math.max(1024, initialCapacity));
  }

  /** Bytes buffered and not yet cut. */
  get buffered(): number {
    return this.length;
  }

  push(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.pending.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.pending.length * 2, this.length + bytes.length));
      this.pending.copy(bigger, 0, 0, this.length);
      this.pending = bigger;
    }
    this.pending.set(bytes, this.length);
    this.length += bytes.length;
  }

  /**
   * The next chunk: at least `minSize` bytes (when that many are buffered), ending just after an
   * LF outside quotes. null when the buffered bytes hold no such boundary yet.
   */
  take(minSize: number): Uint8Array | null {
    // Below minSize - 1 only the parity matters. Every search is bounded by what is buffered and
    // resumes where the last one stopped, so each byte is looked at about once, however the
    // stream is split into reads.
    const countTo = Math.min(this.length, minSize - 1);
    if (this.quote < 0) return this.takeUnquoted(minSize);
    if (this.scanned < countTo) {
      const head = this.pending.subarray(0, countTo);
      for (let q = head.indexOf(this.quote, this.scanned); q >= 0; q = head.indexOf(this.quote, q + 1))
        this.parity ^= 1;
      this.scanned = countTo;
      if (countTo < minSize - 1) return null;
    }
    const view = this.pending.subarray(0, this.length);
    let q = view.indexOf(this.quote, this.scanned);
    let lf = view.indexOf(LF, this.scanned);
    for (;;) {
      if (q >= 0 && (lf < 0 || q < lf)) {
        this.parity ^= 1;
        q = view.indexOf(this.quote, q + 1);
      } else if (lf < 0) {
        break;
      } else if (this.parity === 0) {
        return this.cut(lf + 1);
      } else {
        lf = view.indexOf(LF, lf + 1);
      }
    }
    this.scanned = this.length;
    return null;
  }

  private takeUnquoted(minSize: number): Uint8Array | null {
    const lf = this.pending.subarray(0, this.length).indexOf(LF, Math.max(this.scanned, minSize - 1));
    if (lf >= 0) return this.cut(lf + 1);
    this.scanned = this.length;
    return null;
  }

  /** Whatever is left at the end of the stream (the last record may lack its LF). */
  rest(): Uint8Array | null {
    return this.length > 0 ? this.cut(this.length) : null;
  }

  private cut(end: number): Uint8Array {
    const chunk = new Uint8Array(end); // its own ArrayBuffer: transferable
    chunk.set(this.pending.subarray(0, end));
    this.pending.copyWithin(0, end, this.length);
    this.length -= end;
    this.scanned = 0;
    this.parity = 0; // a cut is always at even parity
    return chunk;
  }
}
