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
 * A file to be written must not be a symlink itself (it would be followed at open), nor the job
 * store or its journals. Uploads are created with O_EXCL, so one never replaces a file.
 */
import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { badRequest, forbiddenPath, HttpError } from './http-error.js';

export class DataDir {
  /** The data dir's real path (symlinks resolved). */
  readonly root: string;
  /** The job store and its companion files: never a job's to read or write. */
  readonly protectedPaths: string[];

  /** `root`: the real path of an existing folder; `store`: the job store, kept out of reach. */
  constructor(root: string, store: string) {
    this.root = root;
    this.protectedPaths = [store, `${store}-wal`, `${store}-shm`, `${store}-journal`, `${store}.journals`];
  }

  /** An existing file named by a client: its real path inside the data dir. */
  async existing(path: unknown, field: string): Promise<string> {
    const joined = this.join(path, field);
    const real = await realpath(joined).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR')
        throw new HttpError(400, 'ERR_FILE_NOT_FOUND', `${field}: no file ${String(path)} in the data dir`, { field });
      if (e.code === 'ELOOP') throw forbiddenPath(field, `${String(path)} is a loop of symlinks`);
      throw e;
    });
    this.inside(real, field);
    const info = await stat(real);
    if (!info.isFile()) throw badRequest(field, `${String(path)} is not a file`);
    return real;
  }

  /** A file a job or an upload will write: its real folder inside the data dir, and its name. */
  async writable(path: unknown, field: string): Promise<string> {
    const joined = this.join(path, field);
    const folder = await realpath(dirname(joined)).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR')
        throw badRequest(field, `the folder of ${String(path)} does not exist in the data dir`);
      throw e;
    });
    this.inside(folder, field, true);
    const target = join(folder, basename(joined));
    const info = await lstat(target).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw e;
    });
    if (info?.isSymbolicLink())
      throw forbiddenPath(field, `${String(path)} is a symlink; a job writes only plain files`);
    if (info?.isDirectory()) throw badRequest(field, `${String(path)} is a folder`);
    if (this.protectedPaths.some((p) => target === p || target.startsWith(p + sep)))
      throw forbiddenPath(field, `${String(path)} is the server's job store`);
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
    if (path.split(/[\\/]/).includes('..')) throw forbiddenPath(field, 'a path with ".." is refused');
    return join(this.root, path);
  }

  private inside(real: string, field: string, folder = false): void {
    const ok = real.startsWith(this.root === sep ? sep : this.root + sep) || (folder && real === this.root);
    if (!ok) throw forbiddenPath(field, 'the path leads outside the data dir (through a symlink)');
  }
}
