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
 *
 * A dataset of local files is checked file by file: a chunk is compared with its own file. A
 * few files are kept open at a time (a dataset may have thousands); one closed is opened again,
 * and proven the planned file again, when a later chunk of it comes.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { ChunkmillError } from '../errors.js';
import type { InputIdentity } from '../exec/protocol.js';
import { rangeCrcAsync } from '../input/range-crc.js';

/** Files kept open at once; chunks come roughly in order, so a few cover the files in flight. */
const MAX_OPEN = 8;

interface OpenFile {
  file: Promise<FileHandle>;
  /** Checks reading it now: it is not closed under them. */
  busy: number;
}

export class ContentCheck {
  /** By source index, least recently used first. */
  private readonly open = new Map<number, OpenFile>();

  /** `sources`: the files as planned, in dataset order; each copy read here must still be it (size, mtime, and for a confined job the very file proved inside). */
  constructor(private readonly sources: readonly InputIdentity[]) {}

  /** Resolves when [from, to) of the coordinator's copy of `source` has CRC-32 `crc`; rejects with ERR_FILE_CHANGED otherwise. */
  async check(chunkIndex: number, source: number, from: number, to: number, crc: number | undefined): Promise<void> {
    const open = this.use(source);
    open.busy++;
    let expected: number;
    try {
      expected = await rangeCrcAsync(await open.file, from, to);
    } finally {
      open.busy--;
    }
    if (crc === expected) return;
    const { path } = this.sources[source]!;
    throw new ChunkmillError({
      code: 'ERR_FILE_CHANGED',
      file: path,
      byteOffset: from,
      message:
        `Chunk ${chunkIndex} of ${path} (bytes ${from} to ${to}) was read from another copy of the file: ` +
        `its CRC-32 is ${hex(crc)}, the coordinator's copy has ${hex(expected)}; its rows were not merged`,
      hint: 'every machine must have the same bytes at this path (size and modified time alone agreed)',
    });
  }

  /** The source's open file (opened and proven now if it is not open), made the most recently used. */
  private use(source: number): OpenFile {
    let open = this.open.get(source);
    if (open !== undefined) {
      this.open.delete(source);
    } else {
      for (const [other, idle] of this.open) {
        if (this.open.size < MAX_OPEN) break;
        if (idle.busy > 0) continue;
        this.open.delete(other);
        void closeFile(idle.file);
      }
      open = { file: openPlanned(this.sources[source]!), busy: 0 };
      open.file.catch(() => {}); // its failure is the check's, awaited there
    }
    this.open.set(source, open);
    return open;
  }

  async close(): Promise<void> {
    const files = [...this.open.values()];
    this.open.clear();
    await Promise.all(files.map((f) => closeFile(f.file)));
  }
}

async function openPlanned(input: InputIdentity): Promise<FileHandle> {
  const file = await open(input.path, 'r');
  const now = await file.stat();
  const { size, mtimeMs, fileId } = input;
  if (
    now.size === size &&
    now.mtimeMs === mtimeMs &&
    (fileId === undefined || (now.dev === fileId.dev && now.ino === fileId.ino))
  )
    return file;
  await file.close();
  throw new ChunkmillError({
    code: 'ERR_FILE_CHANGED',
    file: input.path,
    message: `${input.path} changed while it was being processed (the coordinator's copy is not the planned file)`,
    hint: 'process a copy or a finished file',
  });
}

async function closeFile(file: Promise<FileHandle>): Promise<void> {
  await (await file.catch(() => null))?.close();
}

function hex(crc: number | undefined): string {
  return crc === undefined ? 'missing' : crc.toString(16).padStart(8, '0');
}
