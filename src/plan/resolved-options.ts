/** The options of a job as validate() leaves them: every default filled in, every value checked. */
import type { ResourceLimits } from 'node:worker_threads';
import type { ResolvedClusterOptions } from '../api/cluster-options.js';
import type { S3Settings } from '../api/s3-settings.js';
import type { ResolvedFields } from '../api/job-model/index.js';
import type { Journal } from '../api/journal.js';
import type { ComputationOptions } from '../kinds/computation.js';

/** The input, resolved: `name` is what messages call it (the path, or <stream>, <array>). */
export type ResolvedInput =
  | { kind: 'file'; name: string; path: string; format: 'csv' | 'ndjson'; gzip: boolean }
  /**
   * Several files, a glob, or objects (s3://, http(s)://): expanded when the job is planned
   * (plan/dataset.ts). `format` and `gzip` are the options', if given; else each source's name says.
   */
  | { kind: 'dataset'; name: string; patterns: string[]; format?: 'csv' | 'ndjson'; gzip?: boolean }
  | { kind: 'stream'; name: string; stream: AsyncIterable<Uint8Array>; format: 'csv' | 'ndjson' }
  | { kind: 'array'; name: string; rows: readonly unknown[] };

/**
 * The job model's plain fields come resolved as the model types them (ResolvedFields: a field
 * with a default always has a value), so a new option needs no line here; the rest are the
 * fields validate() resolves by rules of its own.
 */
export interface ResolvedOptions extends Omit<ComputationOptions, keyof ResolvedFields>, ResolvedFields {
  input: ResolvedInput;
  workers: number;
  chunkSize: number;
  workerResourceLimits: ResourceLimits | undefined;
  signal: AbortSignal | undefined;
  /** A file path (the `checkpoint` option), or a journal kept elsewhere (an engine's job: its store). */
  checkpoint: string | Journal | undefined;
  /**
   * `checkpoint` is an engine's journal for its job, not the user's option: a dataset found to be
   * read as streams (gzip, NDJSON) runs without it rather than being refused (schedule-job.ts).
   */
  checkpointByEngine?: boolean;
  /** The `s3` option, checked (undefined: the environment's AWS configuration). */
  s3: S3Settings | undefined;
  /** undefined: a local pool. */
  cluster: ResolvedClusterOptions | undefined;
}
