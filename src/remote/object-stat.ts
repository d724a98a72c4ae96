/**
 * An object's identity (ObjectInfo) from one request, for S3 and HTTP alike: a GET of its first
 * bytes (`Range: bytes=0-1`: s3rver 3.7 reads `bytes=0-0` as the whole object). A HEAD would do for the size and ETag, but a HEAD answer has no
 * body, and S3 says in the body whether a 403 is a bad key (ERR_OBJECT_AUTH) or a denied read
 * (ERR_OBJECT_FORBIDDEN); and only a ranged GET shows whether an HTTP server honours ranges
 * (Accept-Ranges is advice, not a promise). An empty object answers 416; a HEAD then gives it.
 */
import { checkContentEncoding } from './object-range.js';
import type { ObjectInfo } from './object-info.js';
import { totalOf } from './object-info.js';
import { parseObjectUrl } from './object-url.js';
import { send, type RemoteSettings } from './request.js';

/** The size, ETag, Last-Modified and range support of the object at `url`. */
export async function statObject(url: string, settings?: RemoteSettings): Promise<ObjectInfo> {
  const target = parseObjectUrl(url);
  const isS3 = target.kind === 's3';
  const first = await send(
    { url: target.url, method: 'GET', headers: { range: 'bytes=0-1' } },
    settings,
    async (response): Promise<ObjectInfo | null> => {
      response.cancel();
      if (response.status === 416) return null;
      checkContentEncoding(target.url, response.headers);
      const partial = response.status === 206;
      const total = partial ? totalOf(response.headers.get('content-range')) : null;
      const length = response.headers.get('content-length');
      return {
        url: target.url,
        size: total ?? (!partial && length !== null ? Number(length) : -1),
        etag: response.headers.get('etag'),
        lastModified: response.headers.get('last-modified'),
        ranges: isS3 || partial,
      };
    },
  );
  if (first !== null) return first;
  return send({ url: target.url, method: 'HEAD' }, settings, async (response) => {
    response.cancel(); // no body, but read to its end frees the connection for the next request
    return {
      url: target.url,
      size: Number(response.headers.get('content-length') ?? 0),
      etag: response.headers.get('etag'),
      lastModified: response.headers.get('last-modified'),
      ranges: isS3 || response.headers.get('accept-ranges') === 'bytes',
    };
  });
}
