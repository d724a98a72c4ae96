/**
 * `chunkmill jobs list|show|cancel|retry|rm --store F`: a job store seen from any terminal, while an
 * engine runs elsewhere. It reads and writes the store only through the queue.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ChunkmillError, openQueue, type BulkAction, type JobRecord, type JobState, type Queue } from '../../index.js';
import { UsageError } from '../errors.js';
import { examples, FORMATS, resolveFormat, type Format } from '../flags.js';
import { writeRows, type Cell } from '../ui/output.js';
import { parseLabel } from './labels.js';

const STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
const LIST_COLUMNS = ['id', 'name', 'state', 'progress', 'rows', 'created', 'finished', 'attempts'] as const;

export function storeOption(cmd: Command): Command {
  return cmd
    .requiredOption('--store <file|url>', 'the job store: a SQLite file, or a postgres:// URL (see docs/jobs.md)')
    .hook('preAction', (_cmd, action) => hideStorePassword(action.opts().store));
}

/**
 * A password in a --store URL is not left for `ps` to show: the process's title (what ps and
 * /proc/<pid>/cmdline read) becomes the command line without it. PGPASSWORD or ~/.pgpass keep it
 * off the command line altogether.
 */
export function hideStorePassword(store: unknown): void {
  const withPassword = /(postgres(?:ql)?:\/\/[^/:@\s]*:)[^/@\s]*@/gi;
  if (typeof store !== 'string' || !withPassword.test(store)) return;
  process.title = [process.argv0, ...process.argv.slice(1)].map((a) => a.replace(withPassword, '$1***@')).join(' ');
}

/** Opens the store for one command and closes it after. */
export async function withQueue<T>(store: string, use: (queue: Queue) => Promise<T>): Promise<T> {
  const queue = openQueue(store);
  try {
    return await use(queue);
  } finally {
    await queue.close();
  }
}

function parseLimit(text: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > 10_000) throw new InvalidArgumentError('expected 1 to 10000');
  return n;
}

export function jobsCommand(): Command {
  const jobs = new Command('jobs').description('list, show, cancel, retry and remove the jobs of a store; pause it');
  const list = storeOption(new Command('list'))
    .description('jobs, newest first')
    .addOption(new Option('--state <state>', 'only jobs in this state').choices(STATES))
    .option('--limit <n>', 'jobs per page (default: 50)', parseLimit)
    .option('--cursor <id>', 'the page after this job id (printed on stderr under a full page)')
    .option('--meta <key=value>', 'only jobs with this label (repeat for more)', parseLabel)
    .option('--name <text>', 'only jobs whose name contains this text')
    .addOption(
      new Option('-f, --format <format>', 'output format (default: table on a terminal, csv otherwise)').choices(
        FORMATS,
      ),
    )
    .action(async (o: ListFlags) => {
      await withQueue(o.store, async (queue) => {
        const page = await queue.list({
          ...(o.state ? { state: o.state } : {}),
          ...(o.meta ? { meta: o.meta } : {}),
          ...(o.name !== undefined ? { name: o.name } : {}),
          ...(o.limit ? { limit: o.limit } : {}),
          ...(o.cursor ? { cursor: o.cursor } : {}),
        });
        await writeRows(process.stdout, resolveFormat({ ...o, header: true }), LIST_COLUMNS, page.jobs.map(listRow));
        if (page.next !== null) process.stderr.write(`more: --cursor ${page.next}\n`);
      });
    });
  const show = storeOption(new Command('show'))
    .description("a job's record as JSON, with its result (aggregate rows included) or error")
    .argument('<id>')
    .action(async (id: string, o: { store: string }) => {
      await withQueue(o.store, async (queue) => {
        const job = await queue.get(id);
        if (job === null) throw notFound(id, queue);
        const result = job.state === 'succeeded' ? await queue.result(id) : null;
        process.stdout.write(`${JSON.stringify({ ...job, result }, jsonValue, 2)}\n`);
      });
    });
  const cancel = storeOption(new Command('cancel'))
    .description('cancel a queued job, or ask the engine running one to stop it; --state: every such job')
    .argument('[id]')
    .addOption(new Option('--state <state>', 'cancel every job in this state').choices(['queued', 'running']))
    .action(async (id: string | undefined, o: { store: string; state?: JobState }) => {
      await withQueue(o.store, async (queue) => {
        if (byState(id, o.state)) return bulk(queue, 'cancel', o.state);
        const outcome = await queue.cancel(id as string); // byState: an id was given
        const said = {
          cancelled: `job ${id} cancelled`,
          requested: `job ${id} is running: its engine stops it`,
          finished: `job ${id} had already finished; nothing to cancel`,
        };
        process.stdout.write(said[outcome] + '\n');
      });
    });
  const retry = storeOption(new Command('retry'))
    .description('run a failed or cancelled job again, as a new job; prints its id')
    .argument('<id>')
    .action(async (id: string, o: { store: string }) => {
      await withQueue(o.store, async (queue) => {
        const job = await queue.retry(id);
        process.stdout.write(`${job.id}\n`); // as submit prints it: scripts capture the id
      });
    });
  const rm = storeOption(new Command('rm'))
    .alias('remove')
    .description('remove a job that is not running, with its events and result; --state: every such job')
    .argument('[id...]')
    .addOption(
      new Option('--state <state>', 'remove every job in this state').choices(STATES.filter((s) => s !== 'running')),
    )
    .action(async (ids: string[], o: { store: string; state?: JobState }) => {
      await withQueue(o.store, async (queue) => {
        if (byState(ids[0], o.state)) return bulk(queue, 'remove', o.state);
        for (const id of ids) {
          if (!(await queue.remove(id))) throw notFound(id, queue);
          process.stdout.write(`job ${id} removed\n`);
        }
      });
    });
  const pause = storeOption(new Command('pause'))
    .description('pause the queue: no engine on the store starts a job until resume; running jobs finish')
    .action(async (o: { store: string }) => {
      await withQueue(o.store, (queue) => queue.pause());
      process.stdout.write('queue paused\n');
    });
  const resume = storeOption(new Command('resume'))
    .description('resume a paused queue')
    .action(async (o: { store: string }) => {
      await withQueue(o.store, (queue) => queue.resume());
      process.stdout.write('queue resumed\n');
    });
  for (const cmd of [list, show, cancel, retry, rm, pause, resume]) jobs.addCommand(cmd);
  jobs.addHelpText(
    'after',
    examples([
      'chunkmill jobs list --store jobs.db --state running',
      'chunkmill jobs show 12 --store jobs.db',
      'chunkmill jobs cancel 12 --store jobs.db',
      'chunkmill jobs retry 12 --store jobs.db',
      'chunkmill jobs rm 12 13 --store jobs.db',
      'chunkmill jobs list --store jobs.db --meta userId=u-7',
      'chunkmill jobs cancel --state queued --store jobs.db',
      'chunkmill jobs remove --state failed --store jobs.db',
      'chunkmill jobs pause --store jobs.db',
    ]),
  );
  return jobs;
}

interface ListFlags {
  store: string;
  state?: JobState;
  limit?: number;
  cursor?: string;
  format?: Format;
  meta?: Record<string, string>;
  name?: string;
}

/** An id or --state, never both nor neither: says whether it is --state. */
function byState(id: string | undefined, state: JobState | undefined): state is JobState {
  if (id !== undefined && state !== undefined) throw new UsageError('give a job id or --state, not both');
  if (id === undefined && state === undefined)
    throw new UsageError('give a job id, or --state for every job in a state');
  return state !== undefined;
}

/** A bulk action, and what it did, one line. */
async function bulk(queue: Queue, action: BulkAction, state: JobState): Promise<void> {
  const out = await queue.bulk(action, state);
  const verb = action === 'cancel' ? 'cancelled' : 'removed';
  const asked = out.requested.length > 0 ? `; ${out.requested.length} running: their engines stop them` : '';
  process.stdout.write(`${out.done.length} ${state} job${out.done.length === 1 ? '' : 's'} ${verb}${asked}\n`);
}

function notFound(id: string, queue: Queue): ChunkmillError {
  const store = queue.store.location;
  return new ChunkmillError({ code: 'ERR_JOB_NOT_FOUND', file: store, message: `No job ${id} in ${store}` });
}

function listRow(job: JobRecord): Cell[] {
  const p = job.progress;
  const percent =
    job.state === 'succeeded'
      ? '100%'
      : p !== null && p.bytesTotal !== null && p.bytesTotal > 0
        ? `${Math.floor((100 * p.bytesDone) / p.bytesTotal)}%`
        : '';
  const time = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return [
    job.id,
    job.name,
    job.state,
    percent,
    p?.rowsDone ?? null,
    time(job.createdAt),
    time(job.finishedAt),
    job.attempts,
  ];
}

/** JSON for what a task may return: a BigInt as its digits, a Map or Set as entries. */
function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  return value;
}
