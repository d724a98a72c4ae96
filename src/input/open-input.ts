/**
 * Opening an input file, with the path checks repeated at open time when the job is confined
 * (api/confinement.ts). The path was checked when the job was queued; it may have been swapped
 * since (a file for a symlink, a folder for a link to elsewhere). So a confined open:
 *
 *   1. opens with O_NOFOLLOW (a symlink as the last step fails: ELOOP) and O_NONBLOCK (a FIFO
 *      put there opens at once instead of waiting for a writer, and is then refused);
 *   2. proves the descriptor is inside: fstat(fd) must be the file that stat(realpath(path))
 *      is (same dev and inode), and that real path must lie inside the root, outside the
 *      protected files. A folder on the way swapped before the open gives a real path outside;
 *      one swapped after it gives a real path that is not the opened file. Either is refused.
 *
 * Refusals are ERR_PATH_FORBIDDEN naming the path as the job gave it, never where it leads. An
 * unconfined open is a plain open(path, 'r'), as it always was. The full proof is three system
 * calls (~10 us) per open; the coordinator makes it once per job, and a worker's open of the very
 * file the coordinator proved (same dev and inode) needs only the fstat it makes anyway.
 */
import { closeSync, constants, fstatSync, openSync, realpathSync, statSync, type Stats } from 'node:fs';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import { confinementBreach, type Confinement } from '../api/confinement.js';
import { ChunkmillError, fileError, pathForbidden } from '../errors.js';

const CONFINED_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * The coordinator's open of a file input, with the file's stats (size, identity). Unconfined:
 * stat first (a folder or a FIFO is refused before it is opened), then open, as it always was.
 * Confined: the checked open, then the descriptor's own stats, so they are the opened file's.
 */
export async function openInputFile(
  path: string,
  confinement: Confinement | undefined,
): Promise<{ handle: FileHandle; info: Stats }> {
  if (confinement === undefined) {
    const info = await stat(path).catch((e: unknown) => {
      throw fileError(e, path);
    });
    if (!info.isFile()) throw notAFile(path, info);
    const handle = await open(path, 'r').catch((e: unknown) => {
      throw fileError(e, path);
    });
    return { handle, info };
  }
  const handle = await open(path, CONFINED_FLAGS).catch((e: unknown) => {
    throw openFailure(e, path);
  });
  try {
    const info = await handle.stat();
    const real = await realpath(path);
    proveInside(path, info, real, await stat(real), confinement);
    return { handle, info };
  } catch (e) {
    await handle.close();
    throw confinedFailure(e, path);
  }
}

/** A file's identity on its host (fstat's dev and inode). */
export interface FileId {
  dev: number;
  ino: number;
}

/**
 * Opens `path` to read, synchronously (a worker's chunk, a stream's file); `stats`: the opened
 * file's, when the open took them (confined). Confined: the checks above, unless the descriptor
 * is the very file `planned` names, which the coordinator proved inside when it planned the job:
 * then the one fstat is the whole check, and a worker's open costs no more than before. (A
 * cluster worker on another host sees other dev numbers, or a copy of the data: it proves the
 * path again in full.)
 */
export function openInputSync(
  path: string,
  confinement: Confinement | undefined,
  planned?: FileId,
): { fd: number; stats: Stats | undefined } {
  if (confinement === undefined) return { fd: openSync(path, 'r'), stats: undefined };
  let fd: number;
  try {
    fd = openSync(path, CONFINED_FLAGS);
  } catch (e) {
    throw openFailure(e, path);
  }
  try {
    const opened = fstatSync(fd);
    if (planned === undefined || opened.dev !== planned.dev || opened.ino !== planned.ino) {
      const real = realpathSync.native(path);
      proveInside(path, opened, real, statSync(real), confinement);
    }
    return { fd, stats: opened };
  } catch (e) {
    closeSync(fd);
    throw confinedFailure(e, path);
  }
}

/** The descriptor's file is the one at `real`, a regular file inside the root; else a refusal. */
function proveInside(path: string, opened: Stats, real: string, atReal: Stats, confinement: Confinement): void {
  const breach = confinementBreach(real, confinement);
  if (breach !== null) throw pathForbidden(path, 'read', breach);
  if (opened.dev !== atReal.dev || opened.ino !== atReal.ino)
    throw pathForbidden(path, 'read', 'a folder on its way was swapped while it was opened');
  if (!opened.isFile()) throw notAFile(path, opened);
}

function notAFile(path: string, info: Stats): ChunkmillError {
  return new ChunkmillError({
    code: 'ERR_NOT_A_FILE',
    file: path,
    message: `${path} is ${info.isDirectory() ? 'a directory' : 'not a regular file'}, not a CSV file`,
  });
}

/** A confined open that failed: a symlink as the last step is a refusal, the rest as usual. */
function openFailure(e: unknown, path: string): ChunkmillError {
  const code = (e as NodeJS.ErrnoException).code;
  // O_NOFOLLOW on a symlink: ELOOP (Linux, macOS), EMLINK (FreeBSD).
  if (code === 'ELOOP' || code === 'EMLINK') return pathForbidden(path, 'read', 'it is a symlink');
  return fileError(e, path);
}

/** A failure after the open: our refusals as they are, a file system error named by the path. */
function confinedFailure(e: unknown, path: string): ChunkmillError {
  if (e instanceof ChunkmillError) return e;
  // realpath or stat failed: the path was removed or swapped after the open.
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP')
    return pathForbidden(path, 'read', 'it was moved or swapped while it was opened');
  return fileError(e, path);
}
