/**
 * `chunkmill worker --redis URL`: runs chunks of cluster jobs (`--cluster URL` on the other
 * commands) on this machine until SIGTERM or Ctrl-C, which let running chunks finish for --grace
 * and hand the rest back to the queue; a second signal hands them back at once. docs/cluster.md.
 */
import { statSync } from 'node:fs';
import { Command } from 'commander';
import { startWorker, type WorkerChunkEvent } from '../../index.js';
import { UsageError } from '../errors.js';
import { examples, parseMilliseconds, parseWorkers } from '../flags.js';
import { parseRedisUrl, REDIS_URL_ENV, redisUrl, redisUrlHelp } from '../redis-url.js';

interface WorkerOptions {
  redis?: string;
  workers?: number;
  tasksDir?: string;
  name?: string;
  lockDuration?: number;
  grace?: number;
  quiet?: boolean;
  verbose?: boolean;
  debug?: boolean;
}

/** Outcomes worth a line without --verbose: someone may be waiting on them. */
const NOTABLE = new Set<WorkerChunkEvent['outcome']>(['failed', 'cancelled', 'handed back']);

export function workerCommand(): Command {
  const cmd = new Command('worker')
    .description('run chunks of cluster jobs from Redis on this machine, until SIGTERM')
    .option(
      '--redis <url>',
      `the Redis of the cluster, e.g. redis://10.0.0.5:6379 ${redisUrlHelp(true)}`,
      parseRedisUrl,
    )
    .option('-w, --workers <n>', 'threads (default: the number of cores)', parseWorkers)
    .option('--tasks-dir <dir>', 'the only directory task and transform modules are loaded from')
    .option('--name <name>', 'how messages name this worker (default: <host>-<pid>)')
    .option(
      '--lock-duration <ms>',
      'a chunk stays locked here this long without a renewal: how soon other workers take over if this one dies (default: 10000)',
      parseMilliseconds,
    )
    .option(
      '--grace <ms>',
      'on SIGTERM, how long running chunks may finish before they go back to the queue (default: 30000)',
      parseMilliseconds,
    )
    .option('-q, --quiet', 'no log lines, errors only')
    .option('--verbose', 'a log line per chunk')
    .option('--debug', 'print stack traces with errors');
  cmd.addHelpText(
    'after',
    examples([
      'chunkmill worker --redis redis://10.0.0.5:6379',
      'chunkmill worker --redis redis://10.0.0.5:6379 --workers 8 --tasks-dir /srv/chunkmill/tasks',
      'chunkmill aggregate /mnt/shared/sales.csv -g region --sum amount --cluster redis://10.0.0.5:6379',
      '',
      'Every worker must see the input at the same path as the coordinator (a shared mount).',
      "Task modules load only from --tasks-dir, and only if their bytes match the coordinator's.",
    ]),
  );
  cmd.action(async (o: WorkerOptions) => {
    const redis = redisUrl(o.redis);
    if (redis === undefined)
      throw new UsageError(
        `the Redis of the cluster is needed: --redis <url>, --redis @FILE or ${REDIS_URL_ENV}`,
        'e.g. --redis redis://127.0.0.1:6379',
      );
    if (!/^rediss?:\/\//.test(redis))
      throw new UsageError(
        // Named by where it came from, not shown: it may hold a password.
        `${o.redis === undefined ? REDIS_URL_ENV : '--redis'} expects a redis:// URL`,
        'e.g. --redis redis://127.0.0.1:6379',
      );
    if (o.tasksDir !== undefined && !isDirectory(o.tasksDir))
      throw new UsageError(`--tasks-dir ${o.tasksDir} is not a directory`);
    const say = (line: string) => process.stderr.write(`chunkmill worker: ${line}\n`);
    const worker = await startWorker({
      redis,
      ...(o.workers !== undefined ? { workers: o.workers } : {}),
      ...(o.tasksDir !== undefined ? { tasksDir: o.tasksDir } : {}),
      ...(o.name !== undefined ? { name: o.name } : {}),
      ...(o.lockDuration !== undefined ? { lockDuration: o.lockDuration } : {}),
    });
    const { info } = worker;
    if (!o.quiet) {
      say(
        `${info.name} ready: chunkmill ${info.version}, ${info.threads} thread${info.threads === 1 ? '' : 's'}, ` +
          `${worker.redis}, ${o.tasksDir !== undefined ? `tasks from ${o.tasksDir}` : 'no --tasks-dir (built-in work only)'}`,
      );
      worker.on('warning', say);
      if (o.verbose) worker.on('item', (e) => say(`${e.op} chunk ${e.chunkIndex} of job ${e.runId} taken`));
      worker.on('chunk', (e) => {
        if (o.verbose || NOTABLE.has(e.outcome))
          say(`${e.op} chunk ${e.chunkIndex} of job ${e.runId} ${e.outcome} after ${Math.round(e.ms)} ms`);
      });
    }
    await new Promise<void>((resolve) => {
      let signals = 0;
      const stop = (signal: NodeJS.Signals) => {
        if (++signals > 1) {
          worker.handBack();
          return;
        }
        if (!o.quiet) say(`${signal}: finishing running chunks (a second signal hands them back now)`);
        worker.close(o.grace).then(resolve, resolve);
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
    if (!o.quiet) say(`${info.name} stopped`);
  });
  return cmd;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
