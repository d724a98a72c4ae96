/**
 * The `cluster` option of processDataset (and `--cluster` on the CLI): run a job's chunks on
 * `chunkmill worker` processes through BullMQ on Redis instead of on a local pool. Types and
 * defaults only; plan/cluster-options.ts checks them. docs/cluster.md describes the whole mode.
 */

export interface ClusterOptions {
  /** The Redis the workers use: redis://[user:password@]host[:port][/db], or rediss:// for TLS. */
  redis: string;
  /** Milliseconds Redis may take to answer at the start before the job fails with ERR_CLUSTER_UNREACHABLE. @default 5000 */
  connectTimeout?: number;
  /**
   * Milliseconds a lost connection to Redis may stay lost mid-job; then the job fails with
   * ERR_CLUSTER_CONNECTION. Chunks lost with a restarted Redis are run again. @default 10000
   */
  reconnectTimeout?: number;
  /**
   * Milliseconds a job waits for a worker of this chunkmill version: at the start, and whenever
   * none is left mid-job. Then it fails with ERR_CLUSTER_NO_WORKERS (ERR_CLUSTER_VERSION when
   * only workers of another version are there). @default 10000
   */
  workerTimeout?: number;
  /**
   * The largest chunk item or reply that may go through Redis, in bytes as encoded. File chunks
   * are a path and a byte range (a few hundred bytes); stream and array chunks carry their
   * records, and a transform's reply its output rows: those are bound by this. A chunk over it
   * fails with ERR_CLUSTER_PAYLOAD. @default 32 MiB
   */
  maxPayload?: number;
}

export type ResolvedClusterOptions = Required<ClusterOptions>;

export const CLUSTER_DEFAULTS = {
  connectTimeout: 5_000,
  reconnectTimeout: 10_000,
  workerTimeout: 10_000,
  /**
   * 32 MiB: a default 8 MiB stream chunk is ~10.7 MiB as base64, and a transform chunk's output
   * may be a few times its 2 MiB input; Redis holds at most two items per worker thread at once.
   */
  maxPayload: 32 << 20,
} as const;
