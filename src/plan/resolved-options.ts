/** The options of a job as validate() leaves them: every default filled in, every value checked. */
import type { ResourceLimits } from 'node:worker_threads';
import type { ResolvedClusterOptions } from '../api/cluster-options.js';
import type { Journal } from '../api/journal.js';
import type { BadNumberPolicy, BadRowPolicy } from '../api/options.js';
import type { ComputationOptions } from '../kinds/computation.js';

/** The input, resolved: `name` is what messages call it (the path, or <stream>, <array>). */
export type ResolvedInput =
  | { kind: 'file'; name: string; path: string; format: 'csv' | 'ndjson'; gzip: boolean }
  | { kind: 'stream'; name: string; stream: AsyncIterable<Uint8Array>; format: 'csv' | 'ndjson' }
  | { kind: 'array'; name: string; rows: readonly unknown[] };

export interface ResolvedOptions extends ComputationOptions {
  input: ResolvedInput;
  workers: number;
  chunkSize: number;
  chunkRows: number;
  delimiter: string;
  header: boolean;
  onBadRow: BadRowPolicy;
  onBadNumber: BadNumberPolicy;
  onQuoteMismatch: 'sequential' | 'error';
  maxRecordSize: number;
  progressInterval: number;
  workerResourceLimits: ResourceLimits | undefined;
  signal: AbortSignal | undefined;
  retries: number;
  retryTaskErrors: boolean;
  timeout: number | undefined;
  /** A file path (the `checkpoint` option), or a journal kept elsewhere (an engine's job: its store). */
  checkpoint: string | Journal | undefined;
  /** undefined: a local pool. */
  cluster: ResolvedClusterOptions | undefined;
}
