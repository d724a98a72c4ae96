/**
 * The throttled progress behind the `progress` event: the scheduler adds each merged chunk's
 * bytes and rows; listeners get at most one event per interval, a trailing one when updates
 * stop, and a final one with everything done.
 */
import type { Progress } from '../api/events.js';

/** Emits `progress` at most once per interval, and always once at the end. */
export class ProgressTracker {
  bytesDone = 0;
  rowsDone = 0;
  chunksDone = 0;
  private readonly started = performance.now();
  private lastEmit = -Infinity;
  private trailing: NodeJS.Timeout | null = null;

  constructor(
    private readonly emit: (p: Progress) => void,
    private readonly bytesTotal: number | null,
    private readonly chunksTotal: number | null,
    private readonly intervalMs: number,
  ) {}

  add(bytes: number, rows: number, chunks: number): void {
    this.bytesDone += bytes;
    this.rowsDone += rows;
    this.chunksDone += chunks;
    const now = performance.now();
    if (now - this.lastEmit >= this.intervalMs) {
      this.emitNow(now);
    } else if (this.trailing === null) {
      // A throttled update must still be shown: when input trickles in (a pipe), the next merge
      // may be far off, and the last event would understate the work done until then.
      this.armTrailing(now);
    }
  }

  private armTrailing(now: number): void {
    // Timers may fire a fraction of a millisecond early by performance.now(): check, re-arm.
    this.trailing = setTimeout(
      () => {
        const at = performance.now();
        if (at - this.lastEmit >= this.intervalMs) this.emitNow(at);
        else this.armTrailing(at);
      },
      Math.ceil(this.intervalMs - (now - this.lastEmit)),
    );
    this.trailing.unref();
  }

  private emitNow(now: number): void {
    if (this.trailing !== null) clearTimeout(this.trailing);
    this.trailing = null;
    this.lastEmit = now;
    this.emit(this.snapshot(now));
  }

  /** The final event: everything done. */
  finish(): void {
    this.stop();
    if (this.bytesTotal !== null) this.bytesDone = this.bytesTotal;
    if (this.chunksTotal !== null) this.chunksDone = this.chunksTotal;
    this.emit(this.snapshot(performance.now()));
  }

  /** Where the job is now (for a cancelled job's AbortError). */
  current(): Progress {
    return this.snapshot(performance.now());
  }

  /** No more events (the job ended, or failed). */
  stop(): void {
    if (this.trailing !== null) clearTimeout(this.trailing);
    this.trailing = null;
  }

  elapsedMs(): number {
    return performance.now() - this.started;
  }

  private snapshot(now: number): Progress {
    const elapsedMs = now - this.started;
    const bytesPerSec = elapsedMs > 0 ? (this.bytesDone / elapsedMs) * 1000 : 0;
    const etaMs =
      bytesPerSec > 0 && this.bytesTotal !== null ? ((this.bytesTotal - this.bytesDone) / bytesPerSec) * 1000 : null;
    return {
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      rowsDone: this.rowsDone,
      chunksDone: this.chunksDone,
      chunksTotal: this.chunksTotal,
      elapsedMs,
      bytesPerSec,
      etaMs,
    };
  }
}
