/**
 * UTF-16 input (encoding 'utf-16le' or 'utf-16be', or a file that starts with a UTF-16 byte order
 * mark). Its delimiters, quotes and line ends are two bytes each, and a byte range may start in
 * the middle of a character, so byte-range chunks are not cut from it: the file is read as a
 * stream and turned into UTF-8 as it is read (TextDecoder, streaming: a character split between
 * two reads is decoded whole), then cut and parsed as any stream. Line numbers are the file's;
 * byte offsets in messages count the UTF-8 text. (The issue asked for decoding in the workers;
 * for UTF-16 that would need boundary finding on two-byte units first: not done.)
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform } from 'node:stream';
import type { Confinement } from '../api/confinement.js';
import { openInputFile } from './open-input.js';

export type Utf16 = 'utf-16le' | 'utf-16be';

/** The UTF-16 form a file's byte order mark names, or null (no BOM, an empty or unreadable file: the plan says why). */
export async function utf16Bom(path: string, confinement: Confinement | undefined): Promise<Utf16 | null> {
  try {
    const { handle } =
      confinement === undefined
        ? // O_NONBLOCK: a FIFO opens at once instead of waiting for a writer (it is no file to peek at).
          { handle: await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)) }
        : await openInputFile(path, confinement);
    try {
      if (!(await handle.stat()).isFile()) return null;
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
      if (bytesRead < 2) return null;
      if (buffer[0] === 0xff && buffer[1] === 0xfe) return 'utf-16le';
      if (buffer[0] === 0xfe && buffer[1] === 0xff) return 'utf-16be';
      return null;
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
}

/** UTF-16 bytes in, UTF-8 bytes out; the BOM is dropped. An unpaired surrogate becomes U+FFFD, as every decoder reads it. */
export function utf16ToUtf8(encoding: Utf16): Transform {
  const decoder = new TextDecoder(encoding);
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      done(null, Buffer.from(decoder.decode(chunk, { stream: true }), 'utf8'));
    },
    flush(done) {
      done(null, Buffer.from(decoder.decode(), 'utf8'));
    },
  });
}
