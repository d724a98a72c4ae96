/**
 * The CLI's inputs as a dataset, through the real binary: several file arguments, a quoted glob,
 * and s3:// objects with the credentials and endpoint taken from the standard AWS variables (a
 * real s3rver on loopback). The answer is the one of the files concatenated.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { awsEnv, startS3, type TestS3 } from '../helpers/s3.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir();
const a = 'region,amount\r\nnorth,1\r\nsouth,"2"\r\n';
const b = 'region,amount\r\nnorth,10\r\n"we\nst",5\r\n';
const c = 'region,amount\r\nsouth,100\r\n';
const files = [a, b, c].map((text, i) => tmp.file(`2026-0${i + 1}.csv`, text));
const whole = tmp.file('whole.csv', a + b.split('\r\n').slice(1).join('\r\n') + c.split('\r\n').slice(1).join('\r\n'));
const args = ['-g', 'region', '--count', '--sum', 'amount', '--sort', 'region'];

let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3();
  await s3.createBucket('exports');
  for (const [i, text] of [a, b, c].entries()) await s3.putObject('exports', `daily/2026-0${i + 1}.csv`, text);
}, 60_000);
afterAll(() => s3?.stop());

describe('chunkmill aggregate over a dataset', () => {
  test('several files, a glob and a bucket glob give the answer of the concatenation', {
    timeout: 60_000,
  }, async () => {
    const expected = await runCli(['aggregate', whole, ...args]);
    expect(expected.code, expected.stderr).toBe(0);
    expect(expected.stdout).toBe('region,count,sum_amount\nnorth,2,11\nsouth,2,102\n"we\nst",1,5\n');
    const several = await runCli(['aggregate', ...files, ...args, '--chunk-size', '8']);
    expect([several.code, several.stdout]).toStrictEqual([0, expected.stdout]);
    const globbed = await runCli(['aggregate', `${tmp.dir}/2026-*.csv`, ...args, '-w', '2']);
    expect([globbed.code, globbed.stdout]).toStrictEqual([0, expected.stdout]);
    const env = awsEnv(s3.endpoint);
    const bucket = await runCli(['aggregate', 's3://exports/daily/2026-*.csv', ...args, '--chunk-size', '16'], { env });
    expect([bucket.code, bucket.stdout], bucket.stderr).toStrictEqual([0, expected.stdout]);
  });

  test('stdin cannot be one of several inputs; a missing glob names it', async () => {
    const mixed = await runCli(['aggregate', files[0]!, '-', '--count']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain("'-' (stdin) cannot be one of several inputs");
    const none = await runCli(['aggregate', `${tmp.dir}/1999-*.csv`, '--count']);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain(`No file matches ${tmp.dir}/1999-*.csv`);
    expect(none.stderr).not.toContain('    at '); // no stack trace
  });
});
