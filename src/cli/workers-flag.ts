/**
 * The value of -w/--workers (and of --concurrency). A module of its own, with commander alone
 * beside it: main() reads the workers from the arguments by it before it loads a command
 * (early-pool.ts), and flags.ts loads most of the engine.
 */
import { InvalidArgumentError } from 'commander';

/** 1024 workers is far above any machine's cores; a larger number is a typo. */
const MAX_WORKERS = 1024;

export function parseWorkers(text: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_WORKERS)
    throw new InvalidArgumentError(`expected an integer from 1 to ${MAX_WORKERS}`);
  return n;
}
