/**
 * Where a checkpoint journal's bytes are kept: the seam between the checkpoint (which decides
 * what the bytes are, src/schedule/checkpoint.ts) and whatever keeps them. processDataset's
 * `checkpoint: path` keeps them in a file; an engine's jobs keep them in the job store, so any
 * engine on that store (any host, for a store that is not a file) resumes a job. Types only.
 */
export interface Journal {
  /** What messages call it: a file path, or a job's journal in a store. */
  readonly name: string;
  /** Every byte appended so far (an append cut short by a crash may be there in part); null: none. */
  read(): Promise<Uint8Array | null>;
  /**
   * Keeps the first `length` bytes and drops the rest (0: starts an empty journal); called once,
   * after read() and before the first append, so a torn or damaged tail never precedes new bytes.
   */
  truncate(length: number): Promise<void>;
  /**
   * Appends bytes after the others. Once it resolves they survive a kill -9 of this process;
   * appends are called one after another (the next after the previous one resolved).
   */
  append(bytes: Uint8Array): Promise<void>;
  /** The checkpoint is done with it for now (a file is closed); the bytes stay. */
  close(): Promise<void>;
  /** Deletes the bytes (nothing to resume). Removing a journal that does not exist is no error. */
  remove(): Promise<void>;
}
