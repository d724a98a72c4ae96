/**
 * A whole object as one Node stream: for what cannot be split into ranges (a gzip object, an HTTP
 * server that ignores Range). Given an ObjectInfo the stream is of that version only: If-Match
 * asks the server, the answer's ETag/Last-Modified are compared, and a body that does not end at
 * the planned size is ERR_FILE_CHANGED rather than a dataset cut short.
 *
 * Only the start is retried: once bytes have been handed on, a failure cannot be undone by
 * sending them again, so it ends the stream with a coded error naming the URL. The try's time
 * limit covers the answer's headers; the body may take as long as it needs, but not pause as long.
 */
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { ChunkmillError, messageOf } from '../errors.js';
import { checkIdentity, strongEtag, type ObjectInfo } from './object-info.js';
import { checkContentEncoding } from './object-range.js';
import { parseObjectUrl, displayUrl } from './object-url.js';
import { objectChanged } from './remote-errors.js';
import { send, type RemoteSettings } from './request.js';

/** The bytes of the object (`info`: that version of it; a URL: whatever is there now). */
export async function openObjectStream(
  object: ObjectInfo | string,
  settings?: RemoteSettings,
  signal?: AbortSignal,
): Promise<Readable> {
  const info = typeof object === 'string' ? null : object;
  const url = parseObjectUrl(typeof object === 'string' ? object : object.url).url;
  const headers: Record<string, string> = {};
  const etag = strongEtag(info?.etag ?? null);
  if (etag !== null) headers['if-match'] = etag;
  else if (info?.lastModified != null) headers['if-unmodified-since'] = info.lastModified;
  const body = await send({ url, method: 'GET', headers, signal }, settings, async (response, disarm) => {
    checkContentEncoding(url, response.headers);
    if (info !== null) checkIdentity(info, response.headers);
    disarm();
    return response.stream;
  });
  // Silence longer than a try's limit ends the stream (the socket's idle timer: no byte in that long).
  const idleMs = settings?.timeoutMs ?? 30_000;
  // A failure before the consumer's first read is kept by the stream and thrown by its reader;
  // without a listener it would be an uncaught 'error' event.
  body.on('error', () => {});
  body.setTimeout(idleMs, () => body.destroy(new Error(`no data for ${idleMs} ms`)));
  return Readable.from(chunks(url, body, info?.size ?? -1), { objectMode: false });
}

async function* chunks(url: string, body: IncomingMessage, size: number): AsyncGenerator<Buffer> {
  let got = 0;
  try {
    for await (const chunk of body) {
      got += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  } catch (e) {
    throw cutOff(url, got, e);
  } finally {
    // An early end (the consumer stopped, an error) releases the connection.
    body.destroy();
  }
  if (!body.complete) throw cutOff(url, got, new Error('the connection closed'));
  if (size >= 0 && got !== size) throw objectChanged(url, `it sent ${got} bytes, the job planned with ${size}`);
}

function cutOff(url: string, got: number, e: unknown): ChunkmillError {
  const shown = displayUrl(url);
  return new ChunkmillError(
    {
      code: 'ERR_OBJECT_UNAVAILABLE',
      file: shown,
      message: `The download of ${shown} broke off after ${got} bytes (${messageOf(e)})`,
      hint: 'the connection failed mid-stream; run the job again',
    },
    { cause: e },
  );
}
