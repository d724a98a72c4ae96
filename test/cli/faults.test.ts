/**
 * The reliability options on the command line: --on-bad-row report with --rejects, --retries,
 * --timeout and --checkpoint reach the engine; their misuse is a usage error (exit 2).
 */
import { readFileSync, existsSync } from 'node:fs';
import { expect, test } from 'vitest';
import { tempDir } from '../helpers/tmp.ts';
import { runCli } from '../helpers/cli.ts';

const tmp = tempDir();
const input = tmp.file('bad.csv', 'id,region,amount\n1,north,10\n2,south\n3,west,30,x\n4,north,40\n');

test('--on-bad-row report --rejects writes the rejected rows with their lines', { timeout: 30_000 }, async () => {
  const rejects = `${tmp.dir}/rejects.csv`;
  const r = await runCli([
    'aggregate',
    input,
    '-g',
    'region',
    '--sum',
    'amount',
    '--on-bad-row',
    'report',
    '--rejects',
    rejects,
    '--format',
    'csv',
  ]);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('region,sum_amount\nnorth,50\n');
  expect(readFileSync(rejects, 'utf8')).toBe('line,fields,record\n3,2,"2,south"\n4,4,"3,west,30,x"\n');
});

test('--on-bad-row report without --rejects, or --rejects alone, is a usage error', { timeout: 30_000 }, async () => {
  const a = await runCli(['aggregate', input, '--count', '--on-bad-row', 'report']);
  expect(a.code).toBe(2);
  expect(a.stderr).toMatch(/--on-bad-row report needs --rejects/);
  const b = await runCli(['aggregate', input, '--count', '--rejects', `${tmp.dir}/x.csv`]);
  expect(b.code).toBe(2);
  expect((await runCli(['aggregate', input, '--count', '--timeout', '0'])).code).toBe(2);
  expect((await runCli(['aggregate', input, '--count', '--retries', '-1'])).code).toBe(2);
});

test('--timeout and --retries: a stuck chunk fails with ERR_CHUNK_TIMEOUT after one retry warning', {
  timeout: 60_000,
}, async () => {
  const task = new URL('../../fixtures/tasks/hang.mjs', import.meta.url).pathname;
  const r = await runCli([
    'run',
    input,
    '--task',
    task,
    '--params',
    '{"at":"4"}',
    '--timeout',
    '300',
    '--retries',
    '1',
    '--on-bad-row',
    'skip',
  ]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/warning: Chunk 0 failed .*retry 1 of 1/);
  expect(r.stderr).toMatch(/ran longer than the timeout \(300 ms\).*\[ERR_CHUNK_TIMEOUT\]/);
});

test('--checkpoint: a finished job leaves no journal; a mismatching one is refused', { timeout: 30_000 }, async () => {
  const journal = `${tmp.dir}/job.journal`;
  const ok = await runCli([
    'aggregate',
    input,
    '--count',
    '--on-bad-row',
    'skip',
    '--checkpoint',
    journal,
    '--format',
    'csv',
  ]);
  expect(ok.code).toBe(0);
  expect(ok.stdout).toBe('count\n2\n');
  expect(existsSync(journal)).toBe(false);
  const bogus = tmp.file('bogus.journal', '{"chunkmill":1,"key":"something else"}\n');
  const refused = await runCli(['aggregate', input, '--count', '--checkpoint', bogus]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/\[ERR_CHECKPOINT_MISMATCH\]/);
});
