/**
 * verify: 'content' (#21 item 7). A cluster worker whose machine has another copy of the input
 * at the same path, with the same size and modified time but one byte changed (a `cp -p` of an
 * edited file, a half-synced replica), is a real `chunkmill worker` in a mount namespace of its
 * own with that copy bind-mounted over the path. With 'stat' (the default) the job merges that
 * copy's rows and answers a wrong sum without a word: the fault the SRE found. With 'content'
 * every chunk's bytes are checked against the coordinator's copy before its rows are merged, and
 * the job fails with ERR_FILE_CHANGED naming the chunk and its bytes.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { processDataset, processSerial, sum } from 'chunkmill';
import { generate } from '../../support/generate.ts';
import { startRedis, type RedisServer } from '../../support/redis-server.ts';
import { killAll, startWorker, type WorkerProcess } from '../helpers/cluster.ts';
import { rejectionOf } from '../helpers/errors.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const input = `${tmp.dir}/sales.csv`;
const other = `${tmp.dir}/other-copy.csv`;
const aggregate = { measures: { total: sum('amount') } };
let redis: RedisServer;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
  await generate(input, 'sales', { rows: 20_000, seed: 5 });
  // The other copy: the first digit of one amount (the 6th field of a row in the middle of the
  // file) changed, same length, same modified time.
  const bytes = readFileSync(input);
  let digit = bytes.indexOf(0x0a, bytes.length >> 1) + 1;
  for (let commas = 0; commas < 5; digit++) if (bytes[digit] === 0x2c) commas++;
  expect(bytes[digit]).toBeGreaterThanOrEqual(0x30);
  bytes[digit] = bytes[digit] === 0x39 ? 0x38 : bytes[digit]! + 1;
  writeFileSync(other, bytes);
  execFileSync('touch', ['-r', input, other]); // to the nanosecond, as `cp -p` keeps it
  expect(statSync(other).mtimeMs).toBe(statSync(input).mtimeMs);
  // Its own machine, as far as the file is concerned: a mount namespace with the other copy bound
  // over the path (root, as the tests run); exec keeps the worker in this process for signals.
  const launcher = [
    'unshare',
    '--mount',
    '--propagation',
    'private',
    'sh',
    '-c',
    `mount --bind ${other} ${input} && exec "$0" "$@"`,
  ];
  workers.push(await startWorker(redis.url, { name: 'other-copy', launcher }));
}, 60_000);

afterAll(async () => {
  await killAll(workers);
  await redis?.stop();
});

const run = (verify: 'stat' | 'content') =>
  processDataset({ input, aggregate, chunkSize: 64 << 10, verify, cluster: { redis: redis.url } }).result;

test("'stat' cannot tell the other copy from the file: the answer is silently not the file's", {
  timeout: 60_000,
}, async () => {
  const truth = await processSerial({ input, aggregate });
  const { rows } = await run('stat');
  expect(rows).not.toStrictEqual(truth.rows); // the fault verify: 'content' exists for
  expect(rows).toStrictEqual((await processSerial({ input: other, aggregate })).rows);
});

test("'content' refuses the other copy's chunk before its rows are merged: ERR_FILE_CHANGED", {
  timeout: 60_000,
}, async () => {
  const error = await rejectionOf(run('content'));
  expect(error).toMatchObject({ code: 'ERR_FILE_CHANGED', file: input });
  expect((error as Error).message).toMatch(
    /^Chunk \d+ of .* \(bytes \d+ to \d+\) was read from another copy of the file/,
  );
});
