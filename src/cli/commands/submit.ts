/**
 * `chunkmill submit --store F <aggregate|convert|stats|run> <file> [flags]`: queues the job that
 * command would run, and prints its id, without running it; an engine on the store runs it.
 *
 * The subcommands are the real commands (the same flags, parsers and help), with their action
 * replaced: the parsed flags become a job spec instead of a run. A flag that has no meaning for
 * a queued job (--output of a stored result, --format, --sort, --quiet) is refused, as is any flag this
 * file does not know, so a flag added to a command later is never dropped without a word.
 */
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { selectTransform, statsTask, type Backoff, type JobSpec, type RepeatAddOptions } from '../../index.js';
import { isObjectUrl } from '../../internal.js';
import { UsageError } from '../errors.js';
import { examples, jobOptions, type CommonFlags } from '../flags.js';
import { aggregateCommand, aggregateWork, budgetOption, KINDS, type MeasureKind } from './aggregate.js';
import { convertCommand, targetFormat } from './convert.js';
import { storeOption, withQueue } from './jobs.js';
import { parseLabel } from './labels.js';
import { runCommand, taskUrl } from './run.js';
import { statsCommand } from './stats.js';

/** Flags every submitted command may give: the engine options of jobOptions(), and --debug. */
const SHARED = [
  'workers',
  'chunkSize',
  'delimiter',
  'quote',
  'header',
  'onBadRow',
  'rejects',
  'onBadNumber',
  'retries',
  'retryTaskErrors',
  'timeout',
  'checkpoint',
  'where',
  'headerNames',
  'decimal',
  'encoding',
  'unionColumns',
  'debug',
  // The dialect is sniffed here, from the file as it is at submit, and queued as if given.
  'sniff',
  'verbose',
];

interface SubmitFlags {
  store: string;
  name?: string;
  priority?: number;
  delay?: number;
  cron?: string;
  tz?: string;
  attempts?: number;
  backoff?: Backoff;
  meta?: Record<string, string>;
}

/** `--backoff exponential:1000` or `fixed:500`: the type and the delay in ms. */
function parseBackoff(text: string): Backoff {
  const m = /^(fixed|exponential):(\d+)$/.exec(text.trim());
  if (m === null) throw new InvalidArgumentError("expected fixed:<ms> or exponential:<ms>, e.g. 'exponential:1000'");
  return { type: m[1] as Backoff['type'], delayMs: Number(m[2]) };
}

function parseInteger(text: string): number {
  const n = /^\s*-?\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
}

export function submitCommand(): Command {
  const submit = storeOption(new Command('submit'))
    .description('queue a job in a store without running it; an engine on the store runs it')
    .option('--name <name>', 'a name to show in lists')
    .option('--priority <n>', 'higher runs first (default: 0)', parseInteger)
    .option('--delay <ms>', 'run no sooner than this many milliseconds from now', parseInteger)
    .option(
      '--attempts <n>',
      'runs the job may take: lost with its engine, or failed with a transient fault with --backoff (default: 3)',
      parseInteger,
    )
    .option(
      '--backoff <type:ms>',
      "retry a run that failed with a transient fault after this wait: 'fixed:500', 'exponential:1000'",
      parseBackoff,
    )
    .option(
      '--meta <key=value>',
      'a label, e.g. userId=u-7 (repeat for more); jobs list --meta filters on it',
      parseLabel,
    )
    .option('--cron <expression>', "queue a run each time the cron expression comes due, e.g. '0 3 * * *'")
    .option('--tz <zone>', 'with --cron: the IANA time zone to read it in');
  const order: [MeasureKind, string | undefined][] = [];
  const aggregate = aggregateCommand();
  for (const kind of KINDS) aggregate.on(`option:${kind}`, (col?: string) => order.push([kind, col]));
  aggregate.action((file: string[], o: CommonFlags & { groupBy?: string[]; memoryBudget?: number }, cmd: Command) => {
    only(o, ['groupBy', 'memoryBudget', ...KINDS]);
    const work = aggregateWork(o.groupBy ?? [], order, o.onBadNumber);
    return queue(cmd, { ...base(file, o), ...work, ...budgetOption(o.memoryBudget, 'aggregate' in work) });
  });
  const convert = convertCommand().action(
    (
      file: string[],
      o: CommonFlags & { to?: 'csv' | 'tsv' | 'ndjson' | 'json'; select?: string[]; types?: boolean },
      cmd: Command,
    ) => {
      only(o, ['to', 'select', 'output', 'types']);
      if (o.output === undefined) throw new UsageError('a queued convert writes to a file: give --output <path>');
      const to = targetFormat(o);
      // Parquet is written by the CLI in two passes (convert-parquet.ts), not by a queued job.
      if (to === 'parquet')
        throw new UsageError('a queued convert cannot write Parquet: run chunkmill convert --to parquet');
      if (o.types && (to === 'csv' || to === 'tsv'))
        throw new UsageError(`--types applies to json and ndjson output (${to.toUpperCase()} is text)`);
      const params = { to, ...(o.select ? { select: o.select } : {}), ...(o.types ? { types: true } : {}) };
      const output = { path: resolve(o.output), format: to };
      return queue(cmd, { ...base(file, o), transform: selectTransform, params, output });
    },
  );
  const stats = statsCommand().action((file: string[], o: CommonFlags & { distinctLimit?: number }, cmd) => {
    only(o, ['distinctLimit']);
    const params = o.distinctLimit === undefined ? {} : { distinctLimit: o.distinctLimit };
    return queue(cmd, { ...base(file, o), task: statsTask.url, params });
  });
  const run = runCommand().action((file: string[], o: CommonFlags & { task: string; params?: unknown }, cmd) => {
    only(o, ['task', 'params']);
    return queue(cmd, { ...base(file, o), task: taskUrl(o.task), params: o.params });
  });
  for (const cmd of [aggregate, convert, stats, run]) submit.addCommand(cmd);
  submit.addHelpText(
    'after',
    examples([
      'chunkmill submit --store jobs.db aggregate sales.csv -g region --sum amount',
      'chunkmill submit --store jobs.db --name nightly --cron "0 3 * * *" stats sales.csv',
      'chunkmill submit --store jobs.db convert sales.csv --to ndjson -o sales.ndjson',
      '',
      'Prints the id of the queued job (or of the schedule, with --cron). Results are stored with',
      "the job: 'chunkmill jobs show <id> --store jobs.db'.",
    ]),
  );
  return submit;
}

/** The input and engine options: a queued job reads a file (stdin is gone by the time it runs). */
function base(files: string[], o: CommonFlags): { input: string } & ReturnType<typeof jobOptions> {
  const [file] = files;
  if (file === undefined || file === '-') throw new UsageError('a queued job reads a file: name one (not stdin)');
  if (files.length > 1)
    throw new UsageError('a queued job reads one file, glob or URL', "quote a glob for several files: 'exports/*.csv'");
  return { input: isObjectUrl(file) ? file : resolve(file), ...jobOptions(o) };
}

/** Refuses flags given that a queued job of this command does not take. */
function only(o: object, own: readonly string[]): void {
  for (const [key, value] of Object.entries(o)) {
    if (value === undefined || SHARED.includes(key) || own.includes(key)) continue;
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new UsageError(
      `${flag} does not apply to a queued job`,
      ['output', 'format', 'sort', 'limit', 'types', 'pretty'].includes(key)
        ? "its result is stored with the job: read it with 'chunkmill jobs show <id> --store ...'"
        : undefined,
    );
  }
}

async function queue(cmd: Command, spec: JobSpec): Promise<void> {
  const s = cmd.parent!.opts<SubmitFlags>();
  await withQueue(s.store, async (q) => {
    const common = {
      ...(s.name ? { name: s.name } : {}),
      ...(s.priority !== undefined ? { priority: s.priority } : {}),
      ...(s.attempts !== undefined ? { attempts: s.attempts } : {}),
    };
    const extras = { ...(s.backoff ? { backoff: s.backoff } : {}), ...(s.meta ? { meta: s.meta } : {}) };
    if (s.cron !== undefined) {
      if (s.delay !== undefined) throw new UsageError('--delay and --cron exclude each other');
      if (Object.keys(extras).length > 0) throw new UsageError('--meta and --backoff do not apply with --cron');
      const options: RepeatAddOptions = {
        ...common,
        repeat: { cron: s.cron, ...(s.tz ? { tz: s.tz } : {}) },
      };
      const schedule = await q.add(spec, options);
      process.stdout.write(`schedule ${schedule.id}, next run ${new Date(schedule.nextRunAt).toISOString()}\n`);
      return;
    }
    if (s.tz !== undefined) throw new UsageError('--tz applies with --cron');
    const job = await q.add(spec, { ...common, ...extras, ...(s.delay !== undefined ? { delay: s.delay } : {}) });
    process.stdout.write(`${job.id}\n`);
  });
}
