/**
 * The options every command shares, their parsers, and how they become engine options. Parsers
 * throw commander's InvalidArgumentError, so a bad value is a usage error (exit 2) that names the
 * option, before any thread starts.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CommonOptions } from '../index.js';
import { UsageError } from './errors.js';
import { formatByExtension } from './output-format.js';
import { parseRedisUrl, redisUrlHelp } from './redis-url.js';
import { addFormatInputOptions, formatJobOptions, type FormatFlags } from './format-flags.js';
import { addSniffOptions } from './sniff-flags.js';
import { parseSort, type SortKey } from './ui/results.js';
import { parseWorkers } from './workers-flag.js';

/** Examples for `--help`, as commander's addHelpText('after') wants them. */
export { examples } from './ui/examples.js';

export const FORMATS = ['table', 'csv', 'json', 'ndjson'] as const;
export type Format = (typeof FORMATS)[number];

/** What commander hands every action after parsing the common options. */
export interface CommonFlags extends FormatFlags {
  workers?: number;
  chunkSize?: number;
  delimiter?: string;
  quote?: string;
  header: boolean;
  onBadRow?: 'error' | 'skip' | 'report';
  rejects?: string;
  onBadNumber?: 'error' | 'skip';
  retries?: number;
  retryTaskErrors?: boolean;
  where?: string;
  timeout?: number;
  verify?: 'stat' | 'content';
  checkpoint?: string;
  cluster?: string;
  format?: Format;
  output?: string;
  quiet?: boolean;
  sort?: SortKey[];
  limit?: number;
  /** true: --progress, false: --no-progress, undefined: decide from the terminal / env. */
  progress?: boolean;
  debug?: boolean;
}

import { parseSize } from './size-flag.js';

export { parseSize };
export { parseWorkers } from './workers-flag.js';

export function parseCount(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError('expected a whole number >= 0');
  return n;
}

export function parseMilliseconds(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1 || n > 2 ** 31 - 1)
    throw new InvalidArgumentError('expected milliseconds, a whole number >= 1');
  return n;
}

/** One ASCII character; `\t` and `tab` spell a tab, since a literal tab is awkward to type. */
export function parseChar(text: string): string {
  const c = text === '\\t' || text.toLowerCase() === 'tab' ? '\t' : text;
  if (c.length !== 1 || c.charCodeAt(0) > 127 || c === '\n' || c === '\r') {
    throw new InvalidArgumentError('expected one ASCII character (not a line break), or \\t / tab for a tab');
  }
  return c;
}

/** "a,b" -> ['a', 'b']; blank entries are a mistake, not something to skip silently. */
export function parseList(text: string): string[] {
  const list = text.split(',');
  if (list.some((c) => c === ''))
    throw new InvalidArgumentError('expected comma-separated column names, e.g. region,product');
  return list;
}

/** Which of the shared input options a command has: only those that do something there. */
export interface InputOptionsOf {
  /** What --on-bad-number applies to in this command (its help text), e.g. 'a value that is not a number in ...'. */
  badNumber: string;
  /** --checkpoint: CSV files with an aggregate or a task (not a transform, whose output would need rewinding). */
  checkpoint: boolean;
  /** --retry-task-errors: only where user code runs. */
  taskErrors: boolean;
}

export function addInputOptions(cmd: Command, applies: InputOptionsOf): Command {
  cmd
    .option(
      '-w, --workers <n>',
      "worker threads (default: the number of cores; with --cluster, all of the cluster's)",
      parseWorkers,
    )
    .option('--chunk-size <size>', 'bytes per chunk, e.g. 8MiB, 512KiB, 1048576 (default: 8MiB)', parseSize)
    .option('-d, --delimiter <char>', 'field delimiter, one character; \\t or tab for a tab (default: ",")', parseChar)
    .option('--quote <char>', "quote character (default: '\"')", parseChar)
    .option('--no-header', 'the first line is data; columns are named 1, 2, 3, ...')
    .option('--where <expr>', `keep only the rows that match, e.g. 'delay > 60 and origin = "LAS"' (grammar below)`)
    .addOption(
      new Option(
        '--on-bad-row <policy>',
        'a row with the wrong number of fields: fail, skip it, or skip it and write it to --rejects (default: error)',
      ).choices(['error', 'skip', 'report']),
    )
    .option('--rejects <path>', 'with --on-bad-row report: the CSV file of rejected rows (line, fields, record)')
    .addOption(
      new Option(
        '--on-bad-number <policy>',
        `${applies.badNumber}: fail, or treat it as empty (default: error)`,
      ).choices(['error', 'skip']),
    )
    .option(
      '--retries <n>',
      `times a chunk is re-run after its worker died or timed out${applies.taskErrors ? ' (or the task threw, with --retry-task-errors)' : ''} (default: 2)`,
      parseCount,
    );
  if (applies.taskErrors)
    cmd.option(
      '--retry-task-errors',
      'also re-run a chunk whose task threw (for code that can fail and then succeed); otherwise a throw fails at once',
    );
  cmd.option('--timeout <ms>', 'abort a chunk that runs longer than this many milliseconds', parseMilliseconds);
  cmd.addOption(
    new Option(
      '--verify <mode>',
      "how workers prove they read this file: by size and modified time, or also by each chunk's bytes (CRC-32) (default: stat)",
    ).choices(['stat', 'content']),
  );
  if (applies.checkpoint)
    cmd.option('--checkpoint <path>', 'journal finished chunks there; a rerun after a crash resumes (CSV files only)');
  cmd.option(
    '--cluster <url>',
    `run the chunks on 'chunkmill worker' processes through this Redis, e.g. redis://10.0.0.5:6379 ${redisUrlHelp(false)} (the file must be at the same path on every worker)`,
    parseRedisUrl,
  );
  return addSniffOptions(addFormatInputOptions(cmd));
}

/** --cluster on the commands that run an engine (engine, serve): every job's chunks on the cluster. */
export function addEngineClusterOption(cmd: Command): Command {
  return cmd.option(
    '--cluster <url>',
    `run the jobs' chunks on 'chunkmill worker' processes through this Redis instead of a local pool ${redisUrlHelp(true)}`,
    parseRedisUrl,
  );
}

/** --sort and --limit, for commands whose result is a table of rows. */
export function addResultOptions(cmd: Command): Command {
  return cmd
    .option(
      '--sort <cols>',
      'sort the result by these columns, - before a name for descending, e.g. -count,origin',
      parseSort,
    )
    .option('--limit <n>', 'print only the first n result rows (after --sort)', parseCount);
}

/** The where grammar, for each command's --help. */
export const WHERE_HELP = [
  '--where: comparisons of a column with a number or a "quoted text": = != < <= > >=; col is empty,',
  'col is not empty; and, or, not, ( ). An empty field is NULL: comparisons with it drop the row.',
  'Text compares by bytes; a `quoted name` is a column with spaces or symbols in it.',
  'Also: col in (1, 2), col like "a%_", col between 1 and 9, col ~ "regex" (a full match), and',
  'expressions on the left: year(date) = 2024, lower(city) = "köln", price * qty > 100 (docs/cli.md).',
];

/** --format, for commands whose result is a table of rows. */
export function addFormatOption(cmd: Command): Command {
  return cmd.addOption(
    new Option(
      '-f, --format <format>',
      'output format (default: from the --output extension, .csv .json .ndjson .jsonl; else table on a terminal, csv otherwise)',
    ).choices(FORMATS),
  );
}

export function addOutputOptions(cmd: Command): Command {
  return cmd
    .option('-o, --output <path>', 'write the result to a file instead of stdout')
    .option('-q, --quiet', 'no progress bar, no summary, no task logs')
    .option('--progress', 'show the progress bar on stderr even when it is not a terminal (also CHUNKMILL_PROGRESS=1)')
    .option('--no-progress', 'never show the progress bar (also CHUNKMILL_PROGRESS=0)')
    .option('--debug', 'print stack traces with errors');
}

/**
 * The engine options shared by every command; only those the user gave, so defaults stay the
 * engine's. Their types are the library's (the job model's): a flag sets an option, it does not
 * describe it again.
 */
export type JobOptions = Pick<
  CommonOptions,
  | 'workers'
  | 'chunkSize'
  | 'onBadRow'
  | 'rejects'
  | 'onBadNumber'
  | 'retries'
  | 'retryTaskErrors'
  | 'where'
  | 'timeout'
  | 'verify'
  | 'checkpoint'
  | 'csv'
  | 'cluster'
  | 'headerNames'
  | 'decimal'
  | 'encoding'
  | 'unionColumns'
>;

export function jobOptions(o: CommonFlags): JobOptions {
  const csv: { delimiter?: string; quote?: string; header: boolean } = { header: o.header };
  if (o.delimiter !== undefined) csv.delimiter = o.delimiter;
  if (o.quote !== undefined) csv.quote = o.quote;
  if (csv.delimiter !== undefined && csv.delimiter === (csv.quote ?? '"')) {
    throw new UsageError(
      `the delimiter and the quote character are both ${JSON.stringify(csv.delimiter)}`,
      'choose a different --quote',
    );
  }
  if (csv.delimiter === undefined && csv.quote === ',') {
    throw new UsageError('the quote character "," is also the default delimiter', 'choose a different --delimiter');
  }
  const out: JobOptions = { csv, ...formatJobOptions(o) };
  if (o.workers !== undefined) out.workers = o.workers;
  if (o.chunkSize !== undefined) out.chunkSize = o.chunkSize;
  if (o.onBadRow !== undefined) out.onBadRow = o.onBadRow;
  if (o.onBadRow === 'report' && o.rejects === undefined)
    throw new UsageError('--on-bad-row report needs --rejects <path>');
  if (o.rejects !== undefined) {
    if (o.onBadRow !== 'report') throw new UsageError('--rejects applies with --on-bad-row report');
    out.rejects = o.rejects;
  }
  if (o.onBadNumber !== undefined) out.onBadNumber = o.onBadNumber;
  if (o.retries !== undefined) out.retries = o.retries;
  if (o.retryTaskErrors !== undefined) out.retryTaskErrors = o.retryTaskErrors;
  if (o.where !== undefined) out.where = o.where;
  if (o.timeout !== undefined) out.timeout = o.timeout;
  if (o.verify !== undefined) out.verify = o.verify;
  if (o.checkpoint !== undefined) out.checkpoint = o.checkpoint;
  if (o.cluster !== undefined) out.cluster = { redis: o.cluster };
  return out;
}

/**
 * --format, else the format the --output extension names (as convert's), else table on a
 * terminal (for reading) and CSV otherwise (for the next program in the pipe, or an --output
 * whose extension names no format: what it always was).
 */
export function resolveFormat(o: CommonFlags): Format {
  if (o.format !== undefined) return o.format;
  if (o.output !== undefined) return formatByExtension(o.output) ?? 'csv';
  return process.stdout.isTTY ? 'table' : 'csv';
}

/**
 * The width a table format fits into: the terminal's on a terminal; elsewhere COLUMNS if set
 * (`-f table | less`), else none. A file (--output) gets the table at its natural width.
 */
export function tableWidth(o: { output?: string | undefined }, env = process.env): number | undefined {
  if (o.output !== undefined) return undefined;
  const columns = Number(env.COLUMNS);
  const fromEnv = Number.isSafeInteger(columns) && columns > 0 ? columns : undefined;
  // A pseudo-terminal may report 0 columns; 80 is what terminals start with.
  if (process.stdout.isTTY) return process.stdout.columns || fromEnv || 80;
  return fromEnv;
}
