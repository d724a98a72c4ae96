/**
 * GET /api/files of a data dir in a bucket (object-data-dir.ts): the data files under the prefix,
 * as a folder's are listed (routes/files.ts): the same fields, at most DEPTH folders down and
 * MAX_FILES in all, dot files and folders skipped, each with its header's columns. Folders come
 * first level by level, as a folder's walk gives them; within a level, by key.
 *
 * One ListObjectsV2 listing (page by page) gives names, sizes, ETags and dates; a header is read
 * with one GET of the object's start, stopped once the first record is in, and kept per ETag and
 * size, so a listing of unchanged objects costs the listing alone. Headers are read a few at a
 * time: a thousand new objects are not a thousand requests at once.
 */
import { ChunkmillError } from '../index.js';
import {
  type DataFile,
  fileColumns,
  formatOfName,
  type ListedObject,
  listPrefixEntries,
  openObjectStream,
} from '../internal.js';
import { bucketFailure, type ObjectDataDir } from './object-data-dir.js';
import { DATA_EXTENSIONS } from './schemas.js';

/** As a folder's listing (routes/files.ts). */
const DEPTH = 4;
const MAX_FILES = 1000;
/** Headers read at once. */
const READS = 8;

export class ObjectFiles {
  private readonly cache = new Map<string, { version: string; file: DataFile }>();

  constructor(private readonly dataDir: ObjectDataDir) {}

  async list(): Promise<DataFile[]> {
    const entries = await listPrefixEntries(this.dataDir.under(), undefined, {
      keep: (key) => isListed(this.dataDir.name(key)),
      limit: MAX_FILES,
    }).catch((e: unknown) => {
      throw bucketFailure(e);
    });
    const depth = (o: ListedObject) => o.key.split('/').length;
    entries.sort((a, b) => depth(a) - depth(b));
    const files: DataFile[] = new Array(entries.length);
    let next = 0;
    const reader = async () => {
      for (let i = next++; i < entries.length; i = next++) files[i] = await this.describe(entries[i]!);
    };
    await Promise.all(Array.from({ length: Math.min(READS, entries.length) }, reader));
    return files;
  }

  /** Forgets a removed object's columns. */
  forget(name: string): void {
    this.cache.delete(name);
  }

  private async describe(entry: ListedObject): Promise<DataFile> {
    const name = this.dataDir.name(entry.key);
    const version = `${entry.info.size}:${entry.info.etag ?? ''}:${entry.modifiedAt}`;
    const known = this.cache.get(name);
    if (known?.version === version) return known.file;
    const { gzip, format } = formatOfName(name);
    const delimiter = /\.tsv(\.gz)?$/i.test(name) ? '\t' : ',';
    const file: DataFile = {
      name,
      bytes: entry.info.size,
      modifiedAt: Number.isFinite(entry.modifiedAt) ? entry.modifiedAt : 0,
      format,
      gzip,
      columns: null,
    };
    try {
      // That version only (If-Match): an object replaced meanwhile is an error here, not another's header.
      const stream = await openObjectStream(entry.info);
      file.columns = await fileColumns(name, { format, gzip, delimiter, stream });
    } catch (e) {
      const code = e instanceof ChunkmillError ? e.code : 'ERR_FILE_UNREADABLE';
      const message = e instanceof Error ? e.message : String(e);
      file.error = { code, message: message.replaceAll(this.dataDir.under(), '') };
    }
    // A bucket that failed for now is asked again next time; a header that cannot be read is kept.
    if (!file.error?.code.startsWith('ERR_OBJECT_')) this.cache.set(name, { version, file });
    return file;
  }
}

/** A name the listing shows: a data file at most DEPTH folders down, with no dot file or folder on the way. */
function isListed(name: string): boolean {
  const segments = name.split('/');
  return (
    segments.length <= DEPTH + 1 && DATA_EXTENSIONS.test(name) && segments.every((s) => s !== '' && !s.startsWith('.'))
  );
}
