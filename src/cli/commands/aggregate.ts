/**
 * `chunkmill aggregate <file|->`: a group-by with count / sum / mean / min / max columns, and
 * exact distinct counts and quantiles (median, p90) where asked for.
 *
 * The first five run on the engine's byte-level aggregate; a distinct count or a quantile needs
 * every value (or every distinct value) of a group, which that aggregate does not keep, so a
 * command with one runs the group-measures task instead: the same figures for the same
 * measures, more memory and time for the exact extras.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  ChunkmillError,
  count,
  groupMeasuresTask,
  max,
  mean,
  min,
  stddev,
  sum,
  variance,
  type CommonOptions,
  type GroupMeasure,
  type GroupMeasuresParams,
  type GroupRow,
  type MeasureSpec,
} from '../../index.js';
import {
  addFormatOption,
  addInputOptions,
  addOutputOptions,
  addResultOptions,
  jobOptions,
  examples,
  parseSize,
  resolveFormat,
  tableWidth,
  WHERE_HELP,
  type CommonFlags,
} from '../flags.js';
import { resolveInput } from '../input-args.js';
import { aggregateJob, taskJob, type JobBase } from '../jobs.js';
import { UsageError } from '../errors.js';
import { execute } from '../execute.js';
import { skippedCounts, withOutput, writeRows, type Cell } from '../ui/output.js';
import { shapeRows } from '../ui/results.js';
import { groupOutputName, splitGroupList } from '../../internal.js';

export const KINDS = [
  'count',
  'sum',
  'mean',
  'min',
  'max',
  'distinct',
  'median',
  'p90',
  'quantile',
  'stddev',
  'var',
  'mode',
] as const;
export type MeasureKind = (typeof KINDS)[number];
type Kind = MeasureKind;
/** Measures the byte-level aggregate computes; the others need the group-measures task. */
const BUILT_IN = new Set<Kind>(['count', 'sum', 'mean', 'min', 'max', 'stddev', 'var']);
const MAKERS = { sum, mean, min, max, stddev, var: variance } as const;
const QUANTILES: Partial<Record<Kind, number>> = { median: 0.5, p90: 0.9 };

interface AggregateOptions extends CommonFlags {
  groupBy?: string[];
  types?: boolean;
  onBadNumber?: 'error' | 'skip';
  memoryBudget?: number;
}

interface Measure {
  name: string;
  kind: Kind;
  column: string | undefined;
  /** --quantile's fraction. */
  q?: number;
}

export function aggregateCommand(): Command {
  // Output columns follow the flags in the order given (--sum a --mean b --sum c), which
  // commander's per-option values lose; its option events arrive in command-line order.
  const order: [Kind, string | undefined][] = [];
  const cmd = new Command('aggregate')
    .description(
      'group rows (by columns or expressions) and compute count, sum, mean, min, max, distinct, median, p90, quantile, stddev, var and mode columns',
    )
    .argument('[files...]', "CSV files, globs or s3:// and https:// URLs, as one dataset; '-' or nothing reads stdin")
    .option(
      '-g, --group-by <cols>',
      "comma-separated group-by columns or expressions, e.g. region,'month(date) as m' (default: one row for the whole file)",
      parseGroupList,
    )
    .option('-c, --count', 'a "count" column: rows per group')
    .addOption(new Option('--sum <col>', 'a "sum_<col>" column (repeatable)'))
    .addOption(new Option('--mean <col>', 'a "mean_<col>" column (repeatable)'))
    .addOption(new Option('--min <col>', 'a "min_<col>" column (repeatable)'))
    .addOption(new Option('--max <col>', 'a "max_<col>" column (repeatable)'))
    .addOption(new Option('--distinct <col>', 'a "distinct_<col>" column: distinct non-empty values, exact'))
    .addOption(new Option('--median <col>', 'a "median_<col>" column, exact (keeps every value: more memory)'))
    .addOption(new Option('--p90 <col>', 'a "p90_<col>" column: the 90th percentile, exact, interpolated'))
    .addOption(
      new Option(
        '--quantile <col:q>',
        'a "p<100q>_<col>" column: any quantile, exact, interpolated (amount:0.95 -> p95_amount)',
      ),
    )
    .addOption(new Option('--stddev <col>', 'a "stddev_<col>" column: the sample standard deviation (stddev_samp)'))
    .addOption(new Option('--var <col>', 'a "var_<col>" column: the sample variance (var_samp)'))
    .addOption(
      new Option('--mode <col>', 'a "mode_<col>" column: the most frequent non-empty text (ties: the first seen)'),
    );
  for (const kind of KINDS) cmd.on(`option:${kind}`, (col?: string) => order.push([kind, col]));
  addResultOptions(cmd);
  cmd.option('--types', 'json/ndjson: group values that are numbers as JSON numbers, empty ones as null');
  cmd.option(
    '--memory-budget <size>',
    "memory the groups and the result may take, e.g. 512MiB; past it the command fails (default: a quarter of node's heap limit, at most half)",
    parseSize,
  );
  addInputOptions(cmd, {
    badNumber: 'a value that is not a number in a measure column or a --where comparison',
    checkpoint: true,
    taskErrors: false,
  });
  addFormatOption(cmd);
  addOutputOptions(cmd);
  cmd.addHelpText(
    'after',
    examples([
      'chunkmill aggregate sales.csv --group-by region --count --sum amount --mean amount',
      'chunkmill aggregate flights.csv -g origin --count --sort -count --limit 10',
      'chunkmill aggregate flights.csv -g origin --median delay --where \'delay > 60 and dest = "LAS"\'',
      'chunkmill aggregate sales.csv -g region,product --max amount --format json --types',
      "chunkmill aggregate sales.csv -g 'month(date) as m' --count --stddev amount --quantile amount:0.99",
      "chunkmill aggregate sales.csv -g \"date_trunc('month', date)\",'lower(region)' --mode product",
      'curl -s https://example.com/data.csv | chunkmill aggregate - --count',
      'chunkmill aggregate data.tsv -d tab --no-header -g 1 --sum 3 -o totals.csv',
      '',
      'Output columns: the group-by columns, then one per flag in the order given, named count,',
      'sum_<col>, mean_<col>, min_<col>, max_<col>, distinct_<col>, median_<col>, p90_<col>,',
      'p<100q>_<col> (--quantile), stddev_<col>, var_<col>, mode_<col>. A group-by expression',
      "is named as written, or by its 'as' name; functions: year month day hour date_trunc lower",
      'upper substr, and + - * / on numbers (docs/cli.md).',
      'Without a measure flag: --count. Groups come in order of first appearance unless --sort.',
      'Empty fields are NULL: they count as rows but not as values; a group with no values gets an',
      'empty cell (null in JSON). distinct, median, p90 and --quantile are exact: they keep the',
      'values in memory; --mode keeps each distinct text and its count.',
      ...WHERE_HELP,
    ]),
  );
  cmd.action(async (file: string[], o: AggregateOptions) => {
    const groupBy = o.groupBy ?? [];
    const measures = buildMeasures(order.length > 0 ? order : [['count', undefined]]);
    const columns = [...groupBy.map(groupOutputName), ...measures.map((m) => m.name)];
    const format = resolveFormat(o);
    if (o.types && format !== 'json' && format !== 'ndjson')
      throw new UsageError('--types applies to --format json and ndjson', 'add --format json or --format ndjson');
    const builtIn = measures.every((m) => BUILT_IN.has(m.kind));
    const base: JobBase & Pick<CommonOptions, 'memoryBudget'> = {
      input: resolveInput(file),
      ...jobOptions(o),
      ...budgetOption(o.memoryBudget, builtIn),
    };
    const flags = {
      ...Object.fromEntries(measures.map((m) => [`aggregate.measures.${m.name}`, `--${m.kind}`])),
      memoryBudget: '--memory-budget',
    };
    const ui = { ...o, input: base.input, flags, checkHeader: true };
    await withOutput(o.output, async (stream) => {
      const result = builtIn
        ? await execute(aggregateJob(base, groupBy, builtInSpecs(measures)), ui).catch(withBudgetFlag)
        : await execute(
            taskJob<GroupRow[]>(base, groupMeasuresTask.url, groupParams(groupBy, measures, o.onBadNumber)),
            ui,
          );
      const rows: GroupRow[] = 'rows' in result ? result.rows : result.value;
      const cells: Cell[][] = rows.map((r) => columns.map((c) => r[c] ?? null));
      const skipped = skippedCounts(o, result.stats);
      await writeRows(stream, format, columns, shapeRows(columns, cells, o), { width: tableWidth(o), skipped });
    });
  });
  return cmd;
}

/**
 * A -g list: comma-separated columns or expressions; a comma inside parentheses or quotes
 * (`date_trunc('month', date)`) does not split.
 */
export function parseGroupList(text: string): string[] {
  const list = splitGroupList(text);
  if (list.some((c) => c === ''))
    throw new InvalidArgumentError("expected comma-separated columns or expressions, e.g. region,'month(date)'");
  return list;
}

/** --memory-budget as the job option (also for `chunkmill submit aggregate`): only the byte-level aggregate has a budget. */
export function budgetOption(memoryBudget: number | undefined, builtIn: boolean): Pick<CommonOptions, 'memoryBudget'> {
  if (memoryBudget === undefined) return {};
  if (!builtIn)
    throw new UsageError(
      '--memory-budget applies to --count, --sum, --mean, --min and --max (and --stddev, --var): --distinct, --median, --p90, --quantile and --mode run without a budget',
    );
  return { memoryBudget };
}

/** ERR_MEMORY_BUDGET names the option that raises the budget: here, the flag. */
function withBudgetFlag(error: unknown): never {
  if (!(error instanceof ChunkmillError) || error.code !== 'ERR_MEMORY_BUDGET') throw error;
  const flag = (text: string) => text.replaceAll('memoryBudget', '--memory-budget');
  const data = error.toData();
  throw new ChunkmillError(
    { ...data, message: flag(data.message), option: '--memory-budget', ...(data.hint && { hint: flag(data.hint) }) },
    { cause: error },
  );
}

function buildMeasures(order: readonly [Kind, string | undefined][]): Measure[] {
  const names = new Set<string>();
  return order.map(([kind, given]) => {
    let column = given;
    let q: number | undefined;
    if (kind === 'quantile') [column, q] = quantileArg(given!);
    const name =
      kind === 'count'
        ? 'count'
        : kind === 'quantile'
          ? `p${Number((q! * 100).toFixed(6))}_${column}`
          : `${kind}_${column}`;
    if (names.has(name)) throw new UsageError(`--${kind}${given === undefined ? '' : ' ' + given} is given twice`);
    names.add(name);
    return { name, kind, column, ...(q !== undefined && { q }) };
  });
}

/** --quantile's `col:q`: split at the last colon (a column name may hold one); q in [0, 1]. */
function quantileArg(text: string): [string, number] {
  const at = text.lastIndexOf(':');
  const q = at < 0 ? Number.NaN : Number(text.slice(at + 1));
  if (at <= 0 || text.slice(at + 1).trim() === '' || !(q >= 0 && q <= 1))
    throw new UsageError(
      `--quantile ${text}: expected <column>:<q> with q from 0 to 1`,
      'e.g. --quantile amount:0.95 for the 95th percentile (p95_amount)',
    );
  return [text.slice(0, at), q];
}

function builtInSpecs(measures: readonly Measure[]): Record<string, MeasureSpec> {
  const specs: Record<string, MeasureSpec> = {};
  for (const m of measures)
    specs[m.name] = m.kind === 'count' ? count() : MAKERS[m.kind as keyof typeof MAKERS](m.column!);
  return specs;
}

function groupParams(
  groupBy: string[],
  measures: readonly Measure[],
  onBadNumber: 'error' | 'skip' | undefined,
): GroupMeasuresParams {
  for (const m of measures) {
    if (groupBy.map(groupOutputName).includes(m.name))
      throw new UsageError(`"${m.name}" is also a group-by column; result rows would have two fields of that name`);
  }
  return {
    groupBy,
    ...(onBadNumber !== undefined && { onBadNumber }),
    measures: measures.map((m): GroupMeasure => {
      const q = m.q ?? QUANTILES[m.kind];
      if (q !== undefined) return { name: m.name, kind: 'quantile', column: m.column!, q };
      return m.kind === 'count'
        ? { name: m.name, kind: 'count' }
        : { name: m.name, kind: m.kind === 'var' ? 'variance' : (m.kind as GroupMeasure['kind']), column: m.column! };
    }),
  };
}

/**
 * The work of an aggregate command, as job options: the byte-level aggregate when every measure
 * is one of its own, else the group-measures task (also for `chunkmill submit aggregate`).
 */
export function aggregateWork(
  groupBy: string[],
  order: readonly [Kind, string | undefined][],
  onBadNumber?: 'error' | 'skip',
):
  | { aggregate: { groupBy: string[]; measures: Record<string, MeasureSpec> } }
  | { task: string; params: GroupMeasuresParams } {
  const measures = buildMeasures(order.length > 0 ? order : [['count', undefined]]);
  return measures.every((m) => BUILT_IN.has(m.kind))
    ? { aggregate: { groupBy, measures: builtInSpecs(measures) } }
    : { task: groupMeasuresTask.url, params: groupParams(groupBy, measures, onBadNumber) };
}
