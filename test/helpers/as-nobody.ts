/**
 * Checks that need a user whom file modes stop. Root reads and writes any file whatever its mode,
 * so when the tests run as root such a check runs in a child process that becomes "nobody".
 *
 * The child starts as root and loads all it needs from the checkout first (its imports, a native
 * addon), and only then drops to nobody's ids: nobody cannot enter a checkout in a folder of
 * mode 0700 (a clone in /root or in a `mktemp -d`), so a child started as nobody could not even
 * load chunkmill. Only the files under test must be reachable by nobody.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Root reads and writes files whatever their mode. */
export const isRoot = process.getuid?.() === 0;

/** The checkout: the child's current directory, so that 'chunkmill' resolves to this dist/. */
const CHECKOUT = fileURLToPath(new URL('../../', import.meta.url));

function nobodyId(flag: '-u' | '-g'): number {
  return Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
}

export interface AsNobodyResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs an ES module in a child node process: `asRoot` (its static imports, and whatever must be
 * loaded before the drop) as root, then `asNobody` with nobody's user and group ids and no
 * supplementary groups. Call only as root (`isRoot`).
 */
export function runAsNobody(script: { asRoot: string; asNobody: string }): AsNobodyResult {
  if (!isRoot) throw new Error('runAsNobody: only root can become nobody');
  const [uid, gid] = [nobodyId('-u'), nobodyId('-g')];
  // Static imports are loaded before any statement of the module runs, wherever they stand.
  const source = `${script.asRoot}
    process.setgroups([]);
    process.setgid(${gid});
    process.setuid(${uid});
    if (process.getuid() !== ${uid} || process.getegid() !== ${gid}) throw new Error('still root');
    ${script.asNobody}`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', source], {
    cwd: CHECKOUT,
    encoding: 'utf8',
  });
  if (child.error !== undefined) throw child.error;
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}
