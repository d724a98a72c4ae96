/**
 * A store that cannot be used is a coded error naming its file, never a bare SQLite exception:
 * not a chunkmill store (another program's file, or not SQLite at all), corrupt, read-only, on a
 * full disk, or written by a newer chunkmill.
 */
import { ChunkmillError, messageOf } from '../errors.js';

export function notAStore(path: string, why: string): ChunkmillError {
  return new ChunkmillError({
    code: 'ERR_STORE_NOT_A_STORE',
    file: path,
    message: `${path} is not a chunkmill job store (${why})`,
    hint: 'give the path of a store made by chunkmill, or a new file name to create one',
  });
}

export function newerStore(path: string, version: number, known: number): ChunkmillError {
  return new ChunkmillError({
    code: 'ERR_STORE_VERSION',
    file: path,
    message: `The job store ${path} has schema version ${version}; this chunkmill knows versions up to ${known}`,
    hint: 'upgrade chunkmill to open it',
  });
}

/** An error from SQLite (or the file system under it) as a coded store error. */
export function storeError(e: unknown, path: string): ChunkmillError {
  if (e instanceof ChunkmillError) return e;
  const code = String((e as { code?: unknown }).code ?? '');
  const message = messageOf(e);
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new ChunkmillError(
      {
        code: code === 'SQLITE_NOTADB' ? 'ERR_STORE_NOT_A_STORE' : 'ERR_STORE_CORRUPT',
        file: path,
        message:
          code === 'SQLITE_NOTADB'
            ? `${path} is not a chunkmill job store (${message})`
            : `The job store ${path} is corrupt (${message})`,
        hint: code === 'SQLITE_NOTADB' ? undefined : 'restore it from a backup, or move it away to start a new store',
      },
      { cause: e },
    );
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'EACCES' || code === 'EROFS' || code === 'SQLITE_PERM') {
    return new ChunkmillError(
      {
        code: 'ERR_STORE_READ_ONLY',
        file: path,
        message: `The job store ${path} cannot be written (${message})`,
        hint: 'the store file and its folder must be writable (SQLite puts its -wal and -shm files next to it)',
      },
      { cause: e },
    );
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') {
    return new ChunkmillError(
      {
        code: 'ERR_STORE_FULL',
        file: path,
        message: `The job store ${path} cannot be written: its disk is full (${message})`,
        hint: 'free space on its disk: engines keep what they hold and go on once writes succeed again',
      },
      { cause: e },
    );
  }
  return new ChunkmillError(
    { code: 'ERR_STORE', file: path, message: `The job store ${path} failed: ${message}` },
    { cause: e },
  );
}

/** A failure of the store itself (not of a job): a job that meets one is handed back, not failed. */
export function isStoreFailure(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_STORE');
}
