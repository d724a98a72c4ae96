/**
 * Datasets in cluster mode: a glob of gzip parts (one parseFile item per file) and a glob of CSV
 * objects with differing headers under unionColumns (parse items that carry a per-source remap),
 * served by two real `chunkmill worker` processes through a real redis-server. Each worker runs
 * in its own mount namespace with an empty tmpfs over the data folder (no copy of the data), and
 * reads the objects from a real s3rver with credentials from its own environment. Each result is
 * byte-identical to the local run over the same files, a part with another header fails with the
 * local run's error, naming the object, and no credential ever enters Redis.
 */
import { readFileSync } from 'node:fs';
import { deserialize } from 'node:v8';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Redis } from 'ioredis';
import { processDataset, type ProcessOptions } from 'chunkmill';
import { startRedis, type RedisServer } from '../../support/redis-server.ts';
import { killAll, startWorker, type WorkerProcess } from '../helpers/cluster.ts';
import { HEADER, randomCsv, rng } from '../helpers/random-csv.ts';
import { awsEnv, S3_KEY, setEnv, startS3, type TestS3 } from '../helpers/s3.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
let redis: RedisServer;
let s3: TestS3;
const workers: WorkerProcess[] = [];
/** The secret the coordinator is given from code: it must never reach Redis. */
const SECRET = 'never-in-redis-5c1e';

const header = `${HEADER.join(',')}\n`;
/** Five gzip parts of random CSV (quoted newlines, CRLF, multi-byte text), the second header-only. */
const gzParts = [0, 1, 2, 3, 4].map((i) => {
  if (i === 1) return header;
  const { text } = randomCsv(rng(900 + i), { rows: 200 + 37 * i });
  const body = text.slice(text.indexOf(HEADER.join(',')) + HEADER.join(',').length).replace(/^\r?\n/, '');
  return header + (body.endsWith('\n') ? body : `${body}\n`);
});
const gzAggregate = {
  groupBy: ['k', 't'],
  measures: { n: { kind: 'count' }, s: { kind: 'sum', column: 'v' }, hi: { kind: 'max', column: 'v' } },
} as const;

/** CSV files whose headers differ: reordered, missing and extra columns, CRLF in one. */
const unionFiles: [string, string][] = [
  ['u-1.csv', 'k,v,t\na,1,x\n"b,c",2,"two\nlines"\na,3,\n'],
  ['u-2.csv', 't,k,v\r\ny,a,10\r\n"say ""hi""",b,-4\r\n'],
  ['u-3.csv', 'k,x\na,7\nq,\n'],
  ['u-4.csv', 'z,k,v,x\n1,a,5,2\n9,q,,3\n2,東京,8,\n'],
];
const unionAggregate = {
  groupBy: ['k'],
  measures: {
    n: { kind: 'count' },
    s: { kind: 'sum', column: 'v' },
    sx: { kind: 'sum', column: 'x' },
    lo: { kind: 'min', column: 'z' },
  },
} as const;

beforeAll(async () => {
  [redis, s3] = await Promise.all([startRedis(), startS3()]);
  await s3.createBucket('bucket');
  for (const [i, text] of gzParts.entries()) {
    const bytes = gzipSync(text);
    tmp.file(`part-${i}.csv.gz`, bytes);
    await s3.putObject('bucket', `parts/part-${i}.csv.gz`, bytes);
  }
  // A glob whose second part repeats no header of the first's, and whose third has a bad gzip stream.
  await s3.putObject('bucket', 'bad/part-0.csv.gz', gzipSync(gzParts[0]!));
  await s3.putObject('bucket', 'bad/part-1.csv.gz', gzipSync('k,w,t\na,1,x\n'));
  await s3.putObject('bucket', 'bad/part-2.csv.gz', gzipSync(gzParts[2]!).subarray(0, 100));
  for (const [name, text] of unionFiles) {
    tmp.file(name, text);
    await s3.putObject('bucket', `union/${name}`, readFileSync(`${tmp.dir}/${name}`));
  }
  // Each worker sees an empty folder where the data is, and only the AWS variables of its own.
  const launcher = ['unshare', '--mount', 'sh', '-c', 'mount -t tmpfs tmpfs "$1" && shift && exec "$@"', 'sh', tmp.dir];
  const restoreEnv = setEnv(awsEnv(s3.endpoint));
  try {
    workers.push(
      ...(await Promise.all([
        startWorker(redis.url, { name: 'diskless-1', threads: 2, launcher }),
        startWorker(redis.url, { name: 'diskless-2', threads: 2, launcher }),
      ])),
    );
  } finally {
    restoreEnv();
  }
}, 60_000);

afterAll(async () => {
  await killAll(workers);
  await Promise.all([redis?.stop(), s3?.stop()]);
});

/** Runs `options` on the cluster with Redis watched (MONITOR); returns the result and every command Redis saw. */
async function onCluster(options: ProcessOptions) {
  const monitor = new Redis(redis.url);
  const seen: string[] = [];
  await monitor.monitor().then((m) => m.on('monitor', (_time: number, args: string[]) => seen.push(args.join(' '))));
  try {
    // The coordinator passes its settings from code; the credentials stay in this process.
    const s3Option = { ...s3.settings, credentials: { accessKeyId: S3_KEY, secretAccessKey: SECRET } };
    const result = await processDataset({ ...options, s3: s3Option, cluster: { redis: redis.url } } as ProcessOptions)
      .result;
    return { result, seen };
  } finally {
    monitor.disconnect();
  }
}

type Sent = { op: string; input?: { path: string; s3?: Record<string, unknown> }; remap?: unknown };

/** The chunk requests in the work items Redis saw (base64 of v8-serialised requests, cluster/codec.ts). */
function requestsIn(seen: string[]): Sent[] {
  const requests: Sent[] = [];
  for (const token of seen.join('\n').match(/[A-Za-z0-9+/]{40,}={0,2}/g) ?? [])
    try {
      const value = deserialize(Buffer.from(token, 'base64')) as { op?: unknown };
      if (typeof value?.op === 'string') requests.push(value as Sent);
    } catch {
      // Not a request (a lock token, a reply's bytes).
    }
  return requests;
}

/** Work items went through Redis: none holds the secret, in any form, and no request carries credentials. */
function expectNoSecret(seen: string[]) {
  const requests = requestsIn(seen);
  expect(requests.length).toBeGreaterThan(0);
  for (const r of requests) {
    expect(r.input?.s3?.endpoint).toBe(s3.endpoint); // the settings that are no secret travel
    expect(r.input?.s3).not.toHaveProperty('credentials');
  }
  const all = seen.join('\n');
  for (const form of [SECRET, Buffer.from(SECRET).toString('base64').slice(0, 16)]) expect(all).not.toContain(form);
  return requests;
}

test('gzip parts from a glob of objects: one parseFile item per file, byte-identical to a local run', {
  timeout: 60_000,
}, async () => {
  const local = await processDataset({ input: `${tmp.dir}/part-*.csv.gz`, aggregate: gzAggregate, workers: 2 }).result;
  expect(local.stats.rows).toBeGreaterThan(800); // the parts hold data
  const { result, seen } = await onCluster({ input: 's3://bucket/parts/*.csv.gz', aggregate: gzAggregate });
  expect(JSON.stringify(result.rows)).toBe(JSON.stringify(local.rows));
  expect(result.stats.rows).toBe(local.stats.rows);
  expect(result.stats.bytes).toBe(local.stats.bytes);
  expect(result.stats.chunks).toBe(gzParts.length); // one item per file: the parseFile path
  const sent = expectNoSecret(seen);
  // Each file went whole to one worker, as the object's URL (MONITOR may show an item's data more than once).
  expect(new Set(sent.map((r) => r.op))).toStrictEqual(new Set(['parseFile']));
  const urls = gzParts.map((_, i) => `s3://bucket/parts/part-${i}.csv.gz`);
  expect([...new Set(sent.map((r) => r.input?.path))].sort()).toStrictEqual(urls);
});

test('a part whose header differs fails as the local run does, naming the object', { timeout: 60_000 }, async () => {
  const input = 's3://bucket/bad/*.csv.gz';
  const local = await processDataset({ input, aggregate: gzAggregate, s3: s3.settings, workers: 2 }).result.catch(
    (e) => e,
  );
  expect(local.code).toBe('ERR_CSV_HEADER');
  const remote = await onCluster({ input, aggregate: gzAggregate }).catch((e) => e);
  expect([remote.code, remote.message]).toStrictEqual([local.code, local.message]);
  expect(remote.message).toContain('s3://bucket/bad/part-1.csv.gz');
});

test('a glob of CSV objects with differing headers under unionColumns: byte-identical to a local run', {
  timeout: 60_000,
}, async () => {
  for (const chunkSize of [8, 1 << 20]) {
    const options = { aggregate: unionAggregate, unionColumns: true, chunkSize } as const;
    const local = await processDataset({ ...options, input: `${tmp.dir}/u-*.csv`, workers: 2 }).result;
    expect(local.stats.rows).toBe(10);
    const { result, seen } = await onCluster({ ...options, input: 's3://bucket/union/u-*.csv' });
    expect(JSON.stringify(result.rows), `chunkSize ${chunkSize}`).toBe(JSON.stringify(local.rows));
    expect(result.stats.rows).toBe(local.stats.rows);
    // The files' columns differ from the dataset's: their requests carry a remap (kinds/remap-sink.ts).
    expect(expectNoSecret(seen).some((r) => r.remap !== undefined)).toBe(true);
  }
});

test('the workers have no copy of the data: a local dataset fails on them (so the tests above read the bucket)', {
  timeout: 60_000,
}, async () => {
  const input = `${tmp.dir}/u-*.csv`;
  const error = await processDataset({
    input,
    aggregate: unionAggregate,
    unionColumns: true,
    cluster: { redis: redis.url },
  }).result.catch((e) => e);
  expect(error.code).toBe('ERR_FILE_NOT_FOUND');
});
