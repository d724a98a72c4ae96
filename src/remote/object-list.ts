/**
 * Objects by pattern: `s3://bucket/logs/2026-*.csv.gz` expands to the matching objects, sorted by
 * key (a dataset's files are taken in a defined order). One ListObjectsV2 listing of the prefix
 * before the first wildcard, page by page with continuation tokens, each key matched with
 * picomatch (`*` stays within one `/` segment, `**` crosses them, as in a shell).
 *
 * The listing gives size, ETag and Last-Modified: the objects' identities come with it, and no
 * HEAD per object is needed.
 */
import { ChunkmillError } from '../errors.js';
import type { ObjectInfo } from './object-info.js';
import { displayUrl, parseObjectUrl } from './object-url.js';
import { parseXml, send, type RemoteSettings } from './request.js';

export interface ListOptions {
  /** Keys per page (S3's limit and default: 1000); smaller only to test pagination. */
  pageSize?: number;
}

/** Characters that make a key pattern a glob. */
const WILDCARD = /[*?[\]{}!]/;

/** Whether `s` is an object URL with a wildcard in its key. */
export function isObjectGlob(s: string): boolean {
  return /^s3:\/\//i.test(s) && WILDCARD.test(s.slice(5));
}

/**
 * The objects matching `pattern`, sorted by key. A pattern without wildcards names one key.
 * ERR_OBJECT_NOT_FOUND naming the pattern when nothing matches.
 */
export async function listObjects(
  pattern: string,
  settings?: RemoteSettings,
  options: ListOptions = {},
): Promise<ObjectInfo[]> {
  const target = parseObjectUrl(pattern, { allowEmptyKey: true });
  if (target.kind !== 's3')
    throw new ChunkmillError({
      code: 'ERR_OBJECT_URL',
      file: displayUrl(pattern),
      message: `Cannot list ${displayUrl(pattern)}: an HTTP server has no listing; patterns work for s3:// URLs`,
      hint: 'give the URLs one by one',
    });
  const wild = target.key.search(WILDCARD);
  const prefix = wild < 0 ? target.key : target.key.slice(0, wild);
  // Loaded by a listing alone: plan/dataset.ts imports isObjectGlob from here for every job.
  const { default: picomatch } = await import('picomatch');
  const isMatch = picomatch(target.key, { dot: true });
  const found = await listKeys(target.bucket, prefix, settings, options);
  const matching = found.filter((o) => isMatch(o.key));
  if (matching.length === 0)
    throw new ChunkmillError({
      code: 'ERR_OBJECT_NOT_FOUND',
      file: displayUrl(pattern),
      message: `No object matches ${displayUrl(pattern)}${found.length > 0 ? ` (${found.length} under s3://${target.bucket}/${prefix}, none matching)` : ''}`,
      hint: 'check the bucket, the prefix and the pattern (quote it in the shell)',
    });
  return matching.map((o) => o.info);
}

/**
 * Every object whose key starts with the URL's key (`s3://bucket/prefix/`), sorted by key; an
 * empty array when there are none (a data dir that is still empty).
 */
export async function listPrefix(
  url: string,
  settings?: RemoteSettings,
  options: ListOptions = {},
): Promise<ObjectInfo[]> {
  const target = parseObjectUrl(url, { allowEmptyKey: true });
  if (target.kind !== 's3')
    throw new ChunkmillError({ code: 'ERR_OBJECT_URL', message: `Cannot list ${displayUrl(url)}` });
  return (await listKeys(target.bucket, target.key, settings, options)).map((o) => o.info);
}

/** One object of a listing: its key, its identity, and when it was last written (ms since the epoch; NaN if unsaid). */
export interface ListedObject {
  key: string;
  info: ObjectInfo;
  modifiedAt: number;
}

/**
 * The objects whose key starts with the URL's key, as listed (key, identity, Last-Modified from
 * the listing's ISO date), sorted by key; at most `limit` of those `keep` accepts, so that a
 * server's listing of a large prefix stops early (a server's data dir: GET /api/files).
 */
export async function listPrefixEntries(
  url: string,
  settings?: RemoteSettings,
  options: ListOptions & { limit?: number; keep?: (key: string) => boolean } = {},
): Promise<ListedObject[]> {
  const target = parseObjectUrl(url, { allowEmptyKey: true });
  if (target.kind !== 's3')
    throw new ChunkmillError({ code: 'ERR_OBJECT_URL', message: `Cannot list ${displayUrl(url)}` });
  return listKeys(target.bucket, target.key, settings, options);
}

async function listKeys(
  bucket: string,
  prefix: string,
  settings: RemoteSettings | undefined,
  options: ListOptions & { limit?: number; keep?: (key: string) => boolean },
): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const bucketUrl = `s3://${bucket}/`;
  let token: string | undefined;
  do {
    const query = [
      ['list-type', '2'],
      ['prefix', prefix],
      ...(options.pageSize !== undefined ? [['max-keys', String(options.pageSize)]] : []),
      ...(token !== undefined ? [['continuation-token', token]] : []),
    ]
      .map(([k, v]) => `${k}=${encodeURIComponent(v!)}`)
      .join('&');
    const page = await send({ url: bucketUrl, key: '', method: 'GET', query }, settings, async (r) =>
      parseXml(await r.text(), (name) => name === 'Contents'),
    );
    const result = (page.ListBucketResult ?? {}) as {
      Contents?: { Key?: string; Size?: string; ETag?: string; LastModified?: string }[];
      IsTruncated?: string;
      NextContinuationToken?: string;
    };
    for (const c of result.Contents ?? []) {
      if (typeof c.Key !== 'string' || c.Key.endsWith('/')) continue; // a "folder" marker holds no data
      if (options.keep !== undefined && !options.keep(c.Key)) continue;
      out.push({
        key: c.Key,
        modifiedAt: Date.parse(c.LastModified ?? ''),
        info: {
          url: `s3://${bucket}/${c.Key}`,
          size: Number(c.Size ?? 0),
          etag: c.ETag ?? null,
          // The listing gives ISO 8601; a GET's Last-Modified header is an HTTP date: compare
          // like with like, so the identity carries the ETag and size, and no date.
          lastModified: null,
          ranges: true,
        },
      });
    }
    token = result.IsTruncated === 'true' ? result.NextContinuationToken : undefined;
  } while (token !== undefined && out.length < limit);
  // Byte order of the keys (S3 lists in UTF-8 byte order already; a compatible server might not).
  return out.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key))).slice(0, limit);
}
