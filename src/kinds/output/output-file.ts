/**
 * A file a job writes (a transform's output, a rejects file), made so that no existing file is
 * ever truncated or written through: the bytes go to a new file beside the target (a hidden
 * name, O_CREAT|O_EXCL|O_NOFOLLOW, so nothing already there is opened), which is renamed onto
 * the target once the job has succeeded, and removed if it fails or is cancelled. A reader of
 * the target sees the old file or the whole new one, never a part; the old file's bytes are
 * never touched (another hard link to it keeps them), and its permissions go to the new one.
 *
 * Confined (an engine's `confine`, api/confinement.ts), the checks made when the job was queued
 * are made again at open, as for reads (input/open-input.ts): the folder's real path lies inside
 * the root; the target is not protected, not a symlink and not a file with other hard links (the
 * job would replace a name that also reaches a file elsewhere); the new file, once open, is the
 * one at its real path inside the root (fstat against stat of its realpath). Before the rename
 * the folder's real path must still be the one checked. rename() replaces the target's name and
 * never follows it, so a target swapped for a link in the meantime is replaced, not written
 * through.
 *
 * Unconfined (the library, the CLI), a target that is a symlink is followed (the new file goes
 * beside the file it names, so the link keeps pointing at the output), and one that is not a
 * regular file (/dev/null, a FIFO) is written directly, as it always was.
 */
import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { access, lstat, open, realpath, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { confinementBreach, type Confinement } from '../../api/confinement.js';
import { pathForbidden } from '../../errors.js';

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

export class OutputFile {
  private settled = false;

  private constructor(
    /** The new file, open for writing; the caller's stream takes it over (and closes it). */
    readonly handle: FileHandle,
    /** The new file's path, beside the target. */
    readonly temp: string,
    private readonly target: string,
    /** The path as the job gave it, for messages. */
    private readonly path: string,
    /** Confined: the folder's real path as checked at open. */
    private readonly folder: string,
    private readonly confinement: Confinement | undefined,
  ) {}

  /**
   * Creates the new file for `path`; null when `path` is to be written directly (unconfined,
   * not a regular file). Throws ERR_PATH_FORBIDDEN for a confined refusal; a file system error
   * as it came (OutputWriter names the path in it).
   */
  static async create(path: string, confinement: Confinement | undefined): Promise<OutputFile | null> {
    const name = basename(path);
    let folder = dirname(path);
    let target = path;
    let existing: Stats | null;
    if (confinement !== undefined) {
      folder = await realpath(folder);
      target = join(folder, name);
      const breach = confinementBreach(folder, confinement, true) ?? confinementBreach(target, confinement);
      if (breach !== null) throw pathForbidden(path, 'write', breach);
      existing = await lstat(target).catch(absent);
      if (existing?.isSymbolicLink()) throw pathForbidden(path, 'write', 'it is a symlink');
      if (existing !== null && !existing.isFile()) throw pathForbidden(path, 'write', 'it is not a regular file');
      if (existing !== null && existing.nlink > 1)
        throw pathForbidden(path, 'write', 'it has other hard links, which would reach a file elsewhere');
    } else {
      existing = await stat(path).catch(absent);
      if (existing !== null && !existing.isFile()) return null;
      if (existing !== null) {
        target = await realpath(path);
        folder = dirname(target);
      }
    }
    // A file the job could not have opened for writing is not replaced either.
    if (existing !== null) await access(target, constants.W_OK);
    const temp = join(folder, tempName(name));
    const handle = await open(temp, CREATE_FLAGS, 0o666);
    const file = new OutputFile(handle, temp, target, path, folder, confinement);
    try {
      if (confinement !== undefined) await file.proveInside(confinement);
      if (existing !== null) await handle.chmod(existing.mode & 0o777);
    } catch (e) {
      await handle.close();
      await file.discard();
      throw e;
    }
    return file;
  }

  /** After the last byte is written and the handle closed: the new file takes the target's name. */
  async commit(): Promise<void> {
    if (this.settled) return;
    if (this.confinement !== undefined && (await realpath(dirname(this.temp))) !== this.folder) {
      await this.discard();
      throw pathForbidden(this.path, 'write', 'its folder was moved while the job ran');
    }
    await rename(this.temp, this.target);
    this.settled = true;
  }

  /** After a failure or a cancel: the new file goes, and the target stays as it was. */
  async discard(): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    await unlink(this.temp).catch(() => {});
  }

  /** The open file is the one at its real path, inside the root (a folder swapped during the open). */
  private async proveInside(confinement: Confinement): Promise<void> {
    const opened = await this.handle.stat();
    const real = await realpath(this.temp).catch(() => null);
    const atReal = real === null ? null : await stat(real).catch(() => null);
    const breach = real === null ? 'it was moved while it was opened' : confinementBreach(real, confinement);
    if (breach !== null) throw pathForbidden(this.path, 'write', breach);
    if (atReal === null || atReal.dev !== opened.dev || atReal.ino !== opened.ino)
      throw pathForbidden(this.path, 'write', 'a folder on its way was swapped while it was opened');
  }
}

/** A hidden name beside the target, unique to this job; a long name is left out of it (NAME_MAX). */
function tempName(name: string): string {
  const stem = Buffer.byteLength(name) <= 200 ? name : 'output';
  return `.${stem}.${randomBytes(6).toString('hex')}.tmp`;
}

function absent(e: NodeJS.ErrnoException): null {
  if (e.code === 'ENOENT') return null;
  throw e;
}
