/**
 * Workers of another chunkmill version: a real other build (a copy of dist/ whose package.json
 * says another version). It takes its items from its own version's queue, so it can never run
 * this coordinator's chunks: alone it makes the job fail with ERR_CLUSTER_VERSION naming it; next
 * to a worker of this version the job runs there, with a warning. An item of another protocol
 * that reaches a worker anyway is answered with the same error, never run.
 */
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { deserialize, serialize } from 'node:v8';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { count, processDataset, processSerial, sum } from 'chunkmill';
import { PROTOCOL } from '../../dist/cluster/names.js';
import { generate } from '../../support/generate.ts';
import { killAll, startWorker, type WorkerProcess } from '../helpers/cluster.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { startRedis, type RedisServer } from '../../support/redis-server.ts';
import { tempDir } from '../helpers/tmp.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const OTHER = '0.0.0-other';
const tmp = tempDir();
let redis: RedisServer;
let input = '';
const workers: WorkerProcess[] = [];
const aggregate = { groupBy: ['region'], measures: { n: count(), total: sum('amount') } };

/** chunkmill of version OTHER: this build's dist/ under a package.json that says so. */
function otherBuild(): string {
  const dir = join(tmp.dir, 'other');
  mkdirSync(dir);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, version: OTHER }));
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return join(dir, 'dist', 'cli', 'main.js');
}

beforeAll(async () => {
  redis = await startRedis();
  input = `${tmp.dir}/sales.csv`;
  await generate(input, 'sales', { rows: 5_000, seed: 4 });
  const other = await startWorker(redis.url, { name: 'old', cli: otherBuild(), verbose: true });
  workers.push(other);
  expect(other.lines[0]).toContain(`chunkmill ${OTHER}`);
}, 60_000);

afterAll(async () => {
  await killAll(workers);
  await redis?.stop();
});

test('only a worker of another version: ERR_CLUSTER_VERSION naming it and both versions', {
  timeout: 30_000,
}, async () => {
  const error = await rejectionOf(
    processDataset({ input, aggregate, cluster: { redis: redis.url, workerTimeout: 1_000 } }).result,
  );
  expect(error.code).toBe('ERR_CLUSTER_VERSION');
  expect(error.message).toContain(`No worker at ${redis.url} runs chunkmill ${VERSION}`);
  expect(error.message).toContain(`old on ${hostname()} (chunkmill ${OTHER})`);
  expect(error.hint).toContain(`start workers of chunkmill ${VERSION}`);
});

test('next to a worker of this version: the job runs there, exact, with a warning naming the other', {
  timeout: 30_000,
}, async () => {
  workers.push(await startWorker(redis.url, { name: 'new' }));
  const job = processDataset({ input, aggregate, chunkSize: 16 << 10, cluster: { redis: redis.url } });
  const warnings: string[] = [];
  job.on('warning', (w) => warnings.push(`${w.code}: ${w.message}`));
  const { rows } = await job.result;
  expect(rows).toStrictEqual((await processSerial({ input, aggregate })).rows);
  expect(warnings).toEqual([
    `WARN_CLUSTER_VERSION: Workers of another chunkmill version take no part in this job (this is ${VERSION}): old on ${hostname()} (chunkmill ${OTHER})`,
  ]);
  expect(workers[0]!.lines.filter((l) => / chunk \d+ of job /.test(l))).toEqual([]); // it ran nothing
});

test('an item of another protocol that reaches a worker is refused, not run', { timeout: 30_000 }, async () => {
  const queue = new Queue(`chunks-${VERSION}`, { connection: redis.client, prefix: 'chunkmill' });
  const replyTo = 'chunkmill:replies:test';
  const request = serialize({
    op: 'summarize',
    input: { path: input, size: 1, mtimeMs: 1 },
    start: 0,
    end: 1,
    quote: 34,
  });
  await queue.add(
    'summarize',
    {
      protocol: 999,
      version: VERSION,
      runId: 'r',
      replyTo,
      chunkIndex: 0,
      request: request.toString('base64'),
      module: null,
      timeout: null,
      control: false,
      maxPayload: 1 << 20,
    },
    { jobId: 'odd-0-0', removeOnComplete: true, removeOnFail: true },
  );
  const [, bytes] = (await redis.client.blpopBuffer(replyTo, 10))!;
  const message = deserialize(bytes) as { t: string; error: { code: string; message: string } };
  expect(message.t).toBe('failure');
  expect(message.error.code).toBe('ERR_CLUSTER_VERSION');
  expect(message.error.message).toMatch(
    new RegExp(`runs chunkmill .* \\(protocol ${PROTOCOL}\\); the chunk came from .* \\(protocol 999\\)`),
  );
  await queue.close();
});
