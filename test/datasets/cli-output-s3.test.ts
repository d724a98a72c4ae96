/**
 * `-o s3://bucket/key` through the real binary against a real s3rver: the object holds exactly the
 * bytes `-o file` writes (a multipart upload for a large result), and a run that fails leaves no
 * object at all.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { generate } from '../../support/generate.ts';
import { runCli } from '../helpers/cli.ts';
import { S3_KEY, S3_SECRET, startS3, type TestS3 } from '../helpers/s3.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
let s3: TestS3;
let env: Record<string, string | undefined>;
const input = join(tmp.dir, 'sales.csv');

beforeAll(async () => {
  s3 = await startS3();
  await s3.createBucket('out');
  await generate(input, 'sales', { rows: 200_000, seed: 5 }); // ~9 MB: its NDJSON takes two parts
  env = {
    AWS_ACCESS_KEY_ID: S3_KEY,
    AWS_SECRET_ACCESS_KEY: S3_SECRET,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_PROFILE: undefined,
  };
}, 60_000);
afterAll(() => s3?.stop());

test('convert -o s3:// writes the bytes -o file writes; aggregate -o s3://x.json writes JSON', {
  timeout: 120_000,
}, async () => {
  const local = join(tmp.dir, 'rows.ndjson');
  const toFile = await runCli(['convert', input, '--to', 'ndjson', '-o', local, '-w', '2']);
  expect(toFile.code, toFile.stderr).toBe(0);
  const expected = readFileSync(local);
  expect(expected.length).toBeGreaterThan(8 << 20); // more than one 8 MiB part
  const toS3 = await runCli(['convert', input, '--to', 'ndjson', '-o', 's3://out/rows.ndjson', '-w', '2'], { env });
  expect(toS3.code, toS3.stderr).toBe(0);
  expect((await s3.getObject('out', 'rows.ndjson'))?.equals(expected)).toBe(true);
  const json = await runCli(['aggregate', input, '-g', 'region', '--sum', 'amount', '-o', 's3://out/agg.json'], {
    env,
  });
  expect(json.code, json.stderr).toBe(0);
  const stdout = await runCli(['aggregate', input, '-g', 'region', '--sum', 'amount', '-f', 'json']);
  expect((await s3.getObject('out', 'agg.json'))?.toString()).toBe(stdout.stdout);
});

test('a run that fails leaves no object', { timeout: 60_000 }, async () => {
  // Its NDJSON passes 8 MiB before the bad record: a part is uploaded, then the upload aborted.
  const bad = tmp.file('bad.csv', `${readFileSync(input, 'utf8')}x,"y"z\n`);
  const run = await runCli(['convert', bad, '--to', 'ndjson', '-o', 's3://out/bad.ndjson'], { env });
  expect(run.code).not.toBe(0);
  expect(run.stderr).toContain('ERR_CSV');
  expect(await s3.getObject('out', 'bad.ndjson')).toBeNull();
});
