/**
 * The engine's `confine` option (api/confinement.ts), resolved once when the engine starts: the
 * root as its real path (an existing folder), each protected path as a real path too (its
 * folder's, when the file does not exist yet: a store's -wal comes and goes), so the checks at
 * open time compare real paths with real paths.
 */
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Confinement } from '../api/confinement.js';
import { invalidOption } from '../errors.js';

export function resolveConfinement(option: unknown): Confinement | undefined {
  if (option === undefined) return undefined;
  if (option === null || typeof option !== 'object' || Array.isArray(option))
    throw invalidOption('confine', 'expected { root, protect? }');
  const { root, protect = [] } = option as Confinement;
  if (typeof root !== 'string' || root === '') throw invalidOption('confine.root', 'expected the path of a folder');
  let real: string;
  try {
    real = realpathSync.native(resolve(root));
  } catch {
    throw invalidOption('confine.root', `no folder ${root}`);
  }
  if (!statSync(real).isDirectory()) throw invalidOption('confine.root', `${root} is not a folder`);
  if (!Array.isArray(protect) || protect.some((p) => typeof p !== 'string' || p === ''))
    throw invalidOption('confine.protect', 'expected a list of paths');
  return { root: real, protect: protect.map(realPathOf) };
}

function realPathOf(path: string): string {
  const full = resolve(path);
  for (const real of [
    () => realpathSync.native(full),
    () => join(realpathSync.native(dirname(full)), basename(full)),
  ]) {
    try {
      return real();
    } catch {
      // not there (yet): try its folder, else keep the path as given
    }
  }
  return full;
}
