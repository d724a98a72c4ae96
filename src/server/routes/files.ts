/**
 * GET /api/files: what a job can be started on. Every data file in the data dir (CSV, TSV, text,
 * NDJSON, and those gzipped), at most DEPTH folders down and MAX_FILES in all, each with its
 * header's columns so a form can offer the group-by columns; and the task modules by name.
 *
 * Dot files and folders are skipped, and so is a symlink whose target lies outside the data
 * dir (it is listed nowhere, as it could be opened nowhere). Columns are read once per file
 * version (size and mtime) and kept; a file whose header cannot be read says why instead.
 */
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { fileColumns } from '../../internal.js';
import { ChunkmillError } from '../../index.js';
import { DATA_EXTENSIONS } from '../schemas.js';
import type { DataFile } from '../../internal.js';
import type { ServerContext } from '../server-context.js';

const DEPTH = 4;
const MAX_FILES = 1000;

export function fileRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const cache = new Map<string, { version: string; file: DataFile }>();
  app.get('/api/files', async () => {
    const files: DataFile[] = [];
    for (const path of await walk(ctx.dataDir.root)) {
      const info = await stat(path).catch(() => null);
      if (info === null) continue;
      const version = `${info.size}:${info.mtimeMs}`;
      const known = cache.get(path);
      if (known?.version === version) {
        files.push(known.file);
        continue;
      }
      const file = await describe(ctx, path, info.size, info.mtimeMs);
      cache.set(path, { version, file });
      files.push(file);
    }
    return { files, tasks: await ctx.modules.names() };
  });
}

async function describe(ctx: ServerContext, path: string, bytes: number, modifiedAt: number): Promise<DataFile> {
  const gzip = /\.gz$/i.test(path);
  const format = /\.(ndjson|jsonl)(\.gz)?$/i.test(path) ? 'ndjson' : 'csv';
  const delimiter = /\.tsv(\.gz)?$/i.test(path) ? '\t' : ',';
  const file: DataFile = { name: ctx.dataDir.relative(path), bytes, modifiedAt, format, gzip, columns: null };
  try {
    file.columns = await fileColumns(path, { format, gzip, delimiter });
  } catch (e) {
    const code = e instanceof ChunkmillError ? e.code : 'ERR_FILE_UNREADABLE';
    file.error = { code, message: e instanceof Error ? e.message : String(e) };
  }
  return file;
}

/** The data files under `root` (a real path), breadth first; a symlink is followed only to a target inside it. */
async function walk(root: string): Promise<string[]> {
  const found: string[] = [];
  let level = [root];
  for (let depth = 0; depth <= DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      const entries: Dirent[] = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        if (entry.name.startsWith('.')) continue;
        const path = join(dir, entry.name);
        let isDir = entry.isDirectory();
        if (entry.isSymbolicLink()) {
          const real = await realpath(path).catch(() => null);
          if (real === null || !real.startsWith(root + sep)) continue;
          isDir = (await stat(real)).isDirectory();
        }
        if (isDir) next.push(path);
        else if ((entry.isFile() || entry.isSymbolicLink()) && DATA_EXTENSIONS.test(entry.name)) found.push(path);
        if (found.length >= MAX_FILES) return found;
      }
    }
    level = next;
  }
  return found;
}
