/**
 * Task and transform modules, by name only, from the tasks dir: `"task": "top-products"` runs
 * `<tasks-dir>/top-products.mjs` (or `.js`). A name is a plain word, never a path or a URL, so a
 * request can never make the server import a file of its choosing (a `data:` URL would be code
 * of its choosing); without a tasks dir no module runs at all. The module file's real path must
 * lie inside the tasks dir's, as for the data dir.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { badRequest, HttpError } from './http-error.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const EXTENSIONS = ['.mjs', '.js'];

export class TaskModules {
  /** `dir`: the real path of the tasks dir, or null (no modules). */
  constructor(readonly dir: string | null) {}

  /** The file: URL of the module a request names, for the queue's spec. */
  async resolve(name: string, field: string): Promise<string> {
    if (/[\\/:]/.test(name) || name.startsWith('.'))
      throw new HttpError(
        403,
        'ERR_MODULE_FORBIDDEN',
        `${field}: modules are named, not given as a path or URL (${JSON.stringify(name.slice(0, 100))})`,
        { field },
      );
    if (this.dir === null)
      throw new HttpError(
        403,
        'ERR_MODULE_FORBIDDEN',
        `${field}: this server runs no task modules (it was started without --tasks-dir)`,
        { field },
      );
    if (!NAME.test(name)) throw badRequest(field, 'a module name is letters, digits, "-" and "_"');
    for (const ext of EXTENSIONS) {
      const real = await realpath(join(this.dir, name + ext)).catch(() => null);
      if (real === null || !real.startsWith(this.dir + sep) || !(await stat(real)).isFile()) continue;
      return pathToFileURL(real).href;
    }
    const known = await this.names();
    throw badRequest(
      field,
      `no module ${JSON.stringify(name)} in the tasks dir${known.length > 0 ? ` (there are: ${known.join(', ')})` : ''}`,
    );
  }

  /**
   * Refuses (403) a stored module that this server would not run if a request named it now: not a
   * file: URL, or a file outside the tasks dir. For a retry, whose spec may have been queued by
   * another client of the store (the library, `chunkmill submit`) or before the file moved.
   */
  async check(url: string, field: string): Promise<void> {
    const path = url.startsWith('file:') ? fileURLToPath(url) : null;
    const real = path === null ? null : await realpath(path).catch(() => null);
    if (this.dir !== null && real?.startsWith(this.dir + sep)) return;
    throw new HttpError(
      403,
      'ERR_MODULE_FORBIDDEN',
      this.dir === null
        ? `${field}: this server runs no task modules (it was started without --tasks-dir)`
        : `${field}: the job's module is not in this server's tasks dir`,
      { field },
    );
  }

  /** The names a request may use. */
  async names(): Promise<string[]> {
    if (this.dir === null) return [];
    const files = await readdir(this.dir).catch(() => [] as string[]);
    const names = new Set<string>();
    for (const f of files) {
      const ext = EXTENSIONS.find((e) => f.endsWith(e));
      if (ext !== undefined && NAME.test(f.slice(0, -ext.length))) names.add(f.slice(0, -ext.length));
    }
    return [...names].sort();
  }
}
