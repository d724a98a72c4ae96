/**
 * Object URLs: `s3://bucket/key` and `http(s)://host/path`. One parser, so that the planner, the
 * CLI and the server agree on what is an object and what is a local path.
 *
 * A URL can carry secrets: `https://user:password@host/x`, or a presigned URL whose query holds a
 * signature or a token. `displayUrl` is the form every message uses: it never shows them.
 */
import { ChunkmillError } from '../errors.js';

export type ObjectUrl = { kind: 's3'; bucket: string; key: string; url: string } | { kind: 'http'; url: string };

const SCHEME = /^(s3|https?):\/\//i;

/** Whether `s` names an object (s3://, http://, https://) rather than a local path. */
export function isObjectUrl(s: string): boolean {
  return SCHEME.test(s);
}

/**
 * Parses an object URL. An s3:// URL needs a bucket; its key may be empty only where a prefix
 * is meant (`allowEmptyKey`: a listing, a data dir). The key is taken as written, not
 * percent-decoded: S3 keys are byte strings and `%` is a legal character in them.
 */
export function parseObjectUrl(s: string, options: { allowEmptyKey?: boolean } = {}): ObjectUrl {
  const scheme = SCHEME.exec(s)?.[1]?.toLowerCase();
  if (scheme === 's3') {
    const rest = s.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const key = slash < 0 ? '' : rest.slice(slash + 1);
    // Bucket names: 3-63 of lowercase letters, digits, dots and hyphens (S3's rules, loosened to
    // the characters alone: S3-compatible servers accept more lengths).
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(bucket)) throw badUrl(s, 'the bucket name is missing or not valid');
    if (key === '' && options.allowEmptyKey !== true) throw badUrl(s, 'the object key is missing');
    return { kind: 's3', bucket, key, url: `s3://${bucket}/${key}` };
  }
  if (scheme === 'http' || scheme === 'https') {
    let parsed: URL;
    try {
      parsed = new URL(s);
    } catch {
      throw badUrl(s, 'it is not a valid URL');
    }
    if (parsed.hostname === '') throw badUrl(s, 'the host is missing');
    return { kind: 'http', url: parsed.href };
  }
  throw badUrl(s, 'an object URL starts with s3://, https:// or http://');
}

/**
 * `url` as messages show it: without user and password, and with the query cut to `?…` (a
 * presigned URL's query is a credential). A string that is not a URL is shown cut at its first
 * `?` and `@`-free, for the same reason.
 */
export function displayUrl(url: string): string {
  if (/^s3:\/\//i.test(url)) return url.split('?')[0]!;
  try {
    const u = new URL(url);
    const query = u.search !== '' ? '?…' : '';
    return `${u.protocol}//${u.host}${u.pathname}${query}`;
  } catch {
    const cut = url.split('?')[0]!;
    return cut.replace(/\/\/[^/]*@/, '//');
  }
}

function badUrl(s: string, why: string): ChunkmillError {
  return new ChunkmillError({
    code: 'ERR_OBJECT_URL',
    file: displayUrl(s),
    message: `Not a usable object URL: ${displayUrl(s)} (${why})`,
    hint: 'write s3://bucket/key, or an http(s):// URL',
  });
}
