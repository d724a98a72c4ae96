/**
 * `chunkmill engine --store F`: runs an engine on a store until Ctrl-C or SIGTERM, which close
 * it gracefully (running jobs keep their checkpoints and go back to the queue). One line per job
 * that starts or ends goes to stderr, unless --quiet.
 */
import { Command } from 'commander';
import { createEngine } from '../../index.js';
import { isPostgresUrl } from '../../internal.js';
import { parseDuration } from '../duration.js';
import { addEngineClusterOption, examples, parseSize, parseWorkers } from '../flags.js';
import { redisUrl } from '../redis-url.js';
import { storeOption } from './jobs.js';

interface EngineFlags {
  store: string;
  workers?: number;
  concurrency?: number;
  cluster?: string;
  quiet?: boolean;
  webhook?: string[];
  dataDir?: string;
  memoryBudget?: number;
  retention?: number;
}

export function engineCommand(): Command {
  return addEngineClusterOption(storeOption(new Command('engine')))
    .description("run the store's jobs until Ctrl-C: a long-lived engine with a warm pool")
    .option('-w, --workers <n>', 'worker threads (default: the number of cores)', parseWorkers)
    .option('-c, --concurrency <n>', 'jobs at once (default: 2)', parseWorkers)
    .option('-q, --quiet', 'print nothing per job')
    .option(
      '--data-dir <dir>',
      "the only folder jobs may read and write, checked when a job opens a file (as serve's; default: anywhere)",
    )
    .option(
      '--webhook <url>',
      "POST each job's end here, signed with $CHUNKMILL_WEBHOOK_SECRET (repeatable)",
      (url, all: string[] = []) => [...all, url],
    )
    .option(
      '--memory-budget <size>',
      "most memory one job's groups may take here, e.g. 512MiB; also the default of jobs that set none (default: a quarter of the heap)",
      parseSize,
    )
    .option(
      '--retention <duration>',
      'remove finished jobs (with their results) this old, and with --data-dir its uploads/ too, e.g. 7d (default: kept)',
      parseDuration,
    )
    .addHelpText(
      'after',
      examples([
        'chunkmill engine --store jobs.db --workers 8 --concurrency 2',
        'chunkmill engine --store jobs.db --cluster redis://10.0.0.5:6379   # chunks on chunkmill worker processes',
        'chunkmill engine --store postgres://db/app --data-dir /mnt/data   # beside API-only `serve --no-engine` replicas',
        'chunkmill submit --store jobs.db aggregate sales.csv -g region --sum amount   # from another terminal',
      ]),
    )
    .action(async (o: EngineFlags) => {
      const cluster = redisUrl(o.cluster); // --cluster, else CHUNKMILL_REDIS_URL
      const engine = await createEngine({
        store: o.store,
        ...(o.workers ? { workers: o.workers } : {}),
        ...(cluster === undefined ? {} : { cluster: { redis: cluster } }),
        ...(o.concurrency ? { concurrency: o.concurrency } : {}),
        ...(o.webhook === undefined ? {} : { webhooks: o.webhook }),
        ...(o.dataDir === undefined ? {} : { confine: { root: o.dataDir, protect: storeFiles(o.store) } }),
        ...(o.memoryBudget === undefined ? {} : { memoryBudget: o.memoryBudget }),
        ...(o.retention === undefined ? {} : { retention: o.retention }),
      });
      // Uploads are the data dir's files: serve's uploads/ folder, removed by age as serve removes them.
      const uploads =
        o.retention === undefined || o.dataDir === undefined
          ? null
          : (await import('../../server/index.js')).startUploadRetention(o.dataDir, o.retention, (e) =>
              process.stderr.write(`chunkmill: removing old uploads: ${e instanceof Error ? e.message : String(e)}\n`),
            );
      const say = (line: string) => o.quiet || process.stderr.write(`chunkmill: ${line}\n`);
      engine.on('error', (e) => process.stderr.write(`chunkmill: ${e.message}\n`));
      engine.on('claimed', ({ job, recovered }) => say(`job ${job.id} ${recovered ? 'resumed' : 'started'}`));
      engine.on('ended', (id) => {
        engine.store.get(id).then(
          (job) => say(`job ${id} ${job?.state ?? 'removed'}`),
          () => {}, // a store failure is reported by the engine's 'error' event
        );
      });
      say(`engine ${engine.id} on ${engine.store.location}`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop).off('SIGTERM', stop);
          say('closing: running jobs keep their checkpoints and go back to the queue');
          uploads?.stop();
          void engine.close().then(resolve);
        };
        process.on('SIGINT', stop).on('SIGTERM', stop);
      });
    });
}

/**
 * The store's files, which no job may read or write even inside the data dir: a SQLite store and
 * the files SQLite keeps beside it (a PostgreSQL store has none).
 */
function storeFiles(store: string): string[] {
  return isPostgresUrl(store) ? [] : ['', '-wal', '-shm', '-journal'].map((side) => store + side);
}
