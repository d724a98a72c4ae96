/**
 * The options of processDataset, as types: the shared fields come from the job model
 * (job-model.ts: type, bounds, default and documentation of each, once); what to compute
 * (aggregate, task, transform) is typed here, generic over the result's row type.
 * plan/validate.ts checks them and fills the defaults in (DEFAULTS, defaults.ts).
 */
import type { JobFieldOptions, WorkField } from './job-model/index.js';
import type { AggregateSpec, MeasureSpec } from './measures.js';
import type { TaskModuleRef } from './tasks.js';

export { DEFAULTS, MAX_RECORD_SIZE } from './defaults.js';

/** A record whose field count differs from the header's: fail, skip and count it, or also write it to a rejects file. */
export type BadRowPolicy = 'error' | 'skip' | 'report';
/** A value read as a number that is not one: fail, or treat it as empty and count it. */
export type BadNumberPolicy = 'error' | 'skip';

export type { CsvOptions } from './job-model/index.js';

/**
 * Where the rows come from: a CSV or NDJSON file (path or file: URL; `.gz` is decompressed as a
 * stream), a Readable stream or AsyncIterable of byte chunks (stdin), or an in-memory array of
 * records (objects or arrays of values).
 */
export type InputSource = string | URL | NodeJS.ReadableStream | AsyncIterable<Uint8Array> | readonly unknown[];

/**
 * Options every kind of job shares: the job model's fields (api/job-model.ts has each one's
 * type, default and documentation) with the input as the library takes it.
 */
export interface CommonOptions extends Omit<JobFieldOptions, WorkField | 'input'> {
  /** The data: see InputSource. */
  input: InputSource;
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
  format?: 'csv' | 'tsv' | 'ndjson' | 'json';
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
