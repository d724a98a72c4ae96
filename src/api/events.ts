/**
 * What a Job tells its listeners: the events, their payloads, and the order they come in.
 * Types only. The schedulers emit them through a `JobReporter` (the Job itself, or anything with
 * the same two methods), so the scheduling code never depends on the Job class.
 *
 * Order, for every job:
 *
 *   start ─> (progress | chunk | warning | log | taskProgress)* ─> progress (final) ─> done
 *                                                                 └───────────────> error
 *
 * `start` comes once, first, before any other event (a job that fails before it has a plan,
 * e.g. on a bad option or a missing file, emits only `error`). `chunk` events come in chunk
 * order, each after its chunk is merged. The last `progress` before `done` reports everything
 * done. Exactly one of `done` and `error` ends the job; nothing is emitted after it.
 */
import type { ChunkmillError } from '../errors.js';

/** The plan, announced once by the `start` event. */
export interface JobPlan {
  /** The input's name: its path, or `<stream>`, `<array>`. */
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
  /**
   * WARN_CHUNK_RETRY (a chunk is run again after a fault), WARN_QUOTE_MISMATCH (sequential
   * fallback), WARN_NO_RANGES (an HTTP object read as one stream), WARN_CLUSTER_VERSION (workers
   * of another chunkmill version take no part), or WARN_CLUSTER_QUARANTINE (a cluster worker is
   * taken out of rotation), or WARN_HEADER_RENAMED (empty or repeated header names renamed as
   * DuckDB renames them, headerNames: 'rename').
   */
  code: string;
  message: string;
  byteOffset?: number;
  line?: number;
}

export interface JobStats {
  /** Records read (rowsUsed + rowsRejected + rowsFiltered). */
  rows: number;
  /** Records the computation took in: read, of the right width, and kept by the `where` filter. */
  rowsUsed: number;
  /** Records skipped by onBadRow: 'skip' (or 'report'). The filter never sees them. */
  rowsRejected: number;
  /** Records the `where` filter dropped (0 without one). */
  rowsFiltered: number;
  /**
   * Values skipped by onBadNumber: 'skip': once per value read as a number by a measure, and once
   * per value a `where` comparison read as a number (so a value both read counts twice).
   */
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
  /** The chunk whose code logged it (-1 from setup). */
  chunkIndex: number;
  message: string;
}

/** A user module's ctx.progress(value); throttled to one per 50 ms per chunk. */
export interface TaskProgress {
  chunkIndex: number;
  value: unknown;
}

/** The events of a Job whose result is R, as EventEmitter listener arguments. */
export interface JobEvents<R> {
  /** Once, first: the plan (input, size, chunks, workers, columns), after the header is read. */
  start: [plan: JobPlan];
  /**
   * Throttled to one per `progressInterval` ms (a trailing one is never lost), and once more,
   * final, right before `done`. Not emitted after a failure.
   */
  progress: [progress: Progress];
  /** Each chunk once it is merged, in chunk order (so never ahead of the data before it). */
  chunk: [chunk: ChunkEvent];
  /** Something the job recovered from: a retried chunk, a sequential fallback. Any time after `start`. */
  warning: [warning: JobWarning];
  /** A user module's ctx.log(); all of a chunk's lines arrive before that chunk's `chunk` event. */
  log: [log: TaskLog];
  /** A user module's ctx.progress(value). */
  taskProgress: [progress: TaskProgress];
  /** Last, on success, with the value `job.result` resolves to. */
  done: [result: R];
  /** Last, on failure (a cancel included: code ABORT_ERR), with the error `job.result` rejects with. */
  error: [error: ChunkmillError];
}

/** What the schedulers need of a Job: to emit its events, and to know whether anyone listens. */
export interface JobReporter {
  emit<K extends keyof JobEvents<unknown>>(event: K, ...args: JobEvents<unknown>[K]): boolean;
  listenerCount(event: keyof JobEvents<unknown>): number;
}
