/**
 * A checkpoint journal in a file: processDataset's `checkpoint: path`. Each append is written
 * and synced to disk before the next, so a kill -9 (or a power loss) loses at most the chunks in
 * flight; the file is exactly the bytes appended, one line per chunk (checkpoint.ts).
 */
import { existsSync } from 'node:fs';
import { open, readFile, rm, type FileHandle } from 'node:fs/promises';
import type { Journal } from '../api/journal.js';

export class FileJournal implements Journal {
  private handle: FileHandle | null = null;

  constructor(readonly name: string) {}

  async read(): Promise<Uint8Array | null> {
    return existsSync(this.name) ? readFile(this.name) : null;
  }

  async truncate(length: number): Promise<void> {
    // 'a': every write goes to the end, after the bytes kept; 'w' creates or empties the file.
    this.handle = await open(this.name, length > 0 ? 'a' : 'w');
    if (length > 0) await this.handle.truncate(length);
  }

  async append(bytes: Uint8Array): Promise<void> {
    if (this.handle === null) throw new Error('the journal was not opened (truncate first)');
    await this.handle.appendFile(bytes);
    await this.handle.sync();
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = null;
  }

  async remove(): Promise<void> {
    await rm(this.name, { force: true });
  }
}
