/**
 * `npm run bench:server`: the server's latency while it works. `chunkmill serve` runs as its own
 * process (as in production); this process is the clients. Each round, interleaved:
 *
 *   idle: GET /api/jobs/:id at 200 requests/s (autocannon, open loop) with no job running;
 *   busy: the same load while two 200 MB group-by jobs run, with 50 SSE clients following them
 *         (25 each) from the first event to the end.
 *
 * It reports each window's p50/p99/max latency, the medians over rounds, the server's event-loop
 * delay (its own /metrics), and whether every SSE client saw `done` and `end: finished`.
 * Flags: --rounds N (3), --bytes N (200000000), --workers N (the server's; default its cores),
 * --idle-seconds N (3).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { defaultDataDir, ensureDataset } from './data.ts';
import { describeMachine, machine } from './util.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const ROUNDS = arg('rounds', 3);
const BYTES = arg('bytes', 200_000_000);
const WORKERS = arg('workers', 0);
const IDLE_S = arg('idle-seconds', 3);
const SSE_CLIENTS = 50;
const RATE = 200;
const TOKEN = 'bench-token-0123456789abcdef';
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const auth = { authorization: `Bearer ${TOKEN}` };

interface Window {
  p50: number;
  p99: number;
  max: number;
  requests: number;
  errors: number;
  loopP99Ms: number;
}

async function main(): Promise<void> {
  const data = await ensureDataset(defaultDataDir(), 'sales', BYTES, 42, (l) => console.log(l));
  const state = mkdtempSync(join(tmpdir(), 'chunkmill-bench-server-'));
  // The server's data dir holds the dataset as a hard link (a symlink out would be refused).
  mkdirSync(join(state, 'data'));
  const input = 'sales.csv';
  try {
    linkSync(data.path, join(state, 'data', input));
  } catch {
    copyFileSync(data.path, join(state, 'data', input));
  }
  const args = ['serve', '--port', '0', '--data-dir', join(state, 'data'), '--store', join(state, 'jobs.db')];
  if (WORKERS > 0) args.push('--workers', String(WORKERS));
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, CHUNKMILL_TOKEN: TOKEN },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  try {
    const url = await listening(() => stderr);
    console.log(`machine: ${describeMachine(machine())}`);
    console.log(`server: ${url}, workers ${WORKERS || 'default'}, concurrency 2; input ${input} (${data.bytes} bytes)`);
    const probe = await submit(url, input, ['region']);
    await finished(url, probe);
    const idle: Window[] = [];
    const busy: (Window & { sseOk: number; jobSeconds: number })[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      idle.push(await window(url, probe, () => new Promise((r) => setTimeout(r, IDLE_S * 1000))));
      let sseOk = 0;
      let jobSeconds = 0;
      const w = await window(url, probe, async () => {
        const started = performance.now();
        const jobs = [await submit(url, input, ['region', 'product']), await submit(url, input, ['product'])];
        const clients = Array.from({ length: SSE_CLIENTS }, (_, i) => follow(url, jobs[i % 2]!));
        sseOk = (await Promise.all(clients)).filter(Boolean).length;
        jobSeconds = (performance.now() - started) / 1000;
      });
      busy.push({ ...w, sseOk, jobSeconds });
      const i = idle.at(-1)!;
      console.log(
        `round ${round}: idle p50 ${i.p50} ms p99 ${i.p99} ms max ${i.max} ms (${i.requests} req) | ` +
          `busy p50 ${w.p50} ms p99 ${w.p99} ms max ${w.max} ms (${w.requests} req, ${w.errors} errors), ` +
          `server loop p99 ${w.loopP99Ms.toFixed(1)} ms, jobs ${jobSeconds.toFixed(1)} s, SSE clients that saw the end ${sseOk}/${SSE_CLIENTS}`,
      );
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const summary = {
      machine: machine(),
      rounds: ROUNDS,
      rate: RATE,
      sseClients: SSE_CLIENTS,
      bytes: data.bytes,
      idle: { p50: med(idle.map((w) => w.p50)), p99: med(idle.map((w) => w.p99)) },
      busy: {
        p50: med(busy.map((w) => w.p50)),
        p99: med(busy.map((w) => w.p99)),
        loopP99Ms: med(busy.map((w) => w.loopP99Ms)),
        sseAllEnded: busy.every((w) => w.sseOk === SSE_CLIENTS),
      },
      windows: { idle, busy },
    };
    console.log(
      `medians of ${ROUNDS}: idle p50 ${summary.idle.p50} ms p99 ${summary.idle.p99} ms; busy p50 ${summary.busy.p50} ms ` +
        `p99 ${summary.busy.p99} ms; server event-loop p99 ${summary.busy.loopP99Ms.toFixed(1)} ms; ` +
        `every SSE client saw the end: ${summary.busy.sseAllEnded}`,
    );
    writeFileSync(new URL('./results/server.json', import.meta.url), `${JSON.stringify(summary, null, 2)}\n`);
    if (!summary.busy.sseAllEnded) process.exitCode = 1;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(state, { recursive: true, force: true });
  }
}

/** GET /api/jobs/:id at RATE requests/s while `during` runs; the server's event-loop delay over the same time. */
async function window(url: string, id: string, during: () => Promise<void>): Promise<Window> {
  await loopDelay(url); // resets the server's histogram (prom-client resets it on each scrape)
  const load = autocannon({
    url: `${url}/api/jobs/${id}`,
    connections: 10,
    overallRate: RATE,
    duration: 3600,
    headers: auth,
  });
  await during();
  load.stop();
  const r: Result = await load;
  return {
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    requests: r.requests.total,
    errors: r.errors + r.timeouts + r.non2xx,
    loopP99Ms: await loopDelay(url),
  };
}

async function loopDelay(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: auth })).text();
  return Number(/^chunkmill_nodejs_eventloop_lag_p99_seconds (\S+)/m.exec(text)?.[1] ?? Number.NaN) * 1000;
}

async function submit(url: string, input: string, groupBy: string[]): Promise<string> {
  const measures = { n: { kind: 'count' }, revenue: { kind: 'sum', column: 'amount' } };
  const response = await fetch(`${url}/api/jobs`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ spec: { input, aggregate: { groupBy, measures } } }),
  });
  if (response.status !== 202) throw new Error(`POST /api/jobs: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

/** One SSE client from the start of the job's log: true when it saw `done` and then `end: finished`. */
async function follow(url: string, id: string): Promise<boolean> {
  const response = await fetch(`${url}/api/jobs/${id}/events`, { headers: auth });
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body!) text += decoder.decode(chunk as Uint8Array, { stream: true });
  return /\nevent: done\n/.test(text) && /event: end\ndata: \{"reason":"finished"/.test(text);
}

async function finished(url: string, id: string): Promise<void> {
  await follow(url, id);
}

async function listening(stderr: () => string): Promise<string> {
  for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((r) => setTimeout(r, 20))) {
    const url = /listening on (http:\/\/\S+)/.exec(stderr())?.[1];
    if (url !== undefined) return url;
  }
  throw new Error(`chunkmill serve did not start: ${stderr()}`);
}

await main();
