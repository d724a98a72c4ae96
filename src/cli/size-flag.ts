/**
 * The value of --chunk-size (and the other byte sizes). A module of its own, with commander alone
 * beside it, as workers-flag.ts: main() reads the chunk size from the arguments by it before it
 * loads a command (early-pool.ts).
 */
import { InvalidArgumentError } from 'commander';

/** GNU coreutils' convention: K/M/G and KiB/MiB/GiB are powers of 1024, KB/MB/GB powers of 1000. */
const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
};

/** "8MiB", "512 KiB", "1.5M", "65536" -> bytes. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new InvalidArgumentError(
      'expected a size in bytes, optionally with a unit: KiB, MiB, GiB (or KB, MB, GB), e.g. 8MiB',
    );
  }
  const bytes = Number(m[1]) * unit;
  if (!Number.isSafeInteger(bytes) || bytes < 1)
    throw new InvalidArgumentError('expected a whole number of bytes >= 1');
  return bytes;
}
