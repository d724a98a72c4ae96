/**
 * Exact record boundaries for byte-range chunks, resolved in parallel.
 *
 * THE OWNERSHIP RULE
 *   A chunk [start, end) owns every record whose first byte lies in [start, end). It reads past
 *   `end` to finish its last record, and skips the bytes before its first owned record. The
 *   first chunk starts right after the header.
 *
 *        chunk k-1            chunk k                 chunk k+1
 *   ...|.....................|s...........................|e.........................
 *        ...,"a\n b",x\n id,..\n id,...\n id,"long ...\n ...",y\n id,...
 *                        ^ record start (after an LF outside quotes): first owned by k
 *                                                       ^ last record owned by k starts
 *                                                         before e and ends after it
 *
 * A record starts right after an LF that is outside quotes. With RFC 4180 escaping (`""`), being
 * "inside quotes" at a byte equals the parity of quote bytes before it, so each chunk can be
 * summarised without knowing the state it starts in (phase A, in workers):
 *
 *   parity      quote bytes in [start, end), mod 2
 *   firstEven   first record start in [start, end) if the chunk starts outside quotes
 *   firstOdd    the same if it starts inside quotes
 *
 * The stitch (main thread, O(chunks)): the state at chunk k's start is the XOR of the parities of
 * chunks 0..k-1, which picks firstEven or firstOdd. A chunk with no record start owns nothing.
 * Phase B then parses exact ranges. Bytes `"`, `,`, CR and LF never occur inside a multi-byte
 * UTF-8 sequence, so a cut at a record start never splits a character.
 *
 * Where the file breaks parity (a bare `"` inside an unquoted field), the parser and the parity
 * disagree; the coordinator detects this when a chunk's parse does not end where the next owned
 * record was said to start (see schedule/file-scheduler.ts).
 */

import { moduleQuoteParity } from './wasm-scan.js';

/** Phase A's answer for one chunk. Offsets are absolute file offsets; -1 means none. */
export interface ChunkSummary {
  parity: 0 | 1;
  firstEven: number;
  firstOdd: number;
}

const LF = 10;

/**
 * Incremental phase-A scan, fed consecutive blocks of the bytes [start - 1, end). Byte start - 1
 * is included because an LF there makes `start` itself a record start.
 */
export class SummaryBuilder {
  private parity = 0;
  private firstEven = -1;
  private firstOdd = -1;

  constructor(
    private readonly start: number,
    private readonly end: number,
    private readonly quote: number,
  ) {}

  /**
   * `buf[0]` is the byte at file offset `offset`; feeds buf[0, length). Native searches (memchr
   * speed) do the work: between two quotes the parity is fixed, so only the first LF after each
   * quote can be a new candidate, and once both candidates are known only quotes are counted.
   */
  feed(buf: Uint8Array, length: number, offset: number): void {
    const view = Buffer.from(buf.buffer, buf.byteOffset, length);
    const quote = this.quote;
    let i = 0;
    if (offset < this.start) {
      // Byte start - 1: an LF there makes `start` a record start; a quote there is not ours.
      if (buf[0] === LF && this.start < this.end) this.firstEven = this.start;
      i = 1;
    }
    let parity = this.parity;
    let lf = -1; // the first LF at or after some i' <= i (so still the first at or after i while lf >= i); length if none
    let quotes = 0;
    const from = i;
    while (i < length && (this.firstEven < 0 || this.firstOdd < 0)) {
      const q = view.indexOf(quote, i);
      const stop = q < 0 ? length : q;
      if ((parity === 0 ? this.firstEven : this.firstOdd) < 0) {
        if (lf < i) {
          lf = view.indexOf(LF, i);
          if (lf < 0) lf = length;
        }
        if (lf < stop && offset + lf < this.end - 1) {
          if (parity === 0) this.firstEven = offset + lf + 1;
          else this.firstOdd = offset + lf + 1;
        }
      }
      if (q < 0) {
        i = length;
        break;
      }
      parity ^= 1;
      i = q + 1;
      // Dense quotes (more than one per 32 bytes on average): a native call per quote costs more
      // than one byte loop over the rest (4 MiB of `"a",` fields: 53 ms -> ~7 ms).
      if (++quotes >= 64 && i - from < quotes * 32) {
        this.parity = this.byteLoop(buf, i, length, offset, parity);
        return;
      }
    }
    // The rest only counts quotes: sixteen bytes at a time in the thread's block (wasm-scan.ts).
    const counted = moduleQuoteParity(buf, i, length, quote);
    this.parity = counted < 0 ? countQuoteParity(view, i, length, quote, parity) : parity ^ counted;
  }

  /** The same summary work one byte at a time, from buf[i] with the given parity; returns the parity. */
  private byteLoop(buf: Uint8Array, i: number, length: number, offset: number, parity: number): number {
    const quote = this.quote;
    const lastStart = this.end - 1; // LFs at or after this start records of the next chunk
    for (; i < length; i++) {
      const c = buf[i]!;
      if (c === quote) parity ^= 1;
      else if (c === LF && offset + i < lastStart) {
        if (parity === 0) {
          if (this.firstEven < 0) this.firstEven = offset + i + 1;
        } else if (this.firstOdd < 0) this.firstOdd = offset + i + 1;
      }
    }
    return parity;
  }

  summary(): ChunkSummary {
    return { parity: this.parity as 0 | 1, firstEven: this.firstEven, firstOdd: this.firstOdd };
  }
}

/**
 * Parity of quote bytes in buf[from, to), XORed into `parity`. indexOf per quote wins while
 * quotes are sparse; where they are dense (a quote every few bytes) one byte loop is cheaper
 * than a native call per quote, so it switches.
 */
function countQuoteParity(buf: Buffer, from: number, to: number, quote: number, parity: number): number {
  let i = from;
  let found = 0;
  while (i < to) {
    const q = buf.indexOf(quote, i);
    if (q < 0 || q >= to) return parity;
    parity ^= 1;
    i = q + 1;
    // Dense: more than one quote per 32 bytes on average, after enough quotes to judge.
    if (++found >= 64 && i - from < found * 32) break;
  }
  for (; i < to; i++) if (buf[i] === quote) parity ^= 1;
  return parity;
}

/**
 * Resolves chunk starts in order as summaries arrive in any order. Chunk 0 starts at the data
 * start (a known record start, right after the header).
 */
export class BoundaryStitcher {
  private readonly summaries: (ChunkSummary | undefined)[];
  private next = 0;
  private inside = 0;

  constructor(
    chunkCount: number,
    private readonly dataStart: number,
  ) {
    this.summaries = new Array<ChunkSummary | undefined>(chunkCount);
  }

  /** Records chunk `index`'s summary; returns the chunks whose start became known, in order. */
  add(index: number, summary: ChunkSummary): { index: number; start: number }[] {
    this.summaries[index] = summary;
    const resolved: { index: number; start: number }[] = [];
    for (let s = this.summaries[this.next]; s !== undefined; s = this.summaries[this.next]) {
      const k = this.next;
      const start = k === 0 ? this.dataStart : this.inside ? s.firstOdd : s.firstEven;
      resolved.push({ index: k, start });
      this.inside ^= s.parity;
      this.summaries[k] = undefined; // no longer needed
      this.next++;
    }
    return resolved;
  }

  /** True once every chunk is resolved. */
  get complete(): boolean {
    return this.next === this.summaries.length;
  }
}
