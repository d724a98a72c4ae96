/**
 * A byte range of an object, read with one ranged GET: what a worker's chunk is made of.
 *
 * The answer is taken only when it is provably those bytes of that version: a 206 whose
 * Content-Range is exactly the range asked for, whose total, ETag and Last-Modified are the
 * planned ones, and whose body has exactly the length asked for. A 200 to a Range request is the
 * whole object: taking it as the range would be a wrong answer, so it is ERR_RANGE_UNSUPPORTED.
 * If-Match (or If-Unmodified-Since) makes a server that checks it refuse another version (412).
 */
import { checkIdentity, spanOf, strongEtag, type ObjectInfo } from './object-info.js';
import { objectChanged, rangeUnsupported } from './remote-errors.js';
import { send, type RemoteSettings } from './request.js';

/**
 * The bytes [start, end) of the object `info` describes; `end` past the object's size reads up to
 * its end. ERR_FILE_CHANGED when the object is no longer the planned one. With `into` (at least
 * the range's length), the bytes are written there and a view of it is returned: no new buffer.
 */
export async function readObjectRange(
  info: ObjectInfo,
  start: number,
  end: number,
  settings?: RemoteSettings,
  signal?: AbortSignal,
  into?: Buffer,
): Promise<Buffer> {
  const stop = info.size >= 0 ? Math.min(end, info.size) : end;
  if (!(Number.isSafeInteger(start) && Number.isSafeInteger(stop) && start >= 0))
    throw new RangeError(`readObjectRange: bad range [${start}, ${end})`);
  if (stop <= start) return Buffer.alloc(0);
  // s3rver 3.7 takes a range ending at byte 0 for one without an end (`end || Infinity`): ask
  // for a byte more there; what comes beyond `stop` is cut off.
  const last = stop - 1 === 0 ? 1 : stop - 1;
  const headers: Record<string, string> = { range: `bytes=${start}-${last}` };
  const etag = strongEtag(info.etag);
  if (etag !== null) headers['if-match'] = etag;
  else if (info.lastModified !== null) headers['if-unmodified-since'] = info.lastModified;
  return send({ url: info.url, method: 'GET', headers, signal }, settings, async (response) => {
    if (response.status === 416) {
      response.cancel();
      throw objectChanged(info.url, `it no longer has bytes ${start} to ${stop - 1}`);
    }
    if (response.status !== 206) {
      response.cancel();
      throw rangeUnsupported(info.url, `asked for bytes ${start}-${last}, it answered ${response.status}`);
    }
    checkContentEncoding(info.url, response.headers);
    checkIdentity(info, response.headers);
    // The answer must start where asked and cover the range; more (a server's rounding) is cut.
    const span = spanOf(response.headers.get('content-range'));
    if (span === null || span[0] !== start || span[1] < stop - 1) {
      response.cancel();
      throw rangeUnsupported(
        info.url,
        `asked for bytes ${start}-${last}, it sent ${response.headers.get('content-range') ?? 'no Content-Range'}`,
      );
    }
    const length = span[1] - span[0] + 1;
    if (into !== undefined) {
      if (into.length < stop - start)
        throw new RangeError(`readObjectRange: ${into.length} bytes cannot hold ${stop - start}`);
      const got = await response.bufferInto(into.length === stop - start ? into : into.subarray(0, stop - start));
      if (got !== length) throw shortBody(got, length);
      return into.subarray(0, stop - start);
    }
    const body = await response.buffer();
    // A body cut short is a dropped connection (retried), never a short chunk.
    if (body.length !== length) throw shortBody(body.length, length);
    return body.length === stop - start ? body : body.subarray(0, stop - start);
  });
}

/**
 * Byte ranges are of the stored bytes. An object stored with Content-Encoding (gzip, br) would
 * be decoded by fetch, and its ranges would not be the bytes asked for: refuse it rather than
 * give a wrong answer. Such an object must be read as one stream of its stored name.
 */
export function checkContentEncoding(url: string, headers: Headers): void {
  const encoding = headers.get('content-encoding')?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity')
    throw rangeUnsupported(
      url,
      `it is stored with Content-Encoding: ${encoding}, which this reader cannot take in ranges`,
    );
}

/** A network-level error, so that send() classifies it as a transient fault and tries again. */
function shortBody(got: number, wanted: number): Error {
  return Object.assign(new Error(`a body of ${got} bytes where ${wanted} were asked for`), { code: 'ECONNRESET' });
}
