/**
 * A transform's chunk outputs in buffers that go round instead of fresh memory per chunk.
 *
 * A worker encodes a chunk's rows (encoder.ts) and its reply moves the bytes to the coordinator
 * (worker/move-output.ts), which writes them to the output file. Each chunk's output used to be a
 * new buffer: fresh pages from the kernel (page faults, ~0.8-2.7 s of system time over a 200 MB
 * NDJSON convert's 535 MB) and garbage that made the coordinator's thread collect (~0.3 s of GC
 * on it). Now the coordinator gives a written buffer back (giveBack), the executor sends it with
 * the next parse request (take, in the request's transfer list), and the worker encodes into it
 * (offer, then claim).
 *
 * Per thread: the coordinator's kept buffers, and in a worker the one its current request brought
 * (a thread runs one chunk at a time). Kept buffers are dropped a second after the last one came
 * back: a process holds none between its jobs (processSerial's come back and are never taken).
 */

/** Buffers the coordinator keeps at most: more than a 16-thread pool has in flight. */
const MAX_KEPT = 32;
/** How long kept buffers outlive the last one given back. */
const KEEP_MS = 1_000;
const kept: ArrayBuffer[] = [];
let dropTimer: NodeJS.Timeout | null = null;
let offered: ArrayBuffer | null = null;

/** The coordinator: `buffer`'s bytes are written; it may carry a later chunk's output. */
export function giveBack(buffer: ArrayBuffer): void {
  if (kept.length >= MAX_KEPT || buffer.byteLength === 0) return;
  kept.push(buffer);
  if (dropTimer === null) {
    dropTimer = setTimeout(() => (kept.length = 0), KEEP_MS);
    dropTimer.unref();
  } else dropTimer.refresh();
}

/** The coordinator: a buffer to send with a parse request, if one was given back. */
export function take(): ArrayBuffer | undefined {
  return kept.pop();
}

/** A worker: the buffer the current request brought, for its output (none: undefined). */
export function offer(buffer: ArrayBuffer | undefined): void {
  offered = buffer ?? null;
}

/**
 * `length` bytes for a chunk's output in a buffer of its own (its reply moves the whole buffer):
 * the offered one if it is large enough, else a new one with a quarter more room, so that it fits
 * the next chunks' outputs when it comes back (they vary by a few percent).
 */
export function claim(length: number): Uint8Array {
  const buffer = offered;
  offered = null;
  if (buffer !== null && buffer.byteLength >= length) return new Uint8Array(buffer, 0, length);
  return new Uint8Array(new ArrayBuffer(length + (length >> 2)), 0, length);
}
