/** `chunkmill convert <file|-> [--to ndjson|json|csv]`: re-encode rows, optionally only some columns or rows. */
import { Command, Option } from 'commander';
import {
  addInputOptions,
  addOutputOptions,
  jobOptions,
  examples,
  parseList,
  WHERE_HELP,
  type CommonFlags,
} from '../flags.js';
import { resolveInput } from '../input-args.js';
import { transformJob } from '../jobs.js';
import { UsageError } from '../errors.js';
import { type ConvertFormat, convertFormatByExtension } from '../output-format.js';
import { execute } from '../execute.js';
import { withOutput } from '../ui/output.js';
import { count, processDataset, selectTransform, type SelectParams } from '../../index.js';
import { suggestColumn } from '../../internal.js';

const TARGETS = ['csv', 'tsv', 'json', 'ndjson', 'parquet'] as const;

interface ConvertOptions extends CommonFlags {
  to?: ConvertFormat;
  select?: string[];
  types?: boolean;
}

/**
 * --to, else the --output extension, else NDJSON: the format the next program most likely reads,
 * one record per line like the input (and readable on a terminal). An --output extension that
 * names no format is a usage error: guessing would write, say, NDJSON into `out.txt` meant as CSV.
 */
export function targetFormat(o: { to?: ConvertFormat; output?: string }): ConvertFormat {
  if (o.to !== undefined) return o.to;
  if (o.output === undefined) return 'ndjson';
  const byExtension = convertFormatByExtension(o.output);
  if (byExtension === undefined)
    throw new UsageError(
      `no output format: --output ${o.output} has no extension that names one`,
      'give --to ndjson, json, csv, tsv or parquet, or an --output path ending in .csv, .tsv, .json, .ndjson, .jsonl or .parquet',
    );
  return byExtension;
}

export function convertCommand(): Command {
  const cmd = new Command('convert')
    .description(
      're-encode rows as NDJSON, JSON, CSV, TSV or Parquet, in input order, optionally only some columns or rows',
    )
    .argument('[files...]', "CSV files, globs or s3:// and https:// URLs, as one dataset; '-' or nothing reads stdin")
    .addOption(
      new Option('-t, --to <format>', 'output format (default: from the --output extension, else ndjson)').choices(
        TARGETS,
      ),
    )
    .option('-s, --select <cols>', 'comma-separated columns to keep, in this order', parseList)
    .option(
      '--types',
      'json/ndjson: values that are numbers as JSON numbers, empty fields as null (default: all text)',
    );
  addInputOptions(cmd, {
    badNumber: 'a value that is not a number in a --where comparison with a number',
    checkpoint: false,
    taskErrors: false,
  });
  addOutputOptions(cmd);
  cmd.addHelpText(
    'after',
    examples([
      'chunkmill convert sales.csv > sales.ndjson',
      'chunkmill convert sales.csv --select region,amount -o small.csv',
      'chunkmill convert flights.csv --where \'origin = "LAS" and delay >= 60\' --to csv > late-las.csv',
      'chunkmill convert data.tsv -d tab --to csv > data.csv',
      'cat sales.csv | chunkmill convert - --to json --types --select order_id,amount',
      '',
      'NDJSON: one object per row, keys from the header, values the field text as parsed (strings);',
      'with --types a value written as a JSON number (at most 15 digits) is one, an empty one null.',
      'JSON: one array of the same objects. CSV: comma-separated, quoted where needed, with a header.',
      ...WHERE_HELP,
    ]),
  );
  cmd.action(async (file: string[], o: ConvertOptions) => {
    const base = { input: resolveInput(file), ...jobOptions(o) };
    // A bad --select column is found (and reported) by the job before it writes anything; the
    // format is decided after that, so an unknown column is never hidden behind a format error.
    const to = await formatAfterColumns(o, base);
    const ui = {
      ...o,
      input: base.input,
      taskLogs: false,
      streaming: true,
      checkHeader: true,
      flags: { select: '--select' },
    };
    // Parquet's writer (hyparquet-writer) is loaded only by the conversion that needs it.
    if (to === 'parquet') return (await import('./convert-parquet.js')).convertToParquet(o, base, ui);
    if (o.types && (to === 'csv' || to === 'tsv'))
      throw new UsageError(`--types applies to json and ndjson output (${to.toUpperCase()} is text)`);
    const params: SelectParams = {
      to,
      ...(o.select !== undefined ? { select: o.select } : {}),
      ...(o.types ? { types: true } : {}),
    };
    await withOutput(o.output, async (stream) => {
      await execute(transformJob(base, selectTransform, params, stream, to), ui);
    });
  });
  return cmd;
}

/**
 * The output format; when it cannot be decided, a bad --select column is reported first (the
 * user's first mistake first): the input's header is read for it, from a file (stdin cannot be
 * read twice).
 */
async function formatAfterColumns(o: ConvertOptions, base: { input: unknown }): Promise<ConvertFormat> {
  try {
    return targetFormat(o);
  } catch (e) {
    if (o.select !== undefined && typeof base.input === 'string') await checkSelect(base.input, o);
    throw e;
  }
}

/** Reads the header (a job cancelled at its start event) and fails on a --select column it lacks. */
async function checkSelect(input: string, o: ConvertOptions): Promise<void> {
  const job = processDataset({ ...jobOptions(o), input, workers: 1, aggregate: { measures: { n: count() } } });
  const seen: { columns?: string[] } = {};
  job.on('start', (plan) => {
    seen.columns = plan.columns;
    job.cancel();
  });
  await job.result.catch(() => {});
  const known = seen.columns;
  if (known === undefined) return;
  const unknown = o.select!.find((c) => !known.includes(c));
  if (unknown === undefined) return;
  const near = suggestColumn(unknown, known);
  throw new UsageError(
    `--select: unknown column ${JSON.stringify(unknown)}; the columns are ${known.map((c) => JSON.stringify(c)).join(', ')}`,
    near !== undefined ? `did you mean ${JSON.stringify(near)}?` : undefined,
  );
}
