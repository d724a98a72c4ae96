/**
 * Connections to Redis (ioredis), the same way on both sides: ready within a bound or a coded
 * error naming the URL, then reconnecting by themselves when the link drops. What a lost
 * connection means for a job is the caller's to decide (cluster-provider.ts bounds it).
 */
import { Redis } from 'ioredis';
import { AbortError, ChunkmillError, messageOf } from '../errors.js';

/** Between reconnect attempts, at most: a returning Redis is found within this. */
const RECONNECT_EVERY_MS = 500;

/** The URL as messages show it: a password never appears in a log or an error. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.href.replace(/\/$/, '');
  } catch {
    return url;
  }
}

export interface ConnectOptions {
  /** Milliseconds to wait for Redis to be ready. */
  timeout: number;
  /** CLIENT SETNAME, as `redis-cli client list` shows it. */
  name: string;
  /** Gives up early (a job cancelled while it connects). */
  signal?: AbortSignal | undefined;
}

/**
 * A ready connection. Commands issued while it is down wait for the reconnect
 * (maxRetriesPerRequest null, as BullMQ requires of its connections).
 */
export async function connectRedis(url: string, options: ConnectOptions): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    connectionName: options.name,
    connectTimeout: Math.min(options.timeout, 10_000),
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, RECONNECT_EVERY_MS),
  });
  let lastError: unknown = null;
  // An 'error' event nobody hears would crash the process; the failures surface as ours instead.
  redis.on('error', (e) => (lastError = e));
  redis.connect().catch(() => {}); // a failed attempt is retried; the timeout bounds the wait
  try {
    await readyWithin(redis, options, () => unreachable(url, options.timeout, lastError));
  } catch (e) {
    redis.disconnect();
    throw e;
  }
  return redis;
}

function readyWithin(redis: Redis, options: ConnectOptions, failure: () => ChunkmillError): Promise<void> {
  const { signal } = options;
  return new Promise<void>((resolve, reject) => {
    const finish = (error?: unknown) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      redis.off('ready', onReady);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onReady = () => finish();
    const onAbort = () => finish(new AbortError());
    const timer = setTimeout(() => finish(failure()), options.timeout);
    redis.on('ready', onReady);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
  });
}

function unreachable(url: string, timeout: number, cause: unknown): ChunkmillError {
  const why = cause === null ? 'no answer' : messageOf(cause);
  return new ChunkmillError(
    {
      code: 'ERR_CLUSTER_UNREACHABLE',
      message: `Cannot reach Redis at ${redactUrl(url)} within ${timeout} ms (${why})`,
      hint: 'start redis-server there, or check the URL, the port and the firewall',
    },
    { cause },
  );
}
