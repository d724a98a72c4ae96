/**
 * Errors with stable codes. Every error a user can cause carries a `code` and, for data errors,
 * where it happened (file, 1-based line, column name, byte offset).
 *
 * Errors cross the worker boundary as plain data (`ErrorData`): Piscina rejects with a plain
 * Error and loses custom classes and properties, so workers *return* errors and the coordinator
 * rebuilds them here with `fromData`.
 */

export type ErrorCode =
  | 'ERR_INVALID_OPTION'
  | 'ERR_FILE_NOT_FOUND'
  | 'ERR_NOT_A_FILE'
  | 'ERR_FILE_UNREADABLE'
  | 'ERR_FILE_CHANGED'
  | 'ERR_PATH_FORBIDDEN'
  | 'ERR_OBJECT_URL'
  | 'ERR_OBJECT_NOT_FOUND'
  | 'ERR_OBJECT_FORBIDDEN'
  | 'ERR_OBJECT_AUTH'
  | 'ERR_OBJECT_UNREACHABLE'
  | 'ERR_OBJECT_UNAVAILABLE'
  | 'ERR_RANGE_UNSUPPORTED'
  | 'ERR_UNKNOWN_COLUMN'
  | 'ERR_CSV_NO_HEADER'
  | 'ERR_CSV_UNCLOSED_QUOTE'
  | 'ERR_CSV_INVALID_CLOSING_QUOTE'
  | 'ERR_CSV_FIELD_COUNT'
  | 'ERR_CSV_RECORD_TOO_LARGE'
  | 'ERR_CSV_BAD_NUMBER'
  | 'ERR_CSV_QUOTE_MISMATCH'
  | 'ERR_CSV_HEADER'
  | 'ERR_CSV_AMBIGUOUS'
  | 'ERR_CSV_INVALID_UTF8'
  | 'ERR_NOT_CSV'
  | 'ERR_INPUT_FORMAT'
  | 'ERR_NDJSON_INVALID'
  | 'ERR_TASK_LOAD'
  | 'ERR_TASK_INVALID'
  | 'ERR_TASK_FAILED'
  | 'ERR_TRANSFORM_OUTPUT'
  | 'ERR_OUTPUT'
  | 'ERR_CHECKPOINT_MISMATCH'
  | 'ERR_WORKER_EXITED'
  | 'ERR_CHUNK_TIMEOUT'
  | 'ERR_MEMORY_BUDGET'
  | 'ERR_CLUSTER_UNREACHABLE'
  | 'ERR_CLUSTER_CONNECTION'
  | 'ERR_CLUSTER_NO_WORKERS'
  | 'ERR_CLUSTER_VERSION'
  | 'ERR_CLUSTER_TASK_MODULE'
  | 'ERR_CLUSTER_PAYLOAD'
  | 'ERR_CLUSTER_ITEM_LOST'
  | 'ERR_CLUSTER_OUTAGE'
  | 'ERR_INTERNAL'
  | 'ERR_STORE_NOT_A_STORE'
  | 'ERR_STORE_CORRUPT'
  | 'ERR_STORE_READ_ONLY'
  | 'ERR_STORE_FULL'
  | 'ERR_STORE_VERSION'
  | 'ERR_STORE_UNREACHABLE'
  | 'ERR_STORE_AUTH'
  | 'ERR_STORE_NOT_FOUND'
  | 'ERR_STORE_FULL'
  | 'ERR_STORE'
  | 'ERR_JOB_NOT_FOUND'
  | 'ERR_JOB_RUNNING'
  | 'ERR_JOB_NOT_RETRYABLE'
  | 'ERR_JOB_LOST'
  | 'ABORT_ERR';

/** Where a data error happened. Lines are 1-based physical lines of the file. */
export interface ErrorLocation {
  file?: string;
  line?: number;
  /** Column name from the header (or its 1-based number without a header). */
  column?: string;
  /** 1-based position of the column in the record. */
  columnIndex?: number;
  /** Byte offset in the file, 0-based. */
  byteOffset?: number;
  chunkIndex?: number;
}

/** The plain form of an error, as it crosses thread boundaries. */
export interface ErrorData extends ErrorLocation {
  code: ErrorCode;
  message: string;
  /** Worker-local line count from the chunk's first owned record; turned into `line` by the coordinator. */
  localLine?: number;
  option?: string;
  hint?: string;
}

/** Marks a ChunkmillError of either build (a registered symbol: the same in both). */
const BRAND = Symbol.for('chunkmill.ChunkmillError');

export class ChunkmillError extends Error {
  readonly code: ErrorCode;
  declare readonly file?: string;
  declare readonly line?: number;
  declare readonly column?: string;
  declare readonly columnIndex?: number;
  declare readonly byteOffset?: number;
  declare readonly chunkIndex?: number;
  /** The option at fault, for ERR_INVALID_OPTION. */
  declare readonly option?: string;
  /** A short suggestion for the user, shown by the CLI under the message. */
  declare readonly hint?: string;

  /**
   * instanceof holds across the ES module and CommonJS builds (support/build-cjs.mjs), which are
   * two copies of this class in a process that loads both: an error the built-in task modules
   * throw (ES modules, loaded by either build) is a ChunkmillError to a CommonJS caller too.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // `this` is the class instanceof asks about: a subclass (InvalidUtf8Error) keeps the plain test.
    // biome-ignore lint/complexity/noThisInStatic: the class on the right of instanceof, not ChunkmillError
    if (this !== ChunkmillError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  constructor(data: Omit<ErrorData, 'localLine'>, options?: { cause?: unknown }) {
    super(data.message, options);
    Object.defineProperty(this, BRAND, { value: true });
    this.name = 'ChunkmillError';
    this.code = data.code;
    if (data.file !== undefined) this.file = data.file;
    if (data.line !== undefined) this.line = data.line;
    if (data.column !== undefined) this.column = data.column;
    if (data.columnIndex !== undefined) this.columnIndex = data.columnIndex;
    if (data.byteOffset !== undefined) this.byteOffset = data.byteOffset;
    if (data.chunkIndex !== undefined) this.chunkIndex = data.chunkIndex;
    if (data.option !== undefined) this.option = data.option;
    if (data.hint !== undefined) this.hint = data.hint;
  }

  toData(): ErrorData {
    const { code, message, file, line, column, columnIndex, byteOffset, chunkIndex, option, hint } = this;
    return stripUndefined({ code, message, file, line, column, columnIndex, byteOffset, chunkIndex, option, hint });
  }
}

/** How far a job got when it was cancelled. */
export interface CancelledAt {
  bytesDone: number;
  rowsDone: number;
  chunksDone: number;
}

/** Raised when a job is cancelled (`job.cancel()` or the `signal` option). */
export class AbortError extends ChunkmillError {
  /** Work merged before the cancel (absent if it came before the job started). */
  declare readonly progress?: CancelledAt;

  constructor(message = 'The job was cancelled', options?: { cause?: unknown }) {
    super({ code: 'ABORT_ERR', message }, options);
    this.name = 'AbortError';
  }

  /** The same error, saying how far the job got. */
  at(progress: CancelledAt): AbortError {
    const e = new AbortError(
      `${this.message} after ${progress.chunksDone} chunks, ${progress.rowsDone} rows, ${progress.bytesDone} bytes`,
      { cause: this.cause },
    );
    Object.defineProperty(e, 'progress', {
      value: { bytesDone: progress.bytesDone, rowsDone: progress.rowsDone, chunksDone: progress.chunksDone },
      enumerable: true,
    });
    return e;
  }
}

/** The AbortError for a job whose caller-supplied signal was aborted. */
export function signalAborted(signal: AbortSignal): AbortError {
  return new AbortError('The job was cancelled by its signal', { cause: signal.reason });
}

/**
 * Any failure as data (to store with a job, to send back from a cluster worker): a
 * ChunkmillError's own, anything else (a bug) ERR_INTERNAL with its message.
 */
export function toErrorData(e: unknown): ErrorData {
  return e instanceof ChunkmillError ? e.toData() : { code: 'ERR_INTERNAL', message: messageOf(e) };
}

/** Rebuild an error that crossed a thread boundary as data. */
export function fromData(data: Omit<ErrorData, 'localLine'>): ChunkmillError {
  return data.code === 'ABORT_ERR' ? new AbortError(data.message) : new ChunkmillError(data);
}

export function invalidOption(option: string, message: string): ChunkmillError {
  return new ChunkmillError({ code: 'ERR_INVALID_OPTION', option, message: `Invalid option "${option}": ${message}` });
}

/** Appends " (file:line, column "x", byte n)" to a data error message. */
export function describeLocation(loc: ErrorLocation): string {
  const parts: string[] = [];
  if (loc.file !== undefined) parts.push(loc.line !== undefined ? `${loc.file}:${loc.line}` : loc.file);
  else if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.column !== undefined) parts.push(`column "${loc.column}"`);
  if (loc.byteOffset !== undefined) parts.push(`byte ${loc.byteOffset}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** A failed file system call (open, stat, read) as a coded error that names the file. */
export function fileError(e: unknown, path: string): ChunkmillError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT')
    return new ChunkmillError(
      { code: 'ERR_FILE_NOT_FOUND', file: path, message: `No such file: ${path}` },
      { cause: e },
    );
  if (code === 'EISDIR')
    return new ChunkmillError(
      { code: 'ERR_NOT_A_FILE', file: path, message: `${path} is a directory, not a CSV file` },
      { cause: e },
    );
  return new ChunkmillError(
    { code: 'ERR_FILE_UNREADABLE', file: path, message: `Cannot read ${path}: ${(e as Error).message}` },
    { cause: e },
  );
}

/**
 * A confined job (an engine's `confine`, api/confinement.ts) refused to open `path` for `what`
 * ('read', 'write'): `why` says what was found there, never where a link leads.
 */
export function pathForbidden(path: string, what: 'read' | 'write', why: string): ChunkmillError {
  return new ChunkmillError({
    code: 'ERR_PATH_FORBIDDEN',
    file: path,
    message: `Refused to ${what} ${path}: ${why}`,
    hint: 'a confined job opens only plain files inside the data dir; the path was checked when the job was queued and has changed since',
  });
}

/** The message of anything thrown (a thrown string, say, has none of its own). */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function stripUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
