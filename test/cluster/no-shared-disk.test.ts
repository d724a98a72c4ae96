/**
 * The cluster without a shared disk: a `chunkmill worker` in its own mount namespace, with an
 * empty tmpfs over the data folder (it has no copy of the data at all), reads its chunks from an
 * S3-compatible server (a real s3rver) with credentials from its own environment. The result is
 * byte-identical to a local run over the local file, and no credential ever enters Redis.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Redis } from 'ioredis';
import { processDataset, processSerial } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { startRedis, type RedisServer } from '../../support/redis-server.ts';
import { killAll, startWorker, type WorkerProcess } from '../helpers/cluster.ts';
import { awsEnv, S3_KEY, setEnv, startS3, type TestS3 } from '../helpers/s3.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
let redis: RedisServer;
let s3: TestS3;
const workers: WorkerProcess[] = [];
const input = `${tmp.dir}/sales.csv`;
const aggregate = {
  groupBy: ['region', 'product'],
  measures: { n: { kind: 'count' }, total: { kind: 'sum', column: 'amount' }, hi: { kind: 'max', column: 'quantity' } },
} as const;

beforeAll(async () => {
  [redis, s3] = await Promise.all([startRedis(), startS3()]);
  await generate(input, 'sales', { rows: 30_000, seed: 21 }); // ~1.3 MB, quoted newlines included
  await s3.createBucket('lake');
  await s3.putObject('lake', 'sales/2026.csv', readFileSync(input));
  // The worker sees an empty folder where the data is, and only the AWS variables of its own.
  const launcher = ['unshare', '--mount', 'sh', '-c', 'mount -t tmpfs tmpfs "$1" && shift && exec "$@"', 'sh', tmp.dir];
  const restoreEnv = setEnv(awsEnv(s3.endpoint));
  try {
    workers.push(await startWorker(redis.url, { name: 'diskless', threads: 2, launcher }));
  } finally {
    restoreEnv();
  }
}, 60_000);

afterAll(async () => {
  await killAll(workers);
  await Promise.all([redis?.stop(), s3?.stop()]);
});

test('a worker with no copy of the file reads its chunks from the bucket: byte-identical to a local run', {
  timeout: 60_000,
}, async () => {
  const local = await processSerial({ input, aggregate });
  // The coordinator passes its settings from code; the credentials stay in this process.
  const monitor = new Redis(redis.url);
  const seen: string[] = [];
  await monitor.monitor().then((m) => m.on('monitor', (_time: number, args: string[]) => seen.push(args.join(' '))));
  const job = processDataset({
    input: 's3://lake/sales/2026.csv',
    s3: { ...s3.settings, credentials: { accessKeyId: S3_KEY, secretAccessKey: 'never-in-redis-7f3a' } },
    aggregate,
    chunkSize: 64 << 10,
    cluster: { redis: redis.url },
  });
  const result = await job.result;
  expect(JSON.stringify(result.rows)).toBe(JSON.stringify(local.rows));
  expect(result.stats.rows).toBe(local.stats.rows);
  expect(result.stats.chunks).toBeGreaterThan(10);
  monitor.disconnect();
  // Work items went through Redis (base64 of the requests): none holds the secret, in any form.
  expect(seen.length).toBeGreaterThan(10);
  const all = seen.join('\n');
  for (const form of ['never-in-redis-7f3a', Buffer.from('never-in-redis-7f3a').toString('base64').slice(0, 16)])
    expect(all).not.toContain(form);
});

test('the same worker cannot read the local file: it has no copy (so the test above read the bucket)', {
  timeout: 60_000,
}, async () => {
  const error = await processDataset({ input, aggregate, cluster: { redis: redis.url } }).result.catch((e) => e);
  expect(error.code).toBe('ERR_FILE_NOT_FOUND');
});
