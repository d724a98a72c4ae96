/**
 * Checks the `cluster` option (api/cluster-options.ts) and fills in its defaults. A bad value
 * fails with ERR_INVALID_OPTION naming `cluster.<key>`, before anything connects.
 */
import { CLUSTER_DEFAULTS, type ResolvedClusterOptions } from '../api/cluster-options.js';
import { invalidOption } from '../errors.js';

const KEYS = ['redis', 'connectTimeout', 'reconnectTimeout', 'workerTimeout', 'maxPayload'] as const;

/** undefined: a local pool. `others`: the job's other options, some of which a cluster cannot honour. */
export function resolveCluster(
  value: unknown,
  others: { workerResourceLimits?: unknown },
): ResolvedClusterOptions | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw invalidOption('cluster', `expected { redis: 'redis://host:6379' }, got ${typeof value}`);
  for (const key of Object.keys(value)) {
    if (!(KEYS as readonly string[]).includes(key))
      throw invalidOption(`cluster.${key}`, `unknown option; the options of cluster are ${KEYS.join(', ')}`);
  }
  if (others.workerResourceLimits !== undefined)
    throw invalidOption(
      'workerResourceLimits',
      "applies to a local pool; a cluster job's threads belong to its `chunkmill worker` processes",
    );
  const o = value as Record<string, unknown>;
  return {
    redis: redisUrl(o.redis),
    connectTimeout: milliseconds('cluster.connectTimeout', o.connectTimeout, CLUSTER_DEFAULTS.connectTimeout),
    reconnectTimeout: milliseconds('cluster.reconnectTimeout', o.reconnectTimeout, CLUSTER_DEFAULTS.reconnectTimeout),
    workerTimeout: milliseconds('cluster.workerTimeout', o.workerTimeout, CLUSTER_DEFAULTS.workerTimeout),
    maxPayload: bytes('cluster.maxPayload', o.maxPayload, CLUSTER_DEFAULTS.maxPayload),
  };
}

function redisUrl(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0)
    throw invalidOption(
      'cluster.redis',
      `expected a redis:// URL, e.g. 'redis://127.0.0.1:6379', got ${String(value)}`,
    );
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidOption('cluster.redis', `"${value}" is not a URL; expected e.g. 'redis://127.0.0.1:6379'`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw invalidOption('cluster.redis', `expected a redis:// or rediss:// URL, got ${JSON.stringify(value)}`);
  return value;
}

/** 2^31 - 1: the longest a Node timer can wait. */
function milliseconds(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > 2 ** 31 - 1)
    throw invalidOption(name, `expected milliseconds, an integer from 1 to ${2 ** 31 - 1}, got ${String(value)}`);
  return value;
}

/** 512 MiB: Redis's own limit on one value (proto-max-bulk-len). */
function bytes(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1024 || value > 512 << 20)
    throw invalidOption(name, `expected bytes, an integer from 1024 to ${512 << 20}, got ${String(value)}`);
  return value;
}
