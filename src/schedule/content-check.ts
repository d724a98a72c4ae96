/**
 * verify: 'content' on the coordinator: each parsed chunk's CRC-32 (of every byte its parse read,
 * from the chunk's first byte to where its last record ended) is compared with the same range of
 * the coordinator's own copy of the file before the chunk's rows are merged. A worker that read
 * another copy (a cluster worker whose file has the same size and mtime but other bytes: a `cp`
 * that kept the times, a half-synced replica) fails the job with ERR_FILE_CHANGED naming the
 * chunk and its bytes, instead of merging rows that are not the file's.
 *
 * The coordinator reads each chunk's bytes once more for this (asynchronously: the event loop is
 * free between blocks), so the mode costs a second read of the file; 'stat' reads nothing.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { ChunkmillError } from '../errors.js';
import type { InputIdentity } from '../exec/protocol.js';
import { rangeCrcAsync } from '../input/range-crc.js';

export class ContentCheck {
  private file: Promise<FileHandle> | null = null;
  private readonly path: string;

  /** `input`: the file as planned; the copy read here must still be it (size, mtime, and for a confined job the very file proved inside). */
  constructor(private readonly input: InputIdentity) {
    this.path = input.path;
  }

  /** Resolves when [from, to) of the coordinator's copy has CRC-32 `crc`; rejects with ERR_FILE_CHANGED otherwise. */
  async check(chunkIndex: number, from: number, to: number, crc: number | undefined): Promise<void> {
    this.file ??= this.openPlanned();
    const expected = await rangeCrcAsync(await this.file, from, to);
    if (crc === expected) return;
    throw new ChunkmillError({
      code: 'ERR_FILE_CHANGED',
      file: this.path,
      byteOffset: from,
      message:
        `Chunk ${chunkIndex} of ${this.path} (bytes ${from} to ${to}) was read from another copy of the file: ` +
        `its CRC-32 is ${hex(crc)}, the coordinator's copy has ${hex(expected)}; its rows were not merged`,
      hint: 'every machine must have the same bytes at this path (size and modified time alone agreed)',
    });
  }

  private async openPlanned(): Promise<FileHandle> {
    const file = await open(this.path, 'r');
    const now = await file.stat();
    const { size, mtimeMs, fileId } = this.input;
    if (
      now.size === size &&
      now.mtimeMs === mtimeMs &&
      (fileId === undefined || (now.dev === fileId.dev && now.ino === fileId.ino))
    )
      return file;
    await file.close();
    throw new ChunkmillError({
      code: 'ERR_FILE_CHANGED',
      file: this.path,
      message: `${this.path} changed while it was being processed (the coordinator's copy is not the planned file)`,
      hint: 'process a copy or a finished file',
    });
  }

  async close(): Promise<void> {
    const file = this.file;
    this.file = null;
    await (await file?.catch(() => null))?.close();
  }
}

function hex(crc: number | undefined): string {
  return crc === undefined ? 'missing' : crc.toString(16).padStart(8, '0');
}
