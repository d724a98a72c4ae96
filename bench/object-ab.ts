/**
 * A/B of two builds of the engine on one object read (the group-by of bench/datasets.ts), runs
 * interleaved (A B B A ...) in one process: how each change to the object client was measured.
 * Beside the wall time it shows the engine's CPU (this process, every thread: the client's cost
 * is what it adds over a local file's) and the server process's CPU, medians of each.
 *
 *   cp -r dist /tmp/dist-before; ...change src/, npm run build...
 *   npx tsx bench/object-ab.ts --a /tmp/dist-before [--b dist] [--server range|s3rver] [--as http|s3]
 *                              [--size 200MB] [--workers 2] [--runs 8]
 *
 * --server range: bench/range-server.mjs (cheap: the client's cost shows); s3rver: the test S3
 * server. --as s3 reads s3://bench/KEY (SigV4 signed; the range server is then a path-style S3
 * endpoint), --as http the http:// URL (range server only). --local PATH reads a local file or
 * glob instead (no server: the 100-file dataset of datasets.ts, say). Both builds must give the
 * same rows.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startS3 } from '../test/helpers/s3.ts';
import { defaultDataDir, ensureDataset } from './data.ts';
import { childPid, processCpu, serveFile, startRangeServer } from './object-servers.ts';
import { SALES_QUERY } from './queries.ts';
import { describeMachine, machine, median, parseSize } from './util.ts';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: 'dist' },
    server: { type: 'string', default: 'range' },
    as: { type: 'string', default: 's3' },
    size: { type: 'string', default: '200MB' },
    workers: { type: 'string', default: '2' },
    runs: { type: 'string', default: '8' },
    local: { type: 'string' },
  },
});
if (values.a === undefined || !['range', 's3rver'].includes(values.server) || !['http', 's3'].includes(values.as)) {
  console.error('usage: npx tsx bench/object-ab.ts --a DIST_A [--b dist] [--server range|s3rver] [--as http|s3] ...');
  process.exit(2);
}
const workers = Number(values.workers);
const runs = Number(values.runs);
const dir = defaultDataDir();
const data = await ensureDataset(dir, 'sales', parseSize(values.size), 42, console.log);
const key = `sales-${data.bytes}.csv`;

// biome-ignore lint/suspicious/noExplicitAny: two builds' public APIs, loaded by path
type Engine = any;
const load = async (path: string): Promise<Engine> => import(pathToFileURL(resolve(path, 'index.js')).href);
const builds: [string, Engine][] = [
  ['A', await load(values.a)],
  ['B', await load(values.b)],
];

const s3 = await startS3();
let server: { pid: number; stop(): Promise<void> | void };
let options: Record<string, unknown>;
if (values.local !== undefined) {
  server = { pid: process.pid, stop: () => {} }; // no server: its CPU column is 0
  options = { input: values.local };
} else if (values.server === 's3rver') {
  if (values.as !== 's3') throw new Error('--server s3rver takes --as s3');
  await s3.createBucket('bench');
  await s3.putObject('bench', key, readFileSync(data.path));
  server = { pid: childPid('s3rver-child'), stop: () => {} };
  options = { input: `s3://bench/${key}`, s3: s3.settings };
} else {
  const cheap = await startRangeServer(serveFile(dir, data.path, key));
  server = cheap;
  options =
    values.as === 's3'
      ? { input: `s3://bench/${key}`, s3: { ...s3.settings, endpoint: cheap.base } }
      : { input: `${cheap.base}/bench/${key}` };
}

const samples: Record<string, { ms: number[]; cpu: number[]; server: number[] }> = {
  A: { ms: [], cpu: [], server: [] },
  B: { ms: [], cpu: [], server: [] },
};
const answers = new Set<string>();
try {
  for (let round = 0; round < runs; round++) {
    for (const [name, engine] of round % 2 === 0 ? builds : [...builds].reverse()) {
      const serverBefore = values.local !== undefined ? 0 : processCpu(server.pid);
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      const { rows } = await engine.processDataset({ ...options, aggregate: SALES_QUERY, workers }).result;
      samples[name]!.ms.push(performance.now() - started);
      const { user, system } = process.cpuUsage(cpuBefore);
      samples[name]!.cpu.push((user + system) / 1e6);
      samples[name]!.server.push(values.local !== undefined ? 0 : processCpu(server.pid) - serverBefore);
      answers.add(JSON.stringify(rows));
    }
  }
} finally {
  await server.stop();
  await s3.stop();
}
if (answers.size !== 1) throw new Error('the builds gave different rows');
console.log(
  `${describeMachine(machine())}; ${options.input}${values.local !== undefined ? '' : ` on ${values.server}`}, ${data.bytes.toLocaleString('en-US')} bytes, ${workers} workers, ${runs} runs each, interleaved; same rows`,
);
for (const name of ['A', 'B']) {
  const s = samples[name]!;
  console.log(
    `${name}: median ${(median(s.ms) / 1000).toFixed(2)} s  engine CPU ${median(s.cpu).toFixed(2)} s  server CPU ${median(s.server).toFixed(2)} s   (all: ${s.ms.map((m) => (m / 1000).toFixed(2)).join(' ')})`,
  );
}
console.log(
  `B/A: ${(median(samples.B!.ms) / median(samples.A!.ms)).toFixed(3)} wall, ${(median(samples.B!.cpu) / median(samples.A!.cpu)).toFixed(3)} engine CPU`,
);
