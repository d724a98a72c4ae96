/**
 * --no-sniff, --header and --verbose, and the sniffing they govern: before a command's action
 * runs (a commander preAction hook, so once, on the coordinator, before planning), a sample of
 * the input is read and the delimiter, quote and header the flags left open are detected
 * (sniff.ts) and set as if given. A file is sampled by a read of its first 64 KiB; stdin by its
 * first bytes, which the job then reads again through a stream that replays them (sniffedStdin).
 * The library is untouched: processDataset reads with the options it is given.
 */
import { createReadStream, existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Command } from 'commander';
import { glob, isDynamicPattern } from 'tinyglobby';
import { ChunkmillError } from '../index.js';
import { formatOfName, isObjectUrl, readObjectRange, statObject } from '../internal.js';
import { type Dialect, type Given, sniffDialect } from './sniff.js';
import { spellChar as spellDelimiter } from './ui/hints.js';

/** A character as typed after a flag: tab, else shell-quoted ("'" for the single quote). */
function spellChar(c: string): string {
  return c === "'" ? `"'"` : spellDelimiter(c);
}

/** DuckDB samples more rows, but 64 KiB is hundreds of rows of any real file and costs one read. */
export const SAMPLE_BYTES = 64 * 1024;

let replayedStdin: Readable | undefined;

/** stdin as the job must read it: with the bytes the sniffer took put back in front. */
export function sniffedStdin(): Readable | undefined {
  return replayedStdin;
}

interface SniffFlags {
  encoding?: string;
  sniff?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  delimiter?: string;
  quote?: string;
  header?: boolean;
}

export function addSniffOptions(cmd: Command): Command {
  cmd
    .option(
      '--header',
      'the first line names the columns (default: detected; the first line is a header when the file cannot tell)',
    )
    .option(
      '--no-sniff',
      "read with the defaults (',', '\"', a header) where no flag is given; do not look at the data",
    )
    .option('--verbose', 'say on stderr what was detected (said anyway when stderr is a terminal)');
  cmd.hook('preAction', async (command) => sniff(command));
  return cmd;
}

async function sniff(cmd: Command): Promise<void> {
  const o = cmd.opts<SniffFlags>();
  if (o.sniff === false) return;
  const given: Given = {
    delimiter: o.delimiter,
    quote: o.quote,
    header: cmd.getOptionValueSource('header') === 'cli' ? o.header : undefined,
    decimal: cmd.opts<{ decimal?: string }>().decimal,
  };
  if (given.delimiter !== undefined && given.quote !== undefined && given.header !== undefined) return;
  if (o.encoding === 'utf-16le' || o.encoding === 'utf-16be') return; // without a BOM: the flags, or the defaults
  // Several files or a glob: the first file of the dataset speaks for all (they share a header).
  const file = await firstSource(cmd.args[0] as string | undefined);
  const sample =
    file === undefined || file === '-'
      ? await stdinSample(file)
      : isObjectUrl(file)
        ? await objectSample(file)
        : await fileSample(file);
  if (sample === null) return;
  const result = sniffDialect(sample.text, sample.complete, given);
  const name = file === undefined || file === '-' ? '<stdin>' : file;
  if (!result.ok) {
    const chars = result.candidates.map((c) => JSON.stringify(c.char));
    const flag = result.what === 'delimiter' ? '--delimiter' : '--quote';
    throw new ChunkmillError({
      code: 'ERR_CSV_AMBIGUOUS',
      file: name,
      message: `Cannot tell the ${result.what} of ${name}: ${chars.join(' and ')} read the first ${sample.rows} lines equally well (${result.candidates.map((c) => `${c.columns} columns`).join(' and ')})`,
      hint: `give it: ${result.candidates.map((c) => `${flag} ${spellChar(c.char)}`).join(' or ')} (or --no-sniff for ',' and '"')`,
    });
  }
  const d = result.dialect;
  if (d.how.delimiter === 'detected') cmd.setOptionValueWithSource('delimiter', d.delimiter, 'implied');
  if (d.how.quote === 'detected') cmd.setOptionValueWithSource('quote', d.quote, 'implied');
  if (d.how.header === 'detected') cmd.setOptionValueWithSource('header', d.header, 'implied');
  if (o.verbose || (process.stderr.isTTY && !o.quiet)) process.stderr.write(detectedLine(name, d) + '\n');
}

/** "chunkmill: read data.csv with delimiter ';' (detected), quote '"' (default), a header (detected); --no-sniff ..." */
export function detectedLine(name: string, d: Dialect): string {
  const header = d.header ? 'a header' : 'no header';
  return (
    `chunkmill: read ${name} with delimiter ${spellChar(d.delimiter)} (${d.how.delimiter}), ` +
    `quote ${spellChar(d.quote)} (${d.how.quote}), ${header} (${d.how.header}); --no-sniff turns detection off`
  );
}

interface Sample {
  text: string;
  /** The sample is the whole input. */
  complete: boolean;
  /** Lines in it, for the message of an ambiguity. */
  rows: number;
}

function toSample(bytes: Buffer, complete: boolean): Sample {
  return textSample(bytes.toString('utf8'), complete);
}

function textSample(text: string, complete: boolean): Sample {
  const lines = text.split('\n').length - 1;
  return { text, complete, rows: complete && !text.endsWith('\n') ? lines + 1 : lines };
}

/** The dataset's first source: a glob's first match by name (undefined or '-': stdin). */
async function firstSource(arg: string | undefined): Promise<string | undefined> {
  if (arg === undefined || arg === '-' || isObjectUrl(arg) || !isDynamicPattern(arg) || existsSync(arg)) return arg;
  const matches = await glob([arg], { onlyFiles: true, expandDirectories: false, absolute: isAbsolute(arg) }).catch(
    () => [],
  );
  return matches.sort()[0] ?? arg;
}

/** The first bytes of an object (one ranged GET; a glob of objects or a compressed one is not sniffed). */
async function objectSample(url: string): Promise<Sample | null> {
  if (formatOfName(url.split('?')[0]!).gzip || formatOfName(url).format !== 'csv' || url.includes('*')) return null;
  try {
    const info = await statObject(url);
    const bytes = await readObjectRange(info, 0, SAMPLE_BYTES + 1);
    return toSample(bytes.subarray(0, SAMPLE_BYTES), bytes.length <= SAMPLE_BYTES);
  } catch {
    return null; // the job says why
  }
}

/** The first bytes of a file (decompressed for a .gz name); null where it cannot be read: the job says why. */
async function fileSample(path: string): Promise<Sample | null> {
  const named = formatOfName(path);
  if (named.format !== 'csv') return null; // the engine reads NDJSON names as such: nothing to sniff
  try {
    if (named.gzip) return await gzipSample(path);
    const file = await open(path, 'r');
    try {
      const { buffer, bytesRead } = await file.read(Buffer.alloc(SAMPLE_BYTES + 1), 0, SAMPLE_BYTES + 1, 0);
      // One byte more than the sample tells whether the sample is the whole file.
      const bytes = buffer.subarray(0, Math.min(bytesRead, SAMPLE_BYTES));
      const bom =
        bytes[0] === 0xff && bytes[1] === 0xfe
          ? 'utf-16le'
          : bytes[0] === 0xfe && bytes[1] === 0xff
            ? 'utf-16be'
            : null;
      // A UTF-16 file (the engine reads it by its BOM) is sniffed in its characters.
      if (bom !== null) return textSample(new TextDecoder(bom).decode(bytes), bytesRead <= SAMPLE_BYTES);
      return toSample(bytes, bytesRead <= SAMPLE_BYTES);
    } finally {
      await file.close();
    }
  } catch {
    return null;
  }
}

async function gzipSample(path: string): Promise<Sample | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  let complete = true;
  const stream = createReadStream(path).pipe(createGunzip());
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size > SAMPLE_BYTES) {
        complete = false;
        break;
      }
    }
  } catch {
    return null;
  } finally {
    stream.destroy();
  }
  return toSample(Buffer.concat(chunks).subarray(0, SAMPLE_BYTES), complete);
}

/**
 * The first bytes of stdin, then a stream that gives them again before the rest. A gzip stream
 * is left alone (the engine's own error explains it), and so is a terminal (resolveInput refuses it).
 */
async function stdinSample(file: string | undefined): Promise<Sample | null> {
  if (file === undefined && process.stdin.isTTY) return null;
  const source = process.stdin[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const taken: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (size < SAMPLE_BYTES) {
    const next = await source.next();
    if (next.done) {
      ended = true;
      break;
    }
    taken.push(next.value);
    size += next.value.length;
  }
  async function* replay(): AsyncGenerator<Buffer> {
    yield* taken;
    if (ended) return;
    for (let next = await source.next(); !next.done; next = await source.next()) yield next.value;
  }
  replayedStdin = Readable.from(replay(), { objectMode: false });
  const bytes = Buffer.concat(taken);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return null;
  return toSample(bytes.subarray(0, SAMPLE_BYTES), ended && size <= SAMPLE_BYTES);
}
