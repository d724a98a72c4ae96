/**
 * User modules on a cluster: code never travels. The coordinator names a module by its file name
 * and the sha256 of its bytes; a worker loads only the file of that name in its own --tasks-dir,
 * and only when its bytes hash the same. chunkmill's own modules (statsTask, selectTransform)
 * are found in the worker's installed package instead, checked the same way.
 *
 * The hash covers the module file itself, not what it imports: deploy a module's helpers with it.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ChunkmillError, messageOf } from '../errors.js';
import type { ComputationSpec } from '../kinds/computation-spec.js';
import type { ModuleRef } from './protocol.js';

/** dist/ (src/ when run from source): the root of chunkmill's own modules. */
const PACKAGE_MODULES = fileURLToPath(new URL('../', import.meta.url));

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The coordinator's side: how workers are to find the computation's module (null: none). */
export async function moduleRefOf(spec: ComputationSpec): Promise<ModuleRef | null> {
  if (spec.kind === 'aggregate') return null;
  if (!spec.url.startsWith('file:'))
    throw moduleError(
      `A cluster job's ${spec.kind} module must be a file (got ${spec.url.slice(0, 40)}): workers load it from their --tasks-dir`,
    );
  const path = fileURLToPath(spec.url);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw moduleError(`Cannot read the ${spec.kind} module ${path}: ${messageOf(e)}`);
  }
  const inPackage = relative(PACKAGE_MODULES, path);
  if (!inPackage.startsWith('..') && !inPackage.startsWith(sep)) return { builtin: inPackage, sha256: sha256(bytes) };
  return { name: basename(path), sha256: sha256(bytes) };
}

/** The worker's side: finds and checks modules, remembering each file's hash by size and mtime. */
export class ModuleResolver {
  private readonly hashes = new Map<string, { size: number; mtimeMs: number; sha256: string }>();

  constructor(
    private readonly tasksDir: string | undefined,
    /** How errors name this worker: "<name> on <host>". */
    private readonly worker: string,
  ) {}

  /** The module's file: URL on this worker, once its bytes are checked. */
  async resolve(ref: ModuleRef): Promise<string> {
    const path = this.pathOf(ref);
    const what = 'name' in ref ? `The task module ${ref.name}` : `chunkmill's own module ${ref.builtin}`;
    let hash: string;
    try {
      hash = await this.hashOf(path);
    } catch (e) {
      throw moduleError(
        `${what} is not on worker ${this.worker} (${(e as NodeJS.ErrnoException).code === 'ENOENT' ? `no file ${path}` : messageOf(e)})`,
        'name' in ref ? `copy it into that worker's --tasks-dir` : undefined,
      );
    }
    if (hash !== ref.sha256)
      throw moduleError(
        `${what} on worker ${this.worker} (${path}) differs from the coordinator's: sha256 ${hash.slice(0, 12)}... there, ${ref.sha256.slice(0, 12)}... here`,
        'deploy the same file to every worker, or restart the workers after changing it',
      );
    return pathToFileURL(path).href;
  }

  private pathOf(ref: ModuleRef): string {
    if ('builtin' in ref) {
      const path = resolve(PACKAGE_MODULES, ref.builtin);
      if (relative(PACKAGE_MODULES, path).startsWith('..'))
        throw moduleError(`Refused a module outside chunkmill's package: ${ref.builtin}`);
      return path;
    }
    if (this.tasksDir === undefined)
      throw moduleError(
        `Worker ${this.worker} has no --tasks-dir, so it cannot run the task module ${ref.name}`,
        'start the workers with --tasks-dir DIR holding the module',
      );
    if (basename(ref.name) !== ref.name || ref.name === '..' || ref.name === '.')
      throw moduleError(`Refused the task module name ${JSON.stringify(ref.name)}: a plain file name is expected`);
    return join(this.tasksDir, ref.name);
  }

  private async hashOf(path: string): Promise<string> {
    const { size, mtimeMs } = await stat(path);
    const known = this.hashes.get(path);
    if (known !== undefined && known.size === size && known.mtimeMs === mtimeMs) return known.sha256;
    const hash = sha256(await readFile(path));
    this.hashes.set(path, { size, mtimeMs, sha256: hash });
    return hash;
  }
}

function moduleError(message: string, hint?: string): ChunkmillError {
  return new ChunkmillError({ code: 'ERR_CLUSTER_TASK_MODULE', message, ...(hint !== undefined ? { hint } : {}) });
}
