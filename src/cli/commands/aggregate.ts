/** `chunkmill aggregate <file|->`: a group-by with count / sum / mean / min / max columns. */
import { Command, Option } from 'commander';
import { count, max, mean, min, sum, type MeasureSpec } from '../../index.js';
import {
  addFormatOption,
  addInputOptions,
  addOutputOptions,
  jobOptions,
  examples,
  parseList,
  resolveFormat,
  resolveInput,
  type CommonFlags,
} from '../flags.js';
import { aggregateJob } from '../jobs.js';
import { UsageError } from '../errors.js';
import { execute } from '../execute.js';
import { withOutput, writeRows, type Cell } from '../ui/output.js';

type Kind = 'count' | 'sum' | 'mean' | 'min' | 'max';
const MAKERS = { sum, mean, min, max } as const;

interface AggregateOptions extends CommonFlags {
  groupBy?: string[];
}

export function aggregateCommand(): Command {
  // Output columns follow the flags in the order given (--sum a --mean b --sum c), which
  // commander's per-option values lose; its option events arrive in command-line order.
  const order: [Kind, string | undefined][] = [];
  const cmd = new Command('aggregate')
    .description('group rows and compute count, sum, mean, min and max columns')
    .argument('[file]', "CSV file; '-' or nothing reads stdin")
    .option(
      '-g, --group-by <cols>',
      'comma-separated group-by columns (default: one row for the whole file)',
      parseList,
    )
    .option('-c, --count', 'a "count" column: rows per group')
    .addOption(new Option('--sum <col>', 'a "sum_<col>" column (repeatable)'))
    .addOption(new Option('--mean <col>', 'a "mean_<col>" column (repeatable)'))
    .addOption(new Option('--min <col>', 'a "min_<col>" column (repeatable)'))
    .addOption(new Option('--max <col>', 'a "max_<col>" column (repeatable)'));
  for (const kind of ['count', 'sum', 'mean', 'min', 'max'] as const)
    cmd.on(`option:${kind}`, (col?: string) => order.push([kind, col]));
  addInputOptions(cmd);
  addFormatOption(cmd);
  addOutputOptions(cmd);
  cmd.addHelpText(
    'after',
    examples([
      'chunkmill aggregate sales.csv --group-by region --count --sum amount --mean amount',
      'chunkmill aggregate sales.csv -g region,product --max amount --format json',
      'curl -s https://example.com/data.csv | chunkmill aggregate - --count',
      'chunkmill aggregate data.tsv -d tab --no-header -g 1 --sum 3 -o totals.csv',
      '',
      'Output columns: the group-by columns, then one per flag in the order given, named',
      'count, sum_<col>, mean_<col>, min_<col>, max_<col>. Without a measure flag: --count.',
      'Empty fields are NULL: they count as rows but not as values; a group with no values gets an empty cell (null in JSON).',
    ]),
  );
  cmd.action(async (file: string | undefined, o: AggregateOptions) => {
    const groupBy = o.groupBy ?? [];
    const measures = buildMeasures(order.length > 0 ? order : [['count', undefined]]);
    const columns = [...groupBy, ...Object.keys(measures)];
    const format = resolveFormat(o);
    const base = { input: resolveInput(file), ...jobOptions(o) };
    await withOutput(o.output, async (stream) => {
      const { rows } = await execute(aggregateJob(base, groupBy, measures), { ...o, input: base.input });
      const cells: Cell[][] = rows.map((r) => columns.map((c) => r[c] ?? null));
      await writeRows(stream, format, columns, cells);
    });
  });
  return cmd;
}

function buildMeasures(order: readonly [Kind, string | undefined][]): Record<string, MeasureSpec> {
  const measures: Record<string, MeasureSpec> = {};
  for (const [kind, col] of order) {
    const name = kind === 'count' ? 'count' : `${kind}_${col}`;
    if (name in measures) throw new UsageError(`--${kind}${col === undefined ? '' : ' ' + col} is given twice`);
    measures[name] = kind === 'count' ? count() : MAKERS[kind](col!);
  }
  return measures;
}
