/**
 * The options of `chunkmill serve` and startServer(): types with their defaults, and one check
 * that refuses a bad value with ERR_INVALID_OPTION naming the option, before anything opens.
 * The one rule that is about safety: without a token the server listens on loopback only.
 */
import { realpathSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { ChunkmillError, type ClusterOptions, type WebhookTarget } from '../index.js';
import { invalidOption } from '../internal.js';
import { isLoopback } from './access.js';
import { resolveAccessOptions, type AccessServerOptions } from './access-options.js';
import { isObjectUrl, isPostgresUrl } from '../internal.js';
import { bucketDataDir } from './object-data-dir.js';

/** With `corsOrigins`, `linkTtlMs` and `engine` from access-options.ts. */
export interface ServerOptions extends AccessServerOptions {
  /** The job store: a file (the embedded SQLite store, created if new) or a postgres:// URL. @default 'chunkmill.db' */
  store?: string;
  /**
   * The only folder whose files requests may read and write; uploads go to its `uploads/`. Or an
   * `s3://bucket/prefix` URL: the objects under the prefix are the data dir, for several servers
   * on several hosts (docs/server.md#a-data-dir-in-a-bucket). @default the working directory
   */
  dataDir?: string;
  /** The folder task and transform modules are loaded from, by name. @default none: no job runs a module */
  tasksDir?: string;
  /** TCP port; 0 picks a free one (see ChunkmillServer.url). @default 8080 */
  port?: number;
  /** Address to listen on. Without a token only a loopback one is accepted. @default '127.0.0.1' */
  host?: string;
  /** The bearer token every /api request and /metrics must carry (at least 16 characters). @default none */
  token?: string;
  /** Worker threads of the engine's pool (not with `cluster`). @default os.availableParallelism() */
  workers?: number;
  /**
   * Run the jobs' chunks on `chunkmill worker` processes through this Redis instead of the
   * engine's own pool (docs/cluster.md): the engine's `cluster` option. @default none: a local pool
   */
  cluster?: ClusterOptions;
  /** Jobs run at once. @default 2 */
  concurrency?: number;
  /** Milliseconds a dead server's running jobs wait before another engine takes them over. @default 15000 */
  leaseMs?: number;
  /** Largest JSON request body, in bytes. @default 1 MiB */
  bodyLimit?: number;
  /** Largest upload, in bytes. @default 1 GiB */
  uploadLimit?: number;
  /** Milliseconds between SSE heartbeat comments. @default 15000 */
  heartbeatMs?: number;
  /** Log level of the request and error log (JSON lines on stderr). @default 'warn' */
  logLevel?: 'silent' | 'error' | 'warn' | 'info' | 'debug';
  /** Milliseconds a request's headers may take to arrive; then 408 and the connection closes. @default 10000 */
  headersTimeout?: number;
  /**
   * Milliseconds a whole request, body included (an upload too), may take to arrive; then 408
   * and the connection closes. At least `headersTimeout`. @default 300000
   */
  requestTimeout?: number;
  /**
   * Milliseconds a connection may go without a byte either way before it is closed (a request
   * body that trickles slower than this dies; an event stream gets at least twice its heartbeat). @default 30000
   */
  idleTimeout?: number;
  /** Milliseconds an idle kept-alive connection waits for its next request. @default 10000 */
  keepAliveTimeout?: number;
  /**
   * Connections one client address may hold open at once; one more is closed at once, before it
   * is read. Behind a reverse proxy every client is the proxy's address: raise it there. @default 100
   */
  maxConnectionsPerClient?: number;
  /**
   * POST each job's end to these URLs, signed (docs/server.md#webhooks): the engine's `webhooks`.
   * Set by the operator only: no request can name a URL. @default none
   */
  webhooks?: readonly (string | WebhookTarget)[];
  /**
   * Bytes one aggregate job's groups and result may take in this process: the default of a job
   * that sets no memoryBudget and the most one that sets a larger one gets (the engine's
   * memoryBudget). Past it the job fails with ERR_MEMORY_BUDGET naming it. @default 128 MiB
   */
  memoryBudget?: number;
  /**
   * Milliseconds after which finished jobs (with their results and event logs) and files in the
   * data dir's `uploads/` are removed: jobs by the engine (by age since they finished), uploads
   * by this server (by age since last modified), each checked once a minute. @default none: kept
   */
  retention?: number;
}

export type ResolvedServerOptions = Required<
  Omit<ServerOptions, 'token' | 'tasksDir' | 'workers' | 'cluster' | 'retention'>
> & {
  retention: number | undefined;
  token: string | undefined;
  tasksDir: string | null;
  /** Undefined with a cluster: the threads are its workers'. */
  workers: number | undefined;
  cluster: ClusterOptions | undefined;
};

/** 16 characters: a token short enough to guess has no place on an exposed server. */
const MIN_TOKEN = 16;
/**
 * 128 MiB of groups (estimated: about 600,000 groups of one short key and a count, 200,000 with
 * an exact sum too). A job's worker threads hold a chunk's groups to it as well, so a job of 3
 * million groups takes a server with 2 threads to about 500 MiB RSS before it fails, where the
 * heap-share default (a quarter of a 4 GiB heap) let it take 1.6 GiB; 256 MiB took it to 940 MiB.
 */
const DEFAULT_MEMORY_BUDGET = 128 * 2 ** 20;
const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const;

export function resolveServerOptions(options: ServerOptions): ResolvedServerOptions {
  if (options === null || typeof options !== 'object') throw invalidOption('options', 'expected an object');
  const token = options.token;
  if (token !== undefined && (typeof token !== 'string' || token.length < MIN_TOKEN || /\s/.test(token)))
    throw invalidOption('token', `expected at least ${MIN_TOKEN} characters without spaces`);
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0) throw invalidOption('host', 'expected an address');
  if (token === undefined && !isLoopback(host)) {
    throw new ChunkmillError({
      code: 'ERR_INVALID_OPTION',
      option: 'host',
      message: `Refusing to listen on ${host} without a token: anyone who can reach it could read the data dir and run jobs`,
      hint: 'set CHUNKMILL_TOKEN (or --token-file), or listen on 127.0.0.1',
    });
  }
  const logLevel = options.logLevel ?? 'warn';
  if (!LOG_LEVELS.includes(logLevel)) throw invalidOption('logLevel', `expected one of ${LOG_LEVELS.join(', ')}`);
  const headersTimeout = integer('headersTimeout', options.headersTimeout, 10_000, 100, 3_600_000);
  const requestTimeout = integer('requestTimeout', options.requestTimeout, 300_000, 100, 86_400_000);
  // Node refuses a server whose headers may take longer than its whole request.
  if (headersTimeout > requestTimeout)
    throw invalidOption('headersTimeout', `expected at most requestTimeout (${requestTimeout}), got ${headersTimeout}`);
  return {
    store: storeName(nonEmpty('store', options.store ?? 'chunkmill.db')),
    dataDir: dataDirOption(options.dataDir ?? process.cwd()),
    tasksDir: options.tasksDir === undefined ? null : folder('tasksDir', options.tasksDir),
    port: integer('port', options.port, 8080, 0, 65_535),
    host,
    token,
    // With a cluster the threads are its workers': no default, and createEngine refuses a `workers`.
    workers:
      options.cluster === undefined || options.workers !== undefined
        ? integer('workers', options.workers, availableParallelism(), 1, 1024)
        : undefined,
    cluster: options.cluster,
    concurrency: integer('concurrency', options.concurrency, 2, 1, 1024),
    leaseMs: integer('leaseMs', options.leaseMs, 15_000, 100, 3_600_000),
    bodyLimit: integer('bodyLimit', options.bodyLimit, 1 << 20, 1, 1 << 30),
    uploadLimit: integer('uploadLimit', options.uploadLimit, 1 << 30, 1, Number.MAX_SAFE_INTEGER),
    heartbeatMs: integer('heartbeatMs', options.heartbeatMs, 15_000, 10, 3_600_000),
    logLevel,
    headersTimeout,
    requestTimeout,
    idleTimeout: integer('idleTimeout', options.idleTimeout, 30_000, 100, 3_600_000),
    keepAliveTimeout: integer('keepAliveTimeout', options.keepAliveTimeout, 10_000, 100, 3_600_000),
    maxConnectionsPerClient: integer('maxConnectionsPerClient', options.maxConnectionsPerClient, 100, 1, 1_000_000),
    ...resolveAccessOptions(options, token),
    webhooks: options.webhooks ?? [], // checked by createEngine
    memoryBudget: integer(
      'memoryBudget',
      options.memoryBudget,
      DEFAULT_MEMORY_BUDGET,
      1 << 20,
      Number.MAX_SAFE_INTEGER,
    ),
    retention:
      options.retention === undefined
        ? undefined
        : integer('retention', options.retention, 0, 1_000, Number.MAX_SAFE_INTEGER),
  };
}

/** A store file's absolute path; a postgres:// URL as it is. */
function storeName(store: string): string {
  return isPostgresUrl(store) ? store : resolve(store);
}

function nonEmpty(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw invalidOption(name, 'expected a path');
  return value;
}

/** A folder's real path, or a bucket prefix's URL (`s3://bucket/prefix`, normalised). */
function dataDirOption(value: unknown): string {
  return typeof value === 'string' && isObjectUrl(value) ? bucketDataDir(value) : folder('dataDir', value);
}

/** An existing folder's real path: the prefix that confined paths are checked against. */
function folder(name: string, value: unknown): string {
  const path = nonEmpty(name, value);
  try {
    const real = realpathSync(path);
    if (statSync(real).isDirectory()) return real;
  } catch {
    // reported below
  }
  throw invalidOption(name, `${path} is not a folder`);
}

function integer(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)
    throw invalidOption(name, `expected an integer from ${min} to ${max}, got ${String(value)}`);
  return value;
}
