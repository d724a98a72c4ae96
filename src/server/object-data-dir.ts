/**
 * A data dir in a bucket: `chunkmill serve --data-dir s3://bucket/prefix`. Several servers on
 * several hosts given the same prefix see the same files: uploads are streamed into objects under
 * it, GET /api/files lists its objects (object-files.ts), and jobs read them with ranged GETs.
 * Credentials, region and endpoint come from the server's own AWS configuration (AWS_* variables,
 * ~/.aws; remote/s3-config.ts), never from a request, and no message shows them.
 *
 * The confinement rules of a folder (data-dir.ts) apply to keys. A client's name becomes the key
 * `prefix/<name>` only when it is a relative path of plain segments:
 *
 *   - no NUL, no absolute path (`/x`, `C:x`), no backslash (403);
 *   - no `..` segment, and no `.` or empty segment either (`a//b` and `./a` are other keys than
 *     they read), and no percent-encoded '/', '\' or '.' (`%2F`, `%5C`, `%2E`): a key is taken as
 *     written, so such a name could only be meant to look like a path it is not (403);
 *   - each segment at most 255 bytes, the whole key at most S3's 1024 (400).
 *
 * So every key starts with `prefix/`, and a glob's listing (the part before its first wildcard)
 * does too: nothing outside the prefix is read, listed, written or deleted. Another bucket or any
 * other URL in a request stays 403 unless the operator's --allow-input has it.
 *
 * A job's `output.path` and `rejects` are keys under the prefix, confined by the same rules; the
 * engine writes each through a multipart upload (job/output-target.ts) that makes the object
 * only when the job succeeds, and a URL there (another bucket, any s3:// or https:// one) is 403
 * whatever --allow-input says: that list is of inputs. What differs from a folder: an output
 * replaces an object of its name when the job succeeds (S3 has no rename to do it the way a
 * folder's new file does, but a reader still sees the old object or the new one whole), and an
 * upload's "never replace" rests on a look before the upload plus S3's conditional write (If-None-Match: *),
 * which AWS S3, MinIO and R2 honour; a store that ignores it (s3rver) can lose a race between
 * two uploads of the same name in the same instant.
 */
import type { Writable } from 'node:stream';
import { ChunkmillError } from '../index.js';
import {
  createObjectUpload,
  deleteObject,
  invalidOption,
  isObjectUrl,
  parseObjectUrl,
  statObject,
} from '../internal.js';
import { allowedUrl, type DataDirAccess } from './data-dir.js';
import { badRequest, forbiddenPath, HttpError } from './http-error.js';
import type { InputAllowList } from './input-allow.js';
import { UPLOADS } from './retention.js';
import { DATA_EXTENSIONS } from './schemas.js';

const NAME_MAX = 255;
/** S3's longest key, in UTF-8 bytes. */
const KEY_MAX = 1024;
/** A key pattern's wildcards, as the engine's object globs take them (remote/object-list.ts). */
const WILDCARD = /[*?[\]{}!]/;

/** An upload on its way into the bucket. */
export interface ObjectUpload {
  /** As the client names it: `uploads/<name>`. */
  name: string;
  stream: Writable;
  /** Removes it: aborts the upload, or deletes the object once it was made. */
  discard(): Promise<void>;
}

/**
 * `s3://bucket/prefix` as given to `dataDir`, checked and normalised (no trailing '/'; the prefix
 * may be empty: the whole bucket). ERR_INVALID_OPTION for another URL or a prefix with segments
 * a key could not be confined to.
 */
export function bucketDataDir(value: string): string {
  if (!/^s3:\/\//i.test(value))
    throw invalidOption('dataDir', `expected a folder or an s3://bucket/prefix URL, got ${value.split('?')[0]}`);
  let target: ReturnType<typeof parseObjectUrl>;
  try {
    target = parseObjectUrl(value, { allowEmptyKey: true });
  } catch (e) {
    throw invalidOption('dataDir', e instanceof Error ? e.message : String(e));
  }
  if (target.kind !== 's3') throw invalidOption('dataDir', 'expected an s3:// URL');
  const prefix = target.key.replace(/\/+$/, '');
  if (prefix !== '' && !prefix.split('/').every((s) => s !== '' && s !== '.' && s !== '..' && !/[%\\\0]/.test(s)))
    throw invalidOption('dataDir', `the prefix ${prefix} has an empty, '.', '..' or percent-encoded segment`);
  // Every job input under it would be taken for a pattern of keys.
  if (WILDCARD.test(prefix)) throw invalidOption('dataDir', `the prefix ${prefix} has a wildcard (${WILDCARD.source})`);
  return prefix === '' ? `s3://${target.bucket}` : `s3://${target.bucket}/${prefix}`;
}

export class ObjectDataDir implements DataDirAccess {
  readonly kind = 'bucket';
  /** `s3://bucket/prefix`, without a trailing '/'. */
  readonly root: string;
  /** What every key starts with: `prefix/` ('' for a whole bucket). */
  private readonly keyPrefix: string;
  private readonly bucket: string;

  /** `root`: as bucketDataDir() returns it. */
  constructor(root: string) {
    const target = parseObjectUrl(root, { allowEmptyKey: true });
    if (target.kind !== 's3') throw new TypeError('ObjectDataDir: expected an s3:// URL');
    this.root = root;
    this.bucket = target.bucket;
    this.keyPrefix = target.key === '' ? '' : `${target.key}/`;
  }

  /** The URL of a key under the prefix. */
  url(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  /** The listing's URL of everything under the prefix (or under `sub/` in it). */
  under(sub = ''): string {
    return this.url(this.keyPrefix + sub);
  }

  /** A key as a client names it (relative to the prefix). */
  name(key: string): string {
    return key.startsWith(this.keyPrefix) ? key.slice(this.keyPrefix.length) : key;
  }

  async input(path: unknown, field: string, allowed: InputAllowList): Promise<string> {
    if (typeof path === 'string' && isObjectUrl(path)) return allowedUrl(path, field, allowed);
    const key = this.key(path, field);
    // A pattern is expanded by the engine with one listing of the part before its first
    // wildcard: that part starts with the prefix, so every match lies under it.
    if (this.isPattern(path as string)) return this.url(key);
    return this.existing(path, field);
  }

  /** Whether a name is a pattern of keys (as the engine's object globs take them), not one key. */
  isPattern(name: string): boolean {
    return WILDCARD.test(name);
  }

  async existing(path: unknown, field: string): Promise<string> {
    const url = this.url(this.key(path, field));
    await statObject(url).catch((e: unknown) => {
      if (e instanceof ChunkmillError && e.code === 'ERR_OBJECT_NOT_FOUND')
        throw new HttpError(400, 'ERR_FILE_NOT_FOUND', `${field}: no file ${String(path)} in the data dir`, { field });
      throw bucketFailure(e);
    });
    return url;
  }

  /**
   * The URL of an output or rejects key under the prefix. A URL given there is 403: a job writes
   * only inside the data dir, never where a request points (--allow-input lists inputs alone).
   */
  async writable(path: unknown, field: string): Promise<string> {
    if (typeof path === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(path))
      throw forbiddenPath(field, 'a URL is refused: a job writes only inside the data dir; give a path relative to it');
    return this.url(this.key(path, field));
  }

  relative(url: string): string {
    const base = this.under();
    return url.startsWith(base) ? url.slice(base.length) : url;
  }

  /**
   * Starts an upload to `uploads/<name>`, or `uploads/<stem>-2<ext>`, ... when the key is taken
   * (as a folder's O_EXCL does): never replaces an object. 409 ERR_UPLOAD_EXISTS after 1000.
   */
  async createUpload(name: string): Promise<ObjectUpload> {
    const ext = DATA_EXTENSIONS.exec(name)![0];
    const stem = name.slice(0, -ext.length);
    for (let n = 1; n <= 1000; n++) {
      const candidate = `${UPLOADS}/${n === 1 ? stem : `${stem}-${n}`}${ext}`;
      const url = this.url(this.key(candidate, 'name'));
      if (await this.exists(url)) continue;
      const stream = createObjectUpload(url, undefined, { ifNoneMatch: true });
      const discard = async () => {
        if (stream.done) await deleteObject(url).catch(() => {});
        else await stream.abort();
      };
      return { name: candidate, stream, discard };
    }
    throw new HttpError(409, 'ERR_UPLOAD_EXISTS', `name: ${name} and 999 numbered variants are taken`, {
      field: 'name',
    });
  }

  /** Deletes the object a client names (already checked to be a data file's name); 404 when there is none. */
  async remove(name: string): Promise<void> {
    const url = this.url(this.key(name, 'name'));
    if (!(await this.exists(url)))
      throw new HttpError(404, 'ERR_FILE_NOT_FOUND', `name: no file ${name} in the data dir`, { field: 'name' });
    await deleteObject(url).catch((e: unknown) => {
      throw bucketFailure(e);
    });
  }

  /** The key of a client's name, confined to the prefix (the rules at the top of this file). */
  key(path: unknown, field: string): string {
    if (typeof path !== 'string' || path.length === 0) throw badRequest(field, 'expected a path in the data dir');
    if (path.includes('\0')) throw forbiddenPath(field, 'a path with a NUL byte is refused');
    if (/^[A-Za-z]:|^[\\/]/.test(path))
      throw forbiddenPath(field, 'an absolute path is refused: give a path relative to the data dir');
    if (path.includes('\\')) throw forbiddenPath(field, 'a backslash is refused in a path in the data dir');
    if (/%(2f|5c|2e)/i.test(path)) throw forbiddenPath(field, "a percent-encoded '/', '\\' or '.' is refused");
    const segments = path.split('/');
    if (segments.includes('..')) throw forbiddenPath(field, 'a path with ".." is refused');
    if (segments.some((s) => s === '' || s === '.'))
      throw forbiddenPath(field, "a path with an empty or '.' segment is refused");
    // A brace list of a pattern could spell `..` between its commas (`{a,..}/x`): refused as well.
    if (/(^|[/{,])\.\.($|[/},])/.test(path)) throw forbiddenPath(field, 'a path with ".." is refused');
    if ([...path].some((c) => c < ' ' || c === '\u007f'))
      throw badRequest(field, 'a path with a control character is refused');
    if (segments.some((s) => Buffer.byteLength(s) > NAME_MAX))
      throw badRequest(field, `a name in the path is longer than ${NAME_MAX} bytes`);
    const key = this.keyPrefix + path;
    if (Buffer.byteLength(key) > KEY_MAX) throw badRequest(field, 'the path is too long');
    return key;
  }

  /** Whether an object is at `url` now. */
  private async exists(url: string): Promise<boolean> {
    return statObject(url).then(
      () => true,
      (e: unknown) => {
        if (e instanceof ChunkmillError && e.code === 'ERR_OBJECT_NOT_FOUND') return false;
        throw bucketFailure(e);
      },
    );
  }
}

/**
 * A failure of the bucket itself (unreachable, bad credentials, denied, 5xx after the retries) as
 * the server's 503: it is not the client's doing. The code says which; the message names no URL
 * beyond the data dir's and never a credential (the full error is in the server's log).
 */
export function bucketFailure(e: unknown): unknown {
  if (e instanceof HttpError || !(e instanceof ChunkmillError) || !e.code.startsWith('ERR_OBJECT_')) return e;
  return Object.assign(new HttpError(503, 'ERR_UNAVAILABLE', `The data dir's bucket cannot be used now (${e.code})`), {
    cause: e,
  });
}
