/**
 * The coded errors of a cluster job's coordinator side, each naming the Redis it is about (with
 * no password) and saying what to do.
 */
import type { ResolvedClusterOptions } from '../api/cluster-options.js';
import { ChunkmillError, messageOf } from '../errors.js';
import { VERSION } from './names.js';
import type { WorkerInfo } from './protocol.js';
import { redactUrl } from './redis-connection.js';
import { describeWorkers } from './registry.js';

/**
 * No worker of this version in rotation: ERR_CLUSTER_VERSION when workers of another one are
 * there; the message names those out of rotation (quarantined: fleet.ts).
 */
export function noWorkers(
  options: ResolvedClusterOptions,
  strangers: readonly WorkerInfo[],
  quarantined: readonly WorkerInfo[] = [],
): ChunkmillError {
  const url = redactUrl(options.redis);
  if (quarantined.length > 0)
    return new ChunkmillError({
      code: 'ERR_CLUSTER_NO_WORKERS',
      message: `No chunkmill worker at ${url} takes chunks now (waited ${options.workerTimeout} ms): ${describeWorkers(quarantined)} out of rotation, after chunks failed there by their own fault and ran on other workers`,
      hint: `check what those workers lack (the input's mount, their --tasks-dir), or start others: chunkmill worker --redis ${url}`,
    });
  if (strangers.length > 0)
    return new ChunkmillError({
      code: 'ERR_CLUSTER_VERSION',
      message: `No worker at ${url} runs chunkmill ${VERSION}: ${describeWorkers(strangers)}; a worker runs only the chunks of its own version`,
      hint: `start workers of chunkmill ${VERSION}: chunkmill worker --redis ${url}`,
    });
  return new ChunkmillError({
    code: 'ERR_CLUSTER_NO_WORKERS',
    message: `No chunkmill worker is connected to Redis at ${url} (waited ${options.workerTimeout} ms)`,
    hint: `start one on each machine: chunkmill worker --redis ${url}`,
  });
}

export function connectionLost(url: string, reconnectTimeout: number): ChunkmillError {
  return new ChunkmillError({
    code: 'ERR_CLUSTER_CONNECTION',
    message: `Lost the connection to Redis at ${redactUrl(url)} for more than ${reconnectTimeout} ms`,
    hint: 'check that redis-server is running; cluster.reconnectTimeout sets how long a job waits for it',
  });
}

/** A command that failed outright (not a lost connection, which is waited for). */
export function connectionFailed(url: string, cause: unknown): ChunkmillError {
  return new ChunkmillError(
    { code: 'ERR_CLUSTER_CONNECTION', message: `Redis at ${redactUrl(url)} failed: ${messageOf(cause)}` },
    { cause },
  );
}

export function silentAfterConnect(url: string): ChunkmillError {
  return new ChunkmillError({
    code: 'ERR_CLUSTER_UNREACHABLE',
    message: `Redis at ${redactUrl(url)} stopped answering right after it connected`,
  });
}

/** Retryable (exec/retries.ts): the chunk runs again as a new item. */
export function itemLost(chunkIndex: number): ChunkmillError {
  return new ChunkmillError({
    code: 'ERR_CLUSTER_ITEM_LOST',
    chunkIndex,
    message: `Chunk ${chunkIndex}'s work item left Redis without a reply (Redis restarted, or its workers stopped more than once)`,
  });
}

/** BLMPOP, which the replies are read with, came with Redis 7.0. */
const MIN_REDIS = [7, 0];

/** The error for a Redis too old for the coordinator, from its INFO server; null when it will do. */
export function tooOldRedis(url: string, info: string): ChunkmillError | null {
  const version = /redis_version:(\d+)\.(\d+)/.exec(info);
  if (version === null) return null; // not Redis's own INFO (a compatible server): let it try
  const [major, minor] = [Number(version[1]), Number(version[2])];
  if (major > MIN_REDIS[0]! || (major === MIN_REDIS[0] && minor >= MIN_REDIS[1]!)) return null;
  return new ChunkmillError({
    code: 'ERR_CLUSTER_CONNECTION',
    message: `Redis at ${redactUrl(url)} is version ${major}.${minor}; cluster mode needs ${MIN_REDIS.join('.')} or later`,
    hint: "Debian 12 and Ubuntu 24.04's redis-server are 7.0 or later",
  });
}
