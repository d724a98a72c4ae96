/**
 * How many worker threads a command's job will run, read from its arguments before the command is
 * even loaded, so that main() can start them first thing (startPoolEarly, exec/job-pools.ts): their
 * start, module load and warm-up then overlap the main thread's own (the engine's modules, the
 * sniff, the plan) instead of following them.
 *
 * A guess that is wrong costs threads, never an answer: the job takes the early pool only if it
 * wants at most its threads, else starts its own. So anything unusual answers null (no early pool),
 * and the guess of the input's size below only ever errs high.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { DEFAULTS } from '../api/defaults.js';
import { parseSize } from './size-flag.js';
import { parseWorkers } from './workers-flag.js';

/** The commands whose job runs on a pool of this process's threads. */
const LOCAL_JOBS = new Set(['aggregate', 'convert', 'stats', 'run']);

/**
 * The worker threads `args` (argv after the script) will ask for, or null: start none early. No
 * more than the chunks its input can make: a job asks for no more threads than it has chunks, and
 * each thread costs a small file's command ~0.1 s of CPU (2-core AMD EPYC, 3-row file: 0.32 s of
 * CPU with 1 worker, 0.45 s with 2).
 */
export function earlyPoolThreads(args: readonly string[]): number | null {
  if (args.length === 0 || !LOCAL_JOBS.has(args[0] ?? '')) return null;
  // null: not given (the default); undefined: the flag came last, with no value.
  let workers: string | undefined | null = null;
  let chunkSize: string | undefined | null = null;
  /** Every argument that may name an input: all but flags (and so some flags' values too). */
  const names: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      names.push(...args.slice(i + 1));
      break;
    }
    // On a cluster (threads elsewhere), or help (no job).
    if (arg === '--cluster' || arg.startsWith('--cluster=') || arg === '-h' || arg === '--help') return null;
    if (arg === '-w' || arg === '--workers') workers = args[++i];
    else if (arg.startsWith('--workers=')) workers = arg.slice('--workers='.length);
    else if (arg.startsWith('-w')) workers = arg.slice(2);
    else if (arg === '--chunk-size') chunkSize = args[++i];
    else if (arg.startsWith('--chunk-size=')) chunkSize = arg.slice('--chunk-size='.length);
    else if (arg === '-' || !arg.startsWith('-')) names.push(arg);
  }
  // A value parseWorkers or parseSize refuses (or none): a usage error is coming.
  if (workers === undefined || chunkSize === undefined) return null;
  let threads: number;
  let size: number;
  try {
    threads = workers === null ? availableParallelism() : parseWorkers(workers);
    // The smaller default (a transform's) when none is given: the guess errs toward more chunks.
    size = chunkSize === null ? DEFAULTS.transformChunkSize : parseSize(chunkSize);
  } catch {
    return null;
  }
  const chunks = chunksAtMost(names, size);
  return chunks === null ? threads : Math.max(1, Math.min(threads, chunks));
}

/**
 * At most how many chunks of `chunkSize` bytes the input makes, when it is one or more plain
 * local files (those of `names` that are files: the others are flag values), else null: standard
 * input, a glob, a URL, or a file read as a stream (gzip, NDJSON), whose chunks are not known.
 */
function chunksAtMost(names: readonly string[], chunkSize: number): number | null {
  let chunks = 0;
  let files = 0;
  for (const name of names) {
    if (name === '-' || /[*?[{]|:\/\//.test(name)) return null;
    const stat = statSync(name, { throwIfNoEntry: false });
    if (stat === undefined || !stat.isFile()) continue;
    if (/\.(gz|json|jsonl|ndjson)$/i.test(name)) return null;
    files++;
    chunks += Math.ceil(stat.size / chunkSize);
  }
  return files === 0 ? null : chunks;
}
