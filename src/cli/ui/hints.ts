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

/** Engine option paths every command spells the same way on the command line. */
const SHARED_FLAGS: [RegExp, string][] = [
  [/^aggregate\.groupBy\[\d+\]$/, '--group-by'],
  [/^where$/, '--where'],
  [/^checkpoint$/, '--checkpoint'],
  [/^rejects$/, '--rejects'],
];

/** The command's flag for an engine option path, or undefined. */
export function flagFor(option: string, flags: Record<string, string> = {}): string | undefined {
  return flags[option] ?? SHARED_FLAGS.find(([re]) => re.test(option))?.[1];
}

/**
 * The error in CLI terms: the option it names becomes the flag (`--group-by`, not
 * `aggregate.groupBy[0]`), and an unknown column in a file with another delimiter says so.
 */
export async function inCliTerms(
  error: unknown,
  ui: { input?: unknown; delimiter?: string | undefined; flags?: Record<string, string> | undefined },
): Promise<unknown> {
  return withCliHint(withFlagNames(error, ui.flags), ui.input, ui.delimiter);
}

function withFlagNames(error: unknown, flags: Record<string, string> | undefined): unknown {
  if (!(error instanceof ChunkmillError) || error.option === undefined) return error;
  const flag = flagFor(error.option, flags);
  if (flag === undefined) return error;
  const message = error.message
    .replace(`Invalid option "${error.option}": `, `${flag}: `)
    .replace(` in ${error.option}`, ` in ${flag}`);
  return new ChunkmillError({ ...error.toData(), message, option: flag }, { cause: error });
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
