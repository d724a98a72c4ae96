/**
 * Ctrl-C: SIGINT cancels the job, the pool shuts down, and the CLI exits 130 promptly with no
 * result and no partial output line; one line on stderr says how far it got and what was kept
 * or removed.
 */
import { existsSync } from 'node:fs';
import { beforeAll, expect, test } from 'vitest';
import { generate } from '../../support/generate.ts';
import { collect, startCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir('chunkmill-cli-cancel-');
let input = '';
/**
 * Generous for a loaded 2-core machine. The jobs it bounds take several times longer uncancelled
 * (the 128-byte chunks: ~20 s on such a machine; with 512-byte ones, 4 s to 7 s, too close to a
 * bound a loaded machine can need), or never end (stdin left open).
 */
const PROMPT_MS = 5_000;

beforeAll(async () => {
  input = tmp.dir + '/sales.csv';
  await generate(input, 'sales', { bytes: 8_000_000, seed: 11 });
}, 60_000);

/** Starts the CLI with a forced bar, waits until the job reports progress, sends SIGINT. */
async function interrupt(args: string[], ready: (stdout: string, stderr: string) => boolean) {
  const child = startCli(args, { env: { CHUNKMILL_PROGRESS: '1' } });
  const result = collect(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: string) => (out += d));
  child.stderr.on('data', (d: string) => (err += d));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (ready(out, err)) resolve();
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.on('exit', () => reject(new Error(`exited before it could be interrupted: ${err}`)));
  });
  const sent = Date.now();
  child.kill('SIGINT');
  const r = await result;
  return { ...r, afterSigintMs: Date.now() - sent };
}

/** How far the job got: rows and bytes of the 8 MB input, or nothing yet. */
const HOW_FAR = String.raw`cancelled (after [\d,]+ rows, [\d.]+ [kMG]?B of 8\.0 MB|before any rows were done)`;

test('aggregate: exit 130, no result on stdout; stderr says how far it got and that nothing was written', async () => {
  // 128-byte chunks on one worker: ~60,000 chunks, tens of seconds of work.
  const r = await interrupt(
    ['aggregate', input, '-g', 'region', '--sum', 'amount', '--chunk-size', '128', '--workers', '1'],
    (_o, e) => /[1-9][\d,]* rows/.test(e),
  );
  expect(r.code).toBe(130);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^chunkmill: cancelled after [1-9][\d,]* rows, [\d.]+ [kM]?B of 8\.0 MB; nothing written$/m);
  expect(r.stderr).not.toMatch(/\[ERR_|ABORT_ERR/);
  expect(r.stderr).not.toMatch(/100% \|/);
  expect(r.afterSigintMs).toBeLessThan(PROMPT_MS);
});

test('the line names what was kept (the checkpoint) and removed (--output, --rejects)', async () => {
  const out = tmp.dir + '/totals.csv';
  const journal = tmp.dir + '/totals.journal';
  const rejects = tmp.dir + '/rejects.csv';
  const r = await interrupt(
    [
      'aggregate',
      input,
      '-g',
      'region',
      '--chunk-size',
      '128',
      '-w',
      '1',
      '-o',
      out,
      '--checkpoint',
      journal,
      '--on-bad-row',
      'report',
      '--rejects',
      rejects,
    ],
    (_o, e) => /\d+% \|/.test(e),
  );
  expect(r.code).toBe(130);
  expect(r.stderr).toMatch(
    new RegExp(
      `^chunkmill: ${HOW_FAR}; nothing written \\(${out} removed\\); checkpoint ${journal} kept: run the same command again to resume; no rejects file \\(${rejects} not made\\)$`,
      'm',
    ),
  );
  expect(existsSync(out)).toBe(false);
  // A rejects file is made only when the job succeeds; the line must not point at one.
  expect(existsSync(rejects)).toBe(false);
  expect(existsSync(journal)).toBe(true);
});

test('convert: exit 130, and stdout ends with a whole line', async () => {
  const r = await interrupt(
    ['convert', input, '--to', 'ndjson', '--chunk-size', '128', '--workers', '1'],
    (o) => o.length > 10_000,
  );
  expect(r.code).toBe(130);
  expect(r.stderr).toMatch(
    new RegExp(`^chunkmill: ${HOW_FAR}; the rows up to there are on stdout, in whole lines$`, 'm'),
  );
  expect(r.stdout.endsWith('\n')).toBe(true);
  for (const line of r.stdout.trimEnd().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  expect(r.afterSigintMs).toBeLessThan(PROMPT_MS);
});

test('stdin that never ends: Ctrl-C still stops the job at once', async () => {
  // Small chunks: progress (rows) is reported per finished chunk.
  const child = startCli(['aggregate', '-', '--count', '--chunk-size', '64KiB'], { env: { CHUNKMILL_PROGRESS: '1' } });
  const result = collect(child);
  let err = '';
  child.stderr.on('data', (d: string) => (err += d));
  child.stdin.write('region,amount\n' + 'north,1\n'.repeat(100_000));
  // The job is reading (rows are counted), and stdin stays open.
  await new Promise<void>((resolve, reject) => {
    child.on('exit', () => reject(new Error(`exited before it could be interrupted: ${err}`)));
    const check = () => (/[1-9][\d,]* rows/.test(err) ? resolve() : setTimeout(check, 50));
    check();
  });
  const sent = Date.now();
  child.kill('SIGINT');
  const r = await result;
  child.stdin.destroy();
  expect(r.code).toBe(130);
  expect(r.stdout).toBe('');
  expect(Date.now() - sent).toBeLessThan(PROMPT_MS);
});
