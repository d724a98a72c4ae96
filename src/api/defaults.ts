/**
 * The defaults of a job's options, in one object (the job model, job-model.ts, refers to them;
 * validate() fills them in).
 */

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
