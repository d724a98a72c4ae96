/**
 * One source of a dataset as a byte stream, gunzipped when it is compressed: for what is read
 * whole rather than by range (gzip parts, NDJSON files, an HTTP server without Range support).
 * The coordinator reads sources this way (schedule/schedule-job.ts), and so does a worker that
 * parses a whole gzip part itself (worker/parse-file.ts).
 */
import { createReadStream } from 'node:fs';
import { type DuplexOptions, pipeline, type Readable } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
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
  readAhead?: number,
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
  return gzip ? gunzipped(bytes, readAhead) : bytes;
}

/**
 * `bytes` inflated as they stream (zlib on libuv's thread pool, a window's memory). `readAhead`:
 * inflated bytes zlib may hold before the reader takes them (default: the stream's 16 KiB). A
 * reader that parses on its own thread between reads (a worker's whole file) gives it a chunk's
 * worth, so that the next chunk inflates while this one is parsed instead of after it.
 */
export function gunzipped(bytes: Readable, readAhead?: number): Readable {
  // zlib's streams take the stream options too (Node passes them to Transform); its types omit them.
  const options: ZlibOptions & DuplexOptions = readAhead === undefined ? {} : { readableHighWaterMark: readAhead };
  const gunzip = createGunzip(options);
  // A failure of either end destroys the other, so the reader sees it (pipe() would not).
  pipeline(bytes, gunzip, () => {});
  return gunzip;
}
