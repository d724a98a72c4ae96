/**
 * The options of processDataset: types with their defaults (JSDoc @default) and one DEFAULTS
 * object. Types only, besides DEFAULTS: plan/validate.ts checks them and fills the defaults in.
 */
import type { ResourceLimits } from 'node:worker_threads';
import type { ClusterOptions } from './cluster-options.js';
import type { AggregateSpec, MeasureSpec } from './measures.js';
import type { TaskModuleRef } from './tasks.js';

/** A record whose field count differs from the header's: fail, skip and count it, or also write it to a rejects file. */
export type BadRowPolicy = 'error' | 'skip' | 'report';
/** A value read as a number that is not one: fail, or treat it as empty and count it. */
export type BadNumberPolicy = 'error' | 'skip';

export interface CsvOptions {
  /** Field delimiter, one ASCII character. @default ',' */
  delimiter?: string;
  /** Quote character, one ASCII character. @default '"' */
  quote?: string;
  /** The first record names the columns. Without a header, columns are named '1', '2', ... @default true */
  header?: boolean;
}

/**
 * Where the rows come from: a CSV or NDJSON file (path or file: URL; `.gz` is decompressed as a
 * stream), a Readable stream or AsyncIterable of byte chunks (stdin), or an in-memory array of
 * records (objects or arrays of values).
 */
export type InputSource = string | URL | NodeJS.ReadableStream | AsyncIterable<Uint8Array> | readonly unknown[];

/** Options every kind of job shares. */
export interface CommonOptions {
  /** The data: see InputSource. */
  input: InputSource;
  /** 'csv' or 'ndjson' (one JSON object per line). @default from the file extension (.ndjson/.jsonl, else csv) */
  format?: 'csv' | 'ndjson';
  /** Decompress the input with gunzip. @default true for a file name ending in .gz */
  gzip?: boolean;
  /** Worker threads. @default os.availableParallelism(); with `cluster`, every thread of its workers */
  workers?: number;
  /** Bytes per chunk for files and streams; every value >= 1 gives the same result. @default 8 MiB (2 MiB for a transform) */
  chunkSize?: number;
  /** Records per chunk for an in-memory array input. @default 10000 */
  chunkRows?: number;
  csv?: CsvOptions;
  /**
   * Keep only the records for which this expression is true, e.g. `'delay > 60 and origin =
   * "LAS"'`: comparisons (= != < <= > >=) of a column with a number or a quoted text, `is empty`,
   * `is not empty`, `and`, `or`, `not`, parentheses. An empty field is NULL: a comparison with it
   * is neither true nor false, so the record is dropped. A value compared with a number that is
   * not one follows onBadNumber. Evaluated in the workers, on the record's bytes. The records it
   * drops are counted in stats.rowsFiltered, not in rowsUsed. docs/filter.md has the grammar.
   * @default none (every record)
   */
  where?: string;
  /**
   * A record whose field count differs from the header's: fail ('error'), skip and count it
   * ('skip'), or skip, count and write it with its line to the `rejects` file ('report'). @default 'error'
   */
  onBadRow?: BadRowPolicy;
  /** The rejects file (CSV: line, fields, record) for onBadRow: 'report'; created or replaced. */
  rejects?: string;
  /** A value read as a number that is not one: fail, or treat it as empty and count it. @default 'error' */
  onBadNumber?: BadNumberPolicy;
  /**
   * A bare quote inside an unquoted field breaks the quote parity that parallel boundary
   * resolution relies on. 'sequential': re-parse sequentially from the first disputed chunk (and
   * emit a warning); 'error': fail with ERR_CSV_QUOTE_MISMATCH. Stream inputs always fail. @default 'sequential'
   */
  onQuoteMismatch?: 'sequential' | 'error';
  /** Longest record accepted, in bytes; guards memory against an unclosed quote. @default 64 MiB */
  maxRecordSize?: number;
  /** Minimum milliseconds between two `progress` events. @default 100 */
  progressInterval?: number;
  /**
   * Memory limits of each worker thread (Node's Worker resourceLimits: maxOldGenerationSizeMb,
   * maxYoungGenerationSizeMb, codeRangeSizeMb, stackSizeMb). A worker that exceeds them is ended
   * and the job fails with ERR_WORKER_EXITED; the host process lives on. @default none
   */
  workerResourceLimits?: ResourceLimits;
  /** Cancels the job, like job.cancel(). */
  signal?: AbortSignal;
  /**
   * Times a chunk whose worker died (exit, out of memory) or that timed out is run again, on a
   * fresh worker, before the job fails with the first failure. A throw in user code is retried
   * only with `retryTaskErrors`. @default 2
   */
  retries?: number;
  /**
   * Also retry a chunk whose user code threw (ERR_TASK_FAILED), up to `retries` times: for code
   * that can fail and then succeed (a flaky service it calls). Off, such a throw fails the job at
   * once: a deterministic error would only fail again. @default false
   */
  retryTaskErrors?: boolean;
  /** Milliseconds a chunk may run (from when a worker starts it) before it is aborted. @default none */
  timeout?: number;
  /**
   * A journal file: each finished chunk is appended and synced, so a rerun after a crash skips
   * those chunks. CSV files with an aggregate or a task only. Removed when the job succeeds.
   */
  checkpoint?: string;
  /**
   * Run the chunks on `chunkmill worker` processes through BullMQ on this Redis instead of on a
   * local pool (docs/cluster.md); `workers` then caps how many of the cluster's threads the job
   * uses. The input must be at the same path on every worker machine. @default none: a local pool
   */
  cluster?: ClusterOptions;
}

/** A built-in group-by aggregate. */
export interface ProcessOptions<
  G extends string = string,
  M extends Record<string, MeasureSpec> = Record<string, MeasureSpec>,
> extends CommonOptions {
  /** The group-by aggregate to compute. */
  aggregate: AggregateSpec<G, M>;
  task?: undefined;
  transform?: undefined;
  params?: undefined;
  output?: undefined;
}

/** A user task module (defineTask), run on every chunk and combined in chunk order. */
export interface TaskOptions<R = unknown> extends CommonOptions {
  /** The module: a file: URL, an absolute path (a relative one is taken from the working directory), or taskModule(url). */
  task: string | URL | TaskModuleRef<R>;
  /** Any structured-cloneable value, handed to the task as ctx.params. */
  params?: unknown;
  aggregate?: undefined;
  transform?: undefined;
  output?: undefined;
}

/** Where a transform's rows go. */
export interface OutputOptions {
  /** A file to create (or replace). */
  path?: string;
  /** Or a writable stream; it is left open at the end (like pipe(..., { end: false })). */
  stream?: NodeJS.WritableStream;
  /** @default from the path's extension (.ndjson/.jsonl, .json), else 'csv' */
  format?: 'csv' | 'ndjson' | 'json';
  /** CSV output: the header line (overrides the transform's `columns`). */
  columns?: readonly string[];
}

/** A user transform module (defineTransform): rows out, in input order. */
export interface TransformOptions extends CommonOptions {
  /** The module: a file: URL or a path, as for `task`. */
  transform: string | URL;
  params?: unknown;
  output: OutputOptions;
  aggregate?: undefined;
  task?: undefined;
}

export type AnyProcessOptions = ProcessOptions | TaskOptions | TransformOptions;

/** 1 GiB: record offsets are 32-bit, and a longer record is not CSV anyone can use. */
export const MAX_RECORD_SIZE = 1 << 30;

export const DEFAULTS = {
  /** 8 MiB: ~25 ms of work per chunk at 300 MB/s, so per-task overhead (~50 us) is noise and progress stays fine-grained. */
  chunkSize: 8 << 20,
  /**
   * 2 MiB for transforms: a chunk's output crosses threads whole and the reorder window holds
   * several, so memory scales with the chunk size (8 MiB: ~500 MiB peak with 2 workers, 1 MiB:
   * ~330 MiB, on 200 MB); a transform's per-row work dwarfs the per-chunk cost at this size.
   */
  transformChunkSize: 2 << 20,
  delimiter: ',',
  quote: '"',
  header: true,
  chunkRows: 10_000,
  onBadRow: 'error',
  onBadNumber: 'error',
  onQuoteMismatch: 'sequential',
  /** 64 MiB: far above real records, low enough that an unclosed quote cannot exhaust memory. */
  maxRecordSize: 64 << 20,
  /** At most ~10 progress events per second: enough for a bar, cheap for a UI. */
  progressInterval: 100,
  retries: 2,
  retryTaskErrors: false,
} as const;
