/**
 * A confinement: the one folder whose files an engine's jobs may open, given to createEngine
 * (`confine`) by whoever checks its clients' paths (chunkmill serve gives its data dir). A path
 * checked when a job is queued can be swapped before the job runs, so every open of a confined
 * job proves again that what it opened lies inside: input/open-input.ts for reads,
 * kinds/output/output-file.ts for writes. Never a job spec field: a client cannot set or widen it.
 */
import { sep } from 'node:path';

export interface Confinement {
  /** The folder; the engine keeps its real path (every symlink resolved). */
  root: string;
  /**
   * Files (and folders, with everything under them) inside `root` that a job must never open,
   * whatever its path checks said: the job store and its companion files.
   */
  protect?: readonly string[];
}

/**
 * Why the real path `real` may not be opened by a confined job, or null when it may. `folder`:
 * `real` is a folder a file is to be created in, so the root itself is fine.
 */
export function confinementBreach(real: string, confinement: Confinement, folder = false): string | null {
  const { root } = confinement;
  const inside = real.startsWith(root === sep ? sep : root + sep) || (folder && real === root);
  if (!inside) return 'it leads outside the data dir';
  for (const p of confinement.protect ?? [])
    if (real === p || real.startsWith(p + sep)) return "it is the server's job store";
  return null;
}
