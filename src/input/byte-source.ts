/**
 * The reader a worker (or the serial path) parses a range through, whatever the input is: a local
 * file (readSync on a descriptor) or an object in S3 or on an HTTP server (ranged GETs, issued
 * ahead: remote/object-reader.ts). read-range.ts and the scanner do not know which they have.
 *
 * A file's read answers synchronously (a number), an object's with a promise; the range reader
 * awaits only a promise, so the local path runs as it always did, without a microtask per block.
 */
import { closeSync, readSync } from 'node:fs';
import { openInputSync } from './open-input.js';
import type { Confinement } from '../api/confinement.js';
import type { FileId } from './open-input.js';

export interface BlockReader {
  /**
   * Reads up to `length` bytes of the input at `position` into `buf` from `at`, as many as there
   * are (fewer only at the end of the input). A range parse reads forward, block after block (an
   * object's reader fetches ahead on that assumption and serves any other position by starting over).
   */
  read(buf: Buffer, at: number, length: number, position: number): number | Promise<number>;
  /** Lets go of the descriptor or the reads in flight. */
  close(): void | Promise<void>;
}

/** A local file's reader: its descriptor, read whole-block with readSync. */
export class FileReader implements BlockReader {
  constructor(readonly fd: number) {}

  static open(
    path: string,
    confinement?: Confinement,
    planned?: FileId,
  ): { reader: FileReader; stats: ReturnType<typeof openInputSync>['stats'] } {
    const { fd, stats } = openInputSync(path, confinement, planned);
    return { reader: new FileReader(fd), stats };
  }

  read(buf: Buffer, at: number, length: number, position: number): number {
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buf, at + done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  close(): void {
    closeSync(this.fd);
  }
}
