/**
 * `chunkmill serve`: an engine on the store and the HTTP API with its dashboard (src/server/).
 * The token comes from CHUNKMILL_TOKEN or --token-file, never from the command line (where `ps`
 * would show it); the cluster's Redis URL likewise may come from CHUNKMILL_REDIS_URL or a file
 * (redis-url.ts). SIGTERM or Ctrl-C stops it gracefully (exit 0: running jobs keep their
 * checkpoints and go back to the queue); a second one exits at once (130).
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from '../duration.js';
import { UsageError } from '../errors.js';
import { addEngineClusterOption, examples, parseMilliseconds, parseSize, parseWorkers } from '../flags.js';
import { redisUrl } from '../redis-url.js';
import { hideStorePassword } from './jobs.js';

interface ServeFlags {
  port: number;
  host: string;
  store: string;
  dataDir?: string;
  tasksDir?: string;
  workers?: number;
  concurrency?: number;
  cluster?: string;
  tokenFile?: string;
  leaseMs?: number;
  maxUpload?: number;
  logLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug';
  corsOrigin?: string[];
  allowInput?: string[];
  linkTtl?: number;
  engine: boolean;
  webhook?: string[];
  memoryBudget?: number;
  retention?: number;
}

function parsePort(text: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n > 65_535) throw new InvalidArgumentError('expected a port from 0 to 65535');
  return n;
}

export function serveCommand(): Command {
  const cmd = new Command('serve')
    .description('run an engine and an HTTP API with live progress and a dashboard')
    .option('-p, --port <n>', 'TCP port; 0 picks a free one', parsePort, 8080)
    .option('--host <address>', 'address to listen on; without a token only a loopback one', '127.0.0.1')
    .option('--store <file|url>', 'the job store: a SQLite file (created if new) or a postgres:// URL', 'chunkmill.db')
    .option(
      '--data-dir <dir|url>',
      'the only folder requests may read and write, or an s3://bucket/prefix several servers share (default: the working directory)',
    )
    .option('--tasks-dir <dir>', 'run task and transform modules from here, by name (default: none)')
    .option('-w, --workers <n>', 'worker threads of the pool (default: the number of cores)', parseWorkers)
    .option('--concurrency <n>', 'jobs run at once (default: 2)', parseWorkers)
    .option('--token-file <file>', 'a file holding the bearer token (default: $CHUNKMILL_TOKEN)')
    .option(
      '--lease-ms <ms>',
      "how long a dead server's running jobs wait to be taken over (default: 15000)",
      parseMilliseconds,
    )
    .option('--max-upload <size>', 'largest upload, e.g. 500MiB (default: 1GiB)', parseSize)
    .option(
      '--cors-origin <origin>',
      'let a browser page on this origin call the API (repeatable; * for any, with a token)',
      (value: string, list: string[] = []) => [...list, value],
    )
    .option(
      '--allow-input <prefix>',
      'a URL prefix (https://host/path/ or s3://bucket/prefix/) requests may name as an input; repeatable (default: none, files in the data dir only)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--link-ttl <duration>', "how long a job's link tokens stay valid, e.g. 1h (default: 24h)", parseDuration)
    .option('--no-engine', 'API only: run no engine here; engines on other hosts run the jobs')
    .option(
      '--memory-budget <size>',
      "most memory one job's groups may take here, e.g. 512MiB; also the default of jobs that set none (default: 128MiB)",
      parseSize,
    )
    .option(
      '--retention <duration>',
      'remove finished jobs (with their results) and uploads this old, e.g. 7d (default: kept)',
      parseDuration,
    )
    .option(
      '--webhook <url>',
      "POST each job's end here, signed with $CHUNKMILL_WEBHOOK_SECRET (repeatable)",
      (url, all: string[] = []) => [...all, url],
    )
    .addOption(
      new Option('--log-level <level>', 'request and error log on stderr (default: warn)').choices([
        'silent',
        'error',
        'warn',
        'info',
        'debug',
      ]),
    );
  addEngineClusterOption(cmd);
  cmd.addHelpText(
    'after',
    examples([
      'chunkmill serve --data-dir ./data',
      'CHUNKMILL_TOKEN=$(openssl rand -hex 24) chunkmill serve --host 0.0.0.0 --data-dir ./data --tasks-dir ./tasks',
      'chunkmill serve --data-dir /mnt/shared --cluster redis://10.0.0.5:6379',
      'chunkmill serve --data-dir s3://uploads-bucket/chunkmill --store postgres://db/app   # on each host',
      '',
      'The dashboard is at http://127.0.0.1:8080/; the API under /api (docs/server.md).',
      'Without a token it listens on loopback only. SIGTERM or Ctrl-C: running jobs keep their',
      'checkpoints and resume when a server starts again on the same store.',
    ]),
  );
  cmd.action(async (o: ServeFlags) => {
    hideStorePassword(o.store);
    // Loaded here, not at the top: Fastify, Ajv and prom-client take ~200 ms to import, which
    // every other command would pay at start-up.
    const { startServer } = await import('../../server/index.js');
    const cluster = redisUrl(o.cluster);
    const server = await startServer({
      store: o.store,
      dataDir: o.dataDir,
      tasksDir: o.tasksDir,
      port: o.port,
      host: o.host,
      token: readToken(o.tokenFile),
      workers: o.workers,
      ...(cluster === undefined ? {} : { cluster: { redis: cluster } }),
      concurrency: o.concurrency,
      leaseMs: o.leaseMs,
      uploadLimit: o.maxUpload,
      logLevel: o.logLevel,
      corsOrigins: o.corsOrigin,
      ...(o.allowInput !== undefined && { allowInput: o.allowInput }),
      linkTtlMs: o.linkTtl,
      ...(o.engine ? {} : { engine: false }),
      ...(o.webhook === undefined ? {} : { webhooks: o.webhook }),
      ...(o.memoryBudget === undefined ? {} : { memoryBudget: o.memoryBudget }),
      ...(o.retention === undefined ? {} : { retention: o.retention }),
    });
    const auth = server.options.token === undefined ? 'no token: loopback only' : 'token required';
    const role = server.engine === null ? '; API only, no engine' : '';
    process.stderr.write(`chunkmill serve: listening on ${server.url} (${auth}${role}); dashboard at ${server.url}/\n`);
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        if (stopping) process.exit(130);
        stopping = true;
        process.stderr.write(`chunkmill serve: ${signal}: stopping; running jobs keep their checkpoints\n`);
        void server.close().then(resolve);
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
  });
  return cmd;
}

function readToken(file: string | undefined): string | undefined {
  if (file === undefined) return process.env.CHUNKMILL_TOKEN || undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read --token-file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const token = text.trim();
  if (token === '') throw new UsageError(`--token-file ${file} is empty`);
  return token;
}
