/**
 * GET /api/files: what a job can be started on. Every data file in the data dir (CSV, TSV, text,
 * NDJSON, and those gzipped), at most DEPTH folders down and MAX_FILES in all, each with its
 * header's columns so a form can offer the group-by columns; and the task modules by name.
 *
 * Dot files and folders are skipped, and so is a symlink whose target lies outside the data
 * dir (it is listed nowhere, as it could be opened nowhere). Columns are read once per file
 * version (size and mtime) and kept; a file whose header cannot be read says why instead.
 *
 * Only regular files are listed: a FIFO, a socket or a device (or a symlink to one) is skipped
 * on its stat, never opened. A file is opened with O_NONBLOCK and O_NOFOLLOW and checked again on
 * its handle before its header is read, so one swapped for a FIFO in between is not read either:
 * an open() of a FIFO would wait for a writer in libuv's thread pool, and four of those (the
 * pool's size) would hang every file operation of the server.
 *
 * A data dir in a bucket is listed by object-files.ts, the same fields in the same order of
 * levels, and DELETE deletes the object (object-data-dir.ts confines its key).
 *
 * DELETE /api/files/<name>: removes one data file of the listing (an upload, most often), 204.
 * The name is checked as a job's input is (data-dir.ts: confined, never the store), must be one
 * the listing could show (a data extension, no dot file or folder), and a name that is not there
 * is a 404. A job that is queued on the file will fail when it opens it.
 */
import { constants, type Dirent } from 'node:fs';
import { open, readdir, realpath, stat, unlink } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { fileColumns, formatOfName } from '../../internal.js';
import { ChunkmillError } from '../../index.js';
import { badRequest, HttpError } from '../http-error.js';
import { DATA_EXTENSIONS } from '../schemas.js';
import type { DataFile } from '../../internal.js';
import { ObjectFiles } from '../object-files.js';
import type { ServerContext } from '../server-context.js';

const DEPTH = 4;
const MAX_FILES = 1000;

export function fileRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const cache = new Map<string, { version: string; file: DataFile }>();
  const objects = ctx.dataDir.kind === 'bucket' ? new ObjectFiles(ctx.dataDir) : null;
  app.get('/api/files', async () => {
    const dir = ctx.dataDir;
    if (dir.kind === 'bucket') return { files: await objects!.list(), tasks: await ctx.modules.names() };
    const files: DataFile[] = [];
    for (const { path, real } of await walk(dir.root)) {
      const info = await stat(real).catch(() => null);
      if (info === null || !info.isFile() || (await dir.isStore(real, info))) continue;
      const version = `${info.size}:${info.mtimeMs}`;
      const known = cache.get(path);
      if (known?.version === version) {
        files.push(known.file);
        continue;
      }
      const file = await describe(ctx, path, real, info.size, info.mtimeMs);
      if (file === null) continue;
      cache.set(path, { version, file });
      files.push(file);
    }
    return { files, tasks: await ctx.modules.names() };
  });
  app.delete('/api/files/*', async (request, reply) => {
    const name = (request.params as { '*': string })['*'];
    const gone = () =>
      new HttpError(404, 'ERR_FILE_NOT_FOUND', `name: no file ${name} in the data dir`, { field: 'name' });
    const dir = ctx.dataDir;
    if (dir.kind === 'bucket') {
      dir.key(name, 'name'); // confinement first: 403 whatever the name
      checkListed(name);
      await dir.remove(name);
      objects?.forget(name);
      return reply.code(204).send();
    }
    // Confinement first: a path out of the data dir is a 403 whatever its name.
    const real = await ctx.dataDir.existing(name, 'name').catch((e: unknown) => {
      throw e instanceof HttpError && e.code === 'ERR_FILE_NOT_FOUND' ? gone() : e;
    });
    checkListed(name);
    await unlink(real).catch((e: NodeJS.ErrnoException) => {
      throw e.code === 'ENOENT' ? gone() : e;
    });
    cache.delete(ctx.dataDir.root + sep + name.split('/').join(sep));
    return reply.code(204).send();
  });
}

/** A name the listing could show: a data extension, no dot file or folder (400 else). */
function checkListed(name: string): void {
  if (!DATA_EXTENSIONS.test(name) || name.split('/').some((s) => s.startsWith('.')))
    throw badRequest('name', `${name} is not a data file of the listing (GET /api/files)`);
}

/** The listing of a data file (`path` as listed, `real` its real path); null when it is no longer a regular file. */
async function describe(
  ctx: ServerContext,
  path: string,
  real: string,
  bytes: number,
  modifiedAt: number,
): Promise<DataFile | null> {
  const { gzip, format } = formatOfName(path);
  const delimiter = /\.tsv(\.gz)?$/i.test(path) ? '\t' : ',';
  // mtimeMs has fractions of a millisecond; the API sends whole ones, as the docs show.
  const file: DataFile = {
    name: ctx.dataDir.relative(path),
    bytes,
    modifiedAt: Math.round(modifiedAt),
    format,
    gzip,
    columns: null,
  };
  // Never blocks: O_NONBLOCK makes the open of a FIFO return at once (and it is then skipped).
  const handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW).catch(() => null);
  if (handle === null) return null;
  try {
    if (!(await handle.stat()).isFile()) return null;
    file.columns = await fileColumns(path, { format, gzip, delimiter, handle });
  } catch (e) {
    const code = e instanceof ChunkmillError ? e.code : 'ERR_FILE_UNREADABLE';
    file.error = { code, message: e instanceof Error ? e.message : String(e) };
  } finally {
    await handle.close().catch(() => {});
  }
  return file;
}

interface Found {
  /** As listed: under the data dir, through any symlink. */
  path: string;
  /** Its real path (the same for a file that is not behind a symlink). */
  real: string;
}

/**
 * The regular data files under `root` (a real path), breadth first; a symlink is followed only
 * to a target inside it, and only to a folder or a regular file.
 */
async function walk(root: string): Promise<Found[]> {
  const found: Found[] = [];
  let level = [root];
  for (let depth = 0; depth <= DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      const entries: Dirent[] = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        if (entry.name.startsWith('.')) continue;
        const path = join(dir, entry.name);
        let real = path;
        let isDir = entry.isDirectory();
        let isFile = entry.isFile();
        if (entry.isSymbolicLink()) {
          real = (await realpath(path).catch(() => null)) ?? '';
          if (!real.startsWith(root + sep)) continue;
          const info = await stat(real).catch(() => null);
          isDir = info?.isDirectory() ?? false;
          isFile = info?.isFile() ?? false;
        }
        if (isDir) next.push(path);
        else if (isFile && DATA_EXTENSIONS.test(entry.name)) found.push({ path, real });
        if (found.length >= MAX_FILES) return found;
      }
    }
    level = next;
  }
  return found;
}
