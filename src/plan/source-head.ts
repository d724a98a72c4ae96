/**
 * The first bytes of a source, for the planner's look at its header: a local file through the
 * (confined) open of input/open-input.ts, or an object through one ranged GET, checked against
 * the identity it was listed or stat'ed with. And the source's size and identity.
 */
import type { Confinement } from '../api/confinement.js';
import type { S3Settings } from '../api/s3-settings.js';
import type { DatasetSource } from '../input/dataset-source.js';
import { openInputFile } from '../input/open-input.js';

/** The first bytes of a source, read once or twice (a header longer than 64 KiB), and its identity. */
export interface Head {
  read(buf: Buffer, length: number): Promise<number>;
  close(): Promise<void>;
}

export async function openHead(
  source: DatasetSource,
  confinement: Confinement | undefined,
  s3: S3Settings | undefined,
): Promise<{ info: { size: number; mtimeMs: number; dev: number; ino: number }; head: Head }> {
  const { object } = source;
  if (object !== undefined) {
    const { readObjectRange } = await import('../remote/object-range.js');
    const info = { size: object.size, mtimeMs: 0, dev: 0, ino: 0 };
    const read = async (buf: Buffer, length: number): Promise<number> => {
      if (length === 0) return 0;
      const bytes = await readObjectRange(object, 0, length, s3);
      return bytes.copy(buf, 0, 0, length);
    };
    return { info, head: { read, close: async () => {} } };
  }
  const { info, handle } = await openInputFile(source.name, confinement);
  const read = async (buf: Buffer, length: number): Promise<number> => (await handle.read(buf, 0, length, 0)).bytesRead;
  return { info, head: { read, close: () => handle.close() } };
}
