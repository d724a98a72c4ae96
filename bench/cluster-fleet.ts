/**
 * The bench's clusters: each a redis-server of its own with `chunkmill worker` processes on it,
 * all started up front and idle between jobs (a worker waits on a blocking read), so jobs on
 * different clusters and on the local pool can be interleaved in one process. And what a run
 * cost Redis: commands and network bytes, from INFO stats.
 */
import { readFileSync } from 'node:fs';
import { startRedis, type RedisServer } from '../support/redis-server.ts';
import { killAll, startWorker, type WorkerProcess } from '../support/worker-process.ts';

export interface Fleet {
  label: string;
  redis: RedisServer;
  workers: WorkerProcess[];
}

/** `processes` workers of `threads` threads each, on a Redis of their own. */
export async function startFleet(processes: number, threads: number, lockDuration?: number): Promise<Fleet> {
  const redis = await startRedis();
  const workers = await Promise.all(
    Array.from({ length: processes }, (_, i) =>
      startWorker(redis.url, {
        name: `p${processes}-${i + 1}`,
        threads,
        verbose: lockDuration !== undefined,
        ...(lockDuration !== undefined ? { lockDuration } : {}),
      }),
    ),
  );
  const label = `cluster, ${processes} worker process${processes === 1 ? '' : 'es'} x ${threads} threads`;
  return { label, redis, workers };
}

/**
 * CPU time the fleet's worker processes have used (Linux /proc: utime + stime, threads included),
 * in ms: with the coordinator's and Redis's, what a job cost the machines, whatever the wall
 * clock of a shared machine says.
 */
export function workersCpuMs(fleet: Fleet): number {
  let ticks = 0;
  for (const w of fleet.workers) {
    // Fields after the command name (which may hold spaces, so split after its closing paren).
    const stat = readFileSync(`/proc/${w.child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  }
  return (ticks * 1000) / CLOCK_TICKS;
}

/** USER_HZ: Linux reports /proc times in 1/100 s on every common architecture. */
const CLOCK_TICKS = 100;

export async function stopFleet(fleet: Fleet): Promise<void> {
  await killAll(fleet.workers);
  await fleet.redis.stop();
}

export interface RedisCost {
  /** Commands executed, those called from BullMQ's Lua scripts included. */
  commands: number;
  /** Bytes into Redis and out of it, every client together. */
  bytesIn: number;
  bytesOut: number;
  /** CPU time of the redis-server process (user + system). */
  cpuMs: number;
}

export async function redisCost(redis: RedisServer): Promise<RedisCost> {
  const info = (await redis.client.info('stats')) + (await redis.client.info('cpu'));
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)![1]);
  return {
    commands: field('total_commands_processed'),
    bytesIn: field('total_net_input_bytes'),
    bytesOut: field('total_net_output_bytes'),
    cpuMs: (field('used_cpu_user') + field('used_cpu_sys')) * 1e3,
  };
}

export function costSince(before: RedisCost, after: RedisCost): RedisCost {
  return {
    commands: after.commands - before.commands,
    bytesIn: after.bytesIn - before.bytesIn,
    bytesOut: after.bytesOut - before.bytesOut,
    cpuMs: after.cpuMs - before.cpuMs,
  };
}
