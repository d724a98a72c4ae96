/**
 * The data dir: the one folder whose files a request may name, for reading (a job's input) and
 * for writing (a transform's output, a rejects file, an upload). A client's path is checked
 * before anything is opened:
 *
 *   1. it is text, relative, without a NUL and without a `..` segment (else 403);
 *   2. realpath() resolves it (or, for a file to be written, its folder) through every symlink;
 *   3. the real path must lie inside the data dir's own real path (a prefix check on whole
 *      segments), else 403: a symlink inside that leads out is refused like `..`.
 *
 * A file to be written must not be a symlink itself (it would be followed at open). Uploads are
 * created with O_EXCL, so one never replaces a file.
 *
 * The job store and SQLite's files beside it (-wal, -shm, -journal) are never a job's input nor
 * its output: they are compared by real path (the store's path resolved through every symlink,
 * as SQLite itself resolves it to name its -wal) and by identity (device and inode), so neither a
 * symlinked folder nor a hard link reaches them (403).
 */
import type { Stats } from 'node:fs';
import { realpathSync } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { isDynamicPattern } from 'tinyglobby';
import { badRequest, forbiddenPath, HttpError } from './http-error.js';
import { isObjectUrl, isPostgresUrl } from '../internal.js';
import type { InputAllowList } from './input-allow.js';

/** SQLite's files beside a database: its write-ahead log, shared memory, rollback journal. */
const STORE_SIDE_FILES = ['', '-wal', '-shm', '-journal'];
/** Most file systems (ext4, xfs, tmpfs, btrfs) refuse a path component longer than this many bytes. */
const NAME_MAX = 255;

/**
 * What the routes ask of a data dir, whichever it is: a local folder (DataDir, here) or a bucket
 * prefix (ObjectDataDir, object-data-dir.ts: `--data-dir s3://bucket/prefix`). Chosen once, from
 * the `dataDir` option; `kind` tells the routes which, where uploads and listings differ.
 */
export interface DataDirAccess {
  readonly kind: 'folder' | 'bucket';
  /** The folder's real path, or the bucket prefix's URL (`s3://bucket/prefix`, no trailing '/'). */
  readonly root: string;
  /** A job's input: a resolved path or URL inside the data dir, or an allowed object URL (403 else). */
  input(path: unknown, field: string, allowed: InputAllowList): Promise<string>;
  /** An existing file or object named by a client (400 ERR_FILE_NOT_FOUND when there is none). */
  existing(path: unknown, field: string): Promise<string>;
  /** Where a job's output or rejects will be written. */
  writable(path: unknown, field: string): Promise<string>;
  /** A resolved path or URL as a client names it: relative to the data dir, with '/'. */
  relative(path: string): string;
}

/**
 * A URL a request names as an input: as it is when the operator's allow-list has it, else 403
 * (the server never fetches an address a request chose).
 */
export function allowedUrl(url: string, field: string, allowed: InputAllowList): string {
  if (!allowed.allows(url))
    throw forbiddenPath(
      field,
      allowed.empty
        ? 'a URL is refused: this server reads only files in its data dir'
        : 'this URL is outside the prefixes the server allows (--allow-input)',
    );
  return url;
}

export class DataDir implements DataDirAccess {
  readonly kind = 'folder';
  /** The data dir's real path (symlinks resolved). */
  readonly root: string;
  /** The store's files, by real path and as given (the -wal/-shm/-journal beside it): a job may neither read nor write them. */
  readonly storeFiles: string[];

  /** `root`: the real path of an existing folder; `store`: the job store's file, kept out of reach (a PostgreSQL store has none). */
  constructor(root: string, store: string) {
    this.root = root;
    if (isPostgresUrl(store)) {
      this.storeFiles = [];
      return;
    }
    const real = realStorePath(store);
    this.storeFiles = [...new Set([real, store].flatMap((s) => STORE_SIDE_FILES.map((x) => s + x)))];
  }

  /**
   * True when `path` (a real path), or the file `info` describes, is the store or one of its
   * side files. Their identities are read now: -wal and -journal come and go with SQLite.
   */
  async isStore(path: string, info?: Stats | null): Promise<boolean> {
    if (this.storeFiles.includes(path)) return true;
    if (info === undefined || info === null) return false;
    const stats = await Promise.all(this.storeFiles.map((f) => stat(f).catch(() => null)));
    return stats.some((s) => s !== null && s.ino === info.ino && s.dev === info.dev);
  }

  /**
   * A job's input as a client names it: an existing file (its real path, as `existing`), a glob
   * of files in the data dir (made absolute; its fixed part must resolve inside, and the engine
   * checks every match again when it opens it), or an object URL the operator allows (403 else).
   */
  async input(path: unknown, field: string, allowed: InputAllowList): Promise<string> {
    if (typeof path === 'string' && isObjectUrl(path)) return allowedUrl(path, field, allowed);
    if (typeof path !== 'string' || !isDynamicPattern(path)) return this.existing(path, field);
    const joined = this.join(path, field);
    const fixed = joined.split(/[*?[\]{}()!+@]/, 1)[0]!;
    const folder = fixed.endsWith(sep) ? fixed : dirname(fixed);
    const real = await realpath(folder).catch(() => {
      throw new HttpError(400, 'ERR_FILE_NOT_FOUND', `${field}: no folder for ${path} in the data dir`, { field });
    });
    this.inside(real, field, true);
    return join(real, relative(folder, joined));
  }

  /** An existing file named by a client: its real path inside the data dir. */
  async existing(path: unknown, field: string): Promise<string> {
    const joined = this.join(path, field);
    const real = await realpath(joined).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR')
        throw new HttpError(400, 'ERR_FILE_NOT_FOUND', `${field}: no file ${String(path)} in the data dir`, { field });
      if (e.code === 'ELOOP') throw forbiddenPath(field, `${String(path)} is a loop of symlinks`);
      throw tooLong(e, field);
    });
    this.inside(real, field);
    const info = await stat(real);
    if (!info.isFile()) throw badRequest(field, `${String(path)} is not a file`);
    if (await this.isStore(real, info)) throw forbiddenPath(field, `${String(path)} is the server's job store`);
    return real;
  }

  /** A file a job or an upload will write: its real folder inside the data dir, and its name. */
  async writable(path: unknown, field: string): Promise<string> {
    const joined = this.join(path, field);
    const folder = await realpath(dirname(joined)).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR')
        throw badRequest(field, `the folder of ${String(path)} does not exist in the data dir`);
      throw tooLong(e, field);
    });
    this.inside(folder, field, true);
    const target = join(folder, basename(joined));
    const info = await lstat(target).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw tooLong(e, field);
    });
    if (info?.isSymbolicLink())
      throw forbiddenPath(field, `${String(path)} is a symlink; a job writes only plain files`);
    if (info?.isDirectory()) throw badRequest(field, `${String(path)} is a folder`);
    if (await this.isStore(target, info)) throw forbiddenPath(field, `${String(path)} is the server's job store`);
    return target;
  }

  /** A path inside the data dir as a client sees it: relative, with '/'. */
  relative(path: string): string {
    return relative(this.root, path).split(sep).join('/');
  }

  private join(path: unknown, field: string): string {
    if (typeof path !== 'string' || path.length === 0) throw badRequest(field, 'expected a path in the data dir');
    if (path.includes('\0')) throw forbiddenPath(field, 'a path with a NUL byte is refused');
    if (isAbsolute(path) || /^[A-Za-z]:|^[\\/]/.test(path))
      throw forbiddenPath(field, 'an absolute path is refused: give a path relative to the data dir');
    const segments = path.split(/[\\/]/);
    if (segments.includes('..')) throw forbiddenPath(field, 'a path with ".." is refused');
    if (segments.some((s) => Buffer.byteLength(s) > NAME_MAX))
      throw badRequest(field, `a name in the path is longer than ${NAME_MAX} bytes`);
    return join(this.root, path);
  }

  private inside(real: string, field: string, folder = false): void {
    const ok = real.startsWith(this.root === sep ? sep : this.root + sep) || (folder && real === this.root);
    if (!ok) throw forbiddenPath(field, 'the path leads outside the data dir (through a symlink)');
  }
}

/** A path the system finds too long (ENAMETOOLONG: over PATH_MAX in all) is the client's: 400. */
function tooLong(e: NodeJS.ErrnoException, field: string): unknown {
  return e.code === 'ENAMETOOLONG' ? badRequest(field, 'the path is too long') : e;
}

/**
 * The store's real path: realpath of the file, or of its folder plus its name while the file
 * does not exist yet (SQLite names its -wal after the resolved path too).
 */
function realStorePath(store: string): string {
  try {
    return realpathSync(store);
  } catch {
    try {
      return join(realpathSync(dirname(store)), basename(store));
    } catch {
      return store;
    }
  }
}
