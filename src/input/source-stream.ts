/**
 * One source of a dataset as a byte stream, gunzipped when it is compressed: for what is read
 * whole rather than by range (gzip parts, NDJSON files, an HTTP server without Range support).
 * The coordinator reads sources this way (schedule/schedule-job.ts), and so does a worker that
 * parses a whole gzip part itself (worker/parse-file.ts).
 */
import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Confinement } from '../api/confinement.js';
import type { S3Settings } from '../api/s3-settings.js';
import type { DatasetSource } from './dataset-source.js';
import { openInputSync } from './open-input.js';

/** The source's bytes; `s3`: the `s3` option's settings for an object (else the environment's). */
export async function openSourceStream(
  source: DatasetSource,
  gzip: boolean,
  s3: S3Settings | undefined,
  confinement: Confinement | undefined,
): Promise<AsyncIterable<Uint8Array>> {
  let bytes: Readable;
  if (source.object !== undefined) {
    // Loaded on first use: a worker that only reads local files never loads the S3 client.
    const { openObjectStream } = await import('../remote/object-stream.js');
    bytes = await openObjectStream(source.object, s3);
  } else {
    // A confined job's file is opened here, checked (open-input.ts), and read through that descriptor.
    bytes =
      confinement === undefined
        ? createReadStream(source.name)
        : createReadStream(source.name, { fd: openInputSync(source.name, confinement).fd });
  }
  return gzip ? gunzipped(bytes) : bytes;
}

/** `bytes` inflated as they stream (zlib on libuv's thread pool, a window's memory). */
export function gunzipped(bytes: Readable): Readable {
  const gunzip = createGunzip();
  // A failure of either end destroys the other, so the reader sees it (pipe() would not).
  pipeline(bytes, gunzip, () => {});
  return gunzip;
}
