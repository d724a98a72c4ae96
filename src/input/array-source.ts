/** An in-memory array as a chunk source. */
import type { ChunkSource, SourceChunk, SourceHead } from './chunk-source.js';
import { namesOf } from './value-rows.js';

/** An in-memory array, chunkRows records at a time (slices cross to workers by structured clone). */
export class ArraySource implements ChunkSource {
  readonly format = 'rows';
  bytesRead = 0;
  private at = 0;
  private index = 0;

  constructor(
    private readonly rows: readonly unknown[],
    private readonly chunkRows: number,
  ) {}

  async head(): Promise<SourceHead> {
    return { columns: namesOf(this.rows[0]), bytes: 0, lines: 0, firstChunk: null };
  }

  async next(): Promise<SourceChunk | null> {
    if (this.at >= this.rows.length) return null;
    const rows = this.rows.slice(this.at, this.at + this.chunkRows);
    const chunk = {
      index: this.index++,
      offset: this.at,
      length: rows.length,
      last: this.at + rows.length >= this.rows.length,
    };
    this.at += rows.length;
    this.bytesRead = this.at;
    return { chunk, rows };
  }

  close(): void {}
}
