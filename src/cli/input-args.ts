/** The file arguments of aggregate, convert, run and stats as a job's input. */
import type { Readable } from 'node:stream';
import { UsageError } from './errors.js';
import { sniffedStdin } from './sniff-flags.js';

/**
 * The input of a command from its file arguments: one file, glob or URL; several as one dataset;
 * `-` or none: standard input (with what sniffing read of it put back in front).
 */
export function resolveInput(files: string | readonly string[] | undefined): string | string[] | Readable {
  // Several arguments are one dataset (files, globs, s3:// or https:// URLs), read in the order given.
  const list = typeof files === 'string' ? [files] : (files ?? []);
  if (list.length > 1) {
    if (list.includes('-')) throw new UsageError("'-' (stdin) cannot be one of several inputs", 'name files only');
    return [...list];
  }
  const file = list[0];
  if (file === undefined || file === '-') {
    if (file === undefined && process.stdin.isTTY) {
      // Waiting for typed CSV is almost never what someone who forgot the file name wants.
      throw new UsageError(
        'no input file given, and stdin is a terminal',
        "name a file, or pipe data in and use '-' to read stdin",
      );
    }
    return sniffedStdin() ?? process.stdin;
  }
  return file;
}
