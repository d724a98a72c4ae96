/** `chunkmill stats <file|->`: one row per column with its type, counts, range, mean and distinct values. */
import { Command, InvalidArgumentError } from 'commander';
import {
  addFormatOption,
  addInputOptions,
  addOutputOptions,
  addResultOptions,
  jobOptions,
  examples,
  resolveFormat,
  tableWidth,
  WHERE_HELP,
  type CommonFlags,
} from '../flags.js';
import { resolveInput } from '../input-args.js';
import { taskJob } from '../jobs.js';
import { execute } from '../execute.js';
import { skippedCounts, withOutput, writeRows, type Cell } from '../ui/output.js';
import { shapeRows } from '../ui/results.js';
import { statsTask, type StatsParams, type StatsResult } from '../../index.js';
import { DEFAULT_DISTINCT_LIMIT } from '../../internal.js';

export const STATS_COLUMNS = [
  'column',
  'type',
  'count',
  'empty',
  'min',
  'max',
  'mean',
  'distinct',
  'distinct_exact',
] as const;

interface StatsOptions extends CommonFlags {
  distinctLimit?: number;
}

function parseLimit(text: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('expected an integer >= 0');
  return n;
}

export function statsCommand(): Command {
  const cmd = new Command('stats')
    .description('per column: type, count, empty, min, max, mean and distinct count')
    .argument('[files...]', "CSV files, globs or s3:// and https:// URLs, as one dataset; '-' or nothing reads stdin")
    .option(
      '--distinct-limit <n>',
      `count distinct values exactly up to n, estimate above (default: ${DEFAULT_DISTINCT_LIMIT})`,
      parseLimit,
    );
  addResultOptions(cmd);
  addInputOptions(cmd, {
    badNumber: 'a value that is not a number in a --where comparison with a number',
    checkpoint: true,
    taskErrors: false,
  });
  addFormatOption(cmd);
  addOutputOptions(cmd);
  cmd.addHelpText(
    'after',
    examples([
      'chunkmill stats sales.csv',
      'chunkmill stats sales.csv --format json > profile.json',
      'chunkmill stats big.csv --distinct-limit 100000 --workers 8',
      'chunkmill stats flights.csv --where \'origin = "LAS"\' --sort -distinct',
      '',
      'type: integer, number, string, or empty (no values). count: non-empty fields; empty: empty fields.',
      'min/max: numeric for integer and number columns, text order for strings. mean: numeric columns only.',
      'distinct: non-empty values; above the limit a HyperLogLog estimate (~1% error), distinct_exact false.',
      'A table wider than the terminal has long values cut (…), or becomes one block per column.',
      ...WHERE_HELP,
    ]),
  );
  cmd.action(async (file: string[], o: StatsOptions) => {
    const format = resolveFormat(o);
    const base = { input: resolveInput(file), ...jobOptions(o) };
    const params: StatsParams = o.distinctLimit === undefined ? {} : { distinctLimit: o.distinctLimit };
    await withOutput(o.output, async (stream) => {
      const { value, stats } = await execute(taskJob<StatsResult>(base, statsTask.url, params), {
        ...o,
        input: base.input,
        taskLogs: false,
        checkHeader: true,
      });
      const rows: Cell[][] = value.columns.map((c) => [
        c.column,
        c.type,
        c.count,
        c.empty,
        c.min,
        c.max,
        c.mean,
        c.distinct,
        c.distinctExact,
      ]);
      await writeRows(stream, format, STATS_COLUMNS, shapeRows(STATS_COLUMNS, rows, o), {
        width: tableWidth(o),
        blockTitle: 0,
        skipped: skippedCounts(o, stats),
      });
    });
  });
  return cmd;
}
