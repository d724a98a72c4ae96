/**
 * Retention of uploads (`retention`, `--retention`): files in the data dir's `uploads/` folder
 * whose last change is older than the retention are removed, once at start and then once a
 * minute. Finished jobs, with their results and event logs, are the engine's to remove (its own
 * `retention`); an upload is a file of the data dir, which only a server (or `chunkmill engine
 * --data-dir`) knows of.
 *
 * Only regular files directly in `uploads/` (where POST /api/uploads writes) are removed: never a
 * folder, a symlink or anything else a person put there, and nothing elsewhere in the data dir.
 *
 * A data dir in a bucket (`s3://bucket/prefix`): the objects directly under `prefix/uploads/`
 * whose Last-Modified (as the listing gives it) is older are deleted, the same rule. Every server
 * on that prefix sweeps; an object another one deleted first is no error (S3 answers 204).
 */
import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { deleteObject, isObjectUrl, listPrefixEntries } from '../internal.js';

/** Where POST /api/uploads writes, under the data dir. */
export const UPLOADS = 'uploads';
const SWEEP_EVERY_MS = 60_000;

export interface UploadRetention {
  /** Removes the uploads older than the retention now: their names (`uploads/...`). */
  sweep(now?: number): Promise<string[]>;
  /** Stops the minutely sweep (the one under way finishes). */
  stop(): void;
}

/**
 * Removes the uploads under `dataDir` (a folder, or an s3://bucket/prefix URL) older than
 * `retention` milliseconds, now and every minute (an unref'd timer: it keeps no process alive).
 * `onError` hears of a sweep that failed.
 */
export function startUploadRetention(
  dataDir: string,
  retention: number,
  onError: (error: unknown) => void = () => {},
): UploadRetention {
  const folder = join(dataDir, UPLOADS);
  const sweepFolder = async (now = Date.now()): Promise<string[]> => {
    const removed: string[] = [];
    const names = await readdir(folder).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [] as string[];
      throw e;
    });
    for (const name of names) {
      const path = join(folder, name);
      const info = await lstat(path).catch(() => null);
      if (info === null || !info.isFile() || info.mtimeMs >= now - retention) continue;
      // Gone in between (removed by hand, by another server on the same data dir): not an error.
      await unlink(path).then(
        () => removed.push(`${UPLOADS}/${name}`),
        (e: NodeJS.ErrnoException) => {
          if (e.code !== 'ENOENT') throw e;
        },
      );
    }
    return removed;
  };
  const sweep = isObjectUrl(dataDir) ? objectSweep(dataDir, retention) : sweepFolder;
  const tick = () => void sweep().catch(onError);
  tick();
  const timer = setInterval(tick, SWEEP_EVERY_MS);
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}

/** The sweep of a data dir in a bucket: the objects directly under `<root>/uploads/`. */
function objectSweep(root: string, retention: number): (now?: number) => Promise<string[]> {
  const base = `${root}/${UPLOADS}/`;
  return async (now = Date.now()) => {
    const removed: string[] = [];
    const listed = await listPrefixEntries(base);
    for (const { info, modifiedAt } of listed) {
      const name = info.url.slice(base.length);
      // Not directly in uploads/, or no date to go by: not an upload this sweep may judge.
      if (name.includes('/') || !(modifiedAt < now - retention)) continue;
      await deleteObject(info.url);
      removed.push(`${UPLOADS}/${name}`);
    }
    return removed;
  };
}
