/**
 * The Job handed back by processDataset: a typed EventEmitter, the `result` promise, cancel(),
 * and the throttled progress tracker behind the `progress` event.
 */
import { EventEmitter } from 'node:events';
import { AbortError, signalAborted, type ChunkmillError } from './errors.js';

/** The plan, announced once by the `start` event. */
export interface JobPlan {
  input: string;
  /** null for a stream: its length is not known ahead. */
  bytesTotal: number | null;
  /** null for a stream. */
  chunksTotal: number | null;
  chunkSize: number;
  workers: number;
  columns: string[];
}

export interface Progress {
  bytesDone: number;
  /** null for a stream (so are chunksTotal and etaMs). */
  bytesTotal: number | null;
  rowsDone: number;
  chunksDone: number;
  chunksTotal: number | null;
  elapsedMs: number;
  /** Average since the start. */
  bytesPerSec: number;
  /** Remaining bytes at the average rate; null until there is a rate. */
  etaMs: number | null;
}

/** One chunk merged into the result, in chunk order. */
export interface ChunkEvent {
  index: number;
  /** The chunk's byte range [start, end). */
  start: number;
  end: number;
  rows: number;
}

export interface JobWarning {
  code: string;
  message: string;
  byteOffset?: number;
  line?: number;
}

export interface JobStats {
  /** Records read (rowsUsed + rowsRejected). */
  rows: number;
  rowsUsed: number;
  /** Records skipped by onBadRow: 'skip'. */
  rowsRejected: number;
  /** Values skipped by onBadNumber: 'skip'. */
  valuesSkipped: number;
  bytes: number;
  chunks: number;
  workers: number;
  elapsedMs: number;
  /** True when a quote-parity mismatch made part of the file parse sequentially. */
  sequentialFallback: boolean;
  /** Chunks taken from a checkpoint journal instead of being parsed again. */
  chunksResumed: number;
}

/** A line from a user module's ctx.log(). */
export interface TaskLog {
  chunkIndex: number;
  message: string;
}

/** A user module's ctx.progress(value); throttled to one per 50 ms per chunk. */
export interface TaskProgress {
  chunkIndex: number;
  value: unknown;
}

export interface JobEvents<R> {
  start: [plan: JobPlan];
  progress: [progress: Progress];
  chunk: [chunk: ChunkEvent];
  warning: [warning: JobWarning];
  log: [log: TaskLog];
  taskProgress: [progress: TaskProgress];
  done: [result: R];
  error: [error: ChunkmillError];
}

export class Job<R> extends EventEmitter<JobEvents<R>> {
  /** Resolves with the result, or rejects with a ChunkmillError (AbortError when cancelled). */
  readonly result: Promise<R>;
  private readonly controller = new AbortController();

  /** @internal `run` receives the job's abort signal and does the work. */
  constructor(run: (job: Job<R>, signal: AbortSignal) => Promise<R>, external?: AbortSignal) {
    super();
    // Removes the listener on the caller's signal once the job settles: a server passing one
    // long-lived signal to every job must not collect a listener (and a Job) per job.
    const settled = new AbortController();
    if (external !== undefined) {
      // Whatever the external reason, the job rejects with our AbortError (code ABORT_ERR).
      if (external.aborted) this.controller.abort(signalAborted(external));
      else external.addEventListener('abort', () => this.cancel(), { once: true, signal: settled.signal });
    }
    // Start on a later tick, so listeners attached right after processDataset() see every event.
    this.result = new Promise<void>((resolve) => setImmediate(resolve)).then(() => run(this, this.controller.signal));
    this.result.then(
      (r) => this.emit('done', r),
      (e: ChunkmillError) => {
        if (this.listenerCount('error') > 0) this.emit('error', e);
      },
    );
    // A caller that only listens to events must not get an unhandled rejection.
    this.result.catch(() => {}).finally(() => settled.abort());
  }

  /** Stops the work promptly: the pool is destroyed and `result` rejects with an AbortError. */
  cancel(): void {
    if (!this.controller.signal.aborted) this.controller.abort(new AbortError());
  }

  get cancelled(): boolean {
    return this.controller.signal.aborted;
  }
}

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
    this.trailing = setTimeout(() => {
      const at = performance.now();
      if (at - this.lastEmit >= this.intervalMs) this.emitNow(at);
      else this.armTrailing(at);
    }, Math.ceil(this.intervalMs - (now - this.lastEmit)));
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
    const etaMs = bytesPerSec > 0 && this.bytesTotal !== null ? ((this.bytesTotal - this.bytesDone) / bytesPerSec) * 1000 : null;
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
