/**
 * Hints in CLI terms. The engine's hints name API options (onBadNumber: "skip"); people at a
 * shell need the flag. And the commonest cause of "unknown column" is a file with another
 * delimiter, whose whole header then reads as one column: say which delimiter it looks like.
 */
import { open } from 'node:fs/promises';
import { ChunkmillError } from '../../index.js';

const FLAG_FOR: [RegExp, string][] = [
  [/onBadNumber: ?["']skip["']/g, '--on-bad-number skip'],
  [/onBadRow: ?["']skip["']/g, '--on-bad-row skip'],
  [/\bcsv\.delimiter\b/g, '--delimiter'],
  [/\bcsv\.quote\b/g, '--quote'],
  [/\bcsv\.header\b/g, '--no-header'],
  [/\bchunkSize\b/g, '--chunk-size'],
];

export function cliHint(hint: string): string {
  return FLAG_FOR.reduce((h, [re, flag]) => h.replace(re, flag), hint);
}

const CANDIDATES = [';', '\t', '|', ','];
/** The header is in the first few KiB of any real file. */
const SNIFF_BYTES = 64 * 1024;

/** A delimiter that the first line holds and the given one is absent from, or null. */
export async function sniffDelimiter(path: string, delimiter: string): Promise<string | null> {
  let text: string;
  try {
    const file = await open(path, 'r');
    try {
      const { buffer, bytesRead } = await file.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
      text = buffer.toString('utf8', 0, bytesRead);
    } finally {
      await file.close();
    }
  } catch {
    return null;
  }
  const first = text.split(/\r?\n/, 1)[0] ?? '';
  if (first.includes(delimiter)) return null;
  return CANDIDATES.find((c) => c !== delimiter && first.includes(c)) ?? null;
}

/** The error with a better hint where we can give one; the error itself otherwise. */
export async function withCliHint(error: unknown, input: unknown, delimiter: string | undefined): Promise<unknown> {
  if (!(error instanceof ChunkmillError) || error.code !== 'ERR_UNKNOWN_COLUMN' || typeof input !== 'string')
    return error;
  const used = delimiter ?? ',';
  const found = await sniffDelimiter(input, used);
  if (found === null) return error;
  const spell = found === '\t' ? 'tab' : `'${found}'`;
  return new ChunkmillError(
    {
      ...error.toData(),
      hint: `the header has no ${JSON.stringify(used)} but has ${JSON.stringify(found)}: try --delimiter ${spell}`,
    },
    { cause: error },
  );
}
