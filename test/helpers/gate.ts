/**
 * A gate for fixtures/tasks/slow-sum.mjs (its `gate` param): chunk i of a job starts only once
 * the gate has let more than i chunks through. A test that needs a job still running at some
 * point (to cancel it, kill its process, stop its server) holds it there by the gate rather than
 * by a job that is merely slow, which a loaded machine or a late test process can outrun; it
 * opens the gate when the job may end.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

export interface Gate {
  /** The file: the task's `gate` param. */
  path: string;
  /** Lets chunks 0 to n - 1 start (n only grows: a chunk that started has started). */
  release(n: number): void;
  /** Lets every chunk start. */
  open(): void;
  /** The chunks that have waited at the gate so far, and the process each ran in. */
  held(): { chunk: number; pid: number }[];
}

/** A gate at `path` that lets the first `n` chunks through (0: none). */
export function gate(path: string, n = 0): Gate {
  const release = (k: number) => writeFileSync(path, String(k));
  release(n);
  rmSync(`${path}.held`, { force: true });
  const held = () =>
    existsSync(`${path}.held`)
      ? readFileSync(`${path}.held`, 'utf8')
          .split('\n')
          .slice(0, -1) // whole lines only: the last one may be in the middle of its write
          .map((l) => {
            const [chunk, pid] = l.split(' ').map(Number);
            return { chunk: chunk!, pid: pid! };
          })
      : [];
  return { path, release, open: () => release(Number.MAX_SAFE_INTEGER), held };
}
