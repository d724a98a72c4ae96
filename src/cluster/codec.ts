/**
 * Values through Redis with the fidelity of the thread boundary: v8's structured-clone
 * serialisation, the format worker_threads itself uses. A partial's Float64Arrays come back
 * bit for bit, a task's Map or BigInt accumulator stays one, a view of a large buffer costs only
 * its own bytes. JSON would do none of that.
 *
 * A work item's data must be JSON (BullMQ's), so a chunk request travels as base64 (4/3 of its
 * size: a file chunk's request is a few hundred bytes); replies go to a plain Redis list as raw bytes.
 */
import { deserialize, serialize } from 'node:v8';
import { ChunkmillError, messageOf } from '../errors.js';

export function encode(value: unknown): Buffer {
  return serialize(value);
}

export function decode<T>(bytes: Uint8Array, what: string): T {
  try {
    return deserialize(bytes) as T;
  } catch (e) {
    // A newer Node's format read by an older one, or bytes that are not ours.
    throw new ChunkmillError({
      code: 'ERR_INTERNAL',
      message: `Cannot decode ${what} from Redis: ${messageOf(e)}`,
      hint: 'run the coordinator and the workers on the same Node.js major version',
    });
  }
}

export function encodeBase64(value: unknown): string {
  return encode(value).toString('base64');
}

export function decodeBase64<T>(text: string, what: string): T {
  return decode<T>(Buffer.from(text, 'base64'), what);
}
