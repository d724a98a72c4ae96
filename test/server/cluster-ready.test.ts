/**
 * `chunkmill serve` on a cluster, every part a real process: a redis-server with a password,
 * the server given its URL by CHUNKMILL_REDIS_URL, one `chunkmill worker` by `--redis @FILE` and
 * one by the environment. No process's command line (/proc/<pid>/cmdline, what `ps` shows) holds
 * the password, and:
 *   - /api/ready is 503 naming the workers while none is registered, 200 once they are (a job
 *     then runs on them), and 503 naming Redis once redis-server is killed;
 *   - /metrics has the cluster's series: Redis up, workers by version, items in flight.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { type RedisServer, startRedis } from '../../support/redis-server.ts';
import { CLI, cliEnv } from '../helpers/cli.ts';
import { startServeChild, TOKEN, type ServeChild } from '../helpers/server.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const DEADLINE_MS = 30_000;
const PASSWORD = 'hunter2-s3cret-pw';
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const children: ChildProcessWithoutNullStreams[] = [];
let redis: RedisServer | undefined;
afterAll(async () => {
  await redis?.stop();
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
});

/** `chunkmill worker` with these flags and environment; resolves once it says it is ready. */
async function worker(args: string[], env: Record<string, string> = {}): Promise<ChildProcessWithoutNullStreams> {
  const child = spawn(process.execPath, [CLI, 'worker', '--workers', '1', ...args], { env: cliEnv(env) });
  children.push(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.resume();
  for (const until = Date.now() + DEADLINE_MS; !/ ready: /.test(stderr); ) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`the worker did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(stderr).not.toContain(PASSWORD); // its ready line names Redis without the password
  return child;
}

const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');

interface Ready {
  ready: boolean;
  reasons: { check: string; code: string }[];
  checks: { redis?: string; workers?: { compatible: number; other: number; threads: number } };
}

async function get(s: ServeChild, path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(s.url + path, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: response.status, text: await response.text() };
}

async function readyUntil(s: ServeChild, want: (status: number, body: Ready) => boolean): Promise<Ready> {
  for (const until = Date.now() + DEADLINE_MS; ; ) {
    const { status, text } = await get(s, '/api/ready');
    const body = JSON.parse(text) as Ready;
    if (want(status, body)) return body;
    if (Date.now() > until) throw new Error(`/api/ready never matched; last: ${status} ${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('the Redis URL from the environment and a file (never on a command line); readiness and metrics of the cluster', {
  timeout: 120_000,
}, async () => {
  redis = await startRedis();
  await redis.client.config('SET', 'requirepass', PASSWORD);
  const url = `redis://:${PASSWORD}@127.0.0.1:${redis.port}`;
  writeFileSync(join(tmp.dir, 'ok.csv'), 'k,v\na,1\nb,2\na,3\n');

  const serve = await startServeChild(['--store', join(tmp.dir, 'jobs.db'), '--data-dir', tmp.dir], {
    CHUNKMILL_REDIS_URL: url,
  });
  try {
    expect(cmdline(serve.child.pid!)).not.toContain(PASSWORD);
    // Connected (so the password was right), but no worker yet: not ready, and it says why.
    const waiting = await readyUntil(serve, (status) => status === 503);
    expect(waiting).toMatchObject({
      ready: false,
      reasons: [{ check: 'workers', code: 'ERR_CLUSTER_NO_WORKERS' }],
      checks: { redis: 'up', workers: { compatible: 0, threads: 0 } },
    });

    const urlFile = join(tmp.dir, 'redis-url');
    writeFileSync(urlFile, `${url}\n`, { mode: 0o600 });
    const fromFile = await worker(['--redis', `@${urlFile}`, '--name', 'from-file']);
    const fromEnv = await worker(['--name', 'from-env'], { CHUNKMILL_REDIS_URL: url });
    for (const child of [fromFile, fromEnv]) expect(cmdline(child.pid!)).not.toContain(PASSWORD);

    const up = await readyUntil(serve, (status, body) => status === 200 && body.checks.workers?.compatible === 2);
    expect(up).toEqual({
      ready: true,
      reasons: [],
      checks: { store: 'ok', threadPool: 'ok', redis: 'up', workers: { compatible: 2, other: 0, threads: 2 } },
    });
    // A job runs on them.
    const posted = await fetch(`${serve.url}/api/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        spec: { input: 'ok.csv', aggregate: { groupBy: ['k'], measures: { n: { kind: 'count' } } } },
      }),
    });
    const { id } = (await posted.json()) as { id: string };
    for (const until = Date.now() + DEADLINE_MS; ; ) {
      const job = JSON.parse((await get(serve, `/api/jobs/${id}`)).text) as { state: string };
      if (job.state === 'succeeded') break;
      if (['failed', 'cancelled'].includes(job.state) || Date.now() > until) throw new Error(`job ${id} ${job.state}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const metrics = (await get(serve, '/metrics')).text;
    expect(metrics).toMatch(/^chunkmill_cluster_redis_up 1$/m);
    expect(metrics).toContain(`chunkmill_cluster_workers{version="${VERSION}"} 2`);
    expect(metrics).toMatch(/^chunkmill_cluster_items_in_flight 0$/m);

    // Redis goes away: not ready, naming it; the gauge follows.
    await redis.kill();
    const down = await readyUntil(serve, (status) => status === 503);
    expect(down).toMatchObject({ ready: false, reasons: [{ check: 'redis', code: 'ERR_CLUSTER_CONNECTION' }] });
    expect((await get(serve, '/metrics')).text).toMatch(/^chunkmill_cluster_redis_up 0$/m);
    expect(serve.stderr()).not.toContain(PASSWORD);
  } finally {
    serve.child.kill('SIGKILL');
    await serve.exited;
  }
});
