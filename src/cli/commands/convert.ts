/** `chunkmill convert <file|-> --to ndjson|json|csv`: re-encode rows, optionally only some columns. */
import { extname } from 'node:path';
import { Command, Option } from 'commander';
import {
  addInputOptions,
  addOutputOptions,
  jobOptions,
  examples,
  parseList,
  resolveInput,
  type CommonFlags,
} from '../flags.js';
import { transformJob, type OutputFormat } from '../jobs.js';
import { UsageError } from '../errors.js';
import { execute } from '../execute.js';
import { withOutput } from '../ui/output.js';
import { selectTransform, type SelectParams } from '../../index.js';

const TARGETS = ['csv', 'json', 'ndjson'] as const;
/** --output's extension names the format when --to is left out. */
const BY_EXTENSION: Record<string, OutputFormat> = {
  '.csv': 'csv',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
};

interface ConvertOptions extends CommonFlags {
  to?: OutputFormat;
  select?: string[];
}

export function convertCommand(): Command {
  const cmd = new Command('convert')
    .description('re-encode rows as NDJSON, JSON or CSV, in input order, optionally only some columns')
    .argument('[file]', "CSV file; '-' or nothing reads stdin")
    .addOption(new Option('-t, --to <format>', 'output format (default: from the --output extension)').choices(TARGETS))
    .option('-s, --select <cols>', 'comma-separated columns to keep, in this order', parseList);
  addInputOptions(cmd);
  addOutputOptions(cmd);
  cmd.addHelpText(
    'after',
    examples([
      'chunkmill convert sales.csv --to ndjson > sales.ndjson',
      'chunkmill convert sales.csv --select region,amount -o small.csv',
      'chunkmill convert data.tsv -d tab --to csv > data.csv',
      'cat sales.csv | chunkmill convert - --to json --select order_id,note',
      '',
      'NDJSON: one object per row, keys from the header, values the field text as parsed (strings).',
      'JSON: one array of the same objects. CSV: comma-separated, quoted where needed, with a header.',
    ]),
  );
  cmd.action(async (file: string | undefined, o: ConvertOptions) => {
    const to = o.to ?? (o.output !== undefined ? BY_EXTENSION[extname(o.output).toLowerCase()] : undefined);
    if (to === undefined)
      throw new UsageError(
        'no output format: give --to ndjson, json or csv',
        'or an --output path ending in .csv, .json, .ndjson or .jsonl',
      );
    const base = { input: resolveInput(file), ...jobOptions(o) };
    const params: SelectParams = o.select === undefined ? { to } : { to, select: o.select };
    // An unknown --select column fails in the transform's columns(), before anything is written.
    await withOutput(o.output, async (stream) => {
      await execute(transformJob(base, selectTransform, params, stream, to), {
        ...o,
        input: base.input,
        taskLogs: false,
      });
    });
  });
  return cmd;
}
