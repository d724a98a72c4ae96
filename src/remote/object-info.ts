/**
 * An object's identity, taken once when a job is planned and checked by every later read: a read
 * that finds another version is ERR_FILE_CHANGED, never rows of two versions mixed.
 *
 * Plain JSON on purpose: it travels to worker threads and, in work items, to cluster workers
 * through Redis. It holds no credentials (each process resolves its own) - only `url`, which for
 * a presigned HTTP URL is itself the credential the user chose to give.
 */
import { objectChanged } from './remote-errors.js';

export interface ObjectInfo {
  /** s3://bucket/key or the http(s) URL, as given (messages show displayUrl of it). */
  url: string;
  /** Bytes; -1 for an HTTP answer without a length (readable only as a stream). */
  size: number;
  /** The ETag as the server sends it, quotes included (what If-Match takes); null if none. */
  etag: string | null;
  /** The Last-Modified header as sent; null if none. */
  lastModified: string | null;
  /** Whether the server answers Range requests with 206 (always true for S3). */
  ranges: boolean;
}

/**
 * Weak ETags (W/"x") name a version loosely: a server may give the same one to different bytes
 * (another compression, say), so If-Match, which needs a strong comparison, cannot use them.
 */
export function strongEtag(etag: string | null): string | null {
  return etag !== null && !etag.startsWith('W/') ? etag : null;
}

/**
 * Checks an answer's headers against `info`: the ETag, the Last-Modified and, for a 206, the
 * total size in Content-Range. Throws ERR_FILE_CHANGED naming the URL when one differs.
 */
export function checkIdentity(info: ObjectInfo, headers: Headers): void {
  const etag = headers.get('etag');
  if (info.etag !== null && etag !== null && etag !== info.etag)
    throw objectChanged(info.url, `its ETag is ${etag}, the job planned with ${info.etag}`);
  const modified = headers.get('last-modified');
  if (info.lastModified !== null && modified !== null && modified !== info.lastModified)
    throw objectChanged(info.url, `it was modified at ${modified}, the job planned with ${info.lastModified}`);
  const total = totalOf(headers.get('content-range'));
  if (total !== null && info.size >= 0 && total !== info.size)
    throw objectChanged(info.url, `its size is ${total} bytes, the job planned with ${info.size}`);
}

/** The total of a Content-Range header (`bytes 0-0/1234` -> 1234, also for an unsatisfied range); null if none. */
export function totalOf(contentRange: string | null): number | null {
  const m = /\/(\d+)\s*$/.exec(contentRange ?? '');
  return m === null ? null : Number(m[1]);
}

/** The first and last byte of a Content-Range header (`bytes 10-19/100` -> [10, 19]); null if none. */
export function spanOf(contentRange: string | null): [number, number] | null {
  const m = /^\s*bytes\s+(\d+)-(\d+)\//i.exec(contentRange ?? '');
  return m === null ? null : [Number(m[1]), Number(m[2])];
}
