/**
 * The job model: every option of a job, described once. Each field has its type and bounds (a
 * TypeBox schema, so it is JSON Schema and a TypeScript type at once), its default, one line of
 * documentation, and where it may be given:
 *
 * - `options`: processDataset / processSerial (the library's own callers, who may pass live
 *   values: a stream, a signal);
 * - `queue`:   a queued job (queue.add, chunkmill submit): plain JSON that waits in a store;
 * - `http`:    POST /api/jobs, from a client the server does not trust (with tighter bounds
 *   where `x-http` says so).
 *
 * From this one table come plan/validate.ts's field checks (with chunkmill's coded errors that
 * name the option), the server's JSON schema of a job spec (httpSpecSchema), the options a
 * queued job refuses and why (QUEUE_REFUSED), and the types of the options (CommonOptions), of
 * the stored spec (JobSpec), of the resolved options and of the API's spec (wire.ts).
 * Adding an option is one entry here (and the code that acts on it).
 *
 * The fields that say *what* to compute (aggregate, task, transform, params, output) and the
 * input have a different shape on each surface (a module is a URL in a store, a name over HTTP);
 * they are described here too, per surface, and checked by validate()'s own rules.
 */
import type { OptionalKind, Static } from '@sinclair/typebox';
import { Type } from './typebox.js';
import { DEFAULTS, MAX_RECORD_SIZE } from '../defaults.js';
import { EVERYWHERE, type Field, field, live, NOT_OVER_HTTP, OPTIONS_ONLY, oneOf, shaped } from './field.js';
import { TEXT_FIELDS } from './text-fields.js';

/** A table of fields: each one optional (TypeBox's mark, which its Static type reads). */
type FieldTable = Record<string, Field & { [OptionalKind]: 'Optional' }>;

/** The smallest chunk a client may ask for over HTTP: 64 KiB keeps a 1 GB file under ~16k chunks. */
export const HTTP_MIN_CHUNK = 64 << 10;
/** 1024 workers is far above any machine's cores; a larger number from a client is a mistake. */
export const HTTP_MAX_WORKERS = 1024;

/** A path or name over HTTP: 1 KiB is far above any real one, and bounds what a client can send. */
const NAME_MAX = 1024;
/** A module is named by a short name in the tasks dir. */
const MODULE_NAME_MAX = 256;
const COLUMN_NAME = Type.String({ 'x-http': { maxLength: 1024 } });
const COLUMNS = Type.Array(COLUMN_NAME, { 'x-http': { maxItems: 1024 } });

/**
 * One measure: its kind and column (MeasureSpec), nothing else: a field no measure reads is
 * refused, not ignored. A kind that takes a parameter adds it here. validate() checks which
 * kinds exist and which take a column.
 */
const MEASURE = Type.Object(
  { kind: Type.String({ 'x-http': { maxLength: 64 } }), column: Type.Optional(COLUMN_NAME) },
  { additionalProperties: false },
);

const AGGREGATE = Type.Object(
  {
    groupBy: Type.Optional(COLUMNS),
    measures: Type.Unsafe<Record<string, Static<typeof MEASURE>>>({
      type: 'object',
      additionalProperties: MEASURE,
      'x-http': { maxProperties: 256 },
    }),
  },
  { additionalProperties: false },
);

/** A queued transform's output (a library caller may give a stream instead: options.ts). */
export const OUTPUT_SCHEMA = Type.Object(
  {
    path: Type.String({ minLength: 1, 'x-http': { minLength: 1, maxLength: NAME_MAX } }),
    format: Type.Optional(oneOf('csv', 'tsv', 'ndjson', 'json')),
    columns: Type.Optional(COLUMNS),
  },
  { additionalProperties: false },
);

/** The CSV dialect (`csv: { ... }`). */
export const CSV_FIELDS = {
  delimiter: field(Type.String(), {
    on: EVERYWHERE,
    doc: 'Field delimiter, one ASCII character.',
    default: DEFAULTS.delimiter,
    char: true,
    http: { minLength: 1, maxLength: 4 },
  }),
  quote: field(Type.String(), {
    on: EVERYWHERE,
    doc: 'Quote character, one ASCII character.',
    default: DEFAULTS.quote,
    char: true,
    http: { minLength: 1, maxLength: 4 },
  }),
  header: field(Type.Boolean(), {
    on: EVERYWHERE,
    doc: "The first record names the columns. Without a header, columns are named '1', '2', ...",
    default: DEFAULTS.header,
  }),
} satisfies FieldTable;

/**
 * The options every job shares besides its input and its work, in the order validate() checks
 * them (and lists them in a message). The JSDoc of each is what an editor shows on hover.
 */
export const JOB_FIELDS = {
  /** The data (InputSource): in a queued job a file's path or file: URL, over HTTP a name in the data dir. */
  input: shaped(Type.String({ minLength: 1 }), {
    doc: 'The data: a file (a path or file: URL), or from code a stream or an array of records.',
    http: { minLength: 1, maxLength: NAME_MAX },
  }),
  /** 'csv' or 'ndjson' (one JSON object per line). @default from the file extension (.ndjson/.jsonl, else csv) */
  format: field(oneOf('csv', 'ndjson'), {
    on: EVERYWHERE,
    doc: "'csv' or 'ndjson' (one JSON object per line); by default from the file extension.",
  }),
  /** Decompress the input with gunzip. @default true for a file name ending in .gz */
  gzip: field(Type.Boolean(), { on: EVERYWHERE, doc: 'Decompress the input with gunzip; by default for a .gz name.' }),
  /** Worker threads. @default os.availableParallelism(); with `cluster`, every thread of its workers */
  workers: field(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), {
    on: EVERYWHERE,
    doc: 'Worker threads; by default one per core (with a cluster, all of its threads).',
    http: { minimum: 1, maximum: HTTP_MAX_WORKERS },
  }),
  /** Bytes per chunk for files and streams; every value >= 1 gives the same result. @default 8 MiB (2 MiB for a transform) */
  chunkSize: field(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), {
    on: EVERYWHERE,
    doc: 'Bytes per chunk for files and streams; every value gives the same result.',
    http: { minimum: HTTP_MIN_CHUNK, maximum: 1 << 30 },
  }),
  /** Records per chunk for an in-memory array input. @default 10000 */
  chunkRows: field(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), {
    on: NOT_OVER_HTTP,
    doc: 'Records per chunk for an in-memory array input.',
    default: DEFAULTS.chunkRows,
  }),
  /** The CSV dialect. */
  csv: field(Type.Object(CSV_FIELDS, { additionalProperties: false }), {
    on: EVERYWHERE,
    doc: 'The CSV dialect: delimiter, quote, header.',
  }),
  /** The built-in group-by aggregate (AggregateSpec). */
  aggregate: shaped(AGGREGATE, { doc: 'The built-in group-by aggregate: groupBy and measures.' }),
  /** A user task module (defineTask): a file: URL or path; over HTTP, a module's name in the tasks dir. */
  task: shaped(Type.String({ minLength: 1 }), {
    doc: "A user task module: a URL or path; over HTTP, a module's name in the tasks dir.",
    http: { minLength: 1, maxLength: MODULE_NAME_MAX },
  }),
  /** A user transform module (defineTransform), named as `task` is. */
  transform: shaped(Type.String({ minLength: 1 }), {
    doc: 'A user transform module, named as task is.',
    http: { minLength: 1, maxLength: MODULE_NAME_MAX },
  }),
  /** Any structured-cloneable value (JSON in a queued job), handed to the task or transform as ctx.params. */
  params: shaped(Type.Unknown(), { doc: 'Any value, handed to the task or transform as ctx.params.' }),
  /** Where a transform's rows go (OutputOptions; a queued job writes to a file). */
  output: shaped(OUTPUT_SCHEMA, { doc: "Where a transform's rows go: a file path, its format and columns." }),
  /** The rejects file (CSV: line, fields, record) for onBadRow: 'report'; created or replaced. */
  rejects: field(Type.String({ minLength: 1 }), {
    on: EVERYWHERE,
    expected: 'a file path',
    doc: "The rejects file (CSV: line, fields, record) for onBadRow: 'report'.",
    http: { minLength: 1, maxLength: 1024 },
  }),
  /**
   * A record whose field count differs from the header's: fail ('error'), skip and count it
   * ('skip'), or skip, count and write it with its line to the `rejects` file ('report'). @default 'error'
   */
  onBadRow: field(oneOf('error', 'skip', 'report'), {
    on: EVERYWHERE,
    doc: 'A record with the wrong field count: fail, skip it, or skip it and write it to `rejects`.',
    default: DEFAULTS.onBadRow,
  }),
  /** A value read as a number that is not one: fail, or treat it as empty and count it. @default 'error' */
  onBadNumber: field(oneOf('error', 'skip'), {
    on: EVERYWHERE,
    doc: 'A value read as a number that is not one: fail, or treat it as empty and count it.',
    default: DEFAULTS.onBadNumber,
  }),
  /**
   * A bare quote inside an unquoted field breaks the quote parity that parallel boundary
   * resolution relies on. 'sequential': re-parse sequentially from the first disputed chunk (and
   * emit a warning); 'error': fail with ERR_CSV_QUOTE_MISMATCH. Stream inputs always fail. @default 'sequential'
   */
  onQuoteMismatch: field(oneOf('sequential', 'error'), {
    on: EVERYWHERE,
    doc: 'A bare quote that breaks the parallel quote parity: re-parse sequentially, or fail.',
    default: DEFAULTS.onQuoteMismatch,
  }),
  // headerNames, decimal, encoding: how the text of a messy file is read (text-fields.ts).
  ...TEXT_FIELDS,
  /** Longest record accepted, in bytes; guards memory against an unclosed quote. @default 64 MiB */
  maxRecordSize: field(Type.Integer({ minimum: 1, maximum: MAX_RECORD_SIZE }), {
    on: EVERYWHERE,
    doc: 'Longest record accepted, in bytes; guards memory against an unclosed quote.',
    default: DEFAULTS.maxRecordSize,
  }),
  /**
   * Bytes an aggregate's groups and its result rows may take on the coordinator (an estimate kept
   * as groups come). Past it the job fails with ERR_MEMORY_BUDGET, rather than the process with
   * V8's out-of-memory. Whatever is asked, a job gets at most half of the process's V8 heap limit
   * (--max-old-space-size), and the process's running aggregates together at most that half too.
   * Tasks and transforms are not held to it. @default a quarter of the heap limit
   */
  memoryBudget: field(Type.Integer({ minimum: 1 << 20, maximum: Number.MAX_SAFE_INTEGER }), {
    on: EVERYWHERE,
    doc: "Bytes an aggregate's groups and result may take; by default a quarter of the heap limit, at most half.",
  }),
  /** Minimum milliseconds between two `progress` events. @default 100 */
  progressInterval: field(Type.Number({ minimum: 0 }), {
    on: EVERYWHERE,
    doc: 'Minimum milliseconds between two progress events.',
    default: DEFAULTS.progressInterval,
    http: { minimum: 0, maximum: 60_000 },
  }),
  /**
   * Memory limits of each worker thread (Node's Worker resourceLimits: maxOldGenerationSizeMb,
   * maxYoungGenerationSizeMb, codeRangeSizeMb, stackSizeMb). A worker that exceeds them is ended
   * and the job fails with ERR_WORKER_EXITED; the host process lives on. @default none
   */
  workerResourceLimits: field(live<import('node:worker_threads').ResourceLimits>(), {
    on: OPTIONS_ONLY,
    doc: 'Memory limits of each worker thread (Node resourceLimits).',
    refused: "applies to a pool's threads, and an engine's pool is shared by its jobs: give it to createEngine()",
  }),
  /** Cancels the job, like job.cancel(). */
  signal: field(live<AbortSignal>(), {
    on: OPTIONS_ONLY,
    doc: 'Cancels the job, like job.cancel().',
    refused: 'a signal cannot be stored with a job; cancel it with queue.cancel(id)',
  }),
  /**
   * Times a chunk whose worker died (exit, out of memory) or that timed out is run again, on a
   * fresh worker, before the job fails with the first failure. A throw in user code is retried
   * only with `retryTaskErrors`. @default 2
   */
  retries: field(Type.Integer({ minimum: 0 }), {
    on: EVERYWHERE,
    doc: 'Times a chunk whose worker died or timed out is run again before the job fails.',
    default: DEFAULTS.retries,
    http: { minimum: 0, maximum: 10 },
  }),
  /**
   * Milliseconds to wait before a failed chunk is run again, doubled at each further retry (200:
   * 200, 400, 800 ms): room for a flaky service that a task calls (with retryTaskErrors) or a
   * machine under memory pressure to recover. A cancel cuts the wait short. @default 0
   */
  retryDelay: field(Type.Integer({ minimum: 0, maximum: 600_000 }), {
    on: EVERYWHERE,
    doc: 'Milliseconds before a failed chunk is run again, doubled at each further retry.',
    default: 0,
  }),
  /**
   * Also retry a chunk whose user code threw (ERR_TASK_FAILED), up to `retries` times: for code
   * that can fail and then succeed (a flaky service it calls). Off, such a throw fails the job at
   * once: a deterministic error would only fail again. @default false
   */
  retryTaskErrors: field(Type.Boolean(), {
    on: NOT_OVER_HTTP,
    doc: 'Also retry a chunk whose user code threw, up to `retries` times.',
    default: DEFAULTS.retryTaskErrors,
  }),
  /**
   * How a worker proves it reads the file that was planned. 'stat': the file's size and modified
   * time are the planned ones (a different copy with the same size and mtime goes unnoticed).
   * 'content': also a CRC-32 of every byte a chunk's parse read, compared with the coordinator's
   * own copy before the chunk's rows are merged (ERR_FILE_CHANGED otherwise); for cluster workers
   * with copies of their own (docs/cluster.md). Costs one more pass over each chunk's bytes on both
   * sides. Streams and .gz inputs are read by the coordinator itself: there is no other copy. @default 'stat'
   */
  verify: field(oneOf('stat', 'content'), {
    on: EVERYWHERE,
    doc: "How a worker proves it reads the planned file: 'stat' (size, mtime) or 'content' (also a CRC-32 per chunk).",
    default: 'stat',
  }),
  /** Milliseconds a chunk may run (from when a worker starts it) before it is aborted. @default none */
  timeout: field(Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }), {
    on: EVERYWHERE,
    doc: 'Milliseconds a chunk may run, from when a worker starts it, before it is aborted.',
    http: { minimum: 1 },
  }),
  /**
   * A journal file: each finished chunk is appended and synced, so a rerun after a crash skips
   * those chunks. CSV files with an aggregate or a task only. Removed when the job succeeds.
   */
  checkpoint: field(Type.String({ minLength: 1 }), {
    on: OPTIONS_ONLY,
    expected: 'a file path',
    doc: 'A journal file of finished chunks, so a rerun after a crash skips them.',
    refused: 'the engine keeps a checkpoint journal for every job itself (next to the store)',
  }),
  /**
   * Keep only the records for which this expression is true, e.g. `'delay > 60 and origin =
   * "LAS"'`: comparisons (= != < <= > >=) of a column with a number or a quoted text, `is empty`,
   * `is not empty`, `and`, `or`, `not`, parentheses. An empty field is NULL: a comparison with it
   * is neither true nor false, so the record is dropped. A value compared with a number that is
   * not one follows onBadNumber. Evaluated in the workers, on the record's bytes. The records it
   * drops are counted in stats.rowsFiltered, not in rowsUsed. docs/filter.md has the grammar.
   * @default none (every record)
   */
  where: field(Type.String(), {
    on: NOT_OVER_HTTP,
    expected: 'an expression as a string',
    doc: 'Keep only the records for which this expression is true (docs/filter.md).',
  }),
  /**
   * Run the chunks on `chunkmill worker` processes through BullMQ on this Redis instead of on a
   * local pool (docs/cluster.md); `workers` then caps how many of the cluster's threads the job
   * uses. The input must be at the same path on every worker machine. @default none: a local pool
   */
  cluster: field(live<import('../cluster-options.js').ClusterOptions>(), {
    on: OPTIONS_ONLY,
    doc: "Run the chunks on 'chunkmill worker' processes through this Redis (docs/cluster.md).",
    refused: 'a queued job runs where its engine runs: start the engine (or chunkmill serve) with --cluster instead',
  }),
  /**
   * S3 settings for s3:// inputs: `{ endpoint, region, credentials, forcePathStyle }`, each over
   * the standard AWS configuration (AWS_* variables, AWS_PROFILE and the shared files) that is used
   * without it. Kept in this process: cluster workers use their own environment (docs/inputs.md).
   * @default the AWS configuration of the environment
   */
  s3: field(live<import('../s3-settings.js').S3Settings>(), {
    on: OPTIONS_ONLY,
    doc: 'S3 endpoint, region, credentials and path style for s3:// inputs (docs/inputs.md).',
    refused:
      'credentials are never stored with a job: the engine reads S3 settings from its environment (AWS_* variables)',
  }),
} satisfies FieldTable;
