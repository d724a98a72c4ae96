/**
 * A real redis-server of one's own, for a test file or a bench run: on a free loopback port,
 * persistence off, started and stopped by its user (Debian's redis-server; .ci/run installs it).
 * Killing it and starting it again on the same port is how tests lose Redis mid-job.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export interface RedisServer {
  port: number;
  url: string;
  /** A client of the test's own (closed by stop()). */
  client: Redis;
  /** SIGKILL: Redis is gone at once, with everything in it. */
  kill(): Promise<void>;
  /** Starts it again, empty, on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** used_memory from INFO memory, in bytes. */
  usedMemory(): Promise<number>;
}

const BINARY = 'redis-server';

export async function startRedis(): Promise<RedisServer> {
  if (spawnSync(BINARY, ['--version']).error !== undefined)
    throw new Error(`${BINARY} is not installed: apt-get install -y redis-server (.ci/run does)`);
  const port = await freePort();
  let child = await launch(port);
  const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: null, lazyConnect: false });
  client.on('error', () => {});
  await client.ping();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    client,
    async kill() {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
    async restart() {
      child = await launch(port);
      await client.ping();
    },
    async stop() {
      client.disconnect();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }
    },
    async usedMemory() {
      const info = await client.info('memory');
      return Number(/used_memory:(\d+)/.exec(info)![1]);
    },
  };
}

/** A port nothing listens on (nothing will: for "Redis unreachable"). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function launch(port: number): Promise<ChildProcess> {
  const child = spawn(
    BINARY,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    const onData = (d: string) => {
      output += d;
      if (output.includes('Ready to accept connections')) {
        child.stdout!.off('data', onData);
        child.stdout!.resume(); // keep draining, or a chatty server would block on a full pipe
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`)));
  });
  return child;
}
