/**
 * How many worker threads a command's job will run, read from its arguments before the command is
 * even loaded, so that main() can start them first thing (startPoolEarly, exec/job-pools.ts): their
 * start, module load and warm-up then overlap the main thread's own (the engine's modules, the
 * sniff, the plan) instead of following them.
 *
 * A guess that is wrong costs threads, never an answer: the job takes the early pool only if it
 * wants at most its threads, else starts its own. So anything unusual answers null (no early pool).
 */
import { availableParallelism } from 'node:os';
import { parseWorkers } from './workers-flag.js';

/** The commands whose job runs on a pool of this process's threads. */
const LOCAL_JOBS = new Set(['aggregate', 'convert', 'stats', 'run']);

/** The worker threads `args` (argv after the script) will ask for, or null: start none early. */
export function earlyPoolThreads(args: readonly string[]): number | null {
  if (args.length === 0 || !LOCAL_JOBS.has(args[0] ?? '')) return null;
  // null: not given (the default); undefined: the flag came last, with no value.
  let workers: string | undefined | null = null;
  for (let i = 1; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') break;
    // On a cluster (threads elsewhere), or help (no job).
    if (arg === '--cluster' || arg.startsWith('--cluster=') || arg === '-h' || arg === '--help') return null;
    if (arg === '-w' || arg === '--workers') workers = args[++i];
    else if (arg.startsWith('--workers=')) workers = arg.slice('--workers='.length);
    else if (arg.startsWith('-w')) workers = arg.slice(2);
  }
  if (workers === null) return availableParallelism();
  // A value parseWorkers refuses (or none): a usage error is coming.
  if (workers === undefined) return null;
  try {
    return parseWorkers(workers);
  } catch {
    return null;
  }
}
