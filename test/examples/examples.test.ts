/**
 * Every file in examples/ runs, compiled (npm run build:examples), as a child process on a small
 * generated sales file, and prints what the docs say it prints. The expected figures come from
 * processSerial or from the generator's own rows, never from the example under test.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { count, max, mean, min, processSerial, sum } from 'chunkmill';
import { generate, rng, salesRow } from '../../support/generate.ts';
import { collect, type CliResult } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const SOURCES = fileURLToPath(new URL('../../examples/', import.meta.url));
const COMPILED = `${SOURCES}dist/`;
const ROWS = 90_000; // ~4 MB: four 1 MiB chunks for the checkpoint example
const tmp = tempDir();
const input = `${tmp.dir}/sales.csv`;
/** The generator's rows as fields (order_id, date, region, product, quantity, amount: none quoted). */
const fields: string[][] = [];

beforeAll(async () => {
  for (const name of readdirSync(SOURCES).filter((f) => f.endsWith('.ts'))) {
    const compiled = `${COMPILED}${name.replace(/\.ts$/, '.js')}`;
    if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(`${SOURCES}${name}`).mtimeMs)
      throw new Error(`examples/${name} is not compiled or changed since: run npm run build:examples`);
  }
  await generate(input, 'sales', { rows: ROWS, seed: 42 });
  const random = rng(42);
  for (let i = 1; i <= ROWS; i++) fields.push(salesRow(i, random).split(',', 6));
}, 60_000);

function run(example: string, args: string[], stdin?: Buffer): Promise<CliResult> {
  const child = spawn(process.execPath, [`${COMPILED}${example}.js`, ...args], { cwd: tmp.dir });
  const done = collect(child);
  child.stdin.end(stdin);
  return done;
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');
const json = (text: string): unknown[] => lines(text).map((l) => JSON.parse(l) as unknown);

let regions: Promise<unknown[]> | undefined;
/** count() and sum('amount') by region, as the stdin, checkpoint and server examples compute them. */
function byRegion(): Promise<unknown[]> {
  const measures = { orders: count(), revenue: sum('amount') };
  regions ??= processSerial({ input, aggregate: { groupBy: ['region'], measures } }).then((r) => r.rows);
  return regions;
}

describe.concurrent('examples', { timeout: 30_000 }, () => {
  test('aggregate.ts: one JSON line per region, progress on stderr', async () => {
    const { code, stdout, stderr } = await run('aggregate', ['sales.csv']);
    expect(stderr).not.toMatch(/Error/);
    expect(code).toBe(0);
    const measures = {
      orders: count(),
      revenue: sum('amount'),
      avg: mean('amount'),
      lo: min('amount'),
      hi: max('amount'),
    };
    const serial = await processSerial({ input, aggregate: { groupBy: ['region'], measures } });
    expect(json(stdout)).toStrictEqual(serial.rows);
    const size = statSync(input).size;
    expect(stderr).toContain(`${size}/${size} bytes, eta 0 ms`);
    expect(stderr).toMatch(new RegExp(`^${ROWS} rows, 1 chunks, 1 workers, `, 'm'));
  });

  test('run-task.ts with long-orders.ts: the typed task counts orders of 10 items or more', async () => {
    const { code, stdout, stderr } = await run('run-task', ['sales.csv']);
    expect(code).toBe(0);
    const long = fields.filter((f) => Number(f[4]) >= 10).length;
    expect(long).toBeGreaterThan(0);
    expect(json(stdout)).toStrictEqual([{ orders: ROWS, long, share: long / ROWS }]);
    expect(stderr).toMatch(/^-1 worker \d+ ready$/m); // ctx.log from setup, as a `log` event
  });

  test('transform.ts with shout.ts: upper-case regions and amounts, in input order', async () => {
    const { code, stdout } = await run('transform', ['sales.csv', 'shout.csv']);
    expect(code).toBe(0);
    const expected = `region,amount\n${fields.map((f) => `${f[2]!.toUpperCase()},${f[5]}\n`).join('')}`;
    expect(readFileSync(`${tmp.dir}/shout.csv`, 'utf8')).toBe(expected);
    const bytes = Buffer.byteLength(expected);
    expect(stdout).toBe(`${ROWS} rows in, ${ROWS} rows out, ${bytes} bytes written to shout.csv\n`);
  });

  test('stdin.ts: the same figures from a pipe, progress without a total', async () => {
    const { code, stdout, stderr } = await run('stdin', [], readFileSync(input));
    expect(code).toBe(0);
    expect(json(stdout)).toStrictEqual(await byRegion());
    expect(stderr).toContain(`${statSync(input).size} bytes, ${ROWS} rows`);
  });

  test('checkpoint.ts: a cancelled run, then a resume from its journal with the exact result', async () => {
    const { code, stdout } = await run('checkpoint', ['sales.csv', 'sales.journal']);
    expect(code).toBe(0);
    const [first, second, ...rows] = lines(stdout);
    expect(first).toMatch(/^first run: The job was cancelled after \d+ chunks, \d+ rows, \d+ bytes$/);
    const resumed = /^second run: (\d+) of 4 chunks from the journal$/.exec(second ?? '');
    expect(resumed, second).not.toBeNull();
    expect(Number(resumed![1])).toBeGreaterThanOrEqual(2); // cancelled once chunk 1 was merged
    expect(Number(resumed![1])).toBeLessThan(4);
    expect(rows.map((r) => JSON.parse(r) as unknown)).toStrictEqual(await byRegion());
    expect(existsSync(`${tmp.dir}/sales.journal`)).toBe(false); // removed on success
  });

  test('jobs.ts: a job queued, run by a warm engine, watched to its end, its rows read from the store', async () => {
    const { code, stdout, stderr } = await run('jobs', ['sales.csv']);
    expect(code).toBe(0);
    expect(json(stdout)).toStrictEqual(await byRegion());
    expect(lines(stderr)).toEqual(['job 1: queued', 'job 1: running', 'job 1: succeeded']);
    expect(existsSync(`${tmp.dir}/jobs.db`)).toBe(true);
  });

  test('server.ts: POST starts a job and answers at once; GET reports progress, then the result', async () => {
    const child = spawn(process.execPath, [`${COMPILED}server.js`, tmp.dir, '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    try {
      const base = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on('exit', () => reject(new Error(`server exited: ${stderr}`)));
      });
      const post = await fetch(`${base}/jobs?file=sales.csv`, { method: 'POST' });
      expect(post.status).toBe(202);
      const { id } = (await post.json()) as { id: string };
      expect((await fetch(`${base}/jobs?file=../sales.csv`, { method: 'POST' })).status).toBe(400);
      const outside = encodeURIComponent(fileURLToPath(new URL('../../package.json', import.meta.url)));
      expect((await fetch(`${base}/jobs?file=${outside}`, { method: 'POST' })).status).toBe(400); // exists, elsewhere
      expect((await fetch(`${base}/jobs?file=nope.csv`, { method: 'POST' })).status).toBe(400);
      expect((await fetch(`${base}/jobs/999`)).status).toBe(404);

      let record: { state: string; progress: { bytesDone: number } | null; result?: { rows: unknown[] } };
      const until = Date.now() + 20_000;
      do {
        record = (await (await fetch(`${base}/jobs/${id}`)).json()) as typeof record;
        if (record.state === 'running') await new Promise((r) => setTimeout(r, 20));
      } while (record.state === 'running' && Date.now() < until);
      expect(record.state).toBe('done');
      expect(record.progress?.bytesDone).toBe(statSync(input).size);
      expect(record.result?.rows).toStrictEqual(await byRegion());
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0); // SIGTERM closes the server; nothing else holds the process
    expect(stderr).toBe('');
  });
});
