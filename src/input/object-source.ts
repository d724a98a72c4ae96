/**
 * An object's BlockReader: the remote layer's ObjectReader (ranged GETs of 4 MiB pieces, a few in
 * flight, each checked against the object's planned identity) behind the reader the range parser
 * takes. Loaded on first use, so a worker that only reads local files never loads the S3 client.
 */
import type { InputIdentity } from '../exec/protocol.js';
import type { BlockReader } from './byte-source.js';

/** A reader of `input`'s object that reads [from, to) ahead, and past `to` on demand. */
export async function openObjectReader(input: InputIdentity, from: number, to: number): Promise<BlockReader> {
  const { ObjectReader } = await import('../remote/object-reader.js');
  const settings = input.s3 !== undefined ? { settings: input.s3 } : {};
  const reader = new ObjectReader(input.object!, from, to, settings);
  return {
    read: (buf, at, length, position) => reader.read(buf, at, length, position),
    close: () => reader.close(),
  };
}

/** [from, to) of `input`'s object written into `target`; resolves with the bytes read (fewer only past its end). */
export async function readObjectBytes(input: InputIdentity, from: number, to: number, target: Buffer): Promise<number> {
  const { readObjectInto } = await import('../remote/object-reader.js');
  return readObjectInto(input.object!, from, to, target, input.s3 !== undefined ? { settings: input.s3 } : {});
}
