/**
 * Hints in CLI terms. The engine's hints name API options (onBadNumber: "skip"); people at a
 * shell need the flag. And the commonest cause of "unknown column" is a file with another
 * delimiter, whose whole header then reads as one column: say which delimiter it looks like.
 */
import { open } from 'node:fs/promises';
import { ChunkmillError } from '../../index.js';

const FLAG_FOR: [RegExp, string | ((match: string, ...groups: string[]) => string)][] = [
  [/onBadNumber: ?["']skip["']/g, '--on-bad-number skip'],
  [/onBadRow: ?["']skip["']/g, '--on-bad-row skip'],
  [/csv: ?\{ ?header: ?false ?\}/g, '--no-header'],
  [/csv: ?\{ ?delimiter: ?("(?:[^"\\]|\\.)*") ?\}/g, (_, d) => `--delimiter ${spellChar(JSON.parse(d) as string)}`],
  [/\bcsv\.delimiter\b/g, '--delimiter'],
  [/\bcsv\.quote\b/g, '--quote'],
  [/\bcsv\.header\b/g, '--no-header'],
  [/\bchunkSize\b/g, '--chunk-size'],
  [/headerNames: ?["']rename["']/g, '--header-names rename'],
  [/\bunionColumns: true\b/g, '--union-columns'],
  [/encoding: ?"latin1" \(or "windows-1252"\)/g, '--encoding latin1 (or windows-1252)'],
  [/encoding: ?"(utf-16le|utf-16be)"/g, '--encoding $1'],
  // The CLI has no gzip flag: a *.gz name decompresses a file, gunzip a stream.
  [/ or pass gzip: true to read it decompressed/g, ' to read it decompressed, or pipe it through gunzip -c'],
  [
    /pipe the stream through zlib\.createGunzip\(\) first/g,
    "decompress it first (gunzip -c data.csv.gz | chunkmill ... -), or give the *.gz file's path",
  ],
];

export function cliHint(hint: string): string {
  return FLAG_FOR.reduce(
    (h, [re, flag]) => (typeof flag === 'string' ? h.replace(re, flag) : h.replace(re, flag)),
    hint,
  );
}

/** A delimiter as typed after --delimiter: `tab`, else quoted for the shell. */
export function spellChar(c: string): string {
  return c === '\t' ? 'tab' : `'${c}'`;
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
  return delimiterIn(text.split(/\r?\n/, 1)[0] ?? '', delimiter);
}

/** A delimiter that `line` holds and the given one is absent from, or null. */
function delimiterIn(line: string, delimiter: string): string | null {
  if (line.includes(delimiter)) return null;
  return CANDIDATES.find((c) => c !== delimiter && line.includes(c)) ?? null;
}

/**
 * A header read as one column that holds another delimiter (`name;amount;city` read with ','),
 * when no --delimiter was given: ERR_CSV_HEADER, not a one-column answer that is silently wrong.
 * An explicit `-d ,` keeps such a column (a real one-column file is rare, a ';' file common).
 */
export function oneColumnHeader(
  columns: readonly string[],
  ui: { input?: unknown; delimiter?: string | undefined; header?: boolean | undefined },
): ChunkmillError | null {
  if (ui.delimiter !== undefined || ui.header === false || columns.length !== 1) return null;
  const found = delimiterIn(columns[0]!, ',');
  if (found === null) return null;
  const at = { file: typeof ui.input === 'string' ? ui.input : '<stream>', line: 1 };
  return new ChunkmillError({
    code: 'ERR_CSV_HEADER',
    ...at,
    message: `The header was read as one column, ${JSON.stringify(columns[0])}, which holds ${JSON.stringify(found)}: is the delimiter ${JSON.stringify(found)}? (${at.file}:1)`,
    hint: `--delimiter ${spellChar(found)} reads the file with ${JSON.stringify(found)} (--delimiter ',' keeps the one column)`,
  });
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
  header?: readonly string[],
): Promise<unknown> {
  return withCliHint(withFlagNames(error, ui.flags), ui.input, ui.delimiter, header);
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

/**
 * The error with a better hint where we can give one; the error itself otherwise: an unknown
 * column, or a field count that differs, in a file whose header holds another delimiter (where
 * --on-bad-row skip would drop every row). `header`: the columns as read, for a stream.
 */
export async function withCliHint(
  error: unknown,
  input: unknown,
  delimiter: string | undefined,
  header?: readonly string[],
): Promise<unknown> {
  if (!(error instanceof ChunkmillError)) return error;
  const fieldCount = error.code === 'ERR_CSV_FIELD_COUNT';
  if (!fieldCount && error.code !== 'ERR_UNKNOWN_COLUMN') return error;
  const used = delimiter ?? ',';
  let found: string | null = null;
  if (typeof input === 'string') found = await sniffDelimiter(input, used);
  else if (fieldCount && header?.length === 1) found = delimiterIn(header[0]!, used);
  if (found === null) return error;
  const spell = spellChar(found);
  return new ChunkmillError(
    {
      ...error.toData(),
      hint: `the header has no ${JSON.stringify(used)} but has ${JSON.stringify(found)}: try --delimiter ${spell}`,
    },
    { cause: error },
  );
}
