/**
 * What the object benches share: bench/range-server.mjs started as a child process, the pid of
 * s3rver's (test/helpers/s3.ts starts it), and a process's CPU seconds from /proc, so that a bench
 * shows each server's CPU beside the engine's. Linux only (/proc).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A child process's CPU seconds so far (user + system), from /proc/PID/stat (clock ticks of 10 ms). */
export function processCpu(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime: fields 14 and 15
}

/** The pid of this process's child whose command line holds `marker` (s3rver's, which test/helpers/s3.ts starts). */
export function childPid(marker: string): number {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) return Number(name);
    } catch {
      // a process that ended meanwhile
    }
  }
  throw new Error(`no child process running ${marker}`);
}

/** bench/range-server.mjs over `root`, in its own process. */
export async function startRangeServer(root: string): Promise<{ base: string; pid: number; stop(): void }> {
  const script = fileURLToPath(new URL('./range-server.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, root], { stdio: ['pipe', 'pipe', 'inherit'] });
  const { port } = await new Promise<{ port: number }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`range-server exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line)));
  });
  return { base: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => child.stdin!.end() };
}

/** A folder under `dir` for the range server whose bench/KEY is a link to `path` (also the path-style S3 key bench/KEY). */
export function serveFile(dir: string, path: string, key: string): string {
  const root = join(dir, 'range-server');
  mkdirSync(join(root, 'bench'), { recursive: true });
  if (!existsSync(join(root, 'bench', key))) symlinkSync(path, join(root, 'bench', key));
  return root;
}
